// SPDX-License-Identifier: MIT
/*
 * Exceptions for the guest: queued in vcpu->event and written to the VM-entry interruption
 * fields right before the next entry. A second exception while one is queued (typically one
 * whose delivery the exit interrupted) is merged as the CPU would (SDM vol. 3 table 6-5):
 * two contributory faults, or a page fault and a contributory fault or another page fault,
 * make a #DF; a fault on top of a #DF is a triple fault.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_controls.h"
#include "arch/x86/vmx/vmx_exit.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "core/vm.h"

#define VEC_DF 8
#define VEC_PF 14

enum exc_class { EXC_BENIGN, EXC_CONTRIBUTORY, EXC_PAGE_FAULT };

static enum exc_class exc_class(uint8_t vector)
{
	switch (vector) {
	case 0: /* #DE */
	case 10: /* #TS */
	case 11: /* #NP */
	case 12: /* #SS */
	case 13: /* #GP */
		return EXC_CONTRIBUTORY;
	case VEC_PF:
		return EXC_PAGE_FAULT;
	default:
		return EXC_BENIGN;
	}
}

void vcpu_inject_exception(struct vcpu *vcpu, uint8_t vector, bool has_error_code,
			   uint32_t error_code)
{
	struct vcpu_event *ev = &vcpu->event;

	if (ev->pending && ev->type == INTR_TYPE_HW_EXCEPTION) {
		enum exc_class first = exc_class(ev->vector), second = exc_class(vector);

		if (ev->vector == VEC_DF) {
			ev->pending = false;
			vm_stop(vcpu->vm, "triple fault (vector %u while delivering #DF)", vector);
			return;
		}
		if ((first == EXC_CONTRIBUTORY && second == EXC_CONTRIBUTORY) ||
		    (first == EXC_PAGE_FAULT && second != EXC_BENIGN)) {
			vector = VEC_DF;
			has_error_code = true;
			error_code = 0;
		}
	}
	/* Otherwise the new exception replaces the queued event, which the guest will raise
	 * again when it re-executes the instruction (handled serially, SDM table 6-5). */
	*ev = (struct vcpu_event){
		.pending = true,
		.vector = vector,
		.type = INTR_TYPE_HW_EXCEPTION,
		.has_error_code = has_error_code,
		.error_code = error_code,
	};
}

void vcpu_inject_page_fault(struct vcpu *vcpu, uint64_t cr2, uint32_t error_code)
{
	/* CR2 is not in the VMCS: the guest's value is the live register while it is loaded. */
	write_cr2(cr2);
	vcpu_inject_exception(vcpu, VEC_PF, true, error_code);
}

/* Queues the event whose delivery the exit interrupted (SDM 28.2.4, 27.6.1.1). */
void vcpu_requeue_vectoring_event(struct vcpu *vcpu, uint32_t info)
{
	struct vcpu_event *ev = &vcpu->event;
	uint8_t type = (info & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT;

	*ev = (struct vcpu_event){
		.pending = true,
		.vector = info & INTR_INFO_VECTOR_MASK,
		.type = type,
		.has_error_code = info & INTR_INFO_ERROR_CODE,
	};
	if (ev->has_error_code)
		ev->error_code = (uint32_t)vcpu_reg_read(vcpu, VCPU_REG_IDT_VECTORING_ERROR_CODE);
	if (type == INTR_TYPE_SW_INTERRUPT || type == INTR_TYPE_PRIV_SW_EXCEPTION ||
	    type == INTR_TYPE_SW_EXCEPTION)
		ev->instruction_len = (uint32_t)vcpu_reg_read(vcpu, VCPU_REG_EXIT_INSTRUCTION_LEN);
}

/* Writes a queued event to the VM-entry fields; called right before an entry. */
void vcpu_event_flush(struct vcpu *vcpu)
{
	struct vcpu_event *ev = &vcpu->event;
	uint32_t info;

	if (likely(!ev->pending))
		return;
	info = INTR_INFO_VALID | ev->vector | ((uint32_t)ev->type << INTR_INFO_TYPE_SHIFT);
	/* Real mode pushes no error code, and VM entry refuses one (SDM 27.2.1.3). */
	if (ev->has_error_code && !(vcpu_reg_read(vcpu, VCPU_REG_CR0) & X86_CR0_PE))
		ev->has_error_code = false;
	if (ev->has_error_code) {
		info |= INTR_INFO_ERROR_CODE;
		vcpu->stats.vmwrites++;
		vmx_vmwrite(VMCS_ENTRY_EXCEPTION_ERROR_CODE, ev->error_code);
	}
	if (ev->instruction_len) {
		vcpu->stats.vmwrites++;
		vmx_vmwrite(VMCS_ENTRY_INSTRUCTION_LEN, ev->instruction_len);
	}
	vcpu->stats.vmwrites++;
	vmx_vmwrite(VMCS_ENTRY_INTR_INFO, info);
	ev->pending = false;
}
