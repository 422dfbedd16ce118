// SPDX-License-Identifier: MIT
#include "drivers/vdev/pic.h"
#include "drivers/vdev/pio_bus.h"
#include "core/compiler.h"
#include "core/string.h"

#define ICW1	  0x10 /* command port: bit 4 set */
#define ICW1_IC4  0x01
#define ICW1_SNGL 0x02
#define ICW1_LTIM 0x08
#define OCW3	  0x08 /* command port, bit 4 clear: bit 3 set is OCW3, clear is OCW2 */
#define OCW3_RIS  0x01
#define OCW3_RR	  0x02
#define OCW3_P	  0x04
#define OCW3_SMM  0x20
#define OCW3_ESMM 0x40
#define ICW4_AEOI 0x02

/* OCW2 bits 7:5 (R, SL, EOI). */
enum ocw2_cmd {
	OCW2_ROTATE_AEOI_CLEAR = 0,
	OCW2_EOI = 1,
	OCW2_NOP = 2,
	OCW2_SPECIFIC_EOI = 3,
	OCW2_ROTATE_AEOI_SET = 4,
	OCW2_ROTATE_EOI = 5,
	OCW2_SET_PRIORITY = 6,
	OCW2_ROTATE_SPECIFIC_EOI = 7,
};

static void chip_reset(struct pic_chip *c, uint16_t base)
{
	memset(c, 0, sizeof(*c));
	c->base = base;
	c->lowest_priority = 7;
}

void pic_init(struct pic *p)
{
	chip_reset(&p->chip[0], PIC_MASTER_PORT);
	chip_reset(&p->chip[1], PIC_SLAVE_PORT);
	p->elcr[0] = 0;
	p->elcr[1] = 0;
}

/* The level of highest priority set in bits, or -1. */
static int highest_priority(const struct pic_chip *c, uint8_t bits)
{
	for (unsigned int i = 1; i <= 8; i++) {
		unsigned int level = (c->lowest_priority + i) & 7;

		if (bits & (1u << level))
			return (int)level;
	}
	return -1;
}

static void icw1_write(struct pic_chip *c, uint8_t val)
{
	/* ICW1 clears the mask and the in-service state, makes IR0 the highest priority and
	 * selects IRR for reads (8259A data sheet, "Initialization Command Words"). */
	c->imr = 0;
	c->isr = 0;
	c->irr = 0;
	c->lowest_priority = 7;
	c->read_isr = false;
	c->poll = false;
	c->special_mask = false;
	c->auto_eoi = false;
	c->rotate_on_auto_eoi = false;
	c->icw4_needed = val & ICW1_IC4;
	c->single = val & ICW1_SNGL;
	c->level_triggered = val & ICW1_LTIM;
	if (!c->icw4_needed)
		c->icw4 = 0;
	c->init_step = PIC_WANT_ICW2;
}

static void ocw2_write(struct pic_chip *c, uint8_t val)
{
	unsigned int level = val & 7;
	int served = highest_priority(c, c->isr);

	switch ((enum ocw2_cmd)(val >> 5)) {
	case OCW2_ROTATE_AEOI_CLEAR:
		c->rotate_on_auto_eoi = false;
		break;
	case OCW2_ROTATE_AEOI_SET:
		c->rotate_on_auto_eoi = true;
		break;
	case OCW2_EOI:
	case OCW2_ROTATE_EOI:
		if (served < 0)
			break;
		c->isr &= ~(1u << served);
		if (val >> 5 == OCW2_ROTATE_EOI)
			c->lowest_priority = (uint8_t)served;
		break;
	case OCW2_SPECIFIC_EOI:
		c->isr &= ~(1u << level);
		break;
	case OCW2_ROTATE_SPECIFIC_EOI:
		c->isr &= ~(1u << level);
		c->lowest_priority = (uint8_t)level;
		break;
	case OCW2_SET_PRIORITY:
		c->lowest_priority = (uint8_t)level;
		break;
	case OCW2_NOP:
		break;
	}
}

static void ocw3_write(struct pic_chip *c, uint8_t val)
{
	if (val & OCW3_RR)
		c->read_isr = val & OCW3_RIS;
	c->poll = val & OCW3_P;
	if (val & OCW3_ESMM)
		c->special_mask = val & OCW3_SMM;
}

static void data_write(struct pic_chip *c, uint8_t val)
{
	switch (c->init_step) {
	case PIC_WANT_ICW2:
		c->vector_base = val & 0xf8;
		if (!c->single)
			c->init_step = PIC_WANT_ICW3;
		else
			c->init_step = c->icw4_needed ? PIC_WANT_ICW4 : PIC_READY;
		break;
	case PIC_WANT_ICW3:
		c->icw3 = val;
		c->init_step = c->icw4_needed ? PIC_WANT_ICW4 : PIC_READY;
		break;
	case PIC_WANT_ICW4:
		c->icw4 = val & 0x1f;
		c->auto_eoi = val & ICW4_AEOI;
		c->init_step = PIC_READY;
		break;
	default:
		c->imr = val; /* OCW1 */
		break;
	}
}

static int pic_chip_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	struct pic_chip *c = dev;
	int level;

	if (port != c->base) {
		*val = c->imr;
	} else if (c->poll) {
		/* The poll byte: bit 7 = an unmasked interrupt is requested, bits 2:0 its level. */
		c->poll = false;
		level = highest_priority(c, c->irr & ~c->imr);
		*val = level < 0 ? 0 : 0x80 | (unsigned int)level;
	} else {
		*val = c->read_isr ? c->isr : c->irr;
	}
	return 0;
}

static int pic_chip_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	struct pic_chip *c = dev;
	uint8_t v = (uint8_t)val;

	if (port != c->base)
		data_write(c, v);
	else if (v & ICW1)
		icw1_write(c, v);
	else if (v & OCW3)
		ocw3_write(c, v);
	else
		ocw2_write(c, v);
	return 0;
}

static int elcr_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	struct pic *p = dev;

	*val = p->elcr[port - PIC_ELCR_PORT];
	return 0;
}

static int elcr_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	struct pic *p = dev;

	p->elcr[port - PIC_ELCR_PORT] = (uint8_t)val;
	return 0;
}

int pic_register(struct pic *p, struct pio_bus *bus)
{
	const struct pio_device devs[] = {
		{ .name = "pic-master",
		  .base = PIC_MASTER_PORT,
		  .count = 2,
		  .byte_wide = true,
		  .read = pic_chip_read,
		  .write = pic_chip_write,
		  .dev = &p->chip[0] },
		{ .name = "pic-slave",
		  .base = PIC_SLAVE_PORT,
		  .count = 2,
		  .byte_wide = true,
		  .read = pic_chip_read,
		  .write = pic_chip_write,
		  .dev = &p->chip[1] },
		{ .name = "elcr",
		  .base = PIC_ELCR_PORT,
		  .count = 2,
		  .byte_wide = true,
		  .read = elcr_read,
		  .write = elcr_write,
		  .dev = p },
	};

	return pio_bus_register_all(bus, devs, ARRAY_SIZE(devs));
}
