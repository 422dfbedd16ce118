/* SPDX-License-Identifier: MIT */
/*
 * Formatting without libc: the C99 conversions plinth uses (d i u x X o c s p %, flags "-+ #0",
 * width and precision including '*', length modifiers hh h l ll z t j). No floating point.
 * Return the length the full output would have had, as C99 snprintf does.
 */
#ifndef PLINTH_CORE_PRINTF_H
#define PLINTH_CORE_PRINTF_H

#include <stdarg.h>
#include <stddef.h>
#include "core/compiler.h"

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* Streaming form: every produced character goes to putc(ctx, c). Returns characters produced. */
int kvcbprintf(void (*putc)(void *ctx, char c), void *ctx, const char *fmt, va_list ap);

#endif
