/* SPDX-License-Identifier: MIT */
/* Polled output on COM1 (16550 at 0x3f8); lines end with "\n" only. */
#ifndef GUEST_LIB_SERIAL_H
#define GUEST_LIB_SERIAL_H

#include <stddef.h>

#define COM1_PORT	   0x3f8
#define UART_THR	   0 /* transmit holding register (DLAB = 0) */
#define UART_DLL	   0 /* divisor latch low (DLAB = 1) */
#define UART_DLM	   1 /* divisor latch high (DLAB = 1) */
#define UART_IER	   1
#define UART_LCR	   3
#define UART_LSR	   5
#define UART_SCR	   7
#define UART_LCR_DLAB	   0x80
#define UART_LCR_8N1	   0x03
#define UART_LSR_THR_EMPTY 0x20

void serial_putc(char c);
void serial_write(const char *s, size_t len);

#endif
