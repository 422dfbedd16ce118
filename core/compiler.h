/* SPDX-License-Identifier: MIT */
#ifndef PLINTH_CORE_COMPILER_H
#define PLINTH_CORE_COMPILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a)	 (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)	 (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
#define MIN(a, b)	 ((a) < (b) ? (a) : (b))
#define MAX(a, b)	 ((a) > (b) ? (a) : (b))
#define BIT(n)		 (1ull << (n))
#define likely(x)	 __builtin_expect(!!(x), 1)
#define unlikely(x)	 __builtin_expect(!!(x), 0)
#define __packed	 __attribute__((packed))
#define __aligned(n)	 __attribute__((aligned(n)))
#define __noreturn	 __attribute__((noreturn))
#define __unused	 __attribute__((unused))
#define __printf(a, b)	 __attribute__((format(printf, a, b)))
#define __section(s)	 __attribute__((section(s)))
#define STATIC_ASSERT(c) _Static_assert(c, #c)
#define KiB		 1024ull
#define MiB		 (1024ull * KiB)
#define GiB		 (1024ull * MiB)
#define PAGE_SIZE	 4096ull
#define PAGE_SHIFT	 12

/* a + b without wrap-around: false when the sum would overflow. */
static inline bool add_overflows_u64(uint64_t a, uint64_t b)
{
	return a + b < a;
}

#endif
