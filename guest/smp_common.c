// SPDX-License-Identifier: MIT
#include "smp_common.h"
#include "lib/cpu.h"
#include "lib/string.h"
#include "lib/trap.h"

extern const char smp_trampoline[], smp_trampoline_end[];
extern uint64_t smp_trampoline_params[2];
extern void smp_ap_entry(void);
extern const char smp_irq_0x41[], smp_irq_0x42[];
extern const uintptr_t smp_ipi_stubs[SMP_MAX_CPUS];

struct gate {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, zero;
} __attribute__((packed));

static struct gate idt[256] __attribute__((aligned(16)));

static void set_gate(unsigned int vector, const void *fn)
{
	uintptr_t a = (uintptr_t)fn;

	idt[vector] = (struct gate){ .off0 = (uint16_t)a,
				     .sel = TRAP_CODE_SEL,
				     .type = 0x8e,
				     .off1 = (uint16_t)(a >> 16),
				     .off2 = (uint32_t)(a >> 32) };
}

void smp_idt_init(void)
{
	const struct desc_ptr p = { .limit = sizeof(idt) - 1, .base = (uintptr_t)idt };

	trap_init();
	for (unsigned int v = 0; v < TRAP_VECTORS; v++)
		set_gate(v, (const void *)trap_stubs[v]);
	set_gate(VEC_TIMER, smp_irq_0x41);
	set_gate(VEC_BROADCAST, smp_irq_0x42);
	for (unsigned int i = 0; i < SMP_MAX_CPUS; i++)
		set_gate(VEC_IPI + i, (const void *)smp_ipi_stubs[i]);
	lidt(&p);
}

void x2apic_on(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | APIC_BASE_EN | APIC_BASE_EXTD);
	wrmsr(MSR_X2APIC_SVR, 0x1ff); /* enabled, spurious vector 0xff */
	wrmsr(MSR_X2APIC_TPR, 0);
}

uint8_t smp_trampoline_install(void)
{
	uint64_t *params = (uint64_t *)(SMP_TRAMPOLINE_GPA +
					((const char *)smp_trampoline_params - smp_trampoline));

	memcpy((void *)SMP_TRAMPOLINE_GPA, smp_trampoline,
	       (size_t)(smp_trampoline_end - smp_trampoline));
	params[0] = read_cr3();
	params[1] = (uintptr_t)smp_ap_entry;
	return SMP_TRAMPOLINE_GPA >> 12;
}

void delay_tsc(uint64_t ticks)
{
	uint64_t end = rdtsc() + ticks;

	while (rdtsc() < end)
		__asm__ volatile("pause");
}

void smp_start_aps(bool all, uint32_t dest)
{
	uint32_t to = all ? ICR_ALL_EXCL_SELF : 0;
	uint8_t vector = smp_trampoline_install();

	/* SDM 8.4.4.1: INIT, 10 ms, start-up, 200 µs, start-up (ignored by a started AP). */
	send_ipi(dest, ICR_INIT | ICR_ASSERT | to);
	delay_tsc(1000000);
	send_ipi(dest, ICR_STARTUP | ICR_ASSERT | to | vector);
	delay_tsc(20000);
	send_ipi(dest, ICR_STARTUP | ICR_ASSERT | to | vector);
}

bool wait_irq(volatile uint32_t *counter, uint32_t want, uint64_t timeout_tsc)
{
	uint64_t end = rdtsc() + timeout_tsc;

	while (*counter < want) {
		if (rdtsc() > end)
			return false;
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	}
	return true;
}
