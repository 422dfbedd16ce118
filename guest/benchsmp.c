// SPDX-License-Identifier: MIT
/*
 * make bench's SMP rows (tests/bench/bench.py, two vCPUs on CPUs 0 and 1): what an IPI from one
 * vCPU to another costs from the sender's WRMSR to the receiver's handler, with the receiver
 * halted and running, and what the TSC-deadline timer costs from the deadline to the handler.
 * Figures are TSC ticks, which in Bochs count executed instructions. Each row prints
 * "benchsmp: NAME  TICKS" (the mean of ROUNDS samples; NAME has no double spaces).
 */
#include <stdbool.h>
#include <stdint.h>
#include "lib/cpu.h"
#include "lib/entry.h"
#include "lib/printf.h"
#include "smp_common.h"

#define ROUNDS	    200
#define TIMER_AHEAD 100000 /* ticks between arming and the deadline */
#define VEC_PING    VEC_IPI /* vCPU 0 to vCPU 1 */
#define TIMEOUT	    (1ull << 32)

static volatile uint64_t t_handler; /* rdtsc at the handler's start, on either vCPU */
static volatile uint32_t pings, timer_irqs, ap_up;
static volatile uint32_t ap_mode; /* 0: halt between IPIs; 1: spin with interrupts on */

void smp_irq(unsigned int vector)
{
	uint64_t now = rdtsc();

	t_handler = now;
	if (vector == VEC_PING)
		pings++;
	else if (vector == VEC_TIMER)
		timer_irqs++;
	wrmsr(MSR_X2APIC_EOI, 0);
}

void smp_ap_main(void)
{
	smp_idt_init();
	x2apic_on();
	ap_up = 1;
	for (;;) {
		if (ap_mode == 0)
			__asm__ volatile("sti; hlt; cli" ::: "memory");
		else
			__asm__ volatile("sti; pause; cli" ::: "memory");
	}
}

/* Mean ticks from the WRMSR to vCPU 1's handler, vCPU 1 halted (mode 0) or running (1). */
static uint64_t ipi_ticks(uint32_t mode)
{
	uint64_t sum = 0;

	ap_mode = mode;
	delay_tsc(200000); /* vCPU 1 settles in its loop */
	for (uint32_t i = 0; i < ROUNDS; i++) {
		uint32_t before = pings;
		uint64_t end, t0;

		delay_tsc(20000);
		t0 = rdtsc();
		send_ipi(1, VEC_PING | ICR_ASSERT);
		for (end = t0 + TIMEOUT; pings == before && rdtsc() < end;)
			__asm__ volatile("pause");
		if (pings == before)
			return 0;
		sum += t_handler - t0;
	}
	return sum / ROUNDS;
}

/* Mean ticks from the deadline to the handler: vCPU 0 halted or spinning until it fires. */
static uint64_t deadline_ticks(bool halt, uint64_t ahead)
{
	uint64_t sum = 0;

	wrmsr(MSR_X2APIC_LVT_TMR, VEC_TIMER | LVT_TSC_DEADLINE);
	for (uint32_t i = 0; i < ROUNDS; i++) {
		uint32_t before = timer_irqs;
		uint64_t deadline = rdtsc() + ahead, end = deadline + TIMEOUT;

		wrmsr(MSR_TSC_DEADLINE, deadline);
		while (timer_irqs == before && rdtsc() < end) {
			if (halt)
				__asm__ volatile("sti; hlt; cli" ::: "memory");
			else
				__asm__ volatile("sti; pause; cli" ::: "memory");
		}
		if (timer_irqs == before)
			return 0;
		sum += t_handler - deadline;
	}
	wrmsr(MSR_X2APIC_LVT_TMR, VEC_TIMER | LVT_MASKED);
	return sum / ROUNDS;
}

int main(void)
{
	uint64_t rows[5];

	smp_idt_init();
	x2apic_on();
	smp_start_aps(false, 1);
	for (uint64_t end = rdtsc() + TIMEOUT; !ap_up && rdtsc() < end;)
		__asm__ volatile("pause");
	if (!ap_up) {
		printf("benchsmp: vCPU 1 did not start\n");
		return 1;
	}
	rows[0] = ipi_ticks(0);
	rows[1] = ipi_ticks(1);
	rows[2] = deadline_ticks(true, TIMER_AHEAD);
	rows[3] = deadline_ticks(false, TIMER_AHEAD);
	rows[4] = deadline_ticks(false, 0);
	printf("benchsmp: measured  ticks\n");
	printf("benchsmp: IPI to a halted vCPU, WRMSR ICR to its handler  %lu\n", rows[0]);
	printf("benchsmp: IPI to a running vCPU, WRMSR ICR to its handler  %lu\n", rows[1]);
	printf("benchsmp: TSC deadline, halted vCPU, deadline to handler  %lu\n", rows[2]);
	printf("benchsmp: TSC deadline, running vCPU, deadline to handler  %lu\n", rows[3]);
	printf("benchsmp: TSC deadline already due, WRMSR to handler  %lu\n", rows[4]);
	for (unsigned int i = 0; i < 5; i++)
		if (!rows[i])
			return 2;
	return 0;
}
