// SPDX-License-Identifier: MIT
#include "drivers/uart16550.h"
#include "arch/x86/io.h"
#include "core/errno.h"

/* Register offsets from the base port (DLAB = LCR bit 7 selects the divisor latch). */
#define UART_THR 0 /* transmit holding (write) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1
#define UART_DLM 1 /* divisor latch high (DLAB=1) */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7

#define UART_LCR_8N1	      0x03
#define UART_LCR_DLAB	      0x80
#define UART_LSR_THRE	      0x20
#define UART_FCR_ENABLE_CLEAR 0x07
#define UART_MCR_DTR_RTS_OUT2 0x0b

/* A transmitter that never drains (no UART, or a broken one) must not hang the console. */
#define UART_SPIN_LIMIT 100000

int uart16550_init(struct uart16550 *u, uint16_t port, uint32_t baud)
{
	uint32_t divisor;

	u->port = port;
	u->present = false;
	if (baud == 0 || baud > 115200 || 115200 % baud)
		return -EINVAL;
	outb(port + UART_SCR, 0x5a);
	if (inb(port + UART_SCR) != 0x5a)
		return -ENODEV;
	divisor = 115200 / baud;
	outb(port + UART_IER, 0);
	outb(port + UART_LCR, UART_LCR_DLAB);
	outb(port + UART_DLL, divisor & 0xff);
	outb(port + UART_DLM, divisor >> 8);
	outb(port + UART_LCR, UART_LCR_8N1);
	outb(port + UART_FCR, UART_FCR_ENABLE_CLEAR);
	outb(port + UART_MCR, UART_MCR_DTR_RTS_OUT2);
	u->present = true;
	return 0;
}

void uart16550_putc(const struct uart16550 *u, char c)
{
	unsigned int spins = 0;

	if (!u->present)
		return;
	while (!(inb(u->port + UART_LSR) & UART_LSR_THRE) && spins++ < UART_SPIN_LIMIT)
		;
	outb(u->port + UART_THR, (uint8_t)c);
}

void uart16550_write(const struct uart16550 *u, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart16550_putc(u, '\r');
		uart16550_putc(u, s[i]);
	}
}
