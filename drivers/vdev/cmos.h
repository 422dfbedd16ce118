/* SPDX-License-Identifier: MIT */
/*
 * The MC146818 real-time clock and its 128 bytes of CMOS RAM (index port 0x70, bit 7 = NMI
 * disable; data port 0x71). The clock starts at CMOS_START_UNIX (2026-01-01 00:00:00, a
 * Thursday) when the VM is created and advances with vm_time_ns(); a guest may set it. The
 * memory-size bytes are filled in as QEMU's pc machine does, for firmware and loaders that
 * size memory from the CMOS.
 */
#ifndef PLINTH_DRIVERS_VDEV_CMOS_H
#define PLINTH_DRIVERS_VDEV_CMOS_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct pio_bus;

#define CMOS_PORT_INDEX 0x70
#define CMOS_PORT_DATA	0x71
#define CMOS_NR_BYTES	128
#define CMOS_START_UNIX 1767225600ll /* 2026-01-01T00:00:00Z */

/* Clock and calendar in binary, 24-hour; year is the full year (century byte included). */
struct cmos_time {
	uint8_t sec, min, hour, wday, mday, mon; /* wday 1-7, Sunday = 1 */
	uint16_t year;
};

struct cmos {
	struct vm *vm;
	uint8_t index;
	bool nmi_disabled; /* port 0x70 bit 7, for the NMI path to come */
	uint8_t ram[CMOS_NR_BYTES];
	/* While status B's SET bit holds updates, the clock is the registers in held; otherwise it
	 * is base_unix at base_ns, advancing one second per 10^9 ns of vm_time_ns(). */
	int64_t base_unix;
	uint64_t base_ns;
	uint8_t wday_offset; /* added to the computed weekday: the guest may set any weekday */
	struct cmos_time held;
	/* Register C: the clock second and periodic tick count when the guest last read it. */
	int64_t c_read_second;
	uint64_t c_read_periodic;
};

void cmos_init(struct cmos *c, struct vm *vm, int64_t start_unix);
/* Claims 0x70-0x71. */
int cmos_register(struct cmos *c, struct pio_bus *bus);
/* The clock now, as the time registers show it (used by the tests and the console). */
struct cmos_time cmos_time_now(const struct cmos *c);

#endif
