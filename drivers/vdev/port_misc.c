// SPDX-License-Identifier: MIT
#include "drivers/vdev/port_misc.h"
#include "drivers/vdev/pio_bus.h"
#include "drivers/vdev/vdev_host.h"
#include "core/compiler.h"

void port_misc_init(struct port_misc *m, struct vm *vm)
{
	m->vm = vm;
	m->post_code = 0;
	m->sys_ctrl_a = SYS_CTRL_A_A20;
}

static int post_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	struct port_misc *m = dev;

	*val = m->post_code;
	return 0;
}

static int post_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	struct port_misc *m = dev;

	m->post_code = (uint8_t)val;
	return 0;
}

static int sys_ctrl_a_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	struct port_misc *m = dev;

	*val = m->sys_ctrl_a | SYS_CTRL_A_A20;
	return 0;
}

static int sys_ctrl_a_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	struct port_misc *m = dev;

	m->sys_ctrl_a = val & ~SYS_CTRL_A_RESET;
	if (val & SYS_CTRL_A_RESET)
		vm_reset_request(m->vm);
	return 0;
}

int port_misc_register(struct port_misc *m, struct pio_bus *bus)
{
	const struct pio_device devs[] = {
		{ .name = "post",
		  .base = PORT_POST,
		  .count = 1,
		  .byte_wide = true,
		  .read = post_read,
		  .write = post_write,
		  .dev = m },
		{ .name = "sys-ctrl-a",
		  .base = PORT_SYS_CTRL_A,
		  .count = 1,
		  .byte_wide = true,
		  .read = sys_ctrl_a_read,
		  .write = sys_ctrl_a_write,
		  .dev = m },
	};

	return pio_bus_register_all(bus, devs, ARRAY_SIZE(devs));
}
