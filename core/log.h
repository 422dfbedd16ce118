/* SPDX-License-Identifier: MIT */
/* Console logging with levels. Never called on the VM-exit path. */
#ifndef PLINTH_CORE_LOG_H
#define PLINTH_CORE_LOG_H

#include <stdarg.h>
#include "core/compiler.h"

enum log_level {
	LOG_ERROR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

/* Parses "error", "warn", "info", "debug" or a digit 0-3; -EINVAL otherwise. */
int log_level_parse(const char *s, enum log_level *out);
const char *log_level_name(enum log_level lvl);

void log_set_level(enum log_level lvl);
enum log_level log_get_level(void);
void log_printf(enum log_level lvl, const char *fmt, ...) __printf(2, 3);
void log_vprintf(enum log_level lvl, const char *fmt, va_list ap);

#define pr_err(...)   log_printf(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...)  log_printf(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  log_printf(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_printf(LOG_DEBUG, __VA_ARGS__)

#endif
