// SPDX-License-Identifier: MIT
/*
 * The SMP test guest (scenario smp-guest, four vCPUs): it finds its CPUs in the ACPI MADT, as
 * an OS does, starts the application processors with INIT and start-up IPIs, and checks what
 * an SMP kernel relies on: each vCPU's APIC id, fixed IPIs between every pair of vCPUs, a
 * broadcast, a logical-destination IPI, an NMI IPI, and the APIC timer in one-shot, periodic and TSC-deadline modes. The boot
 * vCPU uses the xAPIC page first, then every vCPU runs in x2APIC mode. Only the boot vCPU
 * prints; the others report through memory.
 */
#include <stdbool.h>
#include <stdint.h>
#include "lib/check.h"
#include "lib/cpu.h"
#include "lib/entry.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "lib/trap.h"
#include "smp_common.h"

#define MAX_CPUS      SMP_MAX_CPUS
#define XAPIC_PAGE    0xfee00000ul
#define IPIS_EACH     5 /* fixed IPIs each vCPU sends every other vCPU */
#define PERIODIC_IRQS 10

static struct checks c = { .name = "smp" };

/* What each vCPU reports, by its index in the MADT's list. */
static uint32_t madt_ids[MAX_CPUS];
static unsigned int ncpus;
static volatile uint32_t cpu_up[MAX_CPUS]; /* its APIC id + 1 once it runs C */
static volatile uint32_t ipis[MAX_CPUS], timer_irqs[MAX_CPUS], broadcasts[MAX_CPUS];
static volatile uint32_t nmis[MAX_CPUS];
static volatile uint32_t acked[MAX_CPUS][MAX_CPUS]; /* [sender][receiver] */
static volatile uint32_t go_ipis, cpus_done;

/* ---- the MADT ---- */

static bool sum_ok(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;

	for (uint32_t i = 0; i < len; i++)
		sum += p[i];
	return sum == 0;
}

/* The RSDP on a 16-byte boundary of the BIOS area, then the XSDT's MADT: the CPUs' APIC ids. */
static unsigned int find_cpus(void)
{
	const uint8_t *rsdp = 0;
	const uint8_t *xsdt, *madt = 0;
	unsigned int n = 0;

	for (uintptr_t a = 0xe0000; a < 0x100000 && !rsdp; a += 16)
		if (!memcmp((const void *)a, "RSD PTR ", 8) && sum_ok((const void *)a, 20) &&
		    sum_ok((const void *)a, 36))
			rsdp = (const uint8_t *)a;
	if (!rsdp)
		return 0;
	xsdt = (const uint8_t *)(uintptr_t) * (const uint64_t *)(rsdp + 24);
	if (memcmp(xsdt, "XSDT", 4) || !sum_ok(xsdt, *(const uint32_t *)(xsdt + 4)))
		return 0;
	for (uint32_t off = 36; off + 8 <= *(const uint32_t *)(xsdt + 4); off += 8) {
		const uint8_t *t = (const uint8_t *)(uintptr_t) * (const uint64_t *)(xsdt + off);

		if (!memcmp(t, "APIC", 4) && sum_ok(t, *(const uint32_t *)(t + 4)))
			madt = t;
	}
	if (!madt)
		return 0;
	for (uint32_t off = 44; off + 2 <= *(const uint32_t *)(madt + 4);) {
		const uint8_t *e = madt + off;

		if (e[1] < 2)
			break;
		if (e[0] == 0 && (e[4] & 1) && n < MAX_CPUS)
			madt_ids[n++] = e[3];
		if (e[0] == 9 && (*(const uint32_t *)(e + 8) & 1) && n < MAX_CPUS)
			madt_ids[n++] = *(const uint32_t *)(e + 4);
		off += e[1];
	}
	return n;
}

/* ---- the APIC ---- */

static uint32_t mmio_read(uint32_t reg)
{
	return *(volatile uint32_t *)(XAPIC_PAGE + reg);
}

static void mmio_write(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(XAPIC_PAGE + reg) = v;
}

static unsigned int my_index(void)
{
	uint32_t id = (uint32_t)rdmsr(MSR_X2APIC_ID);

	for (unsigned int i = 0; i < ncpus; i++)
		if (madt_ids[i] == id)
			return i;
	return MAX_CPUS - 1;
}

void smp_irq(unsigned int vector)
{
	unsigned int me = my_index();

	if (vector >= VEC_IPI && vector < VEC_IPI + MAX_CPUS) {
		ipis[me]++;
		acked[vector - VEC_IPI][me]++;
	} else if (vector == VEC_BROADCAST)
		broadcasts[me]++;
	else if (vector == VEC_TIMER)
		timer_irqs[me]++;
	wrmsr(MSR_X2APIC_EOI, 0);
}

/* Every vCPU: fixed IPIs to all the others, one at a time to each (an IPI the receiver has not
 * taken yet would merge with the next in its IRR), then the periodic timer. */
static void exchange_and_count(unsigned int me)
{
	while (!go_ipis)
		__asm__ volatile("pause");
	for (uint32_t round = 1; round <= IPIS_EACH; round++)
		for (unsigned int i = 0; i < ncpus; i++) {
			uint64_t end = rdtsc() + (1ull << 30);

			if (i == me)
				continue;
			send_ipi(madt_ids[i], (VEC_IPI + me) | ICR_ASSERT);
			while (acked[me][i] < round && rdtsc() < end) /* taking others' meanwhile */
				__asm__ volatile("sti; pause; cli" ::: "memory");
		}
	wait_irq(&ipis[me], IPIS_EACH * (ncpus - 1), 1ull << 32);
	wrmsr(MSR_X2APIC_TDCR, 0xb); /* divide by 1 */
	wrmsr(MSR_X2APIC_LVT_TMR, VEC_TIMER | LVT_PERIODIC);
	wrmsr(MSR_X2APIC_TMICT, 200000); /* 200 µs at the 1 GHz bus */
	wait_irq(&timer_irqs[me], PERIODIC_IRQS, 1ull << 34);
	wrmsr(MSR_X2APIC_LVT_TMR, VEC_TIMER | LVT_MASKED);
	wrmsr(MSR_X2APIC_TMICT, 0);
	__atomic_fetch_add(&cpus_done, 1, __ATOMIC_RELEASE);
}

void smp_ap_main(void)
{
	unsigned int me;

	smp_idt_init();
	x2apic_on();
	me = my_index();
	cpu_up[me] = (uint32_t)rdmsr(MSR_X2APIC_ID) + 1;
	exchange_and_count(me);
	/* Parked as an OS parks an idle CPU; the boot vCPU's exit ends the guest. */
	for (;;)
		__asm__ volatile("sti; hlt" ::: "memory");
}

static void nmi_handler(struct trap_frame *f)
{
	(void)f;
	nmis[my_index()]++;
}

int main(void)
{
	struct cpuid_regs l1 = cpuid(1, 0);
	uint64_t t, base;
	unsigned int up = 0;

	smp_idt_init();
	trap_set_handler(2, nmi_handler);

	ncpus = find_cpus();
	check(&c, 1, ncpus == 4, "the MADT lists %u CPUs (expected 4)", ncpus);
	for (unsigned int i = 0; i < ncpus; i++)
		printf("smp: MADT CPU %u: APIC id %u\n", i, madt_ids[i]);
	check(&c, 2, (l1.edx & (1u << 9)) && (l1.ecx & (1u << 21)) && (l1.ecx & (1u << 24)),
	      "CPUID shows the APIC, x2APIC and the TSC-deadline timer");
	base = rdmsr(MSR_APIC_BASE);
	check(&c, 3, base == (0xfee00000ul | APIC_BASE_EN | APIC_BASE_BSP),
	      "IA32_APIC_BASE 0x%lx: xAPIC mode at 0xfee00000, boot processor", base);
	check(&c, 4, mmio_read(0x20) == 0 && mmio_read(0x30) == 0x00060014,
	      "xAPIC page: ID 0x%x, version 0x%x", mmio_read(0x20), mmio_read(0x30));
	mmio_write(0xf0, 0x1ff);
	check(&c, 5, mmio_read(0xf0) == 0x1ff, "xAPIC page: SVR written 0x1ff reads 0x%x",
	      mmio_read(0xf0));
	x2apic_on();
	check(&c, 6, rdmsr(MSR_X2APIC_ID) == 0 && mmio_read(0x20) == 0xffffffff,
	      "x2APIC mode: ID MSR %lu, the xAPIC page reads all ones",
	      (unsigned long)rdmsr(MSR_X2APIC_ID));

	/* One-shot: the count runs down and raises one interrupt. */
	wrmsr(MSR_X2APIC_TDCR, 0xb);
	wrmsr(MSR_X2APIC_LVT_TMR, VEC_TIMER);
	wrmsr(MSR_X2APIC_TMICT, 100000);
	t = rdmsr(MSR_X2APIC_TMCCT);
	check(&c, 7, t > 0 && t <= 100000 && wait_irq(&timer_irqs[0], 1, 1ull << 32),
	      "one-shot timer: current count %lu after arming, then its interrupt", t);
	delay_tsc(2000000);
	check(&c, 8, timer_irqs[0] == 1 && rdmsr(MSR_X2APIC_TMCCT) == 0,
	      "one-shot timer fired once (%u) and its count stays 0", timer_irqs[0]);

	/* TSC-deadline: the interrupt comes at the TSC value written. */
	wrmsr(MSR_X2APIC_LVT_TMR, VEC_TIMER | LVT_TSC_DEADLINE);
	t = rdtsc() + 200000;
	wrmsr(MSR_TSC_DEADLINE, t);
	check(&c, 9,
	      wait_irq(&timer_irqs[0], 2, 1ull << 32) && rdtsc() >= t &&
		      rdmsr(MSR_TSC_DEADLINE) == 0,
	      "TSC-deadline timer: interrupt after the deadline, then the MSR reads 0");
	wrmsr(MSR_X2APIC_LVT_TMR, VEC_TIMER | LVT_MASKED);
	timer_irqs[0] = 0;

	smp_start_aps(true, 0);
	for (uint64_t end = rdtsc() + (1ull << 32); rdtsc() < end;) {
		up = 0;
		for (unsigned int i = 1; i < ncpus; i++)
			up += cpu_up[i] != 0;
		if (up == ncpus - 1)
			break;
		__asm__ volatile("pause");
	}
	for (unsigned int i = 1; i < ncpus; i++)
		printf("smp: vCPU %u reports APIC id %d\n", i, (int)cpu_up[i] - 1);
	check(&c, 10, up == ncpus - 1, "%u of %u APs started with INIT and start-up IPIs", up,
	      ncpus - 1);
	bool ids_ok = true;
	for (unsigned int i = 1; i < ncpus; i++)
		ids_ok &= cpu_up[i] == madt_ids[i] + 1;
	check(&c, 11, ids_ok, "each AP's x2APIC ID is its MADT entry's");

	go_ipis = 1;
	exchange_and_count(0);
	while (__atomic_load_n(&cpus_done, __ATOMIC_ACQUIRE) < ncpus)
		__asm__ volatile("pause");
	bool ipis_ok = true, timers_ok = true;
	for (unsigned int i = 0; i < ncpus; i++) {
		printf("smp: vCPU %u: %u IPIs received, %u periodic timer interrupts\n", i, ipis[i],
		       timer_irqs[i]);
		ipis_ok &= ipis[i] == IPIS_EACH * (ncpus - 1);
		timers_ok &= timer_irqs[i] >= PERIODIC_IRQS;
	}
	check(&c, 12, ipis_ok, "every vCPU received %u fixed IPIs from the others",
	      IPIS_EACH * (ncpus - 1));
	check(&c, 13, timers_ok, "every vCPU counted %u periodic timer interrupts", PERIODIC_IRQS);

	send_ipi(0, VEC_BROADCAST | ICR_ASSERT | ICR_ALL_EXCL_SELF);
	delay_tsc(4000000);
	bool bc_ok = broadcasts[0] == 0;
	for (unsigned int i = 1; i < ncpus; i++)
		bc_ok &= broadcasts[i] == 1;
	check(&c, 14, bc_ok, "a broadcast IPI (all excluding self) reached each AP once");

	/* x2APIC logical destination: cluster 0, one bit per APIC id below 16 (SDM 10.12.10.2). */
	send_ipi((1u << madt_ids[1]) | (1u << madt_ids[3]),
		 VEC_BROADCAST | ICR_ASSERT | ICR_LOGICAL);
	delay_tsc(4000000);
	check(&c, 15,
	      broadcasts[0] == 0 && broadcasts[1] == 2 && broadcasts[2] == 1 && broadcasts[3] == 2,
	      "a logical-destination IPI to vCPUs 1 and 3 reached those two (%u %u %u %u)",
	      broadcasts[0], broadcasts[1], broadcasts[2], broadcasts[3]);
	/* Two, one after the other: the first one's IRET must unblock NMIs for the second. */
	send_ipi(madt_ids[2], ICR_NMI | ICR_ASSERT);
	delay_tsc(4000000);
	send_ipi(madt_ids[2], ICR_NMI | ICR_ASSERT);
	delay_tsc(4000000);
	check(&c, 16, nmis[0] == 0 && nmis[1] == 0 && nmis[2] == 2 && nmis[3] == 0,
	      "two NMI IPIs to vCPU 2 ran its NMI handler twice (%u %u %u %u)", nmis[0], nmis[1],
	      nmis[2], nmis[3]);

	/* CR8 is the TPR's class: a self IPI of class 4 waits while CR8 is 5. */
	uint32_t before = broadcasts[0];
	write_cr8(5);
	uint64_t tpr = rdmsr(MSR_X2APIC_TPR);
	wrmsr(MSR_X2APIC_SELF_IPI, VEC_BROADCAST);
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	bool held = broadcasts[0] == before;
	write_cr8(0);
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	check(&c, 17, tpr == 0x50 && held && broadcasts[0] == before + 1,
	      "CR8 5 is TPR 0x%lx and holds a class-4 self IPI until CR8 is 0",
	      (unsigned long)tpr);

	/* The guest moves its TSC 2^40 ahead: its TSC-deadline timer counts in its own TSC. */
	wrmsr(MSR_IA32_TSC, rdtsc() + (1ull << 40));
	wrmsr(MSR_X2APIC_LVT_TMR, VEC_TIMER | LVT_TSC_DEADLINE);
	timer_irqs[0] = 0;
	t = rdtsc() + 200000;
	wrmsr(MSR_TSC_DEADLINE, t);
	bool early = timer_irqs[0] != 0;
	check(&c, 18, !early && wait_irq(&timer_irqs[0], 1, 1ull << 32) && rdtsc() >= t,
	      "after WRMSR IA32_TSC the TSC-deadline timer fires at the guest's deadline");
	wrmsr(MSR_X2APIC_LVT_TMR, VEC_TIMER | LVT_MASKED);
	return (int)checks_done(&c);
}
