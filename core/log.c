// SPDX-License-Identifier: MIT
#include "core/log.h"
#include "core/console.h"
#include "core/printf.h"

/* One log call is one console write, so lines from different CPUs never interleave. */
#define LOG_LINE_MAX 512

static enum log_level log_level = LOG_INFO;

void log_set_level(enum log_level lvl)
{
	log_level = lvl;
}

enum log_level log_get_level(void)
{
	return log_level;
}

void log_vprintf(enum log_level lvl, const char *fmt, va_list ap)
{
	static const char truncated[] = "...\n";
	char buf[LOG_LINE_MAX];
	int n;

	if (lvl > log_level)
		return;
	n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf)) {
		n = sizeof(buf) - 1;
		for (size_t i = 0; i < sizeof(truncated) - 1; i++)
			buf[n - (sizeof(truncated) - 1) + i] = truncated[i];
	}
	console_write(buf, (size_t)n);
}

void log_printf(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(lvl, fmt, ap);
	va_end(ap);
}
