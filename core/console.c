// SPDX-License-Identifier: MIT
#include "core/console.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/tsc.h"
#include "core/printf.h"
#include "core/spinlock.h"
#include "drivers/uart16550.h"

/* Longer than the longest line takes at 9600 baud (LOG_LINE_MAX bytes: about 0.5 s). */
#define CONSOLE_LOCK_TIMEOUT_MS 2000

static struct uart16550 console_uart;
static spinlock_t console_lock = SPINLOCK_INIT;
static uint32_t console_holder; /* the CPU in console_write, for the timeout's message */
static uint64_t console_tsc_ticks;

int console_init(const struct console_config *cfg)
{
	if (!cfg->enabled) {
		console_uart.present = false;
		return 0;
	}
	return uart16550_init(&console_uart, cfg->port, cfg->baud);
}

/* The ticket lock, but a CPU that sees no progress for the timeout (the owner's ticket has not
 * moved) says so and takes the console: a CPU that stopped while writing must not silence the
 * others. Returns the ticket, which the unlock gives up only if it is still the owner's (a
 * stalled holder's late unlock must not let the next writer in early). */
static uint32_t console_lock_timed(void)
{
	uint32_t ticket = __atomic_fetch_add(&console_lock.next, 1, __ATOMIC_RELAXED);
	uint32_t seen = __atomic_load_n(&console_lock.owner, __ATOMIC_ACQUIRE), owner;
	uint64_t start = rdtsc(), limit = tsc_khz() * CONSOLE_LOCK_TIMEOUT_MS;
	char msg[128];
	int n;

	while ((owner = __atomic_load_n(&console_lock.owner, __ATOMIC_ACQUIRE)) != ticket) {
		if (owner != seen) { /* someone wrote: the wait starts again */
			seen = owner;
			start = rdtsc();
		}
		if (rdtsc() - start < limit) {
			cpu_relax();
			continue;
		}
		__atomic_store_n(&console_lock.owner, ticket, __ATOMIC_RELEASE);
		n = ksnprintf(msg, sizeof(msg),
			      "console: CPU %u has held the console for over %u ms; CPU %u writes "
			      "without waiting\n",
			      __atomic_load_n(&console_holder, __ATOMIC_RELAXED),
			      CONSOLE_LOCK_TIMEOUT_MS, this_cpu()->cpu_id);
		if (n > 0)
			uart16550_write(&console_uart, msg,
					(size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
		break;
	}
	__atomic_store_n(&console_holder, this_cpu()->cpu_id, __ATOMIC_RELAXED);
	return ticket;
}

void console_write(const char *s, size_t len)
{
	uint64_t flags, start;
	uint32_t ticket;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	ticket = console_lock_timed();
	start = rdtsc();
	uart16550_write(&console_uart, s, len);
	console_tsc_ticks += rdtsc() - start;
	__atomic_compare_exchange_n(&console_lock.owner, &ticket, ticket + 1, false,
				    __ATOMIC_RELEASE, __ATOMIC_RELAXED);
	if (flags & (1u << 9))
		__asm__ volatile("sti" ::: "memory");
}

__noreturn void console_hold_and_stop(bool *taken)
{
	console_lock_timed();
	__atomic_store_n(taken, true, __ATOMIC_RELEASE);
	cpu_halt_forever();
}

void console_write_unlocked(const char *s, size_t len)
{
	uart16550_write(&console_uart, s, len);
}

uint64_t console_ticks(void)
{
	return console_tsc_ticks;
}
