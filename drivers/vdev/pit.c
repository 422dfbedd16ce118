// SPDX-License-Identifier: MIT
/*
 * Counter behaviour per mode follows the Intel 8254 data sheet, with two simplifications QEMU
 * shares: modes 1 and 5 start counting when the count is written (and restart on a rising gate)
 * instead of waiting for a first gate edge, and a new count in modes 2 and 3 takes effect at
 * once rather than at the end of the current period. A gate held low pauses modes 0 and 4 and
 * stops modes 2 and 3 (OUT high) until a rising edge reloads them.
 */
#include "drivers/vdev/pit.h"
#include "drivers/vdev/pio_bus.h"
#include "drivers/vdev/vdev_host.h"
#include "core/compiler.h"
#include "core/string.h"

#define NS_PER_SEC 1000000000ull

/* Control word (port 0x43). */
#define CW_SC_SHIFT   6
#define CW_SC_READ    3 /* select counter 3: the read-back command */
#define CW_RW_SHIFT   4
#define CW_RW_LATCH   0 /* read/write 0: the counter latch command */
#define CW_MODE_SHIFT 1
#define CW_BCD	      0x01
#define RB_NO_COUNT   0x20 /* read-back: bit clear = latch the count */
#define RB_NO_STATUS  0x10 /* read-back: bit clear = latch the status */

#define ACCESS_LO   1
#define ACCESS_HI   2
#define ACCESS_LOHI 3

/* Port 0x61. */
#define NMI_SC_GATE2	0x01
#define NMI_SC_WRITABLE 0x0f /* gate 2, speaker data, parity and I/O check enables */
#define NMI_SC_REFRESH	0x10
#define NMI_SC_OUT2	0x20
/* The refresh request toggles bit 4 every 15.085 us (channel 1 at count 18 on a PC). */
#define REFRESH_PERIOD_NS 15085

static uint64_t ns_to_ticks(uint64_t ns)
{
	return ns / NS_PER_SEC * PIT_FREQ_HZ + ns % NS_PER_SEC * PIT_FREQ_HZ / NS_PER_SEC;
}

static uint32_t bcd_to_bin16(uint16_t v)
{
	return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 + (v >> 12) * 1000;
}

static uint16_t bin_to_bcd16(uint32_t v)
{
	return (uint16_t)(v % 10 | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 |
			  (v / 1000 % 10) << 12);
}

/* The counter wraps at 0x10000 in binary and 10000 in BCD. */
static uint32_t modulus(const struct pit_channel *c)
{
	return c->bcd ? 10000 : 0x10000;
}

/* The initial count in binary, 1 .. 0x10000 (or up to 16665 for a BCD count with bad digits). */
static uint32_t initial_count(const struct pit_channel *c)
{
	if (c->reload == 0)
		return modulus(c);
	return c->bcd ? bcd_to_bin16(c->reload) : c->reload;
}

static uint64_t elapsed_ticks(const struct pit_channel *c, uint64_t now)
{
	if (!c->running || now <= c->run_start_ns)
		return c->ticks_before;
	return c->ticks_before + ns_to_ticks(now - c->run_start_ns);
}

/* Does the gate let this mode count? In modes 1 and 5 it only triggers. */
static bool gate_counts(const struct pit_channel *c)
{
	return c->gate || c->mode == 1 || c->mode == 5;
}

/* The counting element, in binary (0 stands for the wrapped 0x10000 / 10000). */
static uint32_t counter_value(const struct pit_channel *c, uint64_t now)
{
	uint32_t n = initial_count(c), m = modulus(c);
	uint64_t d;

	if (!c->armed)
		return n % m;
	d = elapsed_ticks(c, now);
	switch (c->mode) {
	case 2:
		return (uint32_t)(n - d % n) % m; /* n .. 1, then reload */
	case 3:
		return (uint32_t)(n - 2 * d % n) % m; /* by twos */
	default:
		return (uint32_t)(n % m + m - d % m) % m; /* down to 0, then wraps on */
	}
}

static bool channel_out(const struct pit_channel *c, uint64_t now)
{
	uint32_t n = initial_count(c);
	uint64_t d;

	if (!c->armed)
		return c->mode != 0; /* a control word sets OUT low in mode 0, high otherwise */
	if ((c->mode == 2 || c->mode == 3) && !c->gate)
		return true;
	d = elapsed_ticks(c, now);
	switch (c->mode) {
	case 0:
	case 1:
		return d >= n; /* low while counting, high from terminal count on */
	case 2:
		return n == 1 || d % n != n - 1; /* low for the one tick at count 1 */
	case 3:
		return d % n < (n + 1) / 2; /* high for the first half of each period */
	default:
		return d != n; /* modes 4 and 5: a one-tick low strobe at terminal count */
	}
}

bool pit_out(const struct pit *p, unsigned int ch, uint64_t now_ns)
{
	return ch < PIT_NR_CHANNELS && channel_out(&p->ch[ch], now_ns);
}

static void load_count(struct pit_channel *c, uint64_t now)
{
	c->armed = true;
	c->null_count = false;
	c->ticks_before = 0;
	c->run_start_ns = now;
	c->running = gate_counts(c);
}

static void set_gate(struct pit_channel *c, bool gate, uint64_t now)
{
	bool rising = gate && !c->gate;

	if (gate == c->gate)
		return;
	if (c->armed && !gate && c->running && (c->mode != 1 && c->mode != 5)) {
		c->ticks_before = elapsed_ticks(c, now); /* modes 0, 2, 3, 4 hold their count */
		c->running = false;
	}
	c->gate = gate;
	if (!c->armed || !rising)
		return;
	if (c->mode == 0 || c->mode == 4) {
		c->run_start_ns = now; /* resume */
		c->running = true;
	} else {
		load_count(c, now); /* modes 1, 2, 3, 5: a rising edge (re)starts from the count */
	}
}

static void latch_count(struct pit_channel *c, uint64_t now)
{
	uint32_t v;

	if (c->count_latched)
		return; /* a second latch before the first is read is ignored */
	v = counter_value(c, now);
	c->latched_count = c->bcd ? bin_to_bcd16(v) : (uint16_t)v;
	c->count_latched = true;
	c->latch_hi_next = false;
}

static void latch_status(struct pit_channel *c, uint64_t now)
{
	if (c->status_latched)
		return;
	c->latched_status = (uint8_t)((channel_out(c, now) ? 0x80 : 0) |
				      (c->null_count ? 0x40 : 0) | c->access << CW_RW_SHIFT |
				      c->mode << CW_MODE_SHIFT | (c->bcd ? CW_BCD : 0));
	c->status_latched = true;
}

static void control_write(struct pit *p, uint8_t val, uint64_t now)
{
	unsigned int sc = val >> CW_SC_SHIFT, access = (val >> CW_RW_SHIFT) & 3, mode;
	struct pit_channel *c;

	if (sc == CW_SC_READ) {
		for (unsigned int i = 0; i < PIT_NR_CHANNELS; i++) {
			if (!(val & (2u << i)))
				continue;
			/* Status first: when both are latched the first read returns the status. */
			if (!(val & RB_NO_STATUS))
				latch_status(&p->ch[i], now);
			if (!(val & RB_NO_COUNT))
				latch_count(&p->ch[i], now);
		}
		return;
	}
	c = &p->ch[sc];
	if (access == CW_RW_LATCH) {
		latch_count(c, now);
		return;
	}
	mode = (val >> CW_MODE_SHIFT) & 7;
	/* A control word resets the counter's logic: it waits for a new count. */
	c->access = (uint8_t)access;
	c->mode = (uint8_t)(mode >= 6 ? mode - 4 : mode);
	c->bcd = val & CW_BCD;
	c->armed = false;
	c->running = false;
	c->ticks_before = 0;
	c->null_count = true;
	c->write_hi_next = false;
	c->read_hi_next = false;
	c->count_latched = false;
	c->status_latched = false;
}

static void count_write(struct pit_channel *c, uint8_t val, uint64_t now)
{
	switch (c->access) {
	case ACCESS_LO:
		c->reload = val;
		break;
	case ACCESS_HI:
		c->reload = (uint16_t)(val << 8);
		break;
	default:
		if (!c->write_hi_next) {
			c->write_lo = val;
			c->write_hi_next = true;
			c->null_count = true;
			if (c->mode == 0)
				c->armed = false; /* the first byte stops mode 0 and sets OUT low */
			return;
		}
		c->reload = (uint16_t)(c->write_lo | val << 8);
		c->write_hi_next = false;
		break;
	}
	load_count(c, now);
}

static uint8_t count_read(struct pit_channel *c, uint64_t now)
{
	uint16_t v;
	bool hi;

	if (c->status_latched) {
		c->status_latched = false;
		return c->latched_status;
	}
	if (c->count_latched) {
		v = c->latched_count;
		hi = c->access == ACCESS_HI || (c->access == ACCESS_LOHI && c->latch_hi_next);
		if (c->access == ACCESS_LOHI && !c->latch_hi_next)
			c->latch_hi_next = true;
		else
			c->count_latched = false;
		return (uint8_t)(hi ? v >> 8 : v);
	}
	v = (uint16_t)counter_value(c, now);
	if (c->bcd)
		v = bin_to_bcd16(v);
	hi = c->access == ACCESS_HI || (c->access == ACCESS_LOHI && c->read_hi_next);
	if (c->access == ACCESS_LOHI)
		c->read_hi_next = !c->read_hi_next;
	return (uint8_t)(hi ? v >> 8 : v);
}

static int pit_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	struct pit *p = dev;

	if (port == PIT_PORT_CONTROL)
		*val = 0; /* write-only; QEMU reads 0 */
	else
		*val = count_read(&p->ch[port - PIT_PORT], vm_time_ns(p->vm));
	return 0;
}

static int pit_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	struct pit *p = dev;
	uint64_t now = vm_time_ns(p->vm);

	if (port == PIT_PORT_CONTROL)
		control_write(p, (uint8_t)val, now);
	else
		count_write(&p->ch[port - PIT_PORT], (uint8_t)val, now);
	return 0;
}

static int nmi_sc_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	struct pit *p = dev;
	uint64_t now = vm_time_ns(p->vm);

	*val = p->nmi_sc | ((now / REFRESH_PERIOD_NS) & 1 ? NMI_SC_REFRESH : 0) |
	       (channel_out(&p->ch[2], now) ? NMI_SC_OUT2 : 0);
	return 0;
}

static int nmi_sc_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	struct pit *p = dev;

	p->nmi_sc = val & NMI_SC_WRITABLE;
	set_gate(&p->ch[2], val & NMI_SC_GATE2, vm_time_ns(p->vm));
	return 0;
}

void pit_init(struct pit *p, struct vm *vm)
{
	uint64_t now = vm_time_ns(vm);

	memset(p, 0, sizeof(*p));
	p->vm = vm;
	for (unsigned int i = 0; i < PIT_NR_CHANNELS; i++) {
		struct pit_channel *c = &p->ch[i];

		c->mode = 3;
		c->access = ACCESS_LOHI;
		c->gate = i != 2;
		load_count(c, now);
	}
}

int pit_register(struct pit *p, struct pio_bus *bus)
{
	const struct pio_device devs[] = {
		{ .name = "pit",
		  .base = PIT_PORT,
		  .count = 4,
		  .byte_wide = true,
		  .read = pit_read,
		  .write = pit_write,
		  .dev = p },
		{ .name = "nmi-sc",
		  .base = PIT_PORT_NMI_SC,
		  .count = 1,
		  .byte_wide = true,
		  .read = nmi_sc_read,
		  .write = nmi_sc_write,
		  .dev = p },
	};

	return pio_bus_register_all(bus, devs, ARRAY_SIZE(devs));
}
