// SPDX-License-Identifier: MIT
#include "arch/x86/vmx/vmx_caps.h"
#include "core/compiler.h"
#include "core/printf.h"
#include "core/string.h"

/* Bit positions, SDM vol. 3 appendix A and vol. 4. */
#define CPUID1_ECX_VMX		5
#define FC_LOCKED		0
#define FC_VMX_OUTSIDE_SMX	2
#define BASIC_TRUE_CTLS		55
#define PINBASED_PREEMPT_TIMER	6
#define PROCBASED_SECONDARY	31
#define PROCBASED2_EPT		1
#define PROCBASED2_VPID		5
#define PROCBASED2_UNRESTRICTED 7
#define EPT_CAP_4LEVEL		6
#define EPT_CAP_WB		14
#define EPT_CAP_2M		16
#define EPT_CAP_1G		17
#define EPT_CAP_INVEPT		20
#define EPT_CAP_AD		21
#define VPID_CAP_INVVPID	32

static bool bit(uint64_t v, unsigned int n)
{
	return (v >> n) & 1;
}

/* A control may be set when its bit is 1 in the allowed-1 half (bits 63:32). */
static bool allowed1(uint64_t ctl_msr, unsigned int n)
{
	return bit(ctl_msr, 32 + n);
}

enum vmx_verdict vmx_caps_decode(const struct vmx_raw_caps *raw, struct vmx_caps *caps)
{
	uint64_t pinbased, procbased;

	memset(caps, 0, sizeof(*caps));
	if (strcmp(raw->vendor, "GenuineIntel"))
		return VMX_NOT_INTEL;
	caps->vmx = bit(raw->cpuid1_ecx, CPUID1_ECX_VMX);
	if (!caps->vmx || !raw->basic_valid)
		return VMX_NO_VMX;
	caps->locked = raw->feature_control_valid && bit(raw->feature_control, FC_LOCKED);
	/* An unlocked register is ours to set; a locked one with VMX off is the firmware's call. */
	caps->enabled = !caps->locked || bit(raw->feature_control, FC_VMX_OUTSIDE_SMX);

	caps->true_ctls = raw->true_valid && bit(raw->basic, BASIC_TRUE_CTLS);
	caps->revision_id = raw->basic & 0x7fffffff;
	caps->vmcs_bytes = (raw->basic >> 32) & 0x1fff;
	pinbased = caps->true_ctls ? raw->true_pinbased : raw->pinbased;
	procbased = caps->true_ctls ? raw->true_procbased : raw->procbased;
	caps->preemption_timer = allowed1(pinbased, PINBASED_PREEMPT_TIMER);
	caps->preemption_timer_shift = raw->misc & 0x1f;
	caps->secondary = allowed1(procbased, PROCBASED_SECONDARY) && raw->procbased2_valid;
	if (caps->secondary) {
		caps->ept = allowed1(raw->procbased2, PROCBASED2_EPT);
		caps->vpid = allowed1(raw->procbased2, PROCBASED2_VPID);
		caps->unrestricted = allowed1(raw->procbased2, PROCBASED2_UNRESTRICTED);
	}
	if ((caps->ept || caps->vpid) && raw->ept_vpid_valid) {
		caps->ept_4level = bit(raw->ept_vpid, EPT_CAP_4LEVEL);
		caps->ept_wb = bit(raw->ept_vpid, EPT_CAP_WB);
		caps->ept_2m = bit(raw->ept_vpid, EPT_CAP_2M);
		caps->ept_1g = bit(raw->ept_vpid, EPT_CAP_1G);
		caps->ept_ad = bit(raw->ept_vpid, EPT_CAP_AD);
		caps->invept = bit(raw->ept_vpid, EPT_CAP_INVEPT);
		caps->invvpid = bit(raw->ept_vpid, VPID_CAP_INVVPID);
	}

	if (!caps->enabled)
		return VMX_DISABLED_BY_FIRMWARE;
	if (!caps->secondary)
		return VMX_NO_SECONDARY_CONTROLS;
	if (!caps->ept)
		return VMX_NO_EPT;
	if (!caps->ept_4level || !caps->ept_wb || !caps->invept)
		return VMX_NO_EPT_4LEVEL_WB;
	if (!caps->unrestricted)
		return VMX_NO_UNRESTRICTED_GUEST;
	return VMX_OK;
}

int vmx_verdict_sentence(enum vmx_verdict v, const struct vmx_raw_caps *raw, char *buf, size_t size)
{
	switch (v) {
	case VMX_OK:
		return ksnprintf(buf, size, "%s", "");
	case VMX_NOT_INTEL:
		return ksnprintf(
			buf, size,
			"VT-x not available: this CPU is %s, not Intel; plinth needs Intel "
			"VT-x (AMD SVM is not supported yet).",
			raw->vendor[0] ? raw->vendor : "non-Intel");
	case VMX_NO_VMX:
		return ksnprintf(buf, size,
				 "VT-x not available: this CPU does not offer VMX. On a virtual "
				 "machine, enable nested virtualization for it; on a PC, plinth "
				 "needs an Intel CPU with VT-x.");
	case VMX_DISABLED_BY_FIRMWARE:
		return ksnprintf(buf, size,
				 "VT-x is disabled by the firmware (IA32_FEATURE_CONTROL is locked "
				 "with VMX off): enable \"Intel Virtualization Technology\" in the "
				 "firmware setup and boot again.");
	case VMX_NO_SECONDARY_CONTROLS:
	case VMX_NO_EPT:
		return ksnprintf(buf, size,
				 "EPT not supported: this CPU's VT-x has no extended page tables, "
				 "which plinth needs to isolate guests; use a CPU from 2008 "
				 "(Nehalem) or later.");
	case VMX_NO_EPT_4LEVEL_WB:
		return ksnprintf(buf, size,
				 "EPT not supported in the form plinth needs (4-level walk, "
				 "write-back tables, INVEPT); use a newer Intel CPU.");
	case VMX_NO_UNRESTRICTED_GUEST:
		return ksnprintf(buf, size,
				 "Unrestricted guest not supported: this CPU's VT-x cannot run "
				 "guests in real mode, which plinth needs; use a CPU from 2010 "
				 "(Westmere) or later.");
	}
	return ksnprintf(buf, size, "VT-x check failed (verdict %d).", (int)v);
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

void vmx_caps_report(const struct vmx_raw_caps *raw, const struct vmx_caps *caps,
		     void (*line)(void *ctx, const char *text), void *ctx)
{
	char buf[160];

	ksnprintf(buf, sizeof(buf), "cpu: %s family %#x model %#x stepping %u: %s", raw->vendor,
		  raw->family, raw->model, raw->stepping,
		  raw->brand[0] ? raw->brand : "(no brand)");
	line(ctx, buf);
	ksnprintf(buf, sizeof(buf),
		  "  VMX %s, feature control %s%s, VMCS revision %#x (%u bytes)%s",
		  yes_no(caps->vmx), caps->locked ? "locked" : "unlocked",
		  caps->locked ? (caps->enabled ? " with VMX on" : " with VMX off") : "",
		  caps->revision_id, caps->vmcs_bytes, caps->true_ctls ? ", TRUE controls" : "");
	line(ctx, buf);
	ksnprintf(buf, sizeof(buf),
		  "  EPT %s (4-level %s, WB %s, 2M pages %s, 1G pages %s, A/D %s)",
		  yes_no(caps->ept), yes_no(caps->ept_4level), yes_no(caps->ept_wb),
		  yes_no(caps->ept_2m), yes_no(caps->ept_1g), yes_no(caps->ept_ad));
	line(ctx, buf);
	if (caps->preemption_timer)
		ksnprintf(buf, sizeof(buf),
			  "  unrestricted guest %s, VPID %s, VMX preemption timer yes (TSC/%u)",
			  yes_no(caps->unrestricted), yes_no(caps->vpid),
			  1u << caps->preemption_timer_shift);
	else
		ksnprintf(buf, sizeof(buf),
			  "  unrestricted guest %s, VPID %s, VMX preemption timer no",
			  yes_no(caps->unrestricted), yes_no(caps->vpid));
	line(ctx, buf);
}
