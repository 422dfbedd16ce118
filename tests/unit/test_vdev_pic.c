// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "drivers/vdev/pic.h"
#include "vdev_fake_host.h"

struct fixture {
	struct vm *vm;
	struct pio_bus *bus;
	struct pic pic;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->vm = fake_vm_new();
	f->bus = fake_bus_new(f->vm);
	pic_init(&f->pic);
	assert_int_equal(pic_register(&f->pic, f->bus), 0);
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

/* Linux's init_8259A, and what every PC kernel does. */
static void test_standard_initialisation(void **state)
{
	struct fixture *f = *state;

	fake_outb(f->bus, 0x21, 0xff);
	fake_outb(f->bus, 0xa1, 0xff);
	fake_outb(f->bus, 0x20, 0x11); /* ICW1: edge, cascade, ICW4 */
	assert_int_equal(fake_inb(f->bus, 0x21), 0x00); /* ICW1 clears the mask */
	fake_outb(f->bus, 0x21, 0x30); /* ICW2: vectors 0x30-0x37 */
	fake_outb(f->bus, 0x21, 0x04); /* ICW3: slave on IR2 */
	fake_outb(f->bus, 0x21, 0x01); /* ICW4: 8086 mode */
	fake_outb(f->bus, 0xa0, 0x11);
	fake_outb(f->bus, 0xa1, 0x38);
	fake_outb(f->bus, 0xa1, 0x02);
	fake_outb(f->bus, 0xa1, 0x01);
	fake_outb(f->bus, 0x21, 0xfb); /* OCW1: everything but the cascade masked */
	fake_outb(f->bus, 0xa1, 0xff);
	assert_int_equal(fake_inb(f->bus, 0x21), 0xfb);
	assert_int_equal(fake_inb(f->bus, 0xa1), 0xff);
	assert_int_equal(f->pic.chip[0].vector_base, 0x30);
	assert_int_equal(f->pic.chip[1].vector_base, 0x38);
	assert_int_equal(f->pic.chip[0].icw3, 0x04);
	assert_int_equal(f->pic.chip[1].icw3, 0x02);
	assert_int_equal(f->pic.chip[0].init_step, PIC_READY);
	assert_int_equal(f->pic.chip[1].init_step, PIC_READY);
}

static void test_single_without_icw4(void **state)
{
	struct fixture *f = *state;

	fake_outb(f->bus, 0x20, 0x12); /* single, no ICW4 */
	fake_outb(f->bus, 0x21, 0x47); /* ICW2: low bits ignored */
	assert_int_equal(f->pic.chip[0].init_step, PIC_READY);
	assert_int_equal(f->pic.chip[0].vector_base, 0x40);
	fake_outb(f->bus, 0x21, 0x5a); /* now OCW1 */
	assert_int_equal(fake_inb(f->bus, 0x21), 0x5a);
	fake_outb(f->bus, 0x20, 0x13); /* single, ICW4 */
	fake_outb(f->bus, 0x21, 0x08);
	assert_int_equal(f->pic.chip[0].init_step, PIC_WANT_ICW4);
	fake_outb(f->bus, 0x21, 0x03); /* auto-EOI */
	assert_true(f->pic.chip[0].auto_eoi);
	assert_int_equal(fake_inb(f->bus, 0x21), 0x00);
}

static void test_ocw3_reads_irr_isr_and_poll(void **state)
{
	struct fixture *f = *state;

	fake_outb(f->bus, 0x20, 0x0a); /* read IRR */
	assert_int_equal(fake_inb(f->bus, 0x20), 0x00);
	fake_outb(f->bus, 0x20, 0x0b); /* read ISR */
	assert_int_equal(fake_inb(f->bus, 0x20), 0x00);
	assert_true(f->pic.chip[0].read_isr);
	fake_outb(f->bus, 0x20, 0x0c); /* poll: nothing requested */
	assert_int_equal(fake_inb(f->bus, 0x20), 0x00);
	assert_false(f->pic.chip[0].poll);
	fake_outb(f->bus, 0xa0, 0x68); /* special mask mode on */
	assert_true(f->pic.chip[1].special_mask);
	fake_outb(f->bus, 0xa0, 0x48);
	assert_false(f->pic.chip[1].special_mask);
}

static void test_eoi_and_priority_commands(void **state)
{
	struct fixture *f = *state;

	fake_outb(f->bus, 0x20, 0x20); /* non-specific EOI with nothing in service */
	fake_outb(f->bus, 0xa0, 0x20);
	fake_outb(f->bus, 0x20, 0x62); /* specific EOI, IR2 */
	fake_outb(f->bus, 0x20, 0xc4); /* set priority: IR4 lowest */
	assert_int_equal(f->pic.chip[0].lowest_priority, 4);
	fake_outb(f->bus, 0x20, 0xe6); /* rotate on specific EOI, IR6 */
	assert_int_equal(f->pic.chip[0].lowest_priority, 6);
	fake_outb(f->bus, 0x20, 0x80); /* rotate in auto-EOI mode */
	assert_true(f->pic.chip[0].rotate_on_auto_eoi);
	fake_outb(f->bus, 0x20, 0x00);
	assert_false(f->pic.chip[0].rotate_on_auto_eoi);
	f->pic.chip[0].isr = 0x28; /* what the interrupt path would set */
	fake_outb(f->bus, 0x20,
		  0xa0); /* rotate on non-specific EOI: IR7 highest priority, then 0.. */
	assert_int_equal(f->pic.chip[0].isr, 0x20);
	assert_int_equal(f->pic.chip[0].lowest_priority, 3);
	fake_outb(f->bus, 0x20, 0x20);
	assert_int_equal(f->pic.chip[0].isr, 0x00);
}

static void test_elcr_reads_back(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(fake_inb(f->bus, 0x4d0), 0x00);
	fake_outb(f->bus, 0x4d0, 0x0c);
	fake_outb(f->bus, 0x4d1, 0x0a);
	assert_int_equal(fake_inb(f->bus, 0x4d0), 0x0c);
	assert_int_equal(fake_inb(f->bus, 0x4d1), 0x0a);
	assert_int_equal(fake_in(f->bus, 0x4d0, 2), 0x0a0c);
	fake_out(f->bus, 0x4d0, 2, 0x1234);
	assert_int_equal(fake_inb(f->bus, 0x4d1), 0x12);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_standard_initialisation),
		T(test_single_without_icw4),
		T(test_ocw3_reads_irr_isr_and_poll),
		T(test_eoi_and_priority_commands),
		T(test_elcr_reads_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
