// SPDX-License-Identifier: MIT
#include "lib/cpu.h"
#include "lib/exit.h"
#include "lib/io.h"

void debug_exit(uint32_t value)
{
	outl(DEBUG_EXIT_PORT, value);
	/* Only reached without a debug-exit device. */
	halt_forever();
}
