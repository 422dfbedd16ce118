/* SPDX-License-Identifier: MIT */
/*
 * The local APIC of the CPU plinth runs on, in x2APIC mode (MSR access, 32-bit ids): what SMP
 * bring-up and cross-CPU wake-ups need. plinth puts every CPU in x2APIC mode; a CPU without it
 * runs alone (apic_init_this_cpu says so). Guests never see this APIC: theirs is virtual.
 */
#ifndef PLINTH_ARCH_X86_APIC_H
#define PLINTH_ARCH_X86_APIC_H

#include <stdbool.h>
#include <stdint.h>

#define APIC_SPURIOUS_VECTOR 0xff
#define APIC_WAKE_VECTOR     0xf0 /* "look at your mailbox": the handler only acknowledges */

/* Does this CPU have an x2APIC (CPUID.1:ECX[21])? */
bool apic_x2apic_supported(void);
/* Puts this CPU's APIC in x2APIC mode, software-enabled, every LVT masked but the timer, which
 * is left in TSC-deadline mode and disarmed where the CPU has it: 0 or -EOPNOTSUPP. */
int apic_init_this_cpu(void);
uint32_t apic_id(void);
/* INIT, then the two start-ups with vector = the trampoline's page number (SDM 8.4.4.1). */
void apic_send_init(uint32_t apic_id);
void apic_send_sipi(uint32_t apic_id, uint8_t page);
/* A fixed interrupt of vector to one CPU. */
void apic_send_fixed(uint32_t apic_id, uint8_t vector);
void apic_eoi(void);

/* The timer in TSC-deadline mode, raising APIC_WAKE_VECTOR: it ends a HLT at a TSC value.
 * Only where apic_tsc_deadline_supported(); apic_timer_disarm cancels it. */
bool apic_tsc_deadline_supported(void);
void apic_timer_arm_tsc(uint64_t tsc);
void apic_timer_disarm(void);

#endif
