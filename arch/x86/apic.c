// SPDX-License-Identifier: MIT
/* x2APIC access through MSRs (SDM Vol. 3A 10.12). */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "core/compiler.h"
#include "core/errno.h"

#define CPUID1_ECX_X2APIC BIT(21)
#define APIC_BASE_EXTD	  BIT(10) /* x2APIC mode */
#define APIC_BASE_EN	  BIT(11) /* xAPIC global enable */

#define MSR_X2APIC_ID		0x802
#define MSR_X2APIC_TPR		0x808
#define MSR_X2APIC_EOI		0x80b
#define MSR_X2APIC_SVR		0x80f
#define MSR_X2APIC_ICR		0x830
#define MSR_X2APIC_LVT_TIMER	0x832
#define MSR_X2APIC_LVT_THERMAL	0x833
#define MSR_X2APIC_LVT_PMI	0x834
#define MSR_X2APIC_LVT_LINT0	0x835
#define MSR_X2APIC_LVT_LINT1	0x836
#define MSR_X2APIC_LVT_ERROR	0x837
#define MSR_IA32_TSC_DEADLINE	0x6e0
#define APIC_TIMER_TSC_DEADLINE (2u << 17)

#define SVR_APIC_ENABLED BIT(8)
#define LVT_MASKED	 BIT(16)

/* ICR: delivery mode in bits 10:8, level assert in bit 14; the destination in bits 63:32. */
#define ICR_FIXED  (0u << 8)
#define ICR_INIT   (5u << 8)
#define ICR_SIPI   (6u << 8)
#define ICR_ASSERT BIT(14)

bool apic_x2apic_supported(void)
{
	return cpuid(1).ecx & CPUID1_ECX_X2APIC;
}

static int tsc_deadline = -1; /* CPUID.1:ECX[24], read once: waits are on the exit path */

bool apic_tsc_deadline_supported(void)
{
	if (tsc_deadline < 0)
		tsc_deadline = !!(cpuid(1).ecx & BIT(24));
	return tsc_deadline;
}

int apic_init_this_cpu(void)
{
	static const uint32_t lvts[] = { MSR_X2APIC_LVT_TIMER, MSR_X2APIC_LVT_THERMAL,
					 MSR_X2APIC_LVT_PMI,   MSR_X2APIC_LVT_LINT0,
					 MSR_X2APIC_LVT_LINT1, MSR_X2APIC_LVT_ERROR };
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	if (!apic_x2apic_supported())
		return -EOPNOTSUPP;
	/* xAPIC to x2APIC is EN then EN|EXTD; never through "disabled" (SDM 10.12.5), which
	 * Bochs does not come back from. */
	if (!(base & APIC_BASE_EN))
		wrmsr(MSR_IA32_APIC_BASE, base |= APIC_BASE_EN);
	if (!(base & APIC_BASE_EXTD))
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EXTD);
	for (unsigned int i = 0; i < ARRAY_SIZE(lvts); i++)
		wrmsr(lvts[i], LVT_MASKED);
	wrmsr(MSR_X2APIC_TPR, 0);
	wrmsr(MSR_X2APIC_SVR, SVR_APIC_ENABLED | APIC_SPURIOUS_VECTOR);
	/* The timer stays in TSC-deadline mode, disarmed (deadline 0) until apic_timer_arm_tsc:
	 * the mode is set once, with the fence the SDM asks for before the first deadline
	 * write (10.5.4.1). */
	if (apic_tsc_deadline_supported()) {
		wrmsr(MSR_IA32_TSC_DEADLINE, 0);
		wrmsr(MSR_X2APIC_LVT_TIMER, APIC_TIMER_TSC_DEADLINE | APIC_WAKE_VECTOR);
		__asm__ volatile("mfence" ::: "memory");
	}
	return 0;
}

uint32_t apic_id(void)
{
	return (uint32_t)rdmsr(MSR_X2APIC_ID);
}

static void icr_write(uint32_t dest, uint32_t low)
{
	wrmsr(MSR_X2APIC_ICR, (uint64_t)dest << 32 | low);
}

void apic_send_init(uint32_t dest)
{
	/* x2APIC has no INIT level de-assert: the assert is all there is. */
	icr_write(dest, ICR_INIT | ICR_ASSERT);
}

void apic_send_sipi(uint32_t dest, uint8_t page)
{
	icr_write(dest, ICR_SIPI | ICR_ASSERT | page);
}

void apic_send_fixed(uint32_t dest, uint8_t vector)
{
	icr_write(dest, ICR_FIXED | ICR_ASSERT | vector);
}

void apic_eoi(void)
{
	wrmsr(MSR_X2APIC_EOI, 0);
}

void apic_timer_arm_tsc(uint64_t tsc)
{
	wrmsr(MSR_IA32_TSC_DEADLINE, tsc ? tsc : 1); /* 0 would disarm it */
}

void apic_timer_disarm(void)
{
	wrmsr(MSR_IA32_TSC_DEADLINE, 0);
}
