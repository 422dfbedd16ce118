/* SPDX-License-Identifier: MIT */
/*
 * A PCI host bridge with nothing behind it: configuration mechanism #1 (PCI Local Bus 3.0,
 * section 3.2.2.3.2). The address register at 0xcf8 takes and returns 32-bit accesses; every
 * configuration read through 0xcfc-0xcff returns all-ones (no device answers) and writes are
 * ignored, whatever the address register says. Byte and word accesses to 0xcf8-0xcfb are not
 * configuration accesses: they read all-ones and are ignored, except the byte at 0xcf9, which is
 * the PIIX reset control register as on QEMU's pc machine (bit 2 requests a reset).
 */
#ifndef PLINTH_DRIVERS_VDEV_PCI_HOST_H
#define PLINTH_DRIVERS_VDEV_PCI_HOST_H

#include <stdint.h>

struct vm;
struct pio_bus;

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_RESET_CONTROL  0xcf9
#define PCI_CONFIG_DATA	   0xcfc

struct pci_host {
	struct vm *vm;
	uint32_t config_address;
	uint8_t reset_control; /* bit 1 (SYS_RST: hard reset) as last written */
};

void pci_host_init(struct pci_host *h, struct vm *vm);
/* Claims 0xcf8-0xcff. */
int pci_host_register(struct pci_host *h, struct pio_bus *bus);

#endif
