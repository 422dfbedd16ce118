/* SPDX-License-Identifier: MIT */
/*
 * Two single PC ports: the POST code port 0x80 (firmware progress codes; Linux writes it as an
 * I/O delay), which reads back the last value written, and System Control Port A at 0x92 (fast
 * A20 gate and fast reset). A20 is never masked: bit 1 always reads set. Writing bit 0 = 1 asks
 * for a reset through vm_reset_request().
 */
#ifndef PLINTH_DRIVERS_VDEV_PORT_MISC_H
#define PLINTH_DRIVERS_VDEV_PORT_MISC_H

#include <stdint.h>

struct vm;
struct pio_bus;

#define PORT_POST	 0x80
#define PORT_SYS_CTRL_A	 0x92
#define SYS_CTRL_A_RESET 0x01
#define SYS_CTRL_A_A20	 0x02

struct port_misc {
	struct vm *vm;
	uint8_t post_code;
	uint8_t sys_ctrl_a; /* as written, without the reset bit */
};

void port_misc_init(struct port_misc *m, struct vm *vm);
/* Claims 0x80 and 0x92. */
int port_misc_register(struct port_misc *m, struct pio_bus *bus);

#endif
