/* SPDX-License-Identifier: MIT */
/* The few libc string functions plinth needs; the host tests use the real libc instead. */
#ifndef PLINTH_CORE_STRING_H
#define PLINTH_CORE_STRING_H

#include <stddef.h>

#ifdef PLINTH_HOSTED
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
#endif

/* Copies at most size-1 bytes and always terminates (when size > 0); returns strlen(src). */
size_t strlcpy_pl(char *dst, const char *src, size_t size);

#endif
