/* SPDX-License-Identifier: MIT */
/*
 * The VMX backend's interface to the core: bring-up of what all VMs share, the per-vCPU VMCS,
 * and running a vCPU until its VM ends.
 */
#ifndef PLINTH_ARCH_X86_VMX_VMX_H
#define PLINTH_ARCH_X86_VMX_VMX_H

#include <stdint.h>
#include "arch/x86/cpuid_policy.h"
#include "arch/x86/vmx/vmx_caps.h"
#include "core/loader.h"
#include "core/vcpu.h"

/* What every VMCS shares, computed once at boot from the capability MSRs. */
struct vmx_host {
	struct vmx_raw_caps raw;
	struct vmx_caps caps;
	uint32_t pin, proc, proc2, exit, entry; /* entry without IA-32e mode guest */
	uint64_t io_bitmap_hpa[2];
	uint64_t msr_bitmap_hpa;
	uint64_t invept_type;
	uint32_t preemption_timer_value; /* 0: timer not used */
	struct cpuid_snapshot cpuid;
	uint32_t xsave_bytes; /* XSAVE area size for every state a guest may enable */
	uint64_t xcr0_host_max; /* XCR0 bits the CPU supports */
	uint16_t next_vpid;
};

extern struct vmx_host vmx_host;

/* After VMXON on the boot CPU: controls, bitmaps, CPUID snapshot, XSAVE. 0 or -errno, after
 * printing what is missing. */
int vmx_host_init(const struct vmx_raw_caps *raw, const struct vmx_caps *caps);

/* A vCPU's VMCS, its guest state from the loader's boot state, and its deferred state.
 * 0 or -errno. vmx_vcpu_free undoes it (the vCPU must be put). */
int vmx_vcpu_create(struct vcpu *vcpu, uint64_t eptp, const struct vcpu_boot_state *boot);
void vmx_vcpu_free(struct vcpu *vcpu);

/* Makes the vCPU current on this CPU (VMPTRLD, deferred state in) and back. */
void vcpu_load(struct vcpu *vcpu);
void vcpu_put(struct vcpu *vcpu);

/* Runs until the VM is stopped or exits. */
void vmx_vcpu_run(struct vcpu *vcpu);

/* Queue an exception for the next entry, merging with one being delivered as the SDM's
 * double-fault rules say (a third fault ends the VM as a triple fault). */
void vcpu_inject_exception(struct vcpu *vcpu, uint8_t vector, bool has_error_code,
			   uint32_t error_code);
void vcpu_inject_page_fault(struct vcpu *vcpu, uint64_t cr2, uint32_t error_code);
static inline void vcpu_inject_ud(struct vcpu *vcpu)
{
	vcpu_inject_exception(vcpu, 6, false, 0);
}
static inline void vcpu_inject_gp(struct vcpu *vcpu, uint32_t error_code)
{
	vcpu_inject_exception(vcpu, 13, true, error_code);
}

#endif
