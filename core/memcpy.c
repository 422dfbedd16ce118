// SPDX-License-Identifier: MIT
/*
 * memcpy and memset for the core image. The EFI loader does not link this file: gnu-efi's
 * libefi defines both. gcc emits calls to these for structure copies and initialisers even in
 * freestanding code, so they must exist; rep movsb/stosb are fast on every CPU with VT-x (ERMS)
 * and cannot be turned back into calls to themselves the way a C loop can.
 */
#include "core/string.h"

#ifndef PLINTH_HOSTED

void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}

#endif /* !PLINTH_HOSTED */
