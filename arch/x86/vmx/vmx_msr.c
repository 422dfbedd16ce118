// SPDX-License-Identifier: MIT
/* RDMSR and WRMSR exits: the emulated MSRs and the pass-through list (see vmx_msr.h). */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_apic.h"
#include "arch/x86/vmx/vmx_exit.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "arch/x86/vmx/vmx_msr.h"
#include "core/compiler.h"
#include "core/errno.h"
#include "core/log.h"
#include "core/vm.h"

#define MSR_IA32_TSC		0x10
#define MSR_IA32_PLATFORM_ID	0x17
#define MSR_IA32_BIOS_UPDT_TRIG 0x79
#define MSR_IA32_BIOS_SIGN_ID	0x8b
#define MSR_IA32_SYSENTER_CS	0x174
#define MSR_IA32_SYSENTER_ESP	0x175
#define MSR_IA32_SYSENTER_EIP	0x176
#define MSR_IA32_MISC_ENABLE	0x1a0
#define MSR_IA32_DEBUGCTL	0x1d9
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SFMASK		0xc0000084
#define MSR_TSC_AUX		0xc0000103

/* IA32_MISC_ENABLE as a guest sees it: fast strings on, no branch-trace or PEBS store. */
#define MISC_ENABLE_VALUE (BIT(0) | BIT(11) | BIT(12))

const uint32_t vcpu_sysreg_msr[] = {
	[SYSREG_KERNEL_GS_BASE] = MSR_KERNEL_GS_BASE,
	[SYSREG_STAR] = MSR_STAR,
	[SYSREG_LSTAR] = MSR_LSTAR,
	[SYSREG_CSTAR] = MSR_CSTAR,
	[SYSREG_SFMASK] = MSR_SFMASK,
	[SYSREG_TSC_AUX] = MSR_TSC_AUX,
};

/*
 * Safe to pass through because the VMCS loads and saves them on every entry and exit
 * (SYSENTER_*, FS/GS base, PAT, and reads of EFER and the offset TSC), or because
 * vcpu_load/vcpu_put switch them and plinth never uses them (the syscall MSRs, KERNEL_GS_BASE,
 * TSC_AUX).
 */
const struct msr_passthrough vmx_msr_passthrough[] = {
	{ MSR_IA32_TSC, true, false },
	{ MSR_IA32_SYSENTER_CS, true, true },
	{ MSR_IA32_SYSENTER_ESP, true, true },
	{ MSR_IA32_SYSENTER_EIP, true, true },
	{ MSR_IA32_PAT, true, true },
	{ MSR_IA32_EFER, true, false },
	{ MSR_STAR, true, true },
	{ MSR_LSTAR, true, true },
	{ MSR_CSTAR, true, true },
	{ MSR_SFMASK, true, true },
	{ MSR_FS_BASE, true, true },
	{ MSR_GS_BASE, true, true },
	{ MSR_KERNEL_GS_BASE, true, true },
	{ MSR_TSC_AUX, true, true },
};
const unsigned int vmx_msr_passthrough_count = ARRAY_SIZE(vmx_msr_passthrough);

/* 0 and *value, or -EINVAL for #GP. */
static int msr_read(struct vcpu *vcpu, uint32_t msr, uint64_t *value)
{
	if (vcpu->has_lapic) {
		int err = vcpu_apic_msr_read(vcpu, msr, value);

		if (err != -ENOENT)
			return err;
	}
	switch (msr) {
	case MSR_IA32_TSC: /* reached only if the bitmap changes: the offset TSC */
		vcpu->stats.vmreads++;
		*value = rdtsc() + vmx_vmread(VMCS_TSC_OFFSET);
		return 0;
	case MSR_IA32_PLATFORM_ID:
	case MSR_IA32_BIOS_SIGN_ID: /* no microcode revision to report */
		*value = 0;
		return 0;
	case MSR_IA32_FEATURE_CONTROL: /* locked, VMX off: the guest has no VMX */
		*value = FEATURE_CONTROL_LOCKED;
		return 0;
	case MSR_IA32_MISC_ENABLE:
		*value = MISC_ENABLE_VALUE;
		return 0;
	case MSR_IA32_DEBUGCTL:
		vcpu->stats.vmreads++;
		*value = vmx_vmread(VMCS_GUEST_IA32_DEBUGCTL);
		return 0;
	case MSR_IA32_EFER:
		*value = vcpu_reg_read(vcpu, VCPU_REG_EFER);
		return 0;
	default:
		return -EINVAL;
	}
}

static int msr_write(struct vcpu *vcpu, uint32_t msr, uint64_t value)
{
	if (vcpu->has_lapic) {
		int err = vcpu_apic_msr_write(vcpu, msr, value);

		if (err != -ENOENT)
			return err;
	}
	switch (msr) {
	case MSR_IA32_TSC: /* the guest's TSC becomes value now: move the offset */
		vcpu->stats.vmwrites++;
		vcpu->tsc_offset = value - rdtsc();
		vmx_vmwrite(VMCS_TSC_OFFSET, vcpu->tsc_offset);
		if (vcpu->has_lapic)
			vcpu_apic_changed(vcpu); /* its timer's deadline is in guest time */
		return 0;
	case MSR_IA32_BIOS_UPDT_TRIG: /* a microcode update: ignored, as hypervisors do */
	case MSR_IA32_BIOS_SIGN_ID:
		return 0;
	case MSR_IA32_MISC_ENABLE: /* only the value it reads is accepted */
		return value == MISC_ENABLE_VALUE ? 0 : -EINVAL;
	case MSR_IA32_DEBUGCTL: /* no LBR or BTF virtualisation: only 0 */
		return value == 0 ? 0 : -EINVAL;
	case MSR_IA32_EFER:
		return vcpu_write_efer(vcpu, value);
	default:
		return -EINVAL;
	}
}

static void report_once(struct vcpu *vcpu, const char *insn, uint32_t msr, uint64_t value)
{
	if (!vm_msr_report_once(vcpu->vm, msr))
		return;
	if (insn[0] == 'R')
		pr_warn("guest %s: RDMSR 0x%x: MSR not emulated; #GP injected (reported once per "
			"MSR)\n",
			vcpu->vm->name, msr);
	else
		pr_warn("guest %s: WRMSR 0x%x value 0x%llx: MSR not emulated or value refused; "
			"#GP injected (reported once per MSR)\n",
			vcpu->vm->name, msr, (unsigned long long)value);
}

int vmx_exit_rdmsr(struct vcpu *vcpu)
{
	uint32_t msr = (uint32_t)vcpu->regs[VCPU_REG_RCX];
	uint64_t value;

	if (msr_read(vcpu, msr, &value)) {
		report_once(vcpu, "RDMSR", msr, 0);
		vcpu_inject_gp(vcpu, 0);
		return 0;
	}
	vcpu->regs[VCPU_REG_RAX] = (uint32_t)value;
	vcpu->regs[VCPU_REG_RDX] = value >> 32;
	vcpu_skip_insn(vcpu, 2);
	return 0;
}

int vmx_exit_wrmsr(struct vcpu *vcpu)
{
	uint32_t msr = (uint32_t)vcpu->regs[VCPU_REG_RCX];
	uint64_t value = (vcpu->regs[VCPU_REG_RDX] << 32) | (uint32_t)vcpu->regs[VCPU_REG_RAX];

	if (msr_write(vcpu, msr, value)) {
		report_once(vcpu, "WRMSR", msr, value);
		vcpu_inject_gp(vcpu, 0);
		return 0;
	}
	vcpu_skip_insn(vcpu, 2);
	return 0;
}
