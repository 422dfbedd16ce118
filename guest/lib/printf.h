/* SPDX-License-Identifier: MIT */
/*
 * A small printf to COM1 and into buffers. Conversions: %d %i %u %x %X %c %s %p %%, with the
 * flags '-' and '0', a width (digits or '*'), a precision (digits or '*'; for %s the most
 * characters printed) and the length modifiers l, ll and z. No floating point.
 */
#ifndef GUEST_LIB_PRINTF_H
#define GUEST_LIB_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

int printf(const char *fmt, ...) PRINTF_LIKE(1, 2);
int vprintf(const char *fmt, va_list ap);
/* Always NUL-terminates (when size > 0); returns the length the full output would have. */
int snprintf(char *buf, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
