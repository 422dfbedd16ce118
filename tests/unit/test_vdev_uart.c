// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "drivers/vdev/uart.h"
#include "vdev_fake_host.h"

#define COM1 0x3f8
#define THR  (COM1 + 0)
#define RBR  (COM1 + 0)
#define DLL  (COM1 + 0)
#define IER  (COM1 + 1)
#define DLM  (COM1 + 1)
#define IIR  (COM1 + 2)
#define FCR  (COM1 + 2)
#define LCR  (COM1 + 3)
#define MCR  (COM1 + 4)
#define LSR  (COM1 + 5)
#define MSR  (COM1 + 6)
#define SCR  (COM1 + 7)

struct fixture {
	struct vm *vm;
	struct pio_bus *bus;
	struct uart uart;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->vm = fake_vm_new();
	f->bus = fake_bus_new(f->vm);
	uart_init(&f->uart, f->vm, COM1);
	assert_int_equal(uart_register(&f->uart, f->bus), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(f->vm->bad_lines, 0);
	assert_int_equal(f->vm->nr_reports, 0);
	free(f->bus);
	free(f->vm);
	free(f);
	return 0;
}

/* As a polling driver does: wait for THRE, then write the byte. */
static void put(struct fixture *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		assert_true(fake_inb(f->bus, LSR) & 0x20);
		fake_outb(f->bus, THR, (uint8_t)s[i]);
	}
}

static void puts_(struct fixture *f, const char *s)
{
	put(f, s, strlen(s));
}

static void expect_lines(struct fixture *f, const char *const *lines, unsigned int n)
{
	assert_int_equal(f->vm->nr_lines, n);
	for (unsigned int i = 0; i < n; i++)
		assert_string_equal(f->vm->lines[i], lines[i]);
}

static void test_reset_state(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(fake_inb(f->bus, LSR), 0x60); /* THRE | TEMT */
	assert_int_equal(fake_inb(f->bus, IIR), 0x01); /* no interrupt, FIFOs off */
	assert_int_equal(fake_inb(f->bus, IER), 0x00);
	assert_int_equal(fake_inb(f->bus, LCR), 0x00);
	assert_int_equal(fake_inb(f->bus, MCR), 0x08); /* OUT2, as QEMU */
	assert_int_equal(fake_inb(f->bus, MSR), 0xb0); /* DCD, DSR, CTS */
	fake_outb(f->bus, LCR, 0x80);
	assert_int_equal(fake_inb(f->bus, DLL), 12);
	assert_int_equal(fake_inb(f->bus, DLM), 0);
}

static void test_crlf_and_lf_end_lines(void **state)
{
	struct fixture *f = *state;
	const char *const want[] = { "hello", "world" };

	puts_(f, "hello\r\nworld");
	assert_int_equal(f->vm->nr_lines, 1);
	assert_string_equal(f->vm->lines[0], "hello");
	uart_flush(&f->uart);
	expect_lines(f, want, 2);
	uart_flush(&f->uart); /* nothing left */
	assert_int_equal(f->vm->nr_lines, 2);
}

static void test_empty_lines_and_flush_then_newline(void **state)
{
	struct fixture *f = *state;
	const char *const want[] = { "", "abc", "" };

	puts_(f, "\n");
	puts_(f, "abc");
	uart_flush(&f->uart);
	puts_(f, "\r\n"); /* ends the line that was flushed: no extra empty line */
	puts_(f, "\n");
	expect_lines(f, want, 3);
}

static void test_non_printable_bytes_show_as_dots(void **state)
{
	struct fixture *f = *state;
	const char *const want[] = { "a.b\tc..", "50%.60%", "x" };

	put(f,
	    "a\x1b"
	    "b\tc\x80\x7f\r\n",
	    9);
	puts_(f, "50%\r60%\n");
	puts_(f, "x\r"); /* a trailing '\r' is dropped when the line is flushed */
	uart_flush(&f->uart);
	expect_lines(f, want, 3);
}

static void test_long_lines_are_cut(void **state)
{
	struct fixture *f = *state;
	char buf[600];

	memset(buf, 'x', sizeof(buf));
	put(f, buf, 300);
	puts_(f, "\n");
	assert_int_equal(f->vm->nr_lines, 2);
	assert_int_equal(f->vm->line_lens[0], UART_LINE_MAX);
	assert_int_equal(f->vm->line_lens[1], 300 - UART_LINE_MAX);
	/* Exactly a full line and its line end: one line, not a trailing empty one. */
	put(f, buf, UART_LINE_MAX);
	puts_(f, "\r\n");
	assert_int_equal(f->vm->nr_lines, 3);
	assert_int_equal(f->vm->line_lens[2], UART_LINE_MAX);
}

static void test_ten_thousand_bytes_all_arrive(void **state)
{
	struct fixture *f = *state;
	static char sent[10000], got[10000 + UART_LINE_MAX];
	size_t at = 0;

	for (unsigned int i = 0; i < sizeof(sent); i++)
		sent[i] = (char)('a' + i % 26);
	/* As fast as possible: no LSR polling at all. */
	for (unsigned int i = 0; i < sizeof(sent); i++)
		fake_outb(f->bus, THR, (uint8_t)sent[i]);
	uart_flush(&f->uart);
	assert_int_equal(f->vm->line_bytes, sizeof(sent));
	for (unsigned int i = 0; i < f->vm->nr_lines; i++) {
		memcpy(got + at, f->vm->lines[i], f->vm->line_lens[i]);
		at += f->vm->line_lens[i];
	}
	assert_int_equal(at, sizeof(sent));
	assert_memory_equal(got, sent, sizeof(sent));
	assert_int_equal(fake_inb(f->bus, LSR) & 0x60, 0x60);
}

/* Linux's 8250 autoconfig: IER probe, then the loopback test on MSR. */
static void test_linux_style_probe(void **state)
{
	struct fixture *f = *state;
	uint8_t save_mcr;

	fake_outb(f->bus, IER, 0);
	assert_int_equal(fake_inb(f->bus, IER) & 0x0f, 0);
	fake_outb(f->bus, IER, 0xff);
	assert_int_equal(fake_inb(f->bus, IER), 0x0f);
	fake_outb(f->bus, IER, 0);
	fake_outb(f->bus, SCR, 0xa5);
	assert_int_equal(fake_inb(f->bus, SCR), 0xa5);

	save_mcr = fake_inb(f->bus, MCR);
	fake_outb(f->bus, MCR, 0x10 | 0x0a); /* LOOP | OUT2 | RTS */
	assert_int_equal(fake_inb(f->bus, MSR) & 0xf0, 0x90); /* DCD | CTS */
	fake_outb(f->bus, MCR, save_mcr);
	assert_int_equal(fake_inb(f->bus, MSR) & 0xf0, 0xb0);

	/* 16550A detection: FIFOs on, IIR bits 7:6 both set, bit 5 (64-byte FIFO) clear. */
	fake_outb(f->bus, FCR, 0x01);
	assert_int_equal(fake_inb(f->bus, IIR) & 0xe0, 0xc0);
	fake_outb(f->bus, FCR, 0x00);
	assert_int_equal(fake_inb(f->bus, IIR) & 0xc0, 0x00);
	assert_int_equal(f->vm->nr_lines, 0);
}

static void test_loopback_returns_data_and_outputs_nothing(void **state)
{
	struct fixture *f = *state;

	fake_outb(f->bus, MCR, 0x10);
	fake_outb(f->bus, THR, 'X');
	assert_int_equal(fake_inb(f->bus, LSR), 0x61); /* DR */
	assert_int_equal(fake_inb(f->bus, RBR), 'X');
	assert_int_equal(fake_inb(f->bus, LSR), 0x60);
	fake_outb(f->bus, THR, '\n');
	assert_int_equal(fake_inb(f->bus, RBR), '\n');
	uart_flush(&f->uart);
	assert_int_equal(f->vm->nr_lines, 0);
}

static void test_loopback_overrun(void **state)
{
	struct fixture *f = *state;

	fake_outb(f->bus, MCR, 0x10);
	fake_outb(f->bus, THR, 'a');
	fake_outb(f->bus, THR, 'b'); /* no FIFO: overwrites, overrun */
	assert_int_equal(fake_inb(f->bus, LSR), 0x63);
	assert_int_equal(fake_inb(f->bus, LSR), 0x61); /* OE cleared by the read */
	assert_int_equal(fake_inb(f->bus, RBR), 'b');

	fake_outb(f->bus, FCR, 0x07);
	for (unsigned int i = 0; i < UART_RX_FIFO_BYTES + 1; i++)
		fake_outb(f->bus, THR, (uint8_t)('A' + i));
	assert_int_equal(fake_inb(f->bus, LSR), 0x63);
	for (unsigned int i = 0; i < UART_RX_FIFO_BYTES; i++)
		assert_int_equal(fake_inb(f->bus, RBR), 'A' + i); /* the 17th was lost */
	assert_int_equal(fake_inb(f->bus, LSR), 0x60);
	fake_outb(f->bus, THR, 'z');
	fake_outb(f->bus, FCR, 0x03); /* clear the receive FIFO */
	assert_int_equal(fake_inb(f->bus, LSR), 0x60);
}

static void test_msr_deltas_in_loopback(void **state)
{
	struct fixture *f = *state;

	fake_outb(f->bus, MCR, 0x10); /* loopback, all outputs low: CTS, DSR, DCD fall */
	assert_int_equal(fake_inb(f->bus, MSR), 0x0b);
	assert_int_equal(fake_inb(f->bus, MSR), 0x00);
	fake_outb(f->bus, MCR, 0x1f); /* every output high */
	assert_int_equal(fake_inb(f->bus, MSR), 0xfb);
	fake_outb(f->bus, MCR, 0x1b); /* OUT1 falls: RI trailing edge */
	assert_int_equal(fake_inb(f->bus, MSR), 0xb4);
}

static void test_divisor_latch(void **state)
{
	struct fixture *f = *state;

	fake_outb(f->bus, LCR, 0x83);
	fake_outb(f->bus, DLL, 0x01);
	fake_outb(f->bus, DLM, 0x02);
	assert_int_equal(fake_inb(f->bus, DLL), 0x01);
	assert_int_equal(fake_inb(f->bus, DLM), 0x02);
	assert_int_equal(fake_inb(f->bus, IIR), 0x01); /* IIR does not depend on DLAB */
	fake_outb(f->bus, LCR, 0x03);
	assert_int_equal(fake_inb(f->bus, IER), 0x00);
	puts_(f, "ok\n");
	assert_int_equal(f->vm->nr_lines, 1);
	assert_string_equal(f->vm->lines[0], "ok");
}

static void test_thre_interrupt_identification(void **state)
{
	struct fixture *f = *state;

	fake_outb(f->bus, IER, 0x02);
	assert_true(uart_irq_line(&f->uart));
	assert_int_equal(fake_inb(f->bus, IIR), 0x02);
	assert_int_equal(fake_inb(f->bus, IIR), 0x01); /* reading IIR acknowledged it */
	assert_false(uart_irq_line(&f->uart));
	fake_outb(f->bus, THR, 'x');
	assert_int_equal(fake_inb(f->bus, IIR), 0x02); /* THR emptied again at once */
	fake_outb(f->bus, FCR, 0x01);
	fake_outb(f->bus, IER, 0x00);
	fake_outb(f->bus, IER, 0x02);
	assert_int_equal(fake_inb(f->bus, IIR), 0xc2);
	fake_outb(f->bus, IER, 0x00);
	assert_int_equal(fake_inb(f->bus, IIR), 0xc1);
}

static void test_receive_interrupt_and_priorities(void **state)
{
	struct fixture *f = *state;

	fake_outb(f->bus, IER, 0x0f);
	fake_outb(f->bus, MCR, 0x10); /* modem status change too */
	fake_outb(f->bus, THR, 'a');
	fake_outb(f->bus, THR, 'b'); /* overrun */
	assert_int_equal(fake_inb(f->bus, IIR), 0x06); /* line status first */
	fake_inb(f->bus, LSR);
	assert_int_equal(fake_inb(f->bus, IIR), 0x04); /* then received data */
	fake_inb(f->bus, RBR);
	assert_int_equal(fake_inb(f->bus, IIR), 0x02); /* then THR empty */
	assert_int_equal(fake_inb(f->bus, IIR), 0x00); /* then modem status */
	assert_false(uart_irq_line(&f->uart)); /* loopback: the OUT2 gate is disconnected */
	fake_inb(f->bus, MSR);
	assert_int_equal(fake_inb(f->bus, IIR), 0x01);
}

static void test_word_access_is_two_byte_accesses(void **state)
{
	struct fixture *f = *state;

	fake_out(f->bus, THR, 2, 0x0041); /* 'A' to THR, 0 to IER */
	fake_out(f->bus, THR, 2, 0x000a);
	assert_int_equal(f->vm->nr_lines, 1);
	assert_string_equal(f->vm->lines[0], "A");
	assert_int_equal(fake_in(f->bus, LSR, 2), 0xb060); /* LSR, MSR */
}

static void test_receive_from_outside(void **state)
{
	struct fixture *f = *state;

	assert_true(uart_receive(&f->uart, 'k'));
	assert_false(uart_receive(&f->uart, 'l')); /* no FIFO: one byte */
	assert_int_equal(fake_inb(f->bus, LSR), 0x63);
	assert_int_equal(fake_inb(f->bus, RBR), 'l');
	assert_int_equal(fake_inb(f->bus, RBR), 'l'); /* nothing new: the last byte again */
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_reset_state),
		T(test_crlf_and_lf_end_lines),
		T(test_empty_lines_and_flush_then_newline),
		T(test_non_printable_bytes_show_as_dots),
		T(test_long_lines_are_cut),
		T(test_ten_thousand_bytes_all_arrive),
		T(test_linux_style_probe),
		T(test_loopback_returns_data_and_outputs_nothing),
		T(test_loopback_overrun),
		T(test_msr_deltas_in_loopback),
		T(test_divisor_latch),
		T(test_thre_interrupt_identification),
		T(test_receive_interrupt_and_priorities),
		T(test_word_access_is_two_byte_accesses),
		T(test_receive_from_outside),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
