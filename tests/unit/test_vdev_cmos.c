// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "drivers/vdev/cmos.h"
#include "vdev_fake_host.h"

#define SEC 1000000000ull

struct fixture {
	struct vm *vm;
	struct pio_bus *bus;
	struct cmos cmos;
};

static struct fixture *make(uint64_t ram_bytes, unsigned int cpus)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->vm = fake_vm_new();
	f->vm->ram_bytes = ram_bytes;
	f->vm->nr_vcpus = cpus;
	f->vm->time_ns = 7 * SEC; /* the clock starts when the VM is made, not at time 0 */
	f->bus = fake_bus_new(f->vm);
	cmos_init(&f->cmos, f->vm, CMOS_START_UNIX);
	assert_int_equal(cmos_register(&f->cmos, f->bus), 0);
	return f;
}

static int setup(void **state)
{
	*state = make(256ull << 20, 1);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(f->vm->nr_reports, 0);
	free(f->bus);
	free(f->vm);
	free(f);
	return 0;
}

static uint8_t rd(struct fixture *f, uint8_t reg)
{
	fake_outb(f->bus, CMOS_PORT_INDEX, reg);
	return fake_inb(f->bus, CMOS_PORT_DATA);
}

static void wr(struct fixture *f, uint8_t reg, uint8_t val)
{
	fake_outb(f->bus, CMOS_PORT_INDEX, reg);
	fake_outb(f->bus, CMOS_PORT_DATA, val);
}

static void advance(struct fixture *f, uint64_t ns)
{
	f->vm->time_ns += ns;
}

/* sec, min, hour, wday, mday, mon, year, century as the registers show them */
static void expect_clock(struct fixture *f, const uint8_t want[8])
{
	const uint8_t regs[8] = { 0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32 };

	for (unsigned int i = 0; i < 8; i++)
		assert_int_equal(rd(f, regs[i]), want[i]);
}

static void test_starts_2026_01_01_in_bcd(void **state)
{
	struct fixture *f = *state;
	const uint8_t start[8] = { 0x00, 0x00, 0x00, 0x05, 0x01, 0x01, 0x26, 0x20 };

	expect_clock(f, start);
	assert_int_equal(rd(f, 0x0a), 0x26);
	assert_int_equal(rd(f, 0x0b), 0x02);
	assert_int_equal(rd(f, 0x0d), 0x80);
	assert_int_equal(fake_inb(f->bus, CMOS_PORT_INDEX), 0xff); /* write-only */
}

static void test_seconds_advance(void **state)
{
	struct fixture *f = *state;
	const uint8_t later[8] = { 0x05, 0x01, 0x00, 0x05, 0x01, 0x01, 0x26, 0x20 };
	const uint8_t next_day[8] = { 0x05, 0x01, 0x00, 0x06, 0x02, 0x01, 0x26, 0x20 };

	advance(f, SEC - 1);
	assert_int_equal(rd(f, 0x00), 0x00);
	advance(f, 1);
	assert_int_equal(rd(f, 0x00), 0x01);
	advance(f, 64 * SEC);
	expect_clock(f, later);
	advance(f, 86400 * SEC);
	expect_clock(f, next_day);
	/* The NMI-disable bit of the index is not part of the index. */
	fake_outb(f->bus, CMOS_PORT_INDEX, 0x80);
	assert_int_equal(fake_inb(f->bus, CMOS_PORT_DATA), 0x05);
	assert_true(f->cmos.nmi_disabled);
}

static void test_binary_and_12_hour_modes(void **state)
{
	struct fixture *f = *state;

	advance(f, (13 * 3600 + 45) * SEC);
	wr(f, 0x0b, 0x06); /* binary, 24-hour */
	assert_int_equal(rd(f, 0x00), 45);
	assert_int_equal(rd(f, 0x04), 13);
	assert_int_equal(rd(f, 0x32), 20);
	assert_int_equal(rd(f, 0x09), 26);
	wr(f, 0x0b, 0x00); /* BCD, 12-hour */
	assert_int_equal(rd(f, 0x04), 0x81); /* 1 PM */
	wr(f, 0x04, 0x12); /* 12 AM is midnight */
	wr(f, 0x0b, 0x02);
	assert_int_equal(rd(f, 0x04), 0x00);
}

static void test_guest_sets_the_clock(void **state)
{
	struct fixture *f = *state;
	const uint8_t set[8] = { 0x59, 0x59, 0x23, 0x02, 0x28, 0x02, 0x28, 0x20 };
	const uint8_t leap_day[8] = { 0x00, 0x00, 0x00, 0x03, 0x29, 0x02, 0x28, 0x20 };
	const uint8_t regs[8] = { 0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32 };

	advance(f, SEC / 3);
	wr(f, 0x0b, 0x82); /* SET: hold updates */
	for (unsigned int i = 0; i < 8; i++)
		wr(f, regs[i], set[i]);
	advance(f, 10 * SEC); /* held: no time passes */
	expect_clock(f, set);
	wr(f, 0x0b, 0x02);
	expect_clock(f, set);
	advance(f, SEC);
	expect_clock(f, leap_day); /* 2028 is a leap year: Monday the 28th, then Tuesday the 29th */
}

static void test_invalid_date_writes_stay_valid(void **state)
{
	struct fixture *f = *state;
	const uint8_t feb[8] = { 0x00, 0x00, 0x00, 0x05, 0x28, 0x02, 0x26, 0x20 };

	wr(f, 0x07, 0x31); /* 31 January */
	wr(f, 0x08, 0x02); /* February 31 does not exist */
	wr(f, 0x06, 0x05);
	expect_clock(f, feb);
	wr(f, 0x08, 0xff); /* garbage BCD */
	wr(f, 0x00, 0xff);
	wr(f, 0x32, 0xff);
	assert_int_equal(rd(f, 0x08), 0x12);
	assert_int_equal(rd(f, 0x00), 0x59);
	assert_int_equal(rd(f, 0x32), 0x99);
}

static void test_update_in_progress(void **state)
{
	struct fixture *f = *state;

	advance(f, SEC / 2);
	assert_int_equal(rd(f, 0x0a), 0x26);
	advance(f, SEC / 2 - 100000); /* 100 us before the update */
	assert_int_equal(rd(f, 0x0a), 0xa6);
	assert_int_equal(rd(f, 0x00), 0x00); /* the old second until the update */
	advance(f, 100000);
	assert_int_equal(rd(f, 0x0a), 0x26);
	assert_int_equal(rd(f, 0x00), 0x01);
	wr(f, 0x0a, 0xff); /* UIP is read-only */
	assert_int_equal(rd(f, 0x0a) & 0x80, 0);
}

static void test_register_c_flags(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rd(f, 0x0c), 0x00);
	advance(f, 500000); /* half a periodic tick at 1024 Hz */
	assert_int_equal(rd(f, 0x0c), 0x00);
	advance(f, 1000000);
	assert_int_equal(rd(f, 0x0c), 0x40); /* PF */
	assert_int_equal(rd(f, 0x0c), 0x00); /* cleared by the read */
	wr(f, 0x0b, 0x12); /* UIE */
	advance(f, SEC);
	assert_int_equal(rd(f, 0x0c), 0xd0); /* IRQF | PF | UF */
	wr(f, 0x0a, 0x20); /* periodic off */
	wr(f, 0x0c, 0xff); /* read-only */
	wr(f, 0x0d, 0x00);
	advance(f, SEC);
	assert_int_equal(rd(f, 0x0c), 0x90);
	assert_int_equal(rd(f, 0x0d), 0x80);
}

static void test_memory_bytes_256m(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rd(f, 0x15) | rd(f, 0x16) << 8, 640);
	assert_int_equal(rd(f, 0x17) | rd(f, 0x18) << 8, 0xffff);
	assert_int_equal(rd(f, 0x30) | rd(f, 0x31) << 8, 0xffff);
	assert_int_equal(rd(f, 0x34) | rd(f, 0x35) << 8, (256 - 16) * 16);
	assert_int_equal(rd(f, 0x5b) | rd(f, 0x5c) << 8 | rd(f, 0x5d) << 16, 0);
	assert_int_equal(rd(f, 0x5f), 0);
	assert_int_equal(rd(f, 0x14), 0x06);
	wr(f, 0x34, 0x12); /* plain CMOS bytes: the guest may rewrite them */
	assert_int_equal(rd(f, 0x34), 0x12);
	wr(f, 0x7f, 0xa5);
	assert_int_equal(rd(f, 0x7f), 0xa5);
	wr(f, 0x01, 0x30); /* alarm registers are plain storage */
	assert_int_equal(rd(f, 0x01), 0x30);
}

static void test_memory_bytes_small_and_large(void **state)
{
	struct fixture *small = make(8ull << 20, 4), *large = make(6ull << 30, 2);

	assert_int_equal(rd(small, 0x17) | rd(small, 0x18) << 8, 7 * 1024);
	assert_int_equal(rd(small, 0x34) | rd(small, 0x35) << 8, 0);
	assert_int_equal(rd(small, 0x5f), 3);
	/* 6 GiB: 3 GiB below the 4 GiB hole, 3 GiB above it. */
	assert_int_equal(rd(large, 0x34) | rd(large, 0x35) << 8, (3072 - 16) * 16);
	assert_int_equal(rd(large, 0x5b) | rd(large, 0x5c) << 8 | rd(large, 0x5d) << 16, 3072 * 16);
	teardown((void **)&small);
	teardown((void **)&large);
}

static void test_far_future_is_safe(void **state)
{
	struct fixture *f = *state;

	f->vm->time_ns = UINT64_MAX;
	for (uint8_t reg = 0; reg < 0x80; reg++)
		rd(f, reg);
	wr(f, 0x32, 0x99);
	wr(f, 0x09, 0x99);
	for (uint8_t reg = 0; reg < 0x10; reg++)
		rd(f, reg);
	assert_int_equal(rd(f, 0x32), 0x99);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_starts_2026_01_01_in_bcd),
		T(test_seconds_advance),
		T(test_binary_and_12_hour_modes),
		T(test_guest_sets_the_clock),
		T(test_invalid_date_writes_stay_valid),
		T(test_update_in_progress),
		T(test_register_c_flags),
		T(test_memory_bytes_256m),
		cmocka_unit_test(test_memory_bytes_small_and_large),
		T(test_far_future_is_safe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
