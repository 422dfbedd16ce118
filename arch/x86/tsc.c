// SPDX-License-Identifier: MIT
#include "arch/x86/cpu.h"
#include "arch/x86/io.h"
#include "arch/x86/tsc.h"

#define PIT_HZ		  1193182u
#define PIT_CH2_DATA	  0x42
#define PIT_COMMAND	  0x43
#define PORT_NMI_SC	  0x61 /* bit 0: channel 2 gate; bit 1: speaker; bit 5: channel 2 out */
#define CALIBRATE_MS	  10u
#define CALIBRATE_TIMEOUT (1ull << 32) /* TSC ticks: give up on a PIT that never fires */
#define FALLBACK_KHZ	  1000000u /* 1 GHz when the PIT does not answer */

static uint64_t khz = FALLBACK_KHZ;

uint64_t tsc_calibrate(void)
{
	uint16_t count = (uint16_t)(PIT_HZ * CALIBRATE_MS / 1000);
	uint64_t start, end;
	uint8_t sc;

	sc = inb(PORT_NMI_SC);
	outb(PORT_NMI_SC, (uint8_t)((sc & ~0x02) | 0x01)); /* gate on, speaker off */
	outb(PIT_COMMAND, 0xb0); /* channel 2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2_DATA, count & 0xff);
	outb(PIT_CH2_DATA, count >> 8);
	start = rdtsc();
	end = start;
	while (!(inb(PORT_NMI_SC) & 0x20)) {
		end = rdtsc();
		if (end - start > CALIBRATE_TIMEOUT)
			break;
	}
	outb(PORT_NMI_SC, sc);
	if (end - start > 0 && end - start <= CALIBRATE_TIMEOUT)
		khz = (end - start) / CALIBRATE_MS;
	if (khz == 0)
		khz = FALLBACK_KHZ;
	return khz;
}

uint64_t tsc_khz(void)
{
	return khz;
}

uint64_t tsc_to_ns(uint64_t tsc)
{
	/* tsc * 1e6 / khz without overflow for any realistic uptime. */
	return (tsc / khz) * 1000000u + (tsc % khz) * 1000000u / khz;
}
