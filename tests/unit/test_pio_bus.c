// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/errno.h"
#include "drivers/vdev/pio_bus.h"
#include "vdev_fake_host.h"

#define MAX_CALLS 16

/* A device that records every call and answers reads from a register file. */
struct rec_dev {
	uint16_t base;
	uint8_t regs[8];
	int ret;
	unsigned int nr_calls;
	struct {
		uint16_t port;
		unsigned int size;
		bool is_write;
		uint32_t val;
	} calls[MAX_CALLS];
};

static void record(struct rec_dev *d, uint16_t port, unsigned int size, bool is_write, uint32_t val)
{
	assert_true(d->nr_calls < MAX_CALLS);
	d->calls[d->nr_calls].port = port;
	d->calls[d->nr_calls].size = size;
	d->calls[d->nr_calls].is_write = is_write;
	d->calls[d->nr_calls].val = val;
	d->nr_calls++;
}

static int rec_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	struct rec_dev *d = dev;
	uint32_t v = 0;

	for (unsigned int i = 0; i < size; i++)
		v |= (uint32_t)d->regs[(port - d->base + i) % 8] << (8 * i);
	*val = v | 0xab000000u; /* junk above size: the bus must mask it off */
	if (size == 4)
		*val = v;
	record(d, port, size, false, *val);
	return d->ret;
}

static int rec_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	struct rec_dev *d = dev;

	for (unsigned int i = 0; i < size; i++)
		d->regs[(port - d->base + i) % 8] = (uint8_t)(val >> (8 * i));
	record(d, port, size, true, val);
	return d->ret;
}

struct fixture {
	struct vm *vm;
	struct pio_bus *bus;
	struct rec_dev dev[3];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->vm = fake_vm_new();
	f->bus = fake_bus_new(f->vm);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(f->vm->duplicate_reports, 0);
	free(f->bus);
	free(f->vm);
	free(f);
	return 0;
}

static void add(struct fixture *f, unsigned int i, uint16_t base, uint16_t count, bool byte_wide)
{
	struct pio_device d = { .name = "rec",
				.base = base,
				.count = count,
				.byte_wide = byte_wide,
				.read = rec_read,
				.write = rec_write,
				.dev = &f->dev[i] };

	f->dev[i].base = base;
	assert_int_equal(pio_bus_register(f->bus, &d), 0);
}

static void test_unclaimed_reads_all_ones_and_is_reported_once(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(fake_in(f->bus, 0x1234, 1), 0xff);
	assert_int_equal(fake_in(f->bus, 0x1234, 2), 0xffff);
	assert_int_equal(fake_in(f->bus, 0x1234, 4), 0xffffffff);
	fake_out(f->bus, 0x1234, 2, 0x1111);
	assert_int_equal(f->vm->nr_reports, 1);
	assert_int_equal(f->vm->reports[0].port, 0x1234);
	assert_int_equal(f->vm->reports[0].size, 1);
	assert_false(f->vm->reports[0].is_write);
}

static void test_unclaimed_write_is_ignored_and_each_port_reported(void **state)
{
	struct fixture *f = *state;

	fake_out(f->bus, 0x2000, 4, 0x12345678);
	assert_int_equal(fake_in(f->bus, 0x2000, 4), 0xffffffff);
	fake_out(f->bus, 0x2004, 1, 1);
	assert_int_equal(f->vm->nr_reports, 2);
	assert_int_equal(f->vm->reports[0].port, 0x2000);
	assert_int_equal(f->vm->reports[0].size, 4);
	assert_true(f->vm->reports[0].is_write);
	assert_int_equal(f->vm->reports[1].port, 0x2004);
}

static void test_register_errors(void **state)
{
	struct fixture *f = *state;
	struct pio_device d = {
		.name = "x", .read = rec_read, .write = rec_write, .dev = &f->dev[0]
	};

	d.base = 0x100;
	d.count = 0;
	assert_int_equal(pio_bus_register(f->bus, &d), -EINVAL);
	d.base = 0xfff0;
	d.count = 0x20;
	assert_int_equal(pio_bus_register(f->bus, &d), -EINVAL); /* wraps */
	d.base = 0x100;
	d.count = 4;
	d.read = NULL;
	assert_int_equal(pio_bus_register(f->bus, &d), -EINVAL);
	d.read = rec_read;
	assert_int_equal(pio_bus_register(f->bus, &d), 0);
	d.base = 0x103;
	assert_int_equal(pio_bus_register(f->bus, &d), -EBUSY);
	d.base = 0xfe;
	assert_int_equal(pio_bus_register(f->bus, &d), -EBUSY);
	d.base = 0xfffc; /* up to the last port is fine */
	assert_int_equal(pio_bus_register(f->bus, &d), 0);
	for (unsigned int i = 2; i < PIO_BUS_MAX_DEVICES; i++) {
		d.base = (uint16_t)(0x1000 + 0x10 * i);
		assert_int_equal(pio_bus_register(f->bus, &d), 0);
	}
	d.base = 0x8000;
	assert_int_equal(pio_bus_register(f->bus, &d), -ENOSPC);
	assert_int_equal(f->bus->nr_devices, PIO_BUS_MAX_DEVICES);
}

/* A device with several ranges: the ones before a refused range stay, the rest are not tried. */
static void test_register_all_stops_at_first_error(void **state)
{
	struct fixture *f = *state;
	const struct pio_device devs[] = {
		{ .name = "a",
		  .base = 0x100,
		  .count = 2,
		  .read = rec_read,
		  .write = rec_write,
		  .dev = &f->dev[0] },
		{ .name = "b",
		  .base = 0x101,
		  .count = 2,
		  .read = rec_read,
		  .write = rec_write,
		  .dev = &f->dev[1] },
		{ .name = "c",
		  .base = 0x200,
		  .count = 2,
		  .read = rec_read,
		  .write = rec_write,
		  .dev = &f->dev[2] },
	};

	assert_int_equal(pio_bus_register_all(f->bus, devs, 3), -EBUSY);
	assert_int_equal(f->bus->nr_devices, 1);
	assert_int_equal(f->bus->port_to_device[0x100], 1);
	assert_int_equal(f->bus->port_to_device[0x200], 0);
}

static void test_access_inside_a_device_is_one_call(void **state)
{
	struct fixture *f = *state;

	add(f, 0, 0x300, 8, false);
	fake_out(f->bus, 0x302, 2, 0xbeef);
	assert_int_equal(f->dev[0].nr_calls, 1);
	assert_int_equal(f->dev[0].calls[0].port, 0x302);
	assert_int_equal(f->dev[0].calls[0].size, 2);
	assert_int_equal(f->dev[0].calls[0].val, 0xbeef);
	assert_int_equal(fake_in(f->bus, 0x302, 2), 0xbeef); /* junk above 16 bits masked off */
	assert_int_equal(fake_in(f->bus, 0x303, 1), 0xbe);
	fake_out(f->bus, 0x304, 1, 0x12345678); /* upper bits of eax do not reach the device */
	assert_int_equal(f->dev[0].calls[f->dev[0].nr_calls - 1].val, 0x78);
	assert_int_equal(f->vm->nr_reports, 0);
}

static void test_byte_wide_device_gets_bytes_low_port_first(void **state)
{
	struct fixture *f = *state;

	add(f, 0, 0x3f8, 8, true);
	fake_out(f->bus, 0x3f8, 4, 0x44332211);
	assert_int_equal(f->dev[0].nr_calls, 4);
	for (unsigned int i = 0; i < 4; i++) {
		assert_int_equal(f->dev[0].calls[i].port, 0x3f8 + i);
		assert_int_equal(f->dev[0].calls[i].size, 1);
		assert_int_equal(f->dev[0].calls[i].val, 0x11 * (i + 1));
	}
	assert_int_equal(fake_in(f->bus, 0x3f9, 2), 0x3322);
}

static void test_straddling_device_and_unclaimed(void **state)
{
	struct fixture *f = *state;

	add(f, 0, 0x100, 4, false);
	f->dev[0].regs[2] = 0x22;
	f->dev[0].regs[3] = 0x33;
	assert_int_equal(fake_in(f->bus, 0x102, 4), 0xffff3322);
	assert_int_equal(f->dev[0].nr_calls, 2); /* 0x102 and 0x103, a byte each */
	assert_int_equal(f->vm->nr_reports, 2);
	assert_int_equal(f->vm->reports[0].port, 0x104);
	assert_int_equal(f->vm->reports[0].size, 1);
	assert_int_equal(f->vm->reports[1].port, 0x105);
}

static void test_straddling_two_devices(void **state)
{
	struct fixture *f = *state;

	add(f, 0, 0x100, 2, false);
	add(f, 1, 0x102, 2, false);
	fake_out(f->bus, 0x101, 2, 0xbbaa);
	assert_int_equal(f->dev[0].nr_calls, 1);
	assert_int_equal(f->dev[0].calls[0].port, 0x101);
	assert_int_equal(f->dev[0].calls[0].val, 0xaa);
	assert_int_equal(f->dev[1].nr_calls, 1);
	assert_int_equal(f->dev[1].calls[0].port, 0x102);
	assert_int_equal(f->dev[1].calls[0].val, 0xbb);
	assert_int_equal(fake_in(f->bus, 0x100, 4), 0x00bbaa00);
	assert_int_equal(f->vm->nr_reports, 0);
}

static void test_access_past_ffff_does_not_wrap(void **state)
{
	struct fixture *f = *state;

	add(f, 0, 0xfffe, 2, false);
	add(f, 1, 0x0000, 2, false);
	f->dev[0].regs[0] = 0x11;
	f->dev[0].regs[1] = 0x22;
	assert_int_equal(fake_in(f->bus, 0xfffe, 4), 0xffff2211);
	assert_int_equal(fake_in(f->bus, 0xffff, 2), 0xff22);
	fake_out(f->bus, 0xffff, 4, 0xaabbccdd);
	assert_int_equal(f->dev[0].regs[1], 0xdd);
	assert_int_equal(f->dev[1].nr_calls, 0); /* port 0 is not port 0x10000 */
	assert_int_equal(f->vm->nr_reports, 0);
	/* Unclaimed top ports: reported at the port where the access starts. */
	assert_int_equal(fake_in(f->bus, 0xfffd, 4), 0xffdd11ff);
	assert_int_equal(f->vm->nr_reports, 1);
	assert_int_equal(f->vm->reports[0].port, 0xfffd);
}

static void test_bad_sizes_are_einval(void **state)
{
	struct fixture *f = *state;
	const unsigned int sizes[] = { 0, 3, 5, 8, 0xffffffffu };
	uint32_t val = 0x1234;

	add(f, 0, 0x100, 8, false);
	for (unsigned int i = 0; i < 5; i++) {
		assert_int_equal(pio_bus_access(f->bus, 0x100, sizes[i], false, &val), -EINVAL);
		assert_int_equal(pio_bus_access(f->bus, 0x1234, sizes[i], true, &val), -EINVAL);
	}
	assert_int_equal(pio_bus_access(f->bus, 0x100, 1, false, NULL), -EINVAL);
	assert_int_equal(val, 0x1234);
	assert_int_equal(f->dev[0].nr_calls, 0);
	assert_int_equal(f->vm->nr_reports, 0);
}

static void test_handler_error_is_returned(void **state)
{
	struct fixture *f = *state;
	uint32_t val = 0;

	add(f, 0, 0x100, 2, true);
	f->dev[0].ret = -EIO;
	assert_int_equal(pio_bus_access(f->bus, 0x100, 1, false, &val), -EIO);
	assert_int_equal(pio_bus_access(f->bus, 0x100, 2, true, &val), -EIO);
	assert_int_equal(f->dev[0].nr_calls, 2); /* the split stops at the first error */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unclaimed_reads_all_ones_and_is_reported_once,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_unclaimed_write_is_ignored_and_each_port_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_all_stops_at_first_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_access_inside_a_device_is_one_call, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_byte_wide_device_gets_bytes_low_port_first,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_straddling_device_and_unclaimed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_straddling_two_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_access_past_ffff_does_not_wrap, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_sizes_are_einval, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handler_error_is_returned, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
