/* SPDX-License-Identifier: MIT */
/* The virtual local APIC of a config-defined VM's vCPUs: see vmx_apic.c. */
#ifndef PLINTH_ARCH_X86_VMX_VMX_APIC_H
#define PLINTH_ARCH_X86_VMX_VMX_APIC_H

#include <stdbool.h>
#include <stdint.h>
#include "core/vcpu.h"

/* Gives vcpu its APIC (the BSP's for vCPU 0) and its CPU; vCPUs past 0 wait for SIPI. */
int vcpu_apic_init(struct vcpu *vcpu, uint32_t home_cpu);
/* Right before each entry: takes what other vCPUs posted, fires the timer, waits while the
 * vCPU halts or waits for SIPI, injects what the guest can take and sets the preemption
 * timer. False when the VM is stopping. */
bool vcpu_apic_before_entry(struct vcpu *vcpu);

/* Whether vcpu_apic_before_entry has nothing to do: the exit path's inline test. apic_busy is
 * set by whatever gives it work and worked out again at its end. */
static inline bool vcpu_apic_quiet(const struct vcpu *vcpu)
{
	return !(vcpu->apic_busy | __atomic_load_n(&vcpu->posted_events, __ATOMIC_RELAXED));
}

/* After the model changed (a register write, an EOI): look for interrupts, re-read the
 * timer's deadline. */
void vcpu_apic_changed(struct vcpu *vcpu);
/* MOV to CR8: the TPR's priority class; a lower one may let an interrupt through. */
static inline void vcpu_apic_set_cr8(struct vcpu *vcpu, uint64_t cr8)
{
	vcpu->lapic.tpr = (uint8_t)(cr8 << 4);
	vcpu->apic_check = true;
	vcpu->apic_busy = true;
}
/* Exit handlers: HLT, and the interrupt or NMI window opening. */
int vcpu_apic_hlt(struct vcpu *vcpu);
int vcpu_apic_irq_window(struct vcpu *vcpu);
int vcpu_apic_nmi_window(struct vcpu *vcpu);
/* RDMSR/WRMSR of IA32_APIC_BASE, IA32_TSC_DEADLINE and the x2APIC range: 0, -EINVAL (#GP),
 * or -ENOENT for an MSR that is none of these. */
int vcpu_apic_msr_read(struct vcpu *vcpu, uint32_t msr, uint64_t *value);
int vcpu_apic_msr_write(struct vcpu *vcpu, uint32_t msr, uint64_t value);
/* The xAPIC page at 0xfee00000 for a VM's MMIO bus: each vCPU reaches its own APIC. */
int vm_apic_mmio_register(struct vm *vm);

#endif
