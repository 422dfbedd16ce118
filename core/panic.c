// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "core/log.h"
#include "core/panic.h"

__noreturn void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pr_err("*** plinth: panic on CPU %u: ", this_cpu()->cpu_id);
	log_vprintf(LOG_ERROR, fmt, ap);
	va_end(ap);
	pr_err("\n*** plinth: CPU %u stopped.\n", this_cpu()->cpu_id);
	cpu_halt_forever();
}
