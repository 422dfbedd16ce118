// SPDX-License-Identifier: MIT
#include "drivers/vdev/pci_host.h"
#include "drivers/vdev/pio_bus.h"
#include "drivers/vdev/vdev_host.h"

#define RCR_SYS_RST 0x02
#define RCR_RST_CPU 0x04

void pci_host_init(struct pci_host *h, struct vm *vm)
{
	h->vm = vm;
	h->config_address = 0;
	h->reset_control = 0;
}

/* The bus pre-fills all-ones: that is what every configuration read returns. */
static int pci_host_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	struct pci_host *h = dev;

	if (port == PCI_CONFIG_ADDRESS && size == 4)
		*val = h->config_address;
	else if (port == PCI_RESET_CONTROL && size == 1)
		*val = h->reset_control;
	return 0;
}

static int pci_host_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	struct pci_host *h = dev;

	if (port == PCI_CONFIG_ADDRESS && size == 4) {
		h->config_address = val;
	} else if (port == PCI_RESET_CONTROL && size == 1) {
		h->reset_control = val & RCR_SYS_RST;
		if (val & RCR_RST_CPU)
			vm_reset_request(h->vm);
	}
	return 0;
}

int pci_host_register(struct pci_host *h, struct pio_bus *bus)
{
	const struct pio_device d = {
		.name = "pci-host",
		.base = PCI_CONFIG_ADDRESS,
		.count = 8,
		.read = pci_host_read,
		.write = pci_host_write,
		.dev = h,
	};

	return pio_bus_register(bus, &d);
}
