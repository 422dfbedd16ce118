// SPDX-License-Identifier: MIT
#include "lib/cpu.h"
#include "lib/exit.h"
#include "lib/printf.h"
#include "lib/trap.h"

/* Accessed bits preset: the CPU would otherwise write them into the table on every load. */
static const uint64_t gdt[] __attribute__((aligned(16))) = {
	0,
#ifdef __x86_64__
	0x00af9b000000ffffull, /* 0x08: code, 64-bit */
#else
	0x00cf9b000000ffffull, /* 0x08: code, 32-bit, 4 GiB */
#endif
	0x00cf93000000ffffull, /* 0x10: data, 4 GiB */
};

#ifdef __x86_64__
struct idt_gate {
	uint16_t offset_0_15, selector;
	uint8_t ist, type_attr;
	uint16_t offset_16_31;
	uint32_t offset_32_63, reserved;
};
#else
struct idt_gate {
	uint16_t offset_0_15, selector;
	uint8_t reserved, type_attr;
	uint16_t offset_16_31;
};
#endif

#define GATE_INTERRUPT_PRESENT 0x8e /* present, DPL 0, interrupt gate (IF cleared on entry) */

static struct idt_gate idt[TRAP_VECTORS] __attribute__((aligned(16)));
static trap_handler_t handlers[TRAP_VECTORS];

static const char *const mnemonics[TRAP_VECTORS] = {
	[0] = "#DE",  [1] = "#DB",  [2] = "NMI",  [3] = "#BP",	[4] = "#OF",
	[5] = "#BR",  [6] = "#UD",  [7] = "#NM",  [8] = "#DF",	[10] = "#TS",
	[11] = "#NP", [12] = "#SS", [13] = "#GP", [14] = "#PF", [16] = "#MF",
	[17] = "#AC", [18] = "#MC", [19] = "#XM", [20] = "#VE", [21] = "#CP",
};

const char *trap_mnemonic(unsigned int vector)
{
	if (vector < TRAP_VECTORS && mnemonics[vector])
		return mnemonics[vector];
	return "#??";
}

void trap_init(void)
{
	struct desc_ptr gdt_ptr = { sizeof(gdt) - 1, (uintptr_t)gdt };
	struct desc_ptr idt_ptr = { sizeof(idt) - 1, (uintptr_t)idt };

	trap_load_gdt(&gdt_ptr);
	for (unsigned int v = 0; v < TRAP_VECTORS; v++) {
		uintptr_t off = trap_stubs[v];

		idt[v] = (struct idt_gate){
			.offset_0_15 = (uint16_t)off,
			.selector = TRAP_CODE_SEL,
			.type_attr = GATE_INTERRUPT_PRESENT,
			.offset_16_31 = (uint16_t)(off >> 16),
#ifdef __x86_64__
			.offset_32_63 = (uint32_t)(off >> 32),
#endif
		};
	}
	lidt(&idt_ptr);
}

void trap_set_handler(unsigned int vector, trap_handler_t fn)
{
	if (vector < TRAP_VECTORS)
		handlers[vector] = fn;
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector < TRAP_VECTORS && handlers[f->vector]) {
		handlers[f->vector](f);
		return;
	}
	printf("unexpected exception %lu (%s) at 0x%lx, error code 0x%lx\n",
	       (unsigned long)f->vector, trap_mnemonic((unsigned int)f->vector),
	       (unsigned long)f->ip, (unsigned long)f->error_code);
	debug_exit(TRAP_EXIT_UNEXPECTED);
}
