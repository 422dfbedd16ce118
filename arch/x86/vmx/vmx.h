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
};

extern struct vmx_host vmx_host;

/* After VMXON on the boot CPU: controls, bitmaps, CPUID snapshot, XSAVE. 0 or -errno, after
 * printing what is missing. */
int vmx_host_init(const struct vmx_raw_caps *raw, const struct vmx_caps *caps);

/* A vCPU's VMCS, its guest state from the loader's boot state, and its deferred state.
 * 0 or -errno. vmx_vcpu_free undoes it (the vCPU must be put). */
int vmx_vcpu_create(struct vcpu *vcpu, uint64_t eptp, const struct vcpu_boot_state *boot);
void vmx_vcpu_free(struct vcpu *vcpu);
/* The loaded vCPU starts as an AP does at a start-up IPI of this vector: real mode at
 * vector << 12 with the rest of the state INIT gives (SDM 9.1.1). 0, or a VMWRITE's error. */
int vmx_vcpu_start_at(struct vcpu *vcpu, uint8_t sipi_vector);

/* Makes the vCPU current on this CPU (VMPTRLD, deferred state in) and back. */
void vcpu_load(struct vcpu *vcpu);
void vcpu_put(struct vcpu *vcpu);

/* The deferred registers (enum vcpu_sysreg): the CPU's own while the vCPU is loaded
 * (sysregs_loaded_on_cpu), vcpu->sysregs otherwise. Values are checked by the caller (a
 * non-canonical LSTAR would fault in WRMSR). Only these and vcpu_load/vcpu_put touch them. */
uint64_t vcpu_read_sysreg(struct vcpu *vcpu, enum vcpu_sysreg reg);
void vcpu_write_sysreg(struct vcpu *vcpu, enum vcpu_sysreg reg, uint64_t value);

/* Makes a put vCPU's VMCS current for register access while cur is loaded, and back. Between
 * the two, only the register cache and the VMCS of vcpu may be used. */
void vcpu_vmcs_borrow(struct vcpu *vcpu);
void vcpu_vmcs_return(struct vcpu *vcpu, struct vcpu *cur);

/* Runs until the VM is stopped or exits, or (a child's vCPU) until an exit for the control
 * guest. */
void vmx_vcpu_run(struct vcpu *vcpu);

/* A child VM's new vCPU: its MMIO goes to the control guest. */
void vmx_child_vcpu_init(struct vcpu *vcpu);
/* KVM_RUN: runs child on this CPU in place of caller (whose exit this is) until an exit that
 * the control guest must handle, described in child->run. 0, -EINVAL (bad kvm_dirty_regs: none
 * applied), -EINTR (immediate_exit). */
int vmx_run_child(struct vcpu *caller, struct vcpu *child);
/* After a control guest set a child vCPU's paging state (INVVPID of its tag). */
void vmx_child_flush_vpid(struct vcpu *vcpu);

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
