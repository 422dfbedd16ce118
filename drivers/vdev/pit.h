/* SPDX-License-Identifier: MIT */
/*
 * The 8254 programmable interval timer (counters at 0x40-0x42, control word at 0x43) and the
 * PC's NMI status and control port 0x61 (channel 2's gate and output, the speaker enable, the
 * refresh toggle). Counters are not ticked: their value and OUT are computed on each access from
 * vm_time_ns() at 1.193182 MHz, so a guest calibrating a delay loop sees real progress. No
 * interrupt is raised yet (channel 0 would drive IRQ0); pit_out() gives the interrupt path to
 * come what it needs.
 */
#ifndef PLINTH_DRIVERS_VDEV_PIT_H
#define PLINTH_DRIVERS_VDEV_PIT_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct pio_bus;

#define PIT_FREQ_HZ	 1193182
#define PIT_PORT	 0x40
#define PIT_PORT_CONTROL 0x43
#define PIT_PORT_NMI_SC	 0x61
#define PIT_NR_CHANNELS	 3

struct pit_channel {
	uint16_t reload; /* the count register as written: 0 means 0x10000 (10000 in BCD) */
	uint8_t mode; /* 0-5 (modes 6 and 7 are 2 and 3) */
	uint8_t access; /* 1: low byte, 2: high byte, 3: low then high byte */
	bool bcd;
	bool gate;
	bool armed; /* a count was loaded since the last control word */
	bool running; /* counting now: armed and the gate lets it count */
	uint64_t run_start_ns; /* when counting (re)started */
	uint64_t ticks_before; /* ticks counted before run_start_ns */
	bool write_hi_next; /* low/high access: the next count write is the high byte */
	uint8_t write_lo;
	bool read_hi_next; /* low/high access: the next unlatched read returns the high byte */
	bool count_latched, latch_hi_next;
	uint16_t latched_count; /* as the guest reads it (BCD in BCD mode) */
	bool status_latched;
	uint8_t latched_status;
	bool null_count; /* a count was written but not yet loaded (status bit 6) */
};

struct pit {
	struct vm *vm;
	struct pit_channel ch[PIT_NR_CHANNELS];
	uint8_t nmi_sc; /* port 0x61 bits 0-3 as written */
};

/* QEMU's reset state: every channel in mode 3 with count 0x10000, counting from now; channel 2's
 * gate is low (port 0x61 bit 0 clear) so it waits. */
void pit_init(struct pit *p, struct vm *vm);
/* Claims 0x40-0x43 and 0x61. */
int pit_register(struct pit *p, struct pio_bus *bus);
/* The OUT pin of channel ch (0-2) at time now_ns. */
bool pit_out(const struct pit *p, unsigned int ch, uint64_t now_ns);

#endif
