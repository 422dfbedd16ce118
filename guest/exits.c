// SPDX-License-Identifier: MIT
/*
 * The exits plinth answers itself, seen from the guest (flat, 64-bit): XSETBV validated as
 * hardware does it (and CPUID.OSXSAVE following CR4), CR4 and CR8 writes, EFER checks, the
 * emulated MSRs, WBINVD/INVD, and the instructions that must raise #UD or #GP.
 */
#include <stdint.h>
#include "lib/check.h"
#include "lib/cpu.h"
#include "lib/entry.h"
#include "lib/trap.h"

#define NO_FAULT	    (-1)
#define CR4_VMXE	    (1ul << 13)
#define CR4_OSXSAVE	    (1ul << 18)
#define CPUID_1_ECX_OSXSAVE (1u << 27)

volatile uintptr_t exits_resume_ip;
static volatile int fault_vector = NO_FAULT;

static void on_fault(struct trap_frame *f)
{
	fault_vector = (int)f->vector;
	f->ip = exits_resume_ip;
}

/* Runs one instruction (asm text using %0 = a 64-bit in/out register, RAX/RCX/RDX given) and
 * returns the vector it raised, or NO_FAULT. */
#define TRY(insn, val, rax, rcx, rdx)                                                 \
	({                                                                            \
		uint64_t a_ = (rax), c_ = (rcx), d_ = (rdx);                          \
		fault_vector = NO_FAULT;                                              \
		__asm__ volatile("leaq 1f(%%rip), %%r11\n\t"                          \
				 "movq %%r11, exits_resume_ip(%%rip)\n\t" insn "\n1:" \
				 : "+r"(val), "+a"(a_), "+c"(c_), "+d"(d_)            \
				 :                                                    \
				 : "r11", "memory", "cc");                            \
		(void)a_;                                                             \
		(void)d_;                                                             \
		(void)c_;                                                             \
		fault_vector;                                                         \
	})

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

int main(void)
{
	struct checks c = { .name = "exits" };
	uint64_t v = 0, cr4;
	int vec;

	trap_init();
	trap_set_handler(TRAP_UD, on_fault);
	trap_set_handler(TRAP_GP, on_fault);

	/* CR4: VMXE is refused, OSXSAVE accepted and reflected in CPUID. */
	cr4 = read_cr4();
	v = cr4 | CR4_VMXE;
	vec = TRY("mov %0, %%cr4", v, 0, 0, 0);
	check(&c, 1, vec == TRAP_GP && !(read_cr4() & CR4_VMXE),
	      "MOV CR4 with VMXE: vector %d (expected #GP), CR4 0x%lx", vec,
	      (unsigned long)read_cr4());
	v = cr4 | CR4_OSXSAVE;
	vec = TRY("mov %0, %%cr4", v, 0, 0, 0);
	check(&c, 2,
	      vec == NO_FAULT && (read_cr4() & CR4_OSXSAVE) &&
		      (cpuid(1, 0).ecx & CPUID_1_ECX_OSXSAVE),
	      "MOV CR4 with OSXSAVE: vector %d, CPUID.1:ECX.OSXSAVE %u", vec,
	      (cpuid(1, 0).ecx >> 27) & 1);

	/* XSETBV as the CPU checks it. */
	vec = TRY("xsetbv", v, 3, 0, 0);
	check(&c, 3, vec == NO_FAULT && xgetbv0() == 3, "XSETBV XCR0=3: vector %d, XCR0 now 0x%lx",
	      vec, (unsigned long)xgetbv0());
	vec = TRY("xsetbv", v, 2, 0, 0);
	check(&c, 4, vec == TRAP_GP, "XSETBV XCR0=2 (x87 clear): vector %d (expected #GP)", vec);
	vec = TRY("xsetbv", v, 5, 0, 0);
	check(&c, 5, vec == TRAP_GP, "XSETBV XCR0=5 (AVX without SSE): vector %d (expected #GP)",
	      vec);
	vec = TRY("xsetbv", v, 1, 1, 0);
	check(&c, 6, vec == TRAP_GP, "XSETBV to XCR1: vector %d (expected #GP)", vec);
	vec = TRY("xsetbv", v, 1, 0, 1);
	check(&c, 7, vec == TRAP_GP && xgetbv0() == 3,
	      "XSETBV XCR0 bit 32: vector %d (expected #GP), XCR0 still 0x%lx", vec,
	      (unsigned long)xgetbv0());

	/* CR8 is a 4-bit register. */
	v = 9;
	vec = TRY("mov %0, %%cr8", v, 0, 0, 0);
	v = 0;
	TRY("mov %%cr8, %0", v, 0, 0, 0);
	check(&c, 8, vec == NO_FAULT && v == 9, "MOV CR8 9 reads back %lu", (unsigned long)v);
	v = 16;
	vec = TRY("mov %0, %%cr8", v, 0, 0, 0);
	check(&c, 9, vec == TRAP_GP, "MOV CR8 16: vector %d (expected #GP)", vec);

	/* EFER: reserved bits and LME while paging is on. */
	vec = TRY("wrmsr", v, 0x503, 0xc0000080, 0); /* SCE, bit 1 (reserved), LME, LMA */
	check(&c, 10, vec == TRAP_GP, "WRMSR EFER with a reserved bit: vector %d (expected #GP)",
	      vec);
	vec = TRY("wrmsr", v, 0x400, 0xc0000080, 0); /* LME cleared with paging on */
	check(&c, 11, vec == TRAP_GP && (rdmsr(0xc0000080) & 0x500) == 0x500,
	      "WRMSR EFER clearing LME in long mode: vector %d (expected #GP)", vec);

	/* Emulated MSRs. */
	check(&c, 12, rdmsr(0x3a) == 1, "IA32_FEATURE_CONTROL reads 0x%lx (locked, VMX off)",
	      (unsigned long)rdmsr(0x3a));
	check(&c, 13, rdmsr(0x1a0) & 1, "IA32_MISC_ENABLE reads 0x%lx (fast strings on)",
	      (unsigned long)rdmsr(0x1a0));

	/* Cache control runs; performance counters and MONITOR do not exist. */
	vec = TRY("wbinvd", v, 0, 0, 0);
	check(&c, 14, vec == NO_FAULT, "WBINVD: vector %d (expected none)", vec);
	vec = TRY("invd", v, 0, 0, 0);
	check(&c, 15, vec == NO_FAULT, "INVD: vector %d (expected none)", vec);
	vec = TRY("rdpmc", v, 0, 0, 0);
	check(&c, 16, vec == TRAP_GP, "RDPMC: vector %d (expected #GP)", vec);
	vec = TRY("monitor", v, 0x100000, 0, 0);
	check(&c, 17, vec == TRAP_UD, "MONITOR: vector %d (expected #UD)", vec);
	return (int)checks_done(&c);
}
