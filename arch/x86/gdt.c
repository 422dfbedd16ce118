// SPDX-License-Identifier: MIT
/* GDT with a 64-bit TSS per CPU (VM entry needs a valid host TR; GRUB's GDT has none). */
#include "arch/x86/percpu.h"
#include "arch/x86/cpu.h"
#include "core/string.h"

struct percpu percpu_areas[MAX_CPUS] __aligned(64);

/* SDM 3.4.5: code/data descriptors; long-mode code sets L, data needs only P/S/W. */
#define GDT_CODE64 0x00af9a000000ffffull
#define GDT_DATA   0x00cf92000000ffffull

struct gdt_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

static void gdt_set_tss(uint64_t *gdt, const struct tss64 *tss)
{
	uint64_t base = (uint64_t)tss;
	uint64_t limit = sizeof(*tss) - 1;

	/* SDM 8.2.3: 16-byte system descriptor, type 9 (available 64-bit TSS), present. */
	gdt[GDT_SEL_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
			       (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[GDT_SEL_TSS / 8 + 1] = base >> 32;
}

void gdt_load(struct percpu *p)
{
	struct gdt_ptr ptr = { .limit = sizeof(p->gdt) - 1, .base = (uint64_t)p->gdt };

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %2, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs\n\t"
			 "movw %3, %%ax\n\t"
			 "ltr %%ax"
			 :
			 : "m"(ptr), "i"(GDT_SEL_CODE64), "i"(GDT_SEL_DATA), "i"(GDT_SEL_TSS)
			 : "rax", "memory");
	/* Loading GS cleared its base: point it at this CPU's area again. */
	wrmsr(MSR_GS_BASE, (uint64_t)p);
}

void percpu_init(struct percpu *p, uint32_t cpu_id, uintptr_t stack_bottom, uintptr_t stack_top)
{
	memset(p, 0, sizeof(*p));
	p->self = p;
	p->cpu_id = cpu_id;
	p->stack_bottom = stack_bottom;
	p->stack_top = stack_top;
	p->gdt[0] = 0;
	p->gdt[GDT_SEL_CODE64 / 8] = GDT_CODE64;
	p->gdt[GDT_SEL_DATA / 8] = GDT_DATA;
	gdt_set_tss(p->gdt, &p->tss);
	p->tss.iomap_base = sizeof(p->tss); /* no I/O bitmap: CPL 0 only */
}
