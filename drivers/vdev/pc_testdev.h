/* SPDX-License-Identifier: MIT */
/*
 * QEMU's pc-testdev, the parts test programs use to exercise a hypervisor's emulation: 64 KiB
 * of MMIO "RAM" at GPA 0xff000000 (reads return what was written, but every access exits and
 * goes through the instruction emulator), a 32-bit data port at 0xe0 (reads return what was
 * written) and the flush-page port at 0xe4 (writes accepted).
 */
#ifndef PLINTH_DRIVERS_VDEV_PC_TESTDEV_H
#define PLINTH_DRIVERS_VDEV_PC_TESTDEV_H

#include <stdint.h>
#include "drivers/vdev/mmio_bus.h"
#include "drivers/vdev/pio_bus.h"

#define PC_TESTDEV_IOMEM_GPA   0xff000000ull
#define PC_TESTDEV_IOMEM_BYTES 0x10000u
#define PC_TESTDEV_PORT	       0xe0
#define PC_TESTDEV_FLUSH_PORT  0xe4

struct pc_testdev {
	uint32_t port_data;
	uint8_t iomem[PC_TESTDEV_IOMEM_BYTES];
};

int pc_testdev_init(struct pc_testdev *t, struct pio_bus *pio, struct mmio_bus *mmio);

#endif
