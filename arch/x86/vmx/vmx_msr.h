/* SPDX-License-Identifier: MIT */
/*
 * Guest MSRs. A few pass through (the MSR bitmap lets the guest use the real register): those
 * the VMCS switches on every entry and exit, and those vcpu_load/vcpu_put switch (the deferred
 * ones). Every other MSR exits and is either emulated from the table in vmx_msr.c or refused
 * with #GP, reported once per MSR and VM.
 */
#ifndef PLINTH_ARCH_X86_VMX_VMX_MSR_H
#define PLINTH_ARCH_X86_VMX_VMX_MSR_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

struct msr_passthrough {
	uint32_t msr;
	bool read, write;
};

extern const struct msr_passthrough vmx_msr_passthrough[];
extern const unsigned int vmx_msr_passthrough_count;

/* The RDMSR and WRMSR exit handlers. */
int vmx_exit_rdmsr(struct vcpu *vcpu);
int vmx_exit_wrmsr(struct vcpu *vcpu);

/* The deferred MSRs, in enum vcpu_sysreg order up to SYSREG_TSC_AUX. */
extern const uint32_t vcpu_sysreg_msr[];

#endif
