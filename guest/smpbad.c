// SPDX-License-Identifier: MIT
/*
 * A guest with two vCPUs that misbehaves in one way, named by its command line (scenario
 * smp-hostile; multiboot2, for the command line):
 *   triple     vCPU 1 triple-faults while vCPU 0 spins with interrupts off: the whole guest stops.
 *   init-self  vCPU 0 sends INIT to itself (a machine reset): the guest stops.
 *   flood      vCPU 1 sends vCPU 0 fixed IPIs without pause while vCPU 0 prints; vCPU 1 then
 *              sends INIT to itself and vCPU 0 starts it again. The guest ends normally.
 *   all-halt   both vCPUs halt with interrupts off: nothing can wake the guest, so it stops.
 */
#include <stdbool.h>
#include <stdint.h>
#include "lib/cpu.h"
#include "lib/entry.h"
#include "lib/multiboot2.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "smp_common.h"

#define FLOOD_IPIS 20000

enum test { TEST_NONE, TEST_TRIPLE, TEST_INIT_SELF, TEST_FLOOD, TEST_ALL_HALT };

static enum test test;
static volatile uint32_t ap_starts, ap_sent, bsp_ipis, ap_parked;

void smp_irq(unsigned int vector)
{
	if (vector >= VEC_IPI && vector < VEC_IPI + SMP_MAX_CPUS)
		bsp_ipis++;
	wrmsr(MSR_X2APIC_EOI, 0);
}

void smp_ap_main(void)
{
	static const struct desc_ptr no_idt = { 0, 0 };
	uint32_t start = __atomic_add_fetch(&ap_starts, 1, __ATOMIC_SEQ_CST);

	smp_idt_init();
	x2apic_on();
	if (test == TEST_TRIPLE) {
		lidt(&no_idt); /* #BP finds no gate: #GP, then #DF, then shutdown */
		__asm__ volatile("int3");
	}
	if (test == TEST_FLOOD && start == 1) {
		for (uint32_t i = 0; i < FLOOD_IPIS; i++)
			send_ipi(0, (VEC_IPI + 1) | ICR_ASSERT);
		ap_sent = FLOOD_IPIS;
		ap_parked = 1;
		send_ipi(0, ICR_INIT | ICR_ASSERT | ICR_SELF); /* back to wait-for-SIPI */
	}
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

static bool has_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (; *s; s++)
		if (!strncmp(s, w, n) && (s[n] == ' ' || s[n] == '\0'))
			return true;
	return false;
}

static const char *cmdline_of(const struct mb2_info *mbi)
{
	uintptr_t p = (uintptr_t)(mbi + 1), end = (uintptr_t)mbi + mbi->total_size;

	while (p + sizeof(struct mb2_tag) <= end) {
		const struct mb2_tag *t = (const struct mb2_tag *)p;

		if (t->type == MB2_TAG_END || t->size < sizeof(*t))
			break;
		if (t->type == MB2_TAG_CMDLINE)
			return ((const struct mb2_tag_string *)t)->string;
		p += (t->size + 7) & ~7u;
	}
	return "";
}

int mb_entry_main(uint32_t magic, uintptr_t info)
{
	const char *cmdline =
		magic == MB2_BOOTLOADER_MAGIC ? cmdline_of((const struct mb2_info *)info) : "";

	test = has_word(cmdline, "triple")    ? TEST_TRIPLE :
	       has_word(cmdline, "init-self") ? TEST_INIT_SELF :
	       has_word(cmdline, "flood")     ? TEST_FLOOD :
	       has_word(cmdline, "all-halt")  ? TEST_ALL_HALT :
						TEST_NONE;
	if (test == TEST_NONE) {
		printf("smpbad: no test named on the command line \"%s\"\n", cmdline);
		return 1;
	}
	smp_idt_init();
	x2apic_on();
	switch (test) {
	case TEST_TRIPLE:
		printf("smpbad: vCPU 1 will triple-fault; vCPU 0 spins with interrupts off\n");
		smp_start_aps(false, 1);
		for (;;)
			__asm__ volatile("cli; pause" ::: "memory");
	case TEST_ALL_HALT:
		printf("smpbad: both vCPUs halt with interrupts off\n");
		smp_start_aps(false, 1);
		for (;;)
			__asm__ volatile("cli; hlt" ::: "memory");
	case TEST_INIT_SELF:
		printf("smpbad: vCPU 0 sends INIT to itself\n");
		send_ipi(0, ICR_INIT | ICR_ASSERT | ICR_SELF);
		for (;;)
			__asm__ volatile("cli; pause" ::: "memory");
	default:
		break;
	}
	printf("smpbad: vCPU 1 floods vCPU 0 with %u IPIs\n", FLOOD_IPIS);
	smp_start_aps(false, 1);
	for (unsigned int line = 1; !ap_parked; line++) {
		printf("smpbad: still printing, line %u, %u IPIs taken so far\n", line, bsp_ipis);
		__asm__ volatile("sti; nop; cli" ::: "memory");
	}
	printf("smpbad: vCPU 1 sent %u IPIs and parked itself with INIT; %u taken here (they "
	       "merge while one is pending)\n",
	       ap_sent, bsp_ipis);
	delay_tsc(1000000);
	smp_start_aps(false, 1);
	for (uint64_t end = rdtsc() + (1ull << 30); ap_starts < 2 && rdtsc() < end;)
		__asm__ volatile("pause");
	printf("smpbad: vCPU 1 started %u times\n", ap_starts);
	return ap_starts == 2 ? 0 : 2;
}
