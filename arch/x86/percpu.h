/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU data, reached through GS (gs:0 holds the area's own address): one area per CPU that
 * came up (arch/x86/smp.c), percpu_areas[0] the boot CPU's.
 */
#ifndef PLINTH_ARCH_X86_PERCPU_H
#define PLINTH_ARCH_X86_PERCPU_H

#include <stdbool.h>
#include <stdint.h>
#include "core/compiler.h"

struct vcpu;

#define MAX_CPUS	64
#define IST_STACK_BYTES 8192

#define GDT_SEL_CODE64 0x08
#define GDT_SEL_DATA   0x10
#define GDT_SEL_TSS    0x18
#define GDT_ENTRIES    5 /* null, code, data, TSS (two slots) */

/* The interrupt stack table slots (1-based, as the IDT gate encodes them). */
#define IST_DOUBLE_FAULT  1
#define IST_NMI		  2
#define IST_MACHINE_CHECK 3
#define IST_COUNT	  3

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __packed;
STATIC_ASSERT(sizeof(struct tss64) == 104);

struct percpu {
	struct percpu *self; /* must stay first: this_cpu() reads gs:0 */
	uint32_t cpu_id;
	uint32_t apic_id;
	uint64_t gdt[GDT_ENTRIES] __aligned(16);
	struct tss64 tss __aligned(16);
	uintptr_t stack_bottom, stack_top; /* the CPU's main stack */
	uintptr_t ist_bottom[IST_COUNT + 1], ist_top[IST_COUNT + 1];
	uint32_t exception_depth;
	/* VMX root operation */
	bool vmx_on;
	uint64_t vmxon_hpa;
	/* Bring-up (arch/x86/smp.c): set by the CPU itself once it runs plinth's code, with
	 * VMX on (online) or not (boot_error, a negative errno). */
	bool online;
	int boot_error;
	struct vcpu *vcpu; /* loaded here (vcpu_load), or NULL */
	/* Work for this CPU, taken by its idle loop (smp_run_on). */
	void (*work_fn)(void *arg);
	void *work_arg;
};

extern struct percpu percpu_areas[MAX_CPUS];

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

/* Sets up GDT, TSS (with IST stacks allocated by the caller), GS base for CPU cpu_id. */
void percpu_init(struct percpu *p, uint32_t cpu_id, uintptr_t stack_bottom, uintptr_t stack_top);
void gdt_load(struct percpu *p);

#endif
