/* SPDX-License-Identifier: MIT */
/*
 * A VM's MMIO bus: devices claim guest-physical ranges that EPT leaves unmapped, so that an
 * access exits; the instruction emulator then performs it against the device. A handful of
 * devices per VM: a linear search is as fast as anything else here.
 */
#ifndef PLINTH_DRIVERS_VDEV_MMIO_BUS_H
#define PLINTH_DRIVERS_VDEV_MMIO_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/errno.h"

#define MMIO_BUS_MAX_DEVICES 8

/* offset + len lies in the device; len is 1 to 16. Handlers return 0 or a negative errno that
 * stops the guest. */
struct mmio_device {
	const char *name;
	uint64_t gpa;
	uint64_t len;
	int (*read)(void *dev, uint64_t offset, void *buf, unsigned int len);
	int (*write)(void *dev, uint64_t offset, const void *buf, unsigned int len);
	void *dev;
	bool per_vcpu; /* each vCPU reaches its own state (the local APIC): no VM-wide lock */
	bool locked; /* set by the VM: accesses hold its device lock (it has several vCPUs) */
};

struct mmio_bus {
	struct mmio_device devices[MMIO_BUS_MAX_DEVICES];
	unsigned int nr_devices;
};

void mmio_bus_init(struct mmio_bus *bus);
/* -EBUSY for an overlap, -ENOSPC when full, -EINVAL for an empty or wrapping range. */
int mmio_bus_register(struct mmio_bus *bus, const struct mmio_device *d);
/* The device whose range holds gpa, or NULL. */
const struct mmio_device *mmio_bus_find(const struct mmio_bus *bus, uint64_t gpa);
/* One access of len bytes (1..16) to device d; -ENODEV when [gpa, gpa + len) is not inside
 * it. For a caller that found the device already (the EPT-violation handler). */
static inline int mmio_device_access(const struct mmio_device *d, uint64_t gpa, void *buf,
				     unsigned int len, bool is_write)
{
	uint64_t offset = gpa - d->gpa; /* wraps to a huge value below the device */

	if (offset >= d->len || len == 0 || len > 16 || len > d->len - offset)
		return -ENODEV;
	return is_write ? d->write(d->dev, offset, buf, len) : d->read(d->dev, offset, buf, len);
}
/* One access of len bytes (1..16); -ENODEV when [gpa, gpa + len) is not inside one device. */
int mmio_bus_access(struct mmio_bus *bus, uint64_t gpa, void *buf, unsigned int len, bool is_write);

#endif
