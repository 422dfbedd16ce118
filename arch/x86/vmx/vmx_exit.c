// SPDX-License-Identifier: MIT
/*
 * The exit dispatch table and the handlers small enough to sit beside it. Handlers read what
 * they need through the register cache and nothing else; the ones for instructions whose
 * length is fixed skip them without reading the exit-instruction length.
 */
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_apic.h"
#include "arch/x86/vmx/vmx_controls.h"
#include "arch/x86/vmx/vmx_exit.h"
#include "arch/x86/vmx/vmx_names.h"
#include "core/errno.h"
#include "core/hypercall.h"
#include "core/vm.h"
#include "guest/include/plinth/hypercall.h"
#include "guest/include/plinth/kvm.h"

#define VEC_MC		    18
#define EPT_QUAL_READ	    BIT(0)
#define EPT_QUAL_WRITE	    BIT(1)
#define EPT_QUAL_FETCH	    BIT(2)
#define EPT_QUAL_GLA_VALID  BIT(7)
#define EPT_QUAL_GLA_XLATED BIT(8) /* the access was to the linear address, not a PTE */

static uint64_t rip(struct vcpu *vcpu)
{
	return vcpu_reg_read(vcpu, VCPU_REG_RIP);
}

static int exit_exception_nmi(struct vcpu *vcpu)
{
	uint32_t info = (uint32_t)vcpu_reg_read(vcpu, VCPU_REG_EXIT_INTR_INFO);
	uint32_t type = (info & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT;
	uint32_t vector = info & INTR_INFO_VECTOR_MASK;

	if (type == INTR_TYPE_NMI)
		return 0; /* the host's NMI; nothing on this machine sends one yet */
	if (vector == VEC_MC) {
		vm_stop(vcpu->vm, "machine check while the guest ran, at RIP 0x%llx",
			(unsigned long long)rip(vcpu));
		return -EIO;
	}
	vm_stop(vcpu->vm,
		"exception %u exited although plinth does not intercept it, at RIP 0x%llx", vector,
		(unsigned long long)rip(vcpu));
	return -EIO;
}

static int exit_external_interrupt(struct vcpu *vcpu)
{
	uint32_t info = (uint32_t)vcpu_reg_read(vcpu, VCPU_REG_EXIT_INTR_INFO);

	/* Acknowledged on exit, so the host APIC has it in service until this EOI. The only
	 * interrupt plinth sends is the wake-up IPI, whose work the run loop looks at; a
	 * spurious interrupt is never in service. */
	if ((info & 0xff) != APIC_SPURIOUS_VECTOR)
		apic_eoi();
	return 0;
}

static int exit_triple_fault(struct vcpu *vcpu)
{
	if (vcpu->vm->nr_vcpus > 1)
		vm_stop(vcpu->vm, "vCPU %u: triple fault at RIP 0x%llx", vcpu->id,
			(unsigned long long)rip(vcpu));
	else
		vm_stop(vcpu->vm, "triple fault at RIP 0x%llx", (unsigned long long)rip(vcpu));
	return -EIO;
}

static int exit_cpuid(struct vcpu *vcpu)
{
	uint64_t *r = vcpu->regs;
	const struct cpuid_entry *e =
		cpuid_policy_fixed_entry(&vcpu->vm->cpuid, (uint32_t)r[VCPU_REG_RAX]);

	if (likely(e)) {
		r[VCPU_REG_RAX] = e->eax;
		r[VCPU_REG_RBX] = e->ebx;
		r[VCPU_REG_RCX] = e->ecx;
		r[VCPU_REG_RDX] = e->edx;
	} else {
		struct cpuid_vcpu_state st = {
			.apic_id = vcpu->id,
			.cr4_osxsave =
				vcpu->cr4_shadow & X86_CR4_OSXSAVE, /* host-owned: no VMREAD */
			.xcr0 = vcpu->sysregs[SYSREG_XCR0],
		};
		uint32_t out[4];

		cpuid_policy_lookup(&vcpu->vm->cpuid, (uint32_t)r[VCPU_REG_RAX],
				    (uint32_t)r[VCPU_REG_RCX], &st, out);
		r[VCPU_REG_RAX] = out[0];
		r[VCPU_REG_RBX] = out[1];
		r[VCPU_REG_RCX] = out[2];
		r[VCPU_REG_RDX] = out[3];
	}
	vcpu_skip_insn(vcpu, 2);
	return 0;
}

static int exit_hlt(struct vcpu *vcpu)
{
	if (vcpu->has_lapic)
		return vcpu_apic_hlt(vcpu);
	if (vcpu->vm->controller) {
		/* A child waits for its control guest to wake it (KVM_EXIT_HLT, past the HLT). */
		vcpu_skip_insn(vcpu, 1);
		vcpu->run->exit_reason = PLINTH_KVM_EXIT_HLT;
		vcpu->run_exit = true;
		return 0;
	}
	vm_stop(vcpu->vm, "HLT at RIP 0x%llx with nothing to wake it",
		(unsigned long long)rip(vcpu));
	return -EIO;
}

static int exit_skip(struct vcpu *vcpu)
{
	/* INVD and WBINVD: guest RAM is write-back and no device does DMA, so there is nothing to
	 * flush; INVD is never allowed to drop the host's dirty lines. */
	vcpu_skip_exit_insn(vcpu);
	return 0;
}

static int exit_inject_ud(struct vcpu *vcpu)
{
	/* VMX, SMX, MONITOR/MWAIT: hidden from the guest's CPUID, so #UD as on such a CPU. */
	vcpu_inject_ud(vcpu);
	return 0;
}

static int exit_inject_gp(struct vcpu *vcpu)
{
	/* RDPMC: no performance counters are exposed. */
	vcpu_inject_gp(vcpu, 0);
	return 0;
}

static int exit_vmcall(struct vcpu *vcpu)
{
	uint64_t *r = vcpu->regs;

	/* Both calls are harmless from any privilege level; calls that act on other VMs check
	 * the CPL and the VM's control right. */
	switch ((uint32_t)r[VCPU_REG_RAX]) {
	case PLINTH_HC_NOP:
		r[VCPU_REG_RAX] = 0;
		break;
	case PLINTH_HC_VCPU_STATS:
		/* Up to the previous exit: this one has cost one VMREAD (the reason) so far. */
		r[VCPU_REG_RAX] = 0;
		r[VCPU_REG_RBX] = vcpu->stats.exits - 1;
		r[VCPU_REG_RCX] = vcpu->stats.vmreads - 1;
		r[VCPU_REG_RDX] = vcpu->stats.vmwrites;
		break;
	default: {
		/* Outside 64-bit mode only the low halves are the caller's (as KVM). */
		bool wide = (vcpu_reg_read(vcpu, VCPU_REG_EFER) & X86_EFER_LMA) &&
			    (vcpu_seg_ar(vcpu, VCPU_SEG_CS) & SEG_AR_L);
		uint64_t m = wide ? ~0ull : 0xffffffffull;
		struct hypercall hc = {
			.nr = (uint32_t)r[VCPU_REG_RAX], /* numbers are 32-bit for everyone */
			.arg = { r[VCPU_REG_RBX] & m, r[VCPU_REG_RCX] & m, r[VCPU_REG_RDX] & m,
				 r[VCPU_REG_RSI] & m },
			.cpl = vcpu_cpl(vcpu),
			.long_mode = wide,
		};

		r[VCPU_REG_RAX] = (uint64_t)hypercall(vcpu, &hc);
		break;
	}
	}
	vcpu_skip_insn(vcpu, 3);
	return 0;
}

static int exit_xsetbv(struct vcpu *vcpu)
{
	uint32_t index = (uint32_t)vcpu->regs[VCPU_REG_RCX];
	uint64_t value = (vcpu->regs[VCPU_REG_RDX] << 32) | (uint32_t)vcpu->regs[VCPU_REG_RAX];

	if (cpuid_policy_check_xsetbv(&vcpu->vm->cpuid, index, value)) {
		vcpu_inject_gp(vcpu, 0);
		return 0;
	}
	/* The live XCR0 is the guest's while it is loaded: plinth has no extended state. */
	xsetbv(0, value);
	vcpu->sysregs[SYSREG_XCR0] = value;
	vcpu_skip_insn(vcpu, 3);
	return 0;
}

static int exit_preemption_timer(struct vcpu *vcpu)
{
	/* The timer reloads from the VMCS on every entry: nothing to re-arm. The run loop
	 * looks at stop requests after every exit. A child's slice ends its RUN (KVM_EXIT_INTR,
	 * -EINTR), so that a child that never exits cannot keep its control guest off the CPU. */
	if (vcpu->vm->controller) {
		vcpu->run->exit_reason = PLINTH_KVM_EXIT_INTR;
		vcpu->run_interrupted = true;
		vcpu->run_exit = true;
	}
	return 0;
}

static const char *access_name(uint64_t qual)
{
	if (qual & EPT_QUAL_FETCH)
		return "instruction fetch from";
	if (qual & EPT_QUAL_WRITE)
		return "write to";
	return "read from";
}

int vmx_exit_ept_violation(struct vcpu *vcpu)
{
	uint64_t qual = vcpu_reg_read(vcpu, VCPU_REG_EXIT_QUALIFICATION);
	uint64_t gpa = vcpu_reg_read(vcpu, VCPU_REG_GUEST_PHYSICAL_ADDRESS);
	const struct mmio_device *dev = mmio_bus_find(&vcpu->vm->mmio, gpa);

	if (!dev && vcpu->vm->controller)
		dev = &vcpu->ctl_mmio; /* a child's: all that is not RAM is its control guest's */

	/* Every RAM page is mapped with full rights: an EPT violation is a device's MMIO range,
	 * or an access outside RAM and devices. */
	if (dev)
		return vmx_emulate_mmio(vcpu, dev, gpa,
					(qual & (EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_XLATED)) ==
						(EPT_QUAL_GLA_VALID | EPT_QUAL_GLA_XLATED),
					qual & EPT_QUAL_WRITE);
	if (qual & EPT_QUAL_GLA_VALID)
		vm_stop(vcpu->vm,
			"EPT violation: %s GPA 0x%llx (linear 0x%llx), outside its RAM and "
			"devices, "
			"at RIP 0x%llx",
			access_name(qual), (unsigned long long)gpa,
			(unsigned long long)vcpu_reg_read(vcpu, VCPU_REG_GUEST_LINEAR_ADDRESS),
			(unsigned long long)rip(vcpu));
	else
		vm_stop(vcpu->vm,
			"EPT violation: %s GPA 0x%llx, outside its RAM and devices, at RIP 0x%llx",
			access_name(qual), (unsigned long long)gpa, (unsigned long long)rip(vcpu));
	return -EFAULT;
}

int vmx_exit_ept_misconfig(struct vcpu *vcpu)
{
	vm_stop(vcpu->vm, "EPT misconfiguration at GPA 0x%llx (a plinth bug), at RIP 0x%llx",
		(unsigned long long)vcpu_reg_read(vcpu, VCPU_REG_GUEST_PHYSICAL_ADDRESS),
		(unsigned long long)rip(vcpu));
	return -EIO;
}

static int exit_task_switch(struct vcpu *vcpu)
{
	vm_stop(vcpu->vm, "hardware task switch at RIP 0x%llx, which plinth does not emulate",
		(unsigned long long)rip(vcpu));
	return -EIO;
}

#define HANDLER(reason, fn)  [EXIT_REASON_##reason] = { .handler = (fn) }
#define DELIVERY(reason, fn) [EXIT_REASON_##reason] = { .handler = (fn), .during_delivery = true }

const struct vmx_exit_entry vmx_exit_table[] = {
	DELIVERY(EXCEPTION_NMI, exit_exception_nmi),
	DELIVERY(EXTERNAL_INTERRUPT, exit_external_interrupt),
	HANDLER(TRIPLE_FAULT, exit_triple_fault),
	DELIVERY(TASK_SWITCH, exit_task_switch),
	HANDLER(CPUID, exit_cpuid),
	HANDLER(GETSEC, exit_inject_ud),
	HANDLER(HLT, exit_hlt),
	HANDLER(INTERRUPT_WINDOW, vcpu_apic_irq_window),
	HANDLER(NMI_WINDOW, vcpu_apic_nmi_window),
	HANDLER(INVD, exit_skip),
	HANDLER(RDPMC, exit_inject_gp),
	HANDLER(VMCALL, exit_vmcall),
	HANDLER(VMCLEAR, exit_inject_ud),
	HANDLER(VMLAUNCH, exit_inject_ud),
	HANDLER(VMPTRLD, exit_inject_ud),
	HANDLER(VMPTRST, exit_inject_ud),
	HANDLER(VMREAD, exit_inject_ud),
	HANDLER(VMRESUME, exit_inject_ud),
	HANDLER(VMWRITE, exit_inject_ud),
	HANDLER(VMXOFF, exit_inject_ud),
	HANDLER(VMXON, exit_inject_ud),
	HANDLER(CR_ACCESS, vmx_exit_cr_access),
	HANDLER(IO_INSTRUCTION, vmx_exit_io),
	HANDLER(MSR_READ, vmx_exit_rdmsr),
	HANDLER(MSR_WRITE, vmx_exit_wrmsr),
	HANDLER(MWAIT, exit_inject_ud),
	HANDLER(MONITOR, exit_inject_ud),
	DELIVERY(EPT_VIOLATION, vmx_exit_ept_violation),
	DELIVERY(EPT_MISCONFIG, vmx_exit_ept_misconfig),
	HANDLER(INVEPT, exit_inject_ud),
	DELIVERY(PREEMPTION_TIMER, exit_preemption_timer),
	HANDLER(INVVPID, exit_inject_ud),
	HANDLER(WBINVD, exit_skip),
	HANDLER(XSETBV, exit_xsetbv),
	HANDLER(VMFUNC, exit_inject_ud),
};
const unsigned int vmx_exit_table_size = ARRAY_SIZE(vmx_exit_table);
