/* SPDX-License-Identifier: MIT */
/* The machine's own 16550 UART (the console), polled: plinth takes no device interrupts. */
#ifndef PLINTH_DRIVERS_UART16550_H
#define PLINTH_DRIVERS_UART16550_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_COM1     0x3f8
#define UART_COM2     0x2f8
#define UART_COM3     0x3e8
#define UART_COM4     0x2e8
#define UART_CLOCK_HZ 1843200 /* 115200 * 16 */

struct uart16550 {
	uint16_t port;
	bool present;
};

/* Programs 8N1 at baud with FIFOs on. Returns -ENODEV when nothing answers at port (the
 * scratch register does not hold a value), -EINVAL for a baud that 115200 does not divide. */
int uart16550_init(struct uart16550 *u, uint16_t port, uint32_t baud);
void uart16550_putc(const struct uart16550 *u, char c);
/* Writes len bytes, turning "\n" into "\r\n". */
void uart16550_write(const struct uart16550 *u, const char *s, size_t len);

#endif
