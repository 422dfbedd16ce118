// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/errno.h"
#include "drivers/vdev/platform.h"
#include "vdev_fake_host.h"

struct fixture {
	struct vm *vm;
	struct pio_bus *bus;
	struct platform plat;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->vm = fake_vm_new();
	f->vm->nr_vcpus = 2;
	f->bus = fake_bus_new(f->vm);
	assert_int_equal(platform_init(&f->plat, f->bus, f->vm), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(f->vm->bad_lines, 0);
	assert_int_equal(f->vm->duplicate_reports, 0);
	free(f->bus);
	free(f->vm);
	free(f);
	return 0;
}

static void test_debug_exit(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(fake_inb(f->bus, 0xf4), 0xff);
	assert_int_equal(fake_in(f->bus, 0xf4, 4), 0xffffffff);
	assert_int_equal(f->vm->nr_exits, 0);
	fake_outb(f->bus, 0xf4, 0x10);
	fake_out(f->bus, 0xf4, 4, 0x12345678);
	fake_out(f->bus, 0xf6, 2, 0xabcd);
	fake_out(f->bus, 0xf4, 2, 0x0000);
	assert_int_equal(f->vm->nr_exits, 4);
	assert_int_equal(f->vm->exit_values[0], 0x10);
	assert_int_equal(f->vm->exit_values[1], 0x12345678);
	assert_int_equal(f->vm->exit_values[2], 0xabcd);
	assert_int_equal(f->vm->exit_values[3], 0);
}

static void test_pci_has_no_devices(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(fake_in(f->bus, 0xcf8, 4), 0);
	fake_out(f->bus, 0xcf8, 4, 0x80000000); /* bus 0, device 0, function 0, register 0 */
	assert_int_equal(fake_in(f->bus, 0xcf8, 4), 0x80000000);
	assert_int_equal(fake_in(f->bus, 0xcfc, 4), 0xffffffff);
	assert_int_equal(fake_in(f->bus, 0xcfe, 2), 0xffff);
	assert_int_equal(fake_inb(f->bus, 0xcfd), 0xff);
	fake_out(f->bus, 0xcfc, 4, 0); /* ignored */
	assert_int_equal(fake_in(f->bus, 0xcfc, 4), 0xffffffff);
	fake_out(f->bus, 0xcf8, 4, 0x8000f810);
	assert_int_equal(fake_in(f->bus, 0xcfc, 4), 0xffffffff);
	fake_out(f->bus, 0xcf8, 4, 0); /* enable bit clear: still nothing */
	assert_int_equal(fake_in(f->bus, 0xcfc, 4), 0xffffffff);
	/* Byte and word accesses to the address register are not configuration accesses. */
	assert_int_equal(fake_inb(f->bus, 0xcf8), 0xff);
	assert_int_equal(fake_in(f->bus, 0xcf8, 2), 0xffff);
	assert_int_equal(fake_in(f->bus, 0xcfa, 2), 0xffff);
	fake_outb(f->bus, 0xcf8, 0x12);
	fake_out(f->bus, 0xcfa, 2, 0x3456);
	assert_int_equal(fake_in(f->bus, 0xcf8, 4), 0);
	assert_int_equal(f->vm->nr_resets, 0);
	assert_int_equal(f->vm->nr_reports, 0);
}

static void test_reset_control_register(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(fake_inb(f->bus, 0xcf9), 0x00);
	fake_outb(f->bus, 0xcf9, 0x02); /* hard reset selected, not yet asked for */
	assert_int_equal(fake_inb(f->bus, 0xcf9), 0x02);
	assert_int_equal(f->vm->nr_resets, 0);
	fake_outb(f->bus, 0xcf9, 0x06);
	assert_int_equal(f->vm->nr_resets, 1);
}

static void test_post_code_and_port_92(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(fake_inb(f->bus, 0x80), 0x00);
	fake_outb(f->bus, 0x80, 0x55);
	assert_int_equal(fake_inb(f->bus, 0x80), 0x55);
	assert_int_equal(fake_inb(f->bus, 0x92), 0x02); /* A20 on */
	fake_outb(f->bus, 0x92, 0x00); /* A20 cannot be turned off */
	assert_int_equal(fake_inb(f->bus, 0x92), 0x02);
	fake_outb(f->bus, 0x92, 0xc0);
	assert_int_equal(fake_inb(f->bus, 0x92), 0xc2);
	assert_int_equal(f->vm->nr_resets, 0);
	fake_outb(f->bus, 0x92, 0x03); /* fast reset */
	assert_int_equal(f->vm->nr_resets, 1);
	assert_int_equal(fake_inb(f->bus, 0x92), 0x02);
	assert_int_equal(f->vm->nr_reports, 0);
}

/* What a guest probing the machine would read first, device by device. */
static void test_full_platform_plausibility(void **state)
{
	struct fixture *f = *state;
	static const struct {
		uint16_t port;
		unsigned int size;
		uint32_t want;
	} table[] = {
		{ 0x3f9, 1, 0x00 }, /* UART IER */
		{ 0x3fa, 1, 0x01 }, /* IIR: no interrupt, FIFOs off */
		{ 0x3fb, 1, 0x00 }, /* LCR */
		{ 0x3fc, 1, 0x08 }, /* MCR: OUT2 */
		{ 0x3fd, 1, 0x60 }, /* LSR: THRE | TEMT */
		{ 0x3fe, 1, 0xb0 }, /* MSR: DCD | DSR | CTS */
		{ 0x3ff, 1, 0x00 }, /* SCR */
		{ 0xf4, 1, 0xff }, /* isa-debug-exit reads all-ones */
		{ 0xf4, 4, 0xffffffff }, /* at any size */
		{ 0x510, 2, 0xffff }, /* fw_cfg selector: write-only */
		{ 0x511, 1, 'Q' }, /* fw_cfg data: the signature is selected at reset */
		{ 0x511, 1, 'E' }, /* and steps on */
		{ 0xcf8, 4, 0 }, /* PCI address register */
		{ 0xcfc, 4, 0xffffffff }, /* PCI data: no device */
		{ 0xcfc, 1, 0xff }, /* at any size */
		{ 0x21, 1, 0x00 }, /* master PIC mask */
		{ 0xa1, 1, 0x00 }, /* slave PIC mask */
		{ 0x20, 1, 0x00 }, /* IRR */
		{ 0x4d0, 2, 0x0000 }, /* ELCR */
		{ 0x43, 1, 0x00 }, /* PIT control: write-only */
		{ 0x70, 1, 0xff }, /* CMOS index: write-only */
		{ 0x80, 1, 0x00 }, /* POST code */
		{ 0x92, 1, 0x02 }, /* A20 */
	};

	for (unsigned int i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		uint32_t got = fake_in(f->bus, table[i].port, table[i].size);

		if (got != table[i].want)
			fail_msg("port %#x size %u: read %#x, want %#x", table[i].port,
				 table[i].size, got, table[i].want);
	}
	assert_int_equal(f->vm->nr_reports, 0); /* every port above is claimed */
	assert_int_equal(fake_inb(f->bus, 0x61) & 0xc3, 0x00);
	fake_outb(f->bus, 0x70, 0x0d);
	assert_int_equal(fake_inb(f->bus, 0x71), 0x80);
	fake_outb(f->bus, 0x70, 0x5f);
	assert_int_equal(fake_inb(f->bus, 0x71), 1); /* two vCPUs */

	/* And the ports nobody claims, e.g. the keyboard controller. */
	assert_int_equal(fake_inb(f->bus, 0x64), 0xff);
	assert_int_equal(fake_in(f->bus, 0x1234, 1), 0xff);
	assert_int_equal(fake_in(f->bus, 0x1234, 2), 0xffff);
	assert_int_equal(fake_in(f->bus, 0x1234, 4), 0xffffffff);
	assert_int_equal(f->vm->nr_reports, 2);
	assert_int_equal(f->vm->reports[1].port, 0x1234);
}

/* A test program as written for QEMU: print through COM1, read fw_cfg, exit. */
static void test_guest_program(void **state)
{
	struct fixture *f = *state;
	const char *msg = "Hello from the guest\r\nbye";
	char sig[5] = { 0 };

	for (const char *p = msg; *p; p++) {
		while (!(fake_inb(f->bus, 0x3fd) & 0x20))
			;
		fake_outb(f->bus, 0x3f8, (uint8_t)*p);
	}
	fake_out(f->bus, 0x510, 2, 0);
	for (unsigned int i = 0; i < 4; i++)
		sig[i] = (char)fake_inb(f->bus, 0x511);
	assert_string_equal(sig, "QEMU");
	fake_outb(f->bus, 0xf4, 0x31);
	platform_stop(&f->plat);
	assert_int_equal(f->vm->nr_lines, 2);
	assert_string_equal(f->vm->lines[0], "Hello from the guest");
	assert_string_equal(f->vm->lines[1], "bye");
	assert_int_equal(f->vm->nr_exits, 1);
	assert_int_equal(f->vm->exit_values[0], 0x31);
	assert_int_equal(f->vm->nr_reports, 0);
}

static void test_registration_conflict_is_returned(void **state)
{
	struct fixture *f = *state;
	struct platform *again = malloc(sizeof(*again));

	/* The same bus already has every port: the first registration fails. */
	assert_int_equal(platform_init(again, f->bus, f->vm), -EBUSY);
	free(again);
}

static int dummy_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	return 0;
}

static int dummy_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	return 0;
}

/* A failure late in the list is returned too: a port taken, or a bus too full. */
static void test_later_registration_errors(void **state)
{
	struct fixture *f = *state;
	struct pio_device d = {
		.name = "taken", .base = 0x80, .count = 1, .read = dummy_read, .write = dummy_write
	};

	pio_bus_init(f->bus, f->vm);
	assert_int_equal(pio_bus_register(f->bus, &d), 0);
	assert_int_equal(platform_init(&f->plat, f->bus, f->vm), -EBUSY);

	pio_bus_init(f->bus, f->vm);
	for (unsigned int i = 0; i < PIO_BUS_MAX_DEVICES - 8; i++) {
		d.base = (uint16_t)(0x8000 + i);
		assert_int_equal(pio_bus_register(f->bus, &d), 0);
	}
	assert_int_equal(platform_init(&f->plat, f->bus, f->vm), -ENOSPC);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_debug_exit),
		T(test_pci_has_no_devices),
		T(test_reset_control_register),
		T(test_post_code_and_port_92),
		T(test_full_platform_plausibility),
		T(test_guest_program),
		T(test_registration_conflict_is_returned),
		T(test_later_registration_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
