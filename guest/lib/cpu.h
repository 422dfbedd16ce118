/* SPDX-License-Identifier: MIT */
/* Unprivileged and system instructions guests use, as inlines (32- and 64-bit). */
#ifndef GUEST_LIB_CPU_H
#define GUEST_LIB_CPU_H

#include <stdint.h>

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

/* LFENCE keeps RDTSC from being reordered around the code it brackets on real CPUs. */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* A descriptor-table pointer as LGDT/LIDT read it: limit, then a base of the native width. */
struct __attribute__((packed)) desc_ptr {
	uint16_t limit;
	uintptr_t base;
};

static inline void lidt(const struct desc_ptr *p)
{
	__asm__ volatile("lidt %0" : : "m"(*p));
}

/* read_crN/write_crN for CR0, CR2, CR3 and CR4, of the guest's native width. */
#define DEFINE_CR_ACCESSORS(n)                                             \
	static inline uintptr_t read_cr##n(void)                           \
	{                                                                  \
		uintptr_t v;                                               \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));          \
		return v;                                                  \
	}                                                                  \
	static inline void write_cr##n(uintptr_t v)                        \
	{                                                                  \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); \
	}
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
#ifdef __x86_64__
DEFINE_CR_ACCESSORS(8)
#endif
#undef DEFINE_CR_ACCESSORS

static inline void invlpg(uintptr_t la)
{
	__asm__ volatile("invlpg (%0)" : : "r"(la) : "memory");
}

static inline __attribute__((noreturn)) void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

#endif
