// SPDX-License-Identifier: MIT
#include "arch/x86/exception.h"
#include "arch/x86/percpu.h"
#include "core/compiler.h"

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __packed;
STATIC_ASSERT(sizeof(struct idt_gate) == 16);

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

extern const uint64_t vector_stubs[256];

/* One IDT for all CPUs: the gates are the same, only the TSS (IST stacks) differ. */
static struct idt_gate idt[256] __aligned(16);

#define IDT_INTERRUPT_GATE 0x8e /* present, DPL 0, 64-bit interrupt gate (IF cleared) */

static unsigned int vector_ist(unsigned int vector)
{
	switch (vector) {
	case 2:
		return IST_NMI;
	case 8:
		return IST_DOUBLE_FAULT;
	case 18:
		return IST_MACHINE_CHECK;
	default:
		return 0;
	}
}

void idt_init(void)
{
	for (unsigned int v = 0; v < 256; v++) {
		uint64_t addr = vector_stubs[v];

		idt[v] = (struct idt_gate){
			.offset_low = addr & 0xffff,
			.selector = GDT_SEL_CODE64,
			.ist = vector_ist(v),
			.type_attr = IDT_INTERRUPT_GATE,
			.offset_mid = (addr >> 16) & 0xffff,
			.offset_high = addr >> 32,
		};
	}
}

void idt_load(void)
{
	struct idt_ptr ptr = { .limit = sizeof(idt) - 1, .base = (uint64_t)idt };

	__asm__ volatile("lidt %0" : : "m"(ptr));
}
