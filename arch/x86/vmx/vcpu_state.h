/* SPDX-License-Identifier: MIT */
/*
 * A vCPU's state as the KVM structures of guest/include/plinth/kvm.h (KVM_GET/SET_REGS, _SREGS,
 * _VCPU_EVENTS and ONE_REG), read from and written to the register cache. Every function runs
 * with the vCPU's VMCS current. The inputs are plinth's private copies of what a guest wrote:
 * each set checks every field first and changes nothing when it returns an error.
 *
 * Each set checks its own structure only, as KVM does, so that a caller may restore the three in
 * any order (a 64-bit RIP before the sregs that enter long mode). The rules of VM entry that tie
 * them together (RIP against the mode, virtual-8086 segments, IF against the interrupt shadow and
 * an injected interrupt, CS.DPL against SS.DPL) are vcpu_state_check's, for the caller to run
 * once all are set, before the next entry.
 */
#ifndef PLINTH_ARCH_X86_VMX_VCPU_STATE_H
#define PLINTH_ARCH_X86_VMX_VCPU_STATE_H

#include <stdint.h>
#include "core/vcpu.h"
#include "guest/include/plinth/kvm.h"

/* struct plinth_kvm_vcpu_events.flags and interrupt.shadow: KVM's values (KVM_VCPUEVENT_VALID_*,
 * KVM_X86_SHADOW_INT_*). */
#define PLINTH_KVM_VCPUEVENT_VALID_NMI_PENDING 0x1u
#define PLINTH_KVM_VCPUEVENT_VALID_SIPI_VECTOR 0x2u
#define PLINTH_KVM_VCPUEVENT_VALID_SHADOW      0x4u
#define PLINTH_KVM_X86_SHADOW_INT_MOV_SS       0x1u
#define PLINTH_KVM_X86_SHADOW_INT_STI	       0x2u

/* What KVM_GET_SREGS reports as the APIC base: plinth has no local APIC yet, so this (xAPIC
 * enabled, BSP, at 0xfee00000) is the only value a set accepts. */
#define PLINTH_KVM_APIC_BASE 0xfee00900ull

/* The 16 GPRs, RIP and RFLAGS. A set refuses RFLAGS with bit 1 clear or a reserved bit set, and
 * a non-canonical RIP (valid in no mode). */
void vcpu_get_regs(struct vcpu *vcpu, struct plinth_kvm_regs *regs);
int vcpu_set_regs(struct vcpu *vcpu, const struct plinth_kvm_regs *regs);

/* Segments, descriptor tables, CR0 and CR4 as the guest sees them, CR2, CR3, CR8, EFER. A set
 * applies the checks of VM entry that lie within these registers (SDM 27.3.1.1, 27.3.1.2) and
 * those of MOV to CR0/CR4 and WRMSR to EFER; interrupt_bitmap must be zero (no virtual interrupt
 * controller: an injected interrupt is the events' business) and apic_base
 * PLINTH_KVM_APIC_BASE. A state in PAE paging gets its four PDPTEs from the PDPT at CR3 in guest
 * RAM, as MOV to CR3 loads them: a PDPT outside RAM or a present PDPTE with a reserved bit is
 * -EINVAL. */
void vcpu_get_sregs(struct vcpu *vcpu, struct plinth_kvm_sregs *sregs);
int vcpu_set_sregs(struct vcpu *vcpu, const struct plinth_kvm_sregs *sregs);

/* The event to inject at the next entry, the interrupt shadow and NMI blocking. No pending
 * exception, NMI, SMM or triple-fault state exists in plinth: a set refuses any of it, and
 * payloads (KVM_CAP_EXCEPTION_PAYLOAD is not offered). A soft interrupt (INT n) or soft
 * exception (INT3, INTO, INT1) can be set only as the one already queued, whose instruction
 * length plinth keeps. Get reports flags = PLINTH_KVM_VCPUEVENT_VALID_SHADOW. */
void vcpu_get_events(struct vcpu *vcpu, struct plinth_kvm_vcpu_events *events);
int vcpu_set_events(struct vcpu *vcpu, const struct plinth_kvm_vcpu_events *events);

/* The VM-entry rules that span regs, sregs and events, on the current state: 0, or -EINVAL when
 * the next VM entry would fail on them. changed (PLINTH_KVM_SYNC_X86_*) names the classes set
 * since the state last passed them: with the GPRs alone, only the rules that read RIP and
 * RFLAGS are run, on the few fields they need (the run-area exit path). */
int vcpu_state_check(struct vcpu *vcpu, uint64_t changed);

/*
 * ONE_REG. vcpu_one_reg_size: the value's size in bytes for a supported id, -ENOENT for an id
 * plinth does not know (any size), -EINVAL for a known register whose id names another size.
 * A set is checked as the set of the structure that holds the register (the current state with
 * that one field changed), so EFER.LMA, CR0.PG and CS.L, which must agree, change together
 * only through vcpu_set_sregs; a CR0, CR3, CR4 or EFER set that leaves the vCPU in PAE paging
 * loads the PDPTEs as vcpu_set_sregs does. The MSRs: EFER (as CR 0x100), the SYSENTER trio, PAT
 * and the deferred syscall MSRs, KERNEL_GS_BASE and TSC_AUX, each refused with the values WRMSR
 * would refuse.
 */
int vcpu_one_reg_size(uint64_t id);
int vcpu_get_one_reg(struct vcpu *vcpu, uint64_t id, void *buf);
int vcpu_set_one_reg(struct vcpu *vcpu, uint64_t id, const void *buf);
/* Fills ids with up to max supported ids; returns how many there are. */
unsigned int vcpu_reg_list(uint64_t *ids, unsigned int max);

/* The CR4 bits the guest's CPUID lets it set (vmx_cr.c): worked out once per VM into
 * vm->cr4_allowed, since the policy never changes and the checks ask often. */
struct cpuid_policy;
uint64_t cr4_allowed_by_cpuid(const struct cpuid_policy *p);
uint64_t vcpu_cr4_allowed(struct vcpu *vcpu);

#endif
