/* SPDX-License-Identifier: MIT */
/*
 * A VM's port-I/O bus: virtual devices claim port ranges; an access to a port nobody claims reads
 * all-ones, ignores writes and is reported once per port. Lookup is on the VM-exit path: no
 * allocation, no lock, no printing except that one report per unclaimed port.
 *
 * Locking: devices are registered while the VM is built, before any vCPU runs, and today one
 * vCPU at a time accesses a VM's devices. Once a VM runs several vCPUs at once, pio_bus_access
 * must take a per-device lock around each handler call (the lookup tables are read-only by then
 * and need none).
 */
#ifndef PLINTH_DRIVERS_VDEV_PIO_BUS_H
#define PLINTH_DRIVERS_VDEV_PIO_BUS_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

#define PIO_BUS_MAX_DEVICES 32
#define PIO_BUS_NR_PORTS    65536

/* size is 1, 2 or 4 and port + size - 1 lies in the device's range. A read handler stores the
 * value in the low size bytes of *val (the bus pre-fills all-ones and masks what comes back to
 * size bytes); a write handler gets val already masked to size bytes. Handlers return 0, or a
 * negative errno that stops the guest (a device that finds the guest broke its protocol).
 * byte_wide marks an 8-bit ISA device: the bus hands it a wider access as single-byte accesses,
 * lowest port first, as the ISA bus does (outw 0x3f8 writes 0x3f8 then 0x3f9). */
struct pio_device {
	const char *name;
	uint16_t base;
	uint16_t count;
	bool byte_wide;
	int (*read)(void *dev, uint16_t port, unsigned int size, uint32_t *val);
	int (*write)(void *dev, uint16_t port, unsigned int size, uint32_t val);
	void *dev;
};

struct pio_bus {
	struct vm *vm; /* for the unclaimed-port report */
	struct pio_device devices[PIO_BUS_MAX_DEVICES];
	unsigned int nr_devices;
	uint8_t port_to_device[PIO_BUS_NR_PORTS]; /* 0: unclaimed; otherwise index + 1 */
	uint64_t reported[PIO_BUS_NR_PORTS / 64]; /* unclaimed ports already reported */
};

/* Empties the bus (every port unclaimed, nothing reported yet). */
void pio_bus_init(struct pio_bus *bus, struct vm *vm);
/* -EBUSY if any port of the range is claimed, -ENOSPC when the bus is full, -EINVAL for an empty
 * or wrapping range or a missing handler. The bus keeps a copy of *d. */
int pio_bus_register(struct pio_bus *bus, const struct pio_device *d);
/* Registers n devices in order (a device with several port ranges); stops at the first error and
 * returns it, leaving the ranges registered before it in place. */
int pio_bus_register_all(struct pio_bus *bus, const struct pio_device *devs, unsigned int n);
/* One guest access (string and REP forms are split into single accesses by the caller). For an
 * access that straddles two devices or a device and an unclaimed port, each byte goes to its
 * owner. Bytes past port 0xffff (a word or dword access near the top) belong to no port: they
 * read as 0xff and are dropped on writes, without a report. An access that reaches no device is
 * reported once per port it starts at: vm_unclaimed_port(vm, port, size, is_write) the first
 * time only. On a write *val is only read (bits above size are ignored). Returns 0, -EINVAL for
 * a size other than 1, 2 or 4, or the handler's negative errno. */
int pio_bus_access(struct pio_bus *bus, uint16_t port, unsigned int size, bool is_write,
		   uint32_t *val);

#endif
