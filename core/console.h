/* SPDX-License-Identifier: MIT */
/* The hypervisor console: the 16550 that console= names (COM1 at 115200 by default). */
#ifndef PLINTH_CORE_CONSOLE_H
#define PLINTH_CORE_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/config.h"

/* Returns 0, or the UART driver's error (the console is then silent, plinth goes on). */
int console_init(const struct console_config *cfg);
/* Writes whole buffers atomically with respect to other writers. */
void console_write(const char *s, size_t len);
/* For the exception path: writes without the lock when the lock holder is this CPU, in
 * pieces; may interleave with other CPUs but never deadlocks. */
void console_write_unlocked(const char *s, size_t len);

/* selftest=console-stall: takes the console lock, sets *taken, and stops this CPU for ever
 * while holding it, as a CPU that dies while printing would. */
__noreturn void console_hold_and_stop(bool *taken);

/* TSC ticks spent writing (mostly waiting for the UART): boot-time figures subtract them. */
uint64_t console_ticks(void);

#endif
