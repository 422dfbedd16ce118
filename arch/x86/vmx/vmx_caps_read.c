// SPDX-License-Identifier: MIT
#include "arch/x86/vmx/vmx_caps.h"
#include "arch/x86/cpu.h"
#include "core/string.h"

static void read_brand(char *brand)
{
	uint32_t words[12];

	if (cpuid(0x80000000).eax < 0x80000004) {
		brand[0] = 0;
		return;
	}
	for (uint32_t i = 0; i < 3; i++) {
		struct cpuid_regs r = cpuid(0x80000002 + i);

		words[i * 4 + 0] = r.eax;
		words[i * 4 + 1] = r.ebx;
		words[i * 4 + 2] = r.ecx;
		words[i * 4 + 3] = r.edx;
	}
	memcpy(brand, words, 48);
	brand[48] = 0;
	/* Brand strings are right-justified on some parts. */
	while (brand[0] == ' ')
		memmove(brand, brand + 1, strlen(brand));
}

void vmx_caps_read(struct vmx_raw_caps *raw)
{
	struct cpuid_regs r = cpuid(0);
	struct cpuid_regs id;
	uint32_t family;

	memset(raw, 0, sizeof(*raw));
	memcpy(raw->vendor + 0, &r.ebx, 4);
	memcpy(raw->vendor + 4, &r.edx, 4);
	memcpy(raw->vendor + 8, &r.ecx, 4);
	read_brand(raw->brand);
	id = cpuid(1);
	family = (id.eax >> 8) & 0xf;
	raw->family = family == 0xf ? family + ((id.eax >> 20) & 0xff) : family;
	raw->model = ((id.eax >> 4) & 0xf) |
		     ((family == 6 || family == 0xf) ? ((id.eax >> 12) & 0xf0) : 0);
	raw->stepping = id.eax & 0xf;
	raw->cpuid1_ecx = id.ecx;
	if (strcmp(raw->vendor, "GenuineIntel") || !(id.ecx & BIT(5)))
		return; /* the VMX MSRs below raise #GP without VMX */

	raw->feature_control_valid = true;
	raw->feature_control = rdmsr(MSR_IA32_FEATURE_CONTROL);
	raw->basic_valid = true;
	raw->basic = rdmsr(MSR_IA32_VMX_BASIC);
	raw->pinbased = rdmsr(MSR_IA32_VMX_PINBASED_CTLS);
	raw->procbased = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS);
	raw->exit = rdmsr(MSR_IA32_VMX_EXIT_CTLS);
	raw->entry = rdmsr(MSR_IA32_VMX_ENTRY_CTLS);
	raw->misc = rdmsr(MSR_IA32_VMX_MISC);
	raw->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	raw->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	raw->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	raw->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	if (raw->basic & BIT(55)) {
		raw->true_valid = true;
		raw->true_pinbased = rdmsr(MSR_IA32_VMX_TRUE_PINBASED_CTLS);
		raw->true_procbased = rdmsr(MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
		raw->true_exit = rdmsr(MSR_IA32_VMX_TRUE_EXIT_CTLS);
		raw->true_entry = rdmsr(MSR_IA32_VMX_TRUE_ENTRY_CTLS);
	}
	if (raw->procbased & BIT(32 + 31)) {
		raw->procbased2_valid = true;
		raw->procbased2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
		/* SDM A.10: the EPT/VPID MSR exists if EPT or VPID may be enabled. */
		if (raw->procbased2 & (BIT(32 + 1) | BIT(32 + 5))) {
			raw->ept_vpid_valid = true;
			raw->ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
		}
	}
}
