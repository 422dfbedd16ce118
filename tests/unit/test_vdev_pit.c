// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "drivers/vdev/pit.h"
#include "vdev_fake_host.h"

#define CH0	0x40
#define CH2	0x42
#define CTRL	0x43
#define PORT_61 0x61

struct fixture {
	struct vm *vm;
	struct pio_bus *bus;
	struct pit pit;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->vm = fake_vm_new();
	f->bus = fake_bus_new(f->vm);
	pit_init(&f->pit, f->vm);
	assert_int_equal(pit_register(&f->pit, f->bus), 0);
	*state = f;
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

/* The first time at which exactly t PIT ticks have passed. */
static uint64_t ns_for_ticks(uint64_t t)
{
	return (t * 1000000000ull + PIT_FREQ_HZ - 1) / PIT_FREQ_HZ;
}

static bool out2(struct fixture *f)
{
	return fake_inb(f->bus, PORT_61) & 0x20;
}

static unsigned int read_lohi(struct fixture *f, uint16_t port)
{
	unsigned int lo = fake_inb(f->bus, port);

	return lo | fake_inb(f->bus, port) << 8;
}

static void program(struct fixture *f, unsigned int ch, uint8_t control, unsigned int count)
{
	fake_outb(f->bus, CTRL, control);
	fake_outb(f->bus, (uint16_t)(CH0 + ch), count & 0xff);
	fake_outb(f->bus, (uint16_t)(CH0 + ch), (uint8_t)(count >> 8));
}

/* What Linux's pit_calibrate_tsc does: channel 2, mode 0, 10 ms, poll port 0x61 bit 5. */
static void test_channel2_mode0_out_rises_after_count(void **state)
{
	struct fixture *f = *state;
	const uint64_t t0 = 5000000000ull;

	f->vm->time_ns = t0;
	fake_outb(f->bus, PORT_61, (fake_inb(f->bus, PORT_61) & ~0x02) | 0x01);
	program(f, 2, 0xb0, 11932);
	assert_false(out2(f));
	f->vm->time_ns = t0 + 9990000;
	assert_false(out2(f));
	f->vm->time_ns = t0 + ns_for_ticks(11931);
	assert_false(out2(f));
	f->vm->time_ns = t0 + ns_for_ticks(11932);
	assert_true(out2(f));
	f->vm->time_ns = t0 + 1000000000ull; /* stays high */
	assert_true(out2(f));
	assert_true(pit_out(&f->pit, 2, f->vm->time_ns));
	assert_false(pit_out(&f->pit, 7, f->vm->time_ns));
}

static void test_gate_low_pauses_mode0(void **state)
{
	struct fixture *f = *state;

	fake_outb(f->bus, PORT_61, 0x00);
	program(f, 2, 0xb0, 1000);
	f->vm->time_ns = 50000000;
	assert_false(out2(f));
	assert_int_equal(read_lohi(f, CH2), 1000);
	fake_outb(f->bus, PORT_61, 0x01);
	f->vm->time_ns += ns_for_ticks(999);
	assert_false(out2(f));
	f->vm->time_ns += ns_for_ticks(2);
	assert_true(out2(f));
}

static void test_first_byte_stops_mode0(void **state)
{
	struct fixture *f = *state;

	fake_outb(f->bus, PORT_61, 0x01);
	program(f, 2, 0xb0, 100);
	f->vm->time_ns = ns_for_ticks(200);
	assert_true(out2(f));
	fake_outb(f->bus, CH2, 100);
	assert_false(out2(f));
	fake_outb(f->bus, CH2, 0);
	assert_false(out2(f));
	f->vm->time_ns += ns_for_ticks(101);
	assert_true(out2(f));
}

/* Linux's quick_pit_calibrate reads the MSB of a mode 0 count from 0xffff. */
static void test_counter_counts_down(void **state)
{
	struct fixture *f = *state;
	unsigned int last = 0x100;

	fake_outb(f->bus, PORT_61, 0x01);
	program(f, 2, 0xb0, 0xffff);
	for (unsigned int i = 0; i < 100; i++) {
		unsigned int msb;

		f->vm->time_ns += 200000; /* 238.6 ticks */
		fake_inb(f->bus, CH2);
		msb = fake_inb(f->bus, CH2);
		assert_true(msb <= last);
		last = msb;
	}
	/* 100 * 200 us = 23863 ticks: 0xffff - 23863 = 0xa2c8 */
	assert_int_equal(last, 0xa2);
}

static void test_latch_command_freezes_the_count(void **state)
{
	struct fixture *f = *state;

	program(f, 0, 0x34, 1000); /* channel 0, lo/hi, mode 2 */
	f->vm->time_ns = ns_for_ticks(119);
	assert_int_equal(read_lohi(f, CH0), 881);
	fake_outb(f->bus, CTRL, 0x00); /* latch channel 0 */
	f->vm->time_ns = ns_for_ticks(178);
	fake_outb(f->bus, CTRL, 0x00); /* ignored: already latched */
	assert_int_equal(read_lohi(f, CH0), 881);
	assert_int_equal(read_lohi(f, CH0), 822);
	f->vm->time_ns = ns_for_ticks(1000 + 5); /* mode 2 reloads */
	assert_int_equal(read_lohi(f, CH0), 995);
}

static void test_read_back_status_and_count(void **state)
{
	struct fixture *f = *state;

	fake_outb(f->bus, CTRL, 0x34);
	fake_outb(f->bus, CTRL, 0xe2); /* read-back: status only, channel 0 */
	assert_int_equal(fake_inb(f->bus, CH0), 0xf4); /* OUT, null count, lo/hi, mode 2 */
	fake_outb(f->bus, CH0, 0x10);
	fake_outb(f->bus, CH0, 0x27); /* 10000 */
	f->vm->time_ns = ns_for_ticks(1);
	fake_outb(f->bus, CTRL, 0xc2); /* count and status */
	f->vm->time_ns = ns_for_ticks(500);
	assert_int_equal(fake_inb(f->bus, CH0), 0xb4);
	assert_int_equal(read_lohi(f, CH0), 9999);
	assert_int_equal(read_lohi(f, CH0), 9500);
}

static void test_bcd_counting(void **state)
{
	struct fixture *f = *state;

	program(f, 0, 0x31, 0x1000); /* mode 0, BCD 1000 */
	f->vm->time_ns = ns_for_ticks(100);
	assert_int_equal(read_lohi(f, CH0), 0x0900);
	f->vm->time_ns = ns_for_ticks(1001); /* wraps to 9999 */
	assert_int_equal(read_lohi(f, CH0), 0x9999);
}

static void test_mode3_square_wave(void **state)
{
	struct fixture *f = *state;

	fake_outb(f->bus, PORT_61, 0x01);
	program(f, 2, 0xb6, 100);
	f->vm->time_ns = ns_for_ticks(49);
	assert_true(out2(f));
	assert_int_equal(read_lohi(f, CH2), 2);
	f->vm->time_ns = ns_for_ticks(50);
	assert_false(out2(f));
	f->vm->time_ns = ns_for_ticks(99);
	assert_false(out2(f));
	f->vm->time_ns = ns_for_ticks(100);
	assert_true(out2(f));
	fake_outb(f->bus, PORT_61, 0x00); /* gate low: OUT high, counting stops */
	f->vm->time_ns = ns_for_ticks(160);
	assert_true(out2(f));
}

static void test_strobe_and_one_shot_modes(void **state)
{
	struct fixture *f = *state;

	fake_outb(f->bus, PORT_61, 0x01);
	program(f, 2, 0xb8, 10); /* mode 4: software-triggered strobe */
	f->vm->time_ns = ns_for_ticks(9);
	assert_true(out2(f));
	f->vm->time_ns = ns_for_ticks(10);
	assert_false(out2(f)); /* low for the one tick at terminal count */
	f->vm->time_ns = ns_for_ticks(11);
	assert_true(out2(f));

	program(f, 2, 0xb2, 10); /* mode 1: one-shot, low while counting */
	assert_false(out2(f));
	f->vm->time_ns += ns_for_ticks(10);
	assert_true(out2(f));
	fake_outb(f->bus, PORT_61, 0x00);
	fake_outb(f->bus, PORT_61, 0x01); /* a rising gate retriggers it */
	assert_false(out2(f));
	f->vm->time_ns += ns_for_ticks(10);
	assert_true(out2(f));
}

static void test_byte_access_modes(void **state)
{
	struct fixture *f = *state;

	fake_outb(f->bus, PORT_61, 0x01);
	fake_outb(f->bus, CTRL, 0x90); /* channel 2, low byte only, mode 0 */
	fake_outb(f->bus, CH2, 0x80);
	f->vm->time_ns = ns_for_ticks(16);
	assert_int_equal(fake_inb(f->bus, CH2), 0x70);
	assert_int_equal(fake_inb(f->bus, CH2), 0x70);
	fake_outb(f->bus, CTRL, 0xa0); /* high byte only */
	fake_outb(f->bus, CH2, 0x02);
	f->vm->time_ns += ns_for_ticks(0x100);
	assert_int_equal(fake_inb(f->bus, CH2), 0x01);
}

static void test_reset_state_and_port_61(void **state)
{
	struct fixture *f = *state;
	uint8_t a, b;

	/* Channel 0 counts from 0x10000 in mode 3 (by twos) from the start. */
	f->vm->time_ns = ns_for_ticks(1193);
	assert_int_equal(read_lohi(f, CH0), 65536 - 2 * 1193);
	assert_int_equal(fake_inb(f->bus, CTRL), 0x00);
	/* Port 0x61: bits 0-3 as written, refresh toggling with time, gate 2 low so OUT 2 high. */
	fake_outb(f->bus, PORT_61, 0xfe);
	a = fake_inb(f->bus, PORT_61);
	assert_int_equal(a & 0xcf, 0x0e);
	assert_true(a & 0x20);
	f->vm->time_ns += 15085;
	b = fake_inb(f->bus, PORT_61);
	assert_int_equal((a ^ b) & 0x10, 0x10);
}

static void test_huge_times_are_safe(void **state)
{
	struct fixture *f = *state;

	f->vm->time_ns = UINT64_MAX - 1000;
	fake_outb(f->bus, PORT_61, 0x01);
	program(f, 2, 0xb0, 0);
	read_lohi(f, CH2);
	f->vm->time_ns = UINT64_MAX;
	assert_int_equal(read_lohi(f, CH2), 0x10000 - 1);
	program(f, 0, 0x34, 1); /* mode 2 with count 1 is invalid: no division by zero either */
	read_lohi(f, CH0);
	f->vm->time_ns = 0; /* time going backwards does not underflow */
	read_lohi(f, CH0);
	fake_outb(f->bus, CTRL, 0xfe); /* read-back of everything */
	for (unsigned int i = 0; i < 3; i++)
		fake_inb(f->bus, (uint16_t)(CH0 + i));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_channel2_mode0_out_rises_after_count),
		T(test_gate_low_pauses_mode0),
		T(test_first_byte_stops_mode0),
		T(test_counter_counts_down),
		T(test_latch_command_freezes_the_count),
		T(test_read_back_status_and_count),
		T(test_bcd_counting),
		T(test_mode3_square_wave),
		T(test_strobe_and_one_shot_modes),
		T(test_byte_access_modes),
		T(test_reset_state_and_port_61),
		T(test_huge_times_are_safe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
