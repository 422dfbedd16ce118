// SPDX-License-Identifier: MIT
#include "drivers/vdev/mmio_bus.h"
#include "core/errno.h"

void mmio_bus_init(struct mmio_bus *bus)
{
	bus->nr_devices = 0;
}

int mmio_bus_register(struct mmio_bus *bus, const struct mmio_device *d)
{
	if (d->len == 0 || d->gpa + d->len < d->gpa)
		return -EINVAL;
	for (unsigned int i = 0; i < bus->nr_devices; i++) {
		const struct mmio_device *o = &bus->devices[i];

		if (d->gpa < o->gpa + o->len && o->gpa < d->gpa + d->len)
			return -EBUSY;
	}
	if (bus->nr_devices == MMIO_BUS_MAX_DEVICES)
		return -ENOSPC;
	bus->devices[bus->nr_devices++] = *d;
	return 0;
}

const struct mmio_device *mmio_bus_find(const struct mmio_bus *bus, uint64_t gpa)
{
	for (unsigned int i = 0; i < bus->nr_devices; i++) {
		const struct mmio_device *d = &bus->devices[i];

		if (gpa - d->gpa < d->len)
			return d;
	}
	return NULL;
}

int mmio_bus_access(struct mmio_bus *bus, uint64_t gpa, void *buf, unsigned int len, bool is_write)
{
	const struct mmio_device *d = mmio_bus_find(bus, gpa);

	return d ? mmio_device_access(d, gpa, buf, len, is_write) : -ENODEV;
}
