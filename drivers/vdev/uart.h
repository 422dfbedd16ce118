/* SPDX-License-Identifier: MIT */
/*
 * The guest's 16550A UART (COM1 at 0x3f8 on the QEMU pc platform). Transmitted bytes become
 * console lines through vm_console_line(); the transmitter is infinitely fast, so THRE and TEMT
 * are always set and no byte is ever lost or waited for. The receiver is fed only by loopback
 * (MCR bit 4) and by uart_receive(). No interrupt is delivered yet: IER/IIR behave as on a real
 * 16550A so that polling drivers work and an interrupt line can be attached (uart_irq_line).
 */
#ifndef PLINTH_DRIVERS_VDEV_UART_H
#define PLINTH_DRIVERS_VDEV_UART_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct pio_bus;

#define UART_NR_PORTS	   8
#define UART_LINE_MAX	   256 /* a longer line is cut into pieces of this length */
#define UART_RX_FIFO_BYTES 16

struct uart {
	struct vm *vm;
	uint16_t base;
	uint8_t ier, lcr, mcr, scr, fcr;
	uint8_t dll, dlm;
	uint8_t lsr_errors; /* OE: cleared by reading LSR */
	uint8_t msr_delta; /* DCTS, DDSR, TERI, DDCD: cleared by reading MSR */
	uint8_t rbr; /* the last byte read from the receiver */
	bool thr_ipending; /* THR-empty interrupt pending (cleared by an IIR read that shows it) */
	uint8_t rx[UART_RX_FIFO_BYTES];
	uint8_t rx_head, rx_count;
	char line[UART_LINE_MAX];
	uint16_t line_len;
	bool cr_pending; /* a '\r' that is dropped if '\n' follows and shown as '.' otherwise */
	bool line_cut; /* the line was just pushed out (full or flushed): a '\n' now ends nothing */
};

/* Reset state as QEMU's: MCR OUT2 set, divisor 12 (9600 baud), LCR 0, FIFOs off. */
void uart_init(struct uart *u, struct vm *vm, uint16_t base);
/* Claims base .. base + 7 on the bus. */
int uart_register(struct uart *u, struct pio_bus *bus);
/* Pushes out a partial line (the core calls it when the guest stops). A trailing '\r' is dropped. */
void uart_flush(struct uart *u);
/* A byte arriving on the serial input. Returns false when it was lost to an overrun. */
bool uart_receive(struct uart *u, uint8_t byte);
/* The level the UART's interrupt output would drive on a PC board: an interrupt is pending in IIR
 * and MCR OUT2 (which gates the line to the interrupt controller) is set, outside loopback. */
bool uart_irq_line(const struct uart *u);

#endif
