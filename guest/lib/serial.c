// SPDX-License-Identifier: MIT
/* COM1 output, polled. plinth's virtual UART always reports the transmitter empty; a real or
 * QEMU 16550 may not, and the poll is bounded so that a missing UART cannot hang a guest. */
#include "lib/io.h"
#include "lib/serial.h"

void serial_putc(char c)
{
	for (unsigned int spins = 0; spins < 100000; spins++) {
		if (inb(COM1_PORT + UART_LSR) & UART_LSR_THR_EMPTY)
			break;
	}
	outb(COM1_PORT + UART_THR, (uint8_t)c);
}

void serial_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		serial_putc(s[i]);
}
