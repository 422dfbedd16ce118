/* SPDX-License-Identifier: MIT */
/*
 * A VM's port-I/O bus: virtual devices claim port ranges; an access to a port nobody claims reads
 * all-ones, ignores writes and is reported once per port. Lookup is on the VM-exit path: no
 * allocation, no lock, no printing except that one report per unclaimed port.
 */
#ifndef PLINTH_DRIVERS_VDEV_PIO_BUS_H
#define PLINTH_DRIVERS_VDEV_PIO_BUS_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

#define PIO_BUS_MAX_DEVICES 16

/* size is 1, 2 or 4 and port + size - 1 lies in the device's range. A read handler stores the
 * value in the low size bytes of *val (the bus pre-fills all-ones). Handlers return 0, or a
 * negative errno that stops the guest (a device that finds the guest broke its protocol). */
struct pio_device {
	const char *name;
	uint16_t base;
	uint16_t count;
	int (*read)(void *dev, uint16_t port, unsigned int size, uint32_t *val);
	int (*write)(void *dev, uint16_t port, unsigned int size, uint32_t val);
	void *dev;
};

struct pio_bus {
	struct vm *vm; /* for the unclaimed-port report */
	struct pio_device devices[PIO_BUS_MAX_DEVICES];
	unsigned int nr_devices;
	uint8_t port_to_device[65536]; /* 0: unclaimed; otherwise index + 1 */
	uint64_t reported[65536 / 64]; /* unclaimed ports already reported */
};

void pio_bus_init(struct pio_bus *bus, struct vm *vm);
/* -EBUSY if any port of the range is claimed, -ENOSPC when the bus is full, -EINVAL for an empty
 * or wrapping range. */
int pio_bus_register(struct pio_bus *bus, const struct pio_device *d);
/* One guest access (string and REP forms are split into single accesses by the caller). For an
 * access that straddles two devices or a device and an unclaimed port, each byte goes to its
 * owner. Returns 0 or the handler's negative errno. */
int pio_bus_access(struct pio_bus *bus, uint16_t port, unsigned int size, bool is_write,
		   uint32_t *val);

#endif
