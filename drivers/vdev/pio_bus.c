// SPDX-License-Identifier: MIT
#include "drivers/vdev/pio_bus.h"
#include "drivers/vdev/vdev_host.h"
#include "core/compiler.h"
#include "core/errno.h"
#include "core/string.h"

STATIC_ASSERT(PIO_BUS_MAX_DEVICES < 256); /* port_to_device holds index + 1 in a byte */

static uint32_t size_mask(unsigned int size)
{
	return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

void pio_bus_init(struct pio_bus *bus, struct vm *vm)
{
	memset(bus, 0, sizeof(*bus));
	bus->vm = vm;
}

int pio_bus_register(struct pio_bus *bus, const struct pio_device *d)
{
	uint32_t end;

	if (!d || d->count == 0 || !d->read || !d->write)
		return -EINVAL;
	end = (uint32_t)d->base + d->count;
	if (end > PIO_BUS_NR_PORTS)
		return -EINVAL;
	for (uint32_t port = d->base; port < end; port++) {
		if (bus->port_to_device[port])
			return -EBUSY;
	}
	if (bus->nr_devices >= PIO_BUS_MAX_DEVICES)
		return -ENOSPC;
	bus->devices[bus->nr_devices] = *d;
	bus->nr_devices++;
	memset(&bus->port_to_device[d->base], (int)bus->nr_devices, d->count);
	return 0;
}

int pio_bus_register_all(struct pio_bus *bus, const struct pio_device *devs, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		int ret = pio_bus_register(bus, &devs[i]);

		if (ret)
			return ret;
	}
	return 0;
}

static void report_unclaimed(struct pio_bus *bus, uint16_t port, unsigned int size, bool is_write)
{
	uint64_t bit = BIT(port % 64);

	if (bus->reported[port / 64] & bit)
		return;
	bus->reported[port / 64] |= bit;
	vm_unclaimed_port(bus->vm, port, size, is_write);
}

/* An access wholly inside one device (idx = index + 1) or wholly unclaimed (idx = 0). */
static int access_one(struct pio_bus *bus, unsigned int idx, uint16_t port, unsigned int size,
		      bool is_write, uint32_t *val)
{
	uint32_t mask = size_mask(size);
	const struct pio_device *d;
	uint32_t v = mask;
	int ret;

	if (idx == 0) {
		report_unclaimed(bus, port, size, is_write);
		if (!is_write)
			*val = mask;
		return 0;
	}
	d = &bus->devices[idx - 1];
	if (is_write)
		return d->write(d->dev, port, size, *val & mask);
	ret = d->read(d->dev, port, size, &v);
	*val = v & mask;
	return ret;
}

/* Byte by byte, lowest port first; each byte goes to its own owner. */
static int access_bytes(struct pio_bus *bus, uint16_t port, unsigned int size, bool is_write,
			uint32_t *val)
{
	uint32_t result = 0;

	for (unsigned int i = 0; i < size; i++) {
		uint32_t p = (uint32_t)port + i;
		uint32_t byte = is_write ? (*val >> (8 * i)) & 0xff : 0xff;
		int ret;

		if (p < PIO_BUS_NR_PORTS) {
			ret = access_one(bus, bus->port_to_device[p], (uint16_t)p, 1, is_write,
					 &byte);
			if (ret)
				return ret;
		}
		result |= (byte & 0xff) << (8 * i);
	}
	if (!is_write)
		*val = result;
	return 0;
}

int pio_bus_access(struct pio_bus *bus, uint16_t port, unsigned int size, bool is_write,
		   uint32_t *val)
{
	unsigned int idx;

	if ((size != 1 && size != 2 && size != 4) || !val)
		return -EINVAL;
	idx = bus->port_to_device[port];
	if (size == 1)
		return access_one(bus, idx, port, 1, is_write, val);
	if ((uint32_t)port + size > PIO_BUS_NR_PORTS)
		return access_bytes(bus, port, size, is_write, val);
	for (unsigned int i = 1; i < size; i++) {
		if (bus->port_to_device[port + i] != idx)
			return access_bytes(bus, port, size, is_write, val);
	}
	if (idx && bus->devices[idx - 1].byte_wide)
		return access_bytes(bus, port, size, is_write, val);
	return access_one(bus, idx, port, size, is_write, val);
}
