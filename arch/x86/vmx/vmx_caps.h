/* SPDX-License-Identifier: MIT */
/*
 * What the CPU offers for VT-x, and whether plinth can run on it. Reading (vmx_caps_read) is
 * the only part that touches the CPU; deciding and reporting are pure, so the EFI loader, the
 * core and the host tests share them.
 */
#ifndef PLINTH_ARCH_X86_VMX_VMX_CAPS_H
#define PLINTH_ARCH_X86_VMX_VMX_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Raw values as read; *_valid says whether the MSR exists (reading a missing one is #GP). */
struct vmx_raw_caps {
	char vendor[13];
	char brand[49];
	uint32_t family, model, stepping;
	uint32_t cpuid1_ecx;
	bool feature_control_valid;
	uint64_t feature_control;
	bool basic_valid;
	uint64_t basic, pinbased, procbased, exit, entry, misc;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool true_valid;
	uint64_t true_pinbased, true_procbased, true_exit, true_entry;
	bool procbased2_valid;
	uint64_t procbased2;
	bool ept_vpid_valid;
	uint64_t ept_vpid;
};

struct vmx_caps {
	bool vmx; /* CPUID.1:ECX.VMX */
	bool locked, enabled; /* IA32_FEATURE_CONTROL lock and VMX-outside-SMX */
	bool true_ctls;
	uint32_t revision_id;
	uint32_t vmcs_bytes;
	bool secondary; /* "activate secondary controls" may be 1 */
	bool ept, vpid, unrestricted;
	bool ept_4level, ept_wb, ept_2m, ept_1g, ept_ad, invept, invvpid;
	bool preemption_timer;
	unsigned int preemption_timer_shift; /* timer ticks every 2^shift TSC ticks */
};

enum vmx_verdict {
	VMX_OK = 0,
	VMX_NOT_INTEL,
	VMX_NO_VMX,
	VMX_DISABLED_BY_FIRMWARE,
	VMX_NO_SECONDARY_CONTROLS,
	VMX_NO_EPT,
	VMX_NO_EPT_4LEVEL_WB,
	VMX_NO_UNRESTRICTED_GUEST,
};

/* Reads CPUID and the VMX capability MSRs, each only when the CPU says it exists. */
void vmx_caps_read(struct vmx_raw_caps *raw);

enum vmx_verdict vmx_caps_decode(const struct vmx_raw_caps *raw, struct vmx_caps *caps);

/* One sentence for the user: what is missing and what they can do. "" for VMX_OK. */
int vmx_verdict_sentence(enum vmx_verdict v, const struct vmx_raw_caps *raw, char *buf,
			 size_t size);

/* The capability report, one line per call of line(). */
void vmx_caps_report(const struct vmx_raw_caps *raw, const struct vmx_caps *caps,
		     void (*line)(void *ctx, const char *text), void *ctx);

#endif
