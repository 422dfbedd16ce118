// SPDX-License-Identifier: MIT
#include "arch/x86/vmx/vmxon.h"
#include "arch/x86/cpu.h"
#include "arch/x86/paging.h"
#include "arch/x86/percpu.h"
#include "core/errno.h"
#include "core/log.h"
#include "core/memory.h"

static int feature_control_enable(void)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	if (fc & FEATURE_CONTROL_LOCKED)
		return (fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX) ? 0 : -EPERM;
	/* Unlocked (OVMF leaves it so): turn VMX on and lock, as BIOSes do. */
	wrmsr(MSR_IA32_FEATURE_CONTROL,
	      fc | FEATURE_CONTROL_VMX_OUTSIDE_SMX | FEATURE_CONTROL_LOCKED);
	pr_info("VMX: IA32_FEATURE_CONTROL was unlocked; enabled VMX and locked it\n");
	return 0;
}

static int vmxon(uint64_t hpa)
{
	uint8_t failed;

	/* VMfailInvalid sets CF; there is no current VMCS for VMfailValid here. */
	__asm__ volatile("vmxon %1; setbe %0" : "=qm"(failed) : "m"(hpa) : "cc", "memory");
	return failed ? -EIO : 0;
}

int vmx_enable_this_cpu(const struct vmx_raw_caps *raw, const struct vmx_caps *caps)
{
	struct percpu *cpu = this_cpu();
	uint64_t hpa;
	int err;

	if (cpu->vmx_on)
		return 0;
	err = feature_control_enable();
	if (err) {
		pr_err("VMX: IA32_FEATURE_CONTROL is locked with VMX off\n");
		return err;
	}
	/* SDM 24.8: CR0 and CR4 must honour the VMX fixed bits in VMX operation. */
	write_cr0((read_cr0() | raw->cr0_fixed0) & raw->cr0_fixed1);
	write_cr4((read_cr4() | raw->cr4_fixed0 | X86_CR4_VMXE) & raw->cr4_fixed1);

	err = page_alloc(1, &hpa);
	if (err) {
		pr_err("VMX: no page for the VMXON region\n");
		return err;
	}
	*(uint32_t *)phys_to_virt(hpa) = caps->revision_id;
	err = vmxon(hpa);
	if (err) {
		pr_err("VMX: VMXON failed on CPU %u\n", cpu->cpu_id);
		page_free(hpa, 1);
		write_cr4(read_cr4() & ~X86_CR4_VMXE);
		return err;
	}
	cpu->vmxon_hpa = hpa;
	cpu->vmx_on = true;
	return 0;
}
