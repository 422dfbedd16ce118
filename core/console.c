// SPDX-License-Identifier: MIT
#include "core/console.h"
#include "arch/x86/cpu.h"
#include "core/spinlock.h"
#include "drivers/uart16550.h"

static struct uart16550 console_uart;
static spinlock_t console_lock = SPINLOCK_INIT;
static uint64_t console_tsc_ticks;

int console_init(const struct console_config *cfg)
{
	if (!cfg->enabled) {
		console_uart.present = false;
		return 0;
	}
	return uart16550_init(&console_uart, cfg->port, cfg->baud);
}

void console_write(const char *s, size_t len)
{
	uint64_t flags = spin_lock_irqsave(&console_lock);
	uint64_t start = rdtsc();

	uart16550_write(&console_uart, s, len);
	console_tsc_ticks += rdtsc() - start;
	spin_unlock_irqrestore(&console_lock, flags);
}

void console_write_unlocked(const char *s, size_t len)
{
	uart16550_write(&console_uart, s, len);
}

uint64_t console_ticks(void)
{
	return console_tsc_ticks;
}
