/* SPDX-License-Identifier: MIT */
/*
 * The port-I/O platform a guest sees: the devices of a QEMU pc machine that programs written for
 * it touch (docs/platform.md has the port map). The core embeds one struct platform in each
 * struct vm, next to the VM's struct pio_bus, and calls:
 *
 *   pio_bus_init(&vm->pio, vm);
 *   ret = platform_init(&vm->platform, &vm->pio, vm);   (after RAM size and vCPU count are set)
 *   ...  pio_bus_access(&vm->pio, port, size, is_write, &val) on each I/O exit ...
 *   platform_stop(&vm->platform);                        (when the guest stops, for any reason)
 *
 * Locking: one vCPU at a time uses a VM's devices today. When a VM runs several vCPUs at once,
 * each device needs a lock around its handlers (taken by the bus, see pio_bus.h), and the PIT
 * and CMOS clocks read vm_time_ns() inside it.
 */
#ifndef PLINTH_DRIVERS_VDEV_PLATFORM_H
#define PLINTH_DRIVERS_VDEV_PLATFORM_H

#include "drivers/vdev/cmos.h"
#include "drivers/vdev/debug_exit.h"
#include "drivers/vdev/fw_cfg.h"
#include "drivers/vdev/pci_host.h"
#include "drivers/vdev/pic.h"
#include "drivers/vdev/pit.h"
#include "drivers/vdev/port_misc.h"
#include "drivers/vdev/uart.h"

struct vm;
struct pio_bus;

#define PLATFORM_COM1 0x3f8

struct platform {
	struct uart com1;
	struct debug_exit debug_exit;
	struct fw_cfg fw_cfg;
	struct pci_host pci_host;
	struct pic pic;
	struct pit pit;
	struct cmos cmos;
	struct port_misc port_misc;
};

/* Resets every device and registers them all on bus (which pio_bus_init has emptied or which
 * holds only devices on other ports). Reads vm_ram_bytes(), vm_nr_vcpus() and vm_time_ns().
 * Returns 0 or the first registration error (-EBUSY if a port is already taken, -ENOSPC). */
int platform_init(struct platform *p, struct pio_bus *bus, struct vm *vm);
/* The guest stopped: pushes out the last partial console line. */
void platform_stop(struct platform *p);

#endif
