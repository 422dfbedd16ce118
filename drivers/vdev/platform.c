// SPDX-License-Identifier: MIT
#include "drivers/vdev/platform.h"
#include "drivers/vdev/pio_bus.h"

int platform_init(struct platform *p, struct pio_bus *bus, struct vm *vm)
{
	int ret;

	uart_init(&p->com1, vm, PLATFORM_COM1);
	debug_exit_init(&p->debug_exit, vm, DEBUG_EXIT_PORT);
	fw_cfg_init(&p->fw_cfg, vm);
	pci_host_init(&p->pci_host, vm);
	pic_init(&p->pic);
	pit_init(&p->pit, vm);
	cmos_init(&p->cmos, vm, CMOS_START_UNIX);
	port_misc_init(&p->port_misc, vm);

	ret = uart_register(&p->com1, bus);
	if (!ret)
		ret = debug_exit_register(&p->debug_exit, bus);
	if (!ret)
		ret = fw_cfg_register(&p->fw_cfg, bus);
	if (!ret)
		ret = pci_host_register(&p->pci_host, bus);
	if (!ret)
		ret = pic_register(&p->pic, bus);
	if (!ret)
		ret = pit_register(&p->pit, bus);
	if (!ret)
		ret = cmos_register(&p->cmos, bus);
	if (!ret)
		ret = port_misc_register(&p->port_misc, bus);
	return ret;
}

void platform_stop(struct platform *p)
{
	uart_flush(&p->com1);
}
