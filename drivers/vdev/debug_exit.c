// SPDX-License-Identifier: MIT
#include "drivers/vdev/debug_exit.h"
#include "drivers/vdev/pio_bus.h"
#include "drivers/vdev/vdev_host.h"

void debug_exit_init(struct debug_exit *d, struct vm *vm, uint16_t base)
{
	d->vm = vm;
	d->base = base;
}

static int debug_exit_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	return 0; /* the bus pre-filled all-ones */
}

/* QEMU passes the value as written, whatever the size and whichever of the ports. */
static int debug_exit_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	struct debug_exit *d = dev;

	vm_debug_exit(d->vm, val);
	return 0;
}

int debug_exit_register(struct debug_exit *d, struct pio_bus *bus)
{
	const struct pio_device pd = {
		.name = "isa-debug-exit",
		.base = d->base,
		.count = DEBUG_EXIT_NR_PORTS,
		.read = debug_exit_read,
		.write = debug_exit_write,
		.dev = d,
	};

	return pio_bus_register(bus, &pd);
}
