// SPDX-License-Identifier: MIT
/*
 * The libc string functions plinth uses, for the core and the EFI loader. memcpy and memset
 * live in core/memcpy.c because gnu-efi's libefi already provides those two. Host builds
 * (PLINTH_HOSTED) use the real libc and get only strlcpy_pl from here.
 */
#include "core/string.h"

#ifndef PLINTH_HOSTED

/*
 * rep movsb copies forwards when DF is clear and backwards when it is set; an overlapping move
 * to a higher address must copy backwards. A plain C loop here could be turned by gcc into a
 * call to memmove itself.
 */
void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s || d >= s + n) {
		__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	} else {
		d += n - 1;
		s += n - 1;
		__asm__ volatile("std\n\trep movsb\n\tcld"
				 : "+D"(d), "+S"(s), "+c"(n)
				 :
				 : "memory", "cc");
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *pa = a, *pb = b;

	for (size_t i = 0; i < n; i++) {
		if (pa[i] != pb[i])
			return pa[i] - pb[i];
	}
	return 0;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return p - s;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	const unsigned char *pa = (const unsigned char *)a, *pb = (const unsigned char *)b;

	while (*pa && *pa == *pb) {
		pa++;
		pb++;
	}
	return *pa - *pb;
}

int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *pa = (const unsigned char *)a, *pb = (const unsigned char *)b;

	for (size_t i = 0; i < n; i++) {
		if (pa[i] != pb[i])
			return pa[i] - pb[i];
		if (!pa[i])
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

#endif /* !PLINTH_HOSTED */

size_t strlcpy_pl(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
