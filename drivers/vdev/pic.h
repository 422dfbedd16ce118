/* SPDX-License-Identifier: MIT */
/*
 * The two 8259A interrupt controllers of a PC (master at 0x20/0x21, slave at 0xa0/0xa1) and the
 * PIIX edge/level control registers (ELCR, 0x4d0/0x4d1). Programming follows the Intel 8259A
 * data sheet: ICW1-ICW4, OCW1 (mask), OCW2 (EOI and priority rotation), OCW3 (read IRR/ISR,
 * poll, special mask). No interrupt is raised yet, so IRR and ISR stay 0; the state a guest
 * programs (vector base, mask, modes) is kept for the interrupt path to come.
 */
#ifndef PLINTH_DRIVERS_VDEV_PIC_H
#define PLINTH_DRIVERS_VDEV_PIC_H

#include <stdbool.h>
#include <stdint.h>

struct pio_bus;

#define PIC_MASTER_PORT 0x20
#define PIC_SLAVE_PORT	0xa0
#define PIC_ELCR_PORT	0x4d0

enum pic_init_step { PIC_READY, PIC_WANT_ICW2, PIC_WANT_ICW3, PIC_WANT_ICW4 };

struct pic_chip {
	uint16_t base;
	uint8_t imr, irr, isr;
	uint8_t vector_base; /* ICW2 & 0xf8 */
	uint8_t icw3, icw4;
	uint8_t lowest_priority; /* the level of lowest priority (7 after ICW1) */
	uint8_t init_step; /* enum pic_init_step */
	bool icw4_needed, single, level_triggered;
	bool read_isr; /* OCW3: a read of the command port returns ISR, else IRR */
	bool poll; /* OCW3 poll command: the next command-port read is the poll byte */
	bool special_mask, auto_eoi, rotate_on_auto_eoi;
};

struct pic {
	struct pic_chip chip[2]; /* master, slave */
	uint8_t elcr[2]; /* 1 = level-triggered, per IRQ; guests write what PIIX allows */
};

void pic_init(struct pic *p);
/* Claims both chips' ports and the ELCR. */
int pic_register(struct pic *p, struct pio_bus *bus);

#endif
