/* SPDX-License-Identifier: MIT */
/*
 * isa-debug-exit, as QEMU's -device isa-debug-exit,iobase=0xf4,iosize=0x04: writing v to any of
 * its ports (any size) ends the guest with status (v << 1) | 1; reads return all-ones.
 */
#ifndef PLINTH_DRIVERS_VDEV_DEBUG_EXIT_H
#define PLINTH_DRIVERS_VDEV_DEBUG_EXIT_H

#include <stdint.h>

struct vm;
struct pio_bus;

#define DEBUG_EXIT_PORT	    0xf4
#define DEBUG_EXIT_NR_PORTS 4

struct debug_exit {
	struct vm *vm;
	uint16_t base;
};

void debug_exit_init(struct debug_exit *d, struct vm *vm, uint16_t base);
int debug_exit_register(struct debug_exit *d, struct pio_bus *bus);

#endif
