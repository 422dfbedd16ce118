// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "drivers/vdev/fw_cfg.h"
#include "vdev_fake_host.h"

struct fixture {
	struct vm *vm;
	struct pio_bus *bus;
	struct fw_cfg fw;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->vm = fake_vm_new();
	f->vm->ram_bytes = 0x123456000ull; /* ~4.5 GiB: the high bytes matter */
	f->vm->nr_vcpus = 3;
	f->bus = fake_bus_new(f->vm);
	fw_cfg_init(&f->fw, f->vm);
	assert_int_equal(fw_cfg_register(&f->fw, f->bus), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	free(f->bus);
	free(f->vm);
	free(f);
	return 0;
}

static void select_item(struct fixture *f, uint16_t key)
{
	fake_out(f->bus, FW_CFG_PORT_SEL, 2, key);
}

static void expect_item(struct fixture *f, uint16_t key, const uint8_t *want, unsigned int len)
{
	select_item(f, key);
	for (unsigned int i = 0; i < len; i++)
		assert_int_equal(fake_inb(f->bus, FW_CFG_PORT_DATA), want[i]);
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(fake_inb(f->bus, FW_CFG_PORT_DATA), 0); /* past the end */
}

static void test_signature_reads_qemu(void **state)
{
	struct fixture *f = *state;
	char sig[5] = { 0 };

	/* Selected at reset already, as on QEMU. */
	assert_int_equal(fake_inb(f->bus, FW_CFG_PORT_DATA), 'Q');
	select_item(f, FW_CFG_SIGNATURE);
	for (unsigned int i = 0; i < 4; i++)
		sig[i] = (char)fake_inb(f->bus, FW_CFG_PORT_DATA);
	assert_string_equal(sig, "QEMU");
	assert_int_equal(fake_inb(f->bus, FW_CFG_PORT_DATA), 0);
	select_item(f, FW_CFG_SIGNATURE); /* selecting again starts over */
	assert_int_equal(fake_inb(f->bus, FW_CFG_PORT_DATA), 'Q');
}

static void test_items(void **state)
{
	struct fixture *f = *state;
	const uint8_t id[] = { 0x01, 0, 0, 0 }; /* traditional interface, no DMA */
	const uint8_t ram[] = { 0x00, 0x60, 0x45, 0x23, 0x01, 0, 0, 0 };
	const uint8_t cpus[] = { 3, 0 };
	const uint8_t dir[] = { 0, 0, 0, 0 };

	expect_item(f, FW_CFG_ID, id, sizeof(id));
	expect_item(f, FW_CFG_RAM_SIZE, ram, sizeof(ram));
	expect_item(f, FW_CFG_NB_CPUS, cpus, sizeof(cpus));
	expect_item(f, FW_CFG_MAX_CPUS, cpus, sizeof(cpus));
	expect_item(f, FW_CFG_FILE_DIR, dir, sizeof(dir));
}

static void test_unknown_selectors_are_empty(void **state)
{
	struct fixture *f = *state;
	const uint16_t keys[] = { 0x0002, 0x0020, 0x1234, 0x3fff, 0x8000, 0x8003, 0xffff };

	for (unsigned int i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		expect_item(f, keys[i], NULL, 0);
	/* The write-channel bit does not change which item is read. */
	select_item(f, FW_CFG_WRITE_CHANNEL | FW_CFG_SIGNATURE);
	assert_int_equal(fake_inb(f->bus, FW_CFG_PORT_DATA), 'Q');
}

static void test_other_accesses_do_not_select(void **state)
{
	struct fixture *f = *state;

	select_item(f, FW_CFG_ID);
	fake_outb(f->bus, FW_CFG_PORT_SEL, FW_CFG_SIGNATURE); /* byte write: not a select */
	fake_outb(f->bus, FW_CFG_PORT_DATA, 0x55); /* data writes are ignored */
	fake_out(f->bus, FW_CFG_PORT_SEL, 4, FW_CFG_SIGNATURE); /* dword: not a select */
	assert_int_equal(fake_in(f->bus, FW_CFG_PORT_SEL, 2), 0xffff); /* word reads: invalid */
	assert_int_equal(fake_inb(f->bus, FW_CFG_PORT_SEL), 0x01); /* byte read of 0x510: data */
	assert_int_equal(fake_inb(f->bus, FW_CFG_PORT_DATA), 0x00);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_signature_reads_qemu),
		T(test_items),
		T(test_unknown_selectors_are_empty),
		T(test_other_accesses_do_not_select),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
