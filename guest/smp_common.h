/* SPDX-License-Identifier: MIT */
/*
 * What the SMP guests (smp.c, smpbad.c) share: the local APIC in x2APIC mode, an IDT with their
 * interrupt vectors, and starting the APs through smp_asm.asm's trampoline. Each guest defines
 * smp_ap_main (where an AP goes, on its own stack) and smp_irq (every vector's handler).
 */
#ifndef GUEST_SMP_COMMON_H
#define GUEST_SMP_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#define SMP_MAX_CPUS 8

#define MSR_APIC_BASE	    0x1b
#define MSR_TSC_DEADLINE    0x6e0
#define MSR_X2APIC_ID	    0x802
#define MSR_X2APIC_TPR	    0x808
#define MSR_X2APIC_EOI	    0x80b
#define MSR_X2APIC_SVR	    0x80f
#define MSR_X2APIC_ICR	    0x830
#define MSR_X2APIC_LVT_TMR  0x832
#define MSR_X2APIC_TMICT    0x838
#define MSR_X2APIC_TMCCT    0x839
#define MSR_X2APIC_TDCR	    0x83e
#define MSR_X2APIC_SELF_IPI 0x83f
#define MSR_IA32_TSC	    0x10
#define APIC_BASE_EN	    (1u << 11)
#define APIC_BASE_EXTD	    (1u << 10)
#define APIC_BASE_BSP	    (1u << 8)

#define ICR_NMI		  (4u << 8)
#define ICR_INIT	  (5u << 8)
#define ICR_STARTUP	  (6u << 8)
#define ICR_LOGICAL	  (1u << 11)
#define ICR_ASSERT	  (1u << 14)
#define ICR_SELF	  (1u << 18)
#define ICR_ALL_EXCL_SELF (3u << 18)
#define LVT_MASKED	  (1u << 16)
#define LVT_PERIODIC	  (1u << 17)
#define LVT_TSC_DEADLINE  (2u << 17)

/* The vectors smp_asm.asm has stubs for, each calling smp_irq(vector). */
#define VEC_TIMER     0x41
#define VEC_BROADCAST 0x42
#define VEC_IPI	      0x50 /* up to VEC_IPI + SMP_MAX_CPUS - 1 */

#define SMP_TRAMPOLINE_GPA 0x8000 /* start-up vector 0x08 */

void smp_ap_main(void);
void smp_irq(unsigned int vector);

/* trap_init, then an IDT with the runtime's exception stubs and the vectors above; APs call it
 * too (it loads the runtime's GDT, whose 0x08 is 64-bit code). */
void smp_idt_init(void);
/* IA32_APIC_BASE to x2APIC mode, software-enabled, TPR 0. */
void x2apic_on(void);
static inline void send_ipi(uint32_t dest, uint32_t icr_low)
{
	__asm__ volatile("wrmsr" : : "c"(MSR_X2APIC_ICR), "a"(icr_low), "d"(dest) : "memory");
}
/* Copies the trampoline below 1 MiB (for this CR3 and smp_ap_entry); the start-up vector. */
uint8_t smp_trampoline_install(void);
/* INIT, 10 ms, start-up, 200 µs, start-up: to every other vCPU, or to dest alone. */
void smp_start_aps(bool all, uint32_t dest);
void delay_tsc(uint64_t ticks);
/* Interrupts on, in HLT, until *counter reaches want: false after timeout_tsc ticks. */
bool wait_irq(volatile uint32_t *counter, uint32_t want, uint64_t timeout_tsc);

#endif
