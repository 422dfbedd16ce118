// SPDX-License-Identifier: MIT
/*
 * The run loop: flush what is dirty, enter, read the exit reason, dispatch. Entry failures
 * (VMfail, or an exit with the entry-failure bit) end the VM with the SDM's reason and the
 * guest state that VM entry refused.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_apic.h"
#include "arch/x86/vmx/vmx_controls.h"
#include "arch/x86/vmx/vmx_exit.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "arch/x86/vmx/vmx_names.h"
#include "core/log.h"
#include "core/vm.h"

int vmx_vcpu_enter(struct vcpu *vcpu);

/* vmx_entry.asm's view of struct vcpu. */
STATIC_ASSERT(offsetof(struct vcpu, regs) == 0);
STATIC_ASSERT(VCPU_NR_REGS == 34);
STATIC_ASSERT((VCPU_STAT_REASONS & (VCPU_STAT_REASONS - 1)) == 0);
STATIC_ASSERT(offsetof(struct vcpu, host_rsp) == 34 * 8);
STATIC_ASSERT(offsetof(struct vcpu, launched) == 35 * 8);

static const char *const seg_names[VCPU_NR_SEGS] = {
	"ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR", "GDTR", "IDTR",
};

/* Invalid-guest-state exit qualifications (SDM 28.8). */
static const char *entry_failure_detail(uint32_t basic, uint64_t qual)
{
	if (basic == EXIT_REASON_MSR_LOAD_FAIL)
		return "loading an MSR from the VM-entry MSR-load area failed";
	if (basic == EXIT_REASON_MCE_DURING_VMENTRY)
		return "a machine check during VM entry";
	switch (qual) {
	case 2:
		return "a PDPTE (PAE paging) has reserved bits set";
	case 3:
		return "NMI injection with blocking by NMI";
	case 4:
		return "the VMCS link pointer is invalid";
	default:
		return "a guest-state check of SDM 27.3.1 failed";
	}
}

/* The first of the SDM 27.3.1 checks that plinth knows to be broken, to point at the cause
 * (the CPU only says that one failed); NULL when none of these is. */
static const char *broken_guest_state_rule(struct vcpu *vcpu)
{
	uint64_t rflags = vcpu_reg_read(vcpu, VCPU_REG_RFLAGS);
	uint64_t cr0 = vcpu_reg_read(vcpu, VCPU_REG_CR0), cr4 = vcpu_reg_read(vcpu, VCPU_REG_CR4);
	uint64_t efer = vcpu_reg_read(vcpu, VCPU_REG_EFER);
	bool ia32e = vcpu_reg_read(vcpu, VCPU_REG_ENTRY_CTLS) & ENTRY_IA32E_MODE_GUEST;
	uint64_t cr0_fixed0 = vmx_host.raw.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);
	struct vcpu_segment cs, tr;

	if (!(rflags & BIT(1)) || (rflags & (~0x3fffffull | BIT(15) | BIT(5) | BIT(3))))
		return "RFLAGS bit 1 must be 1 and its reserved bits 0 (SDM 27.3.1.4)";
	if ((cr0 & cr0_fixed0) != cr0_fixed0 || (cr0 & ~vmx_host.raw.cr0_fixed1))
		return "CR0 breaks the VMX fixed bits (SDM 27.3.1.1)";
	if ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE))
		return "CR0.PG is set without CR0.PE (SDM 27.3.1.1)";
	if ((cr4 & vmx_host.raw.cr4_fixed0) != vmx_host.raw.cr4_fixed0 ||
	    (cr4 & ~vmx_host.raw.cr4_fixed1))
		return "CR4 breaks the VMX fixed bits (SDM 27.3.1.1)";
	if (ia32e != !!(efer & X86_EFER_LMA) || (ia32e && !(cr4 & X86_CR4_PAE)) ||
	    ((cr0 & X86_CR0_PG) && ia32e != !!(efer & X86_EFER_LME)))
		return "IA-32e mode guest, EFER.LMA/LME, CR0.PG and CR4.PAE disagree (SDM "
		       "27.3.1.1)";
	vcpu_seg_read(vcpu, VCPU_SEG_CS, &cs);
	if (!ia32e && (cs.ar & SEG_AR_L))
		return "CS.L is set outside IA-32e mode (SDM 27.3.1.2)";
	vcpu_seg_read(vcpu, VCPU_SEG_TR, &tr);
	if ((tr.ar & SEG_AR_UNUSABLE) || !(tr.ar & SEG_AR_P) || (tr.ar & SEG_AR_S))
		return "TR is not a present system segment (SDM 27.3.1.2)";
	return NULL;
}

static void dump_guest_state(struct vcpu *vcpu)
{
	const char *name = vcpu->vm->name;

	pr_err("guest %s: RIP 0x%llx RSP 0x%llx RFLAGS 0x%llx\n", name,
	       (unsigned long long)vcpu_reg_read(vcpu, VCPU_REG_RIP),
	       (unsigned long long)vcpu_reg_read(vcpu, VCPU_REG_RSP),
	       (unsigned long long)vcpu_reg_read(vcpu, VCPU_REG_RFLAGS));
	pr_err("guest %s: CR0 0x%llx (guest sees 0x%llx) CR3 0x%llx CR4 0x%llx (guest sees 0x%llx) "
	       "EFER 0x%llx\n",
	       name, (unsigned long long)vcpu_reg_read(vcpu, VCPU_REG_CR0),
	       (unsigned long long)vcpu->cr0_shadow,
	       (unsigned long long)vcpu_reg_read(vcpu, VCPU_REG_CR3),
	       (unsigned long long)vcpu_reg_read(vcpu, VCPU_REG_CR4),
	       (unsigned long long)vcpu->cr4_shadow,
	       (unsigned long long)vcpu_reg_read(vcpu, VCPU_REG_EFER));
	pr_err("guest %s: entry controls 0x%llx interruptibility 0x%llx\n", name,
	       (unsigned long long)vcpu_reg_read(vcpu, VCPU_REG_ENTRY_CTLS),
	       (unsigned long long)vcpu_reg_read(vcpu, VCPU_REG_INTERRUPTIBILITY));
	for (unsigned int s = 0; s < VCPU_NR_SEGS; s++) {
		struct vcpu_segment seg;

		vcpu_seg_read(vcpu, (enum vcpu_seg)s, &seg);
		pr_err("guest %s: %-4s selector 0x%04x base 0x%llx limit 0x%x access 0x%x\n", name,
		       seg_names[s], seg.selector, (unsigned long long)seg.base, seg.limit, seg.ar);
	}
}

static void entry_failed(struct vcpu *vcpu, int rc)
{
	if (rc == 1) {
		vcpu->entry_error = UINT32_MAX;
		vm_stop(vcpu->vm, "VM entry failed: VMfailInvalid (no valid current VMCS)");
		return;
	}
	uint32_t error = (uint32_t)vmx_vmread(VMCS_VM_INSTRUCTION_ERROR);

	vcpu->entry_error = error;
	vm_stop(vcpu->vm, "VM entry failed: VM-instruction error %u: %s", error,
		vmx_instruction_error_name(error));
	dump_guest_state(vcpu);
}

static void entry_failed_exit(struct vcpu *vcpu, uint32_t reason)
{
	uint32_t basic = reason & EXIT_REASON_BASIC_MASK;
	uint64_t qual = vcpu_reg_read(vcpu, VCPU_REG_EXIT_QUALIFICATION);

	const char *rule = basic == EXIT_REASON_INVALID_GUEST_STATE && qual == 0 ?
				   broken_guest_state_rule(vcpu) :
				   NULL;

	vm_stop(vcpu->vm, "%s (exit reason %u, qualification %llu: %s)%s%s",
		vmx_exit_reason_name(basic), basic, (unsigned long long)qual,
		entry_failure_detail(basic, qual), rule ? ": " : "", rule ? rule : "");
	dump_guest_state(vcpu);
}

void vmx_vcpu_run(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;

	while (likely(!__atomic_load_n(&vm->stop_requested, __ATOMIC_ACQUIRE) && !vcpu->run_exit)) {
		const struct vmx_exit_entry *entry;
		uint32_t reason, basic;
		int rc;

		/* A child's vCPU (no APIC) is always quiet: nothing posts to it. */
		if (unlikely(!vcpu_apic_quiet(vcpu)) && !vcpu_apic_before_entry(vcpu))
			break;

		if (unlikely(vcpu->event.pending))
			vcpu_event_flush(vcpu);
		vcpu_regs_flush(vcpu);
		rc = vmx_vcpu_enter(vcpu);
		if (unlikely(rc)) {
			entry_failed(vcpu, rc);
			break;
		}
		vcpu->launched = 1;
		vcpu_regs_exit(vcpu);
		vcpu->stats.vmreads++;
		reason = (uint32_t)vmx_vmread(VMCS_EXIT_REASON);
		vcpu->exit_reason = reason;
		vcpu->stats.exits++;
		basic = reason & EXIT_REASON_BASIC_MASK;
		/* Reasons past the table alias harmlessly: such exits are unknown and stop the VM. */
		vcpu->stats.exits_by_reason[basic & (VCPU_STAT_REASONS - 1)]++;
		if (unlikely(reason & EXIT_REASON_ENTRY_FAILURE)) {
			entry_failed_exit(vcpu, reason);
			break;
		}
		entry = basic < vmx_exit_table_size ? &vmx_exit_table[basic] : NULL;
		if (unlikely(!entry || !entry->handler)) {
			vm_stop(vm, "exit %u (%s) at RIP 0x%llx, which plinth does not handle",
				basic, vmx_exit_reason_name(basic),
				(unsigned long long)vcpu_reg_read(vcpu, VCPU_REG_RIP));
			break;
		}
		if (entry->during_delivery) {
			uint32_t info = (uint32_t)vcpu_reg_read(vcpu, VCPU_REG_IDT_VECTORING_INFO);

			if (info & INTR_INFO_VALID)
				vcpu_requeue_vectoring_event(vcpu, info);
		}
		entry->handler(vcpu);
	}
}
