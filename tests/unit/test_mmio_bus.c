// SPDX-License-Identifier: MIT
/* The MMIO bus and pc-testdev: what a guest sees through MMIO and ports 0xe0-0xe7. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/errno.h"
#include "drivers/vdev/mmio_bus.h"
#include "drivers/vdev/pc_testdev.h"
#include "vdev_fake_host.h"

static struct pio_bus pio;
static struct mmio_bus mmio;
static struct pc_testdev testdev;
static struct vm fake_vm;

static int setup(void **state)
{
	memset(&fake_vm, 0, sizeof(fake_vm));
	pio_bus_init(&pio, &fake_vm);
	mmio_bus_init(&mmio);
	assert_int_equal(pc_testdev_init(&testdev, &pio, &mmio), 0);
	return 0;
}

static void test_iomem_reads_what_was_written(void **state)
{
	uint8_t in[16], out[16];

	for (unsigned int i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(0xa0 + i);
	assert_int_equal(mmio_bus_access(&mmio, PC_TESTDEV_IOMEM_GPA + 0x100, in, 16, true), 0);
	assert_int_equal(mmio_bus_access(&mmio, PC_TESTDEV_IOMEM_GPA + 0x100, out, 16, false), 0);
	assert_memory_equal(in, out, 16);
	assert_int_equal(mmio_bus_access(&mmio, PC_TESTDEV_IOMEM_GPA + 0x104, out, 2, false), 0);
	assert_int_equal(out[0], 0xa4);
	assert_int_equal(out[1], 0xa5);
}

static void test_outside_a_device_is_refused(void **state)
{
	uint8_t buf[8] = { 0 };

	assert_int_equal(mmio_bus_access(&mmio, PC_TESTDEV_IOMEM_GPA - 1, buf, 1, false), -ENODEV);
	/* The last 4 bytes exist; 8 from there run off the end. */
	assert_int_equal(mmio_bus_access(&mmio, PC_TESTDEV_IOMEM_GPA + 0xfffc, buf, 4, true), 0);
	assert_int_equal(mmio_bus_access(&mmio, PC_TESTDEV_IOMEM_GPA + 0xfffc, buf, 8, true),
			 -ENODEV);
	assert_int_equal(mmio_bus_access(&mmio, 0x1000, buf, 4, false), -ENODEV);
	assert_null(mmio_bus_find(&mmio, PC_TESTDEV_IOMEM_GPA + PC_TESTDEV_IOMEM_BYTES));
	assert_non_null(mmio_bus_find(&mmio, PC_TESTDEV_IOMEM_GPA));

	/* A device already found (the exit handler's) checks the same bounds. */
	const struct mmio_device *d = mmio_bus_find(&mmio, PC_TESTDEV_IOMEM_GPA);

	assert_int_equal(mmio_device_access(d, PC_TESTDEV_IOMEM_GPA - 1, buf, 1, false), -ENODEV);
	assert_int_equal(mmio_device_access(d, PC_TESTDEV_IOMEM_GPA + 0xfffc, buf, 8, true),
			 -ENODEV);
	assert_int_equal(mmio_device_access(d, PC_TESTDEV_IOMEM_GPA, buf, 0, false), -ENODEV);
	assert_int_equal(mmio_device_access(d, PC_TESTDEV_IOMEM_GPA + 0x10, buf, 17, false),
			 -ENODEV);
	assert_int_equal(mmio_device_access(d, PC_TESTDEV_IOMEM_GPA + 0xfff8, buf, 8, false), 0);
}

static void test_register_refuses_overlaps_and_empty_ranges(void **state)
{
	struct mmio_device d = { .name = "x", .gpa = PC_TESTDEV_IOMEM_GPA + 0x8000, .len = 16 };

	assert_int_equal(mmio_bus_register(&mmio, &d), -EBUSY);
	d.len = 0;
	d.gpa = 0x1000;
	assert_int_equal(mmio_bus_register(&mmio, &d), -EINVAL);
	d.gpa = ~0ull - 4;
	d.len = 16;
	assert_int_equal(mmio_bus_register(&mmio, &d), -EINVAL);
	d.gpa = 0x1000;
	for (unsigned int i = 1; i < MMIO_BUS_MAX_DEVICES; i++, d.gpa += 0x1000)
		assert_int_equal(mmio_bus_register(&mmio, &d), 0);
	assert_int_equal(mmio_bus_register(&mmio, &d), -ENOSPC);
}

static void test_port_e0_holds_a_dword(void **state)
{
	uint32_t v = 0x11223344;

	assert_int_equal(pio_bus_access(&pio, 0xe0, 4, true, &v), 0);
	v = 0;
	assert_int_equal(pio_bus_access(&pio, 0xe0, 4, false, &v), 0);
	assert_int_equal(v, 0x11223344);
	v = 0xaa;
	assert_int_equal(pio_bus_access(&pio, 0xe2, 1, true, &v), 0);
	assert_int_equal(pio_bus_access(&pio, 0xe0, 4, false, &v), 0);
	assert_int_equal(v, 0x11aa3344);
	assert_int_equal(pio_bus_access(&pio, 0xe2, 2, false, &v), 0);
	assert_int_equal(v & 0xffff, 0x11aa);
	/* The flush port takes writes and claims its ports (no unclaimed report). */
	v = 0x1000;
	assert_int_equal(pio_bus_access(&pio, 0xe4, 4, true, &v), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_iomem_reads_what_was_written, setup),
		cmocka_unit_test_setup(test_outside_a_device_is_refused, setup),
		cmocka_unit_test_setup(test_register_refuses_overlaps_and_empty_ranges, setup),
		cmocka_unit_test_setup(test_port_e0_holds_a_dword, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
