// SPDX-License-Identifier: MIT
/*
 * Running a child VM's vCPU for its control guest (KVM_RUN): the control guest's vCPU is put and
 * the child's loaded on the same CPU, the child runs until an exit that plinth leaves to the
 * control guest, and the two swap back. The exit is described in the run area, a page of the
 * control guest's RAM laid out as struct kvm_run; the next RUN completes what the exit left
 * pending with the data the control guest put there.
 */
#include "arch/x86/vmx/vcpu_state.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_controls.h"
#include "arch/x86/vmx/vmx_exit.h"
#include "core/errno.h"
#include "core/log.h"
#include "core/string.h"
#include "core/vm.h"
#include "guest/include/plinth/kvm.h"

#define X86_RFLAGS_IF BIT(9)
#define APIC_BASE     0xfee00900ull /* what SREGS reports: xAPIC, enabled, BSP */

#define CTL_MMIO_CONSUMED BIT(0) /* this emulation read data the control guest gave */
#define CTL_MMIO_WROTE	  BIT(1) /* this emulation handed the control guest a write */

/* The control guest's MMIO: an access is an exit, the first of an emulation only. A read
 * answers from the data the last RUN brought, if that was for this instruction, address and
 * size, else it asks for it and the instruction is retried after the next RUN. */
static int ctl_mmio_read(void *dev, uint64_t gpa, void *buf, unsigned int len)
{
	struct vcpu *vcpu = dev;
	struct vcpu_completion *c = &vcpu->complete;
	struct plinth_kvm_run *run = vcpu->run;

	if (len > sizeof(run->mmio.data))
		return -EOPNOTSUPP;
	if (c->kind == VCPU_COMPLETE_MMIO_READ && c->data_ready && c->gpa == gpa &&
	    c->size == len && c->rip == vcpu->regs[VCPU_REG_RIP]) {
		memcpy(buf, c->data, len);
		c->kind = VCPU_COMPLETE_NONE;
		vcpu->ctl_mmio_done |= CTL_MMIO_CONSUMED;
		return 0;
	}
	if (vcpu->run_exit)
		return -EAGAIN;
	*c = (struct vcpu_completion){
		.kind = VCPU_COMPLETE_MMIO_READ,
		.size = (uint8_t)len,
		.rip = vcpu->regs[VCPU_REG_RIP], /* read by the emulation already */
		.gpa = gpa,
	};
	run->exit_reason = PLINTH_KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = len;
	run->mmio.is_write = 0;
	vcpu->run_exit = true;
	return -EAGAIN;
}

/* A write is done once the control guest has it: the instruction completes first. */
static int ctl_mmio_write(void *dev, uint64_t gpa, const void *buf, unsigned int len)
{
	struct vcpu *vcpu = dev;
	struct plinth_kvm_run *run = vcpu->run;

	if (len > sizeof(run->mmio.data))
		return -EOPNOTSUPP;
	if (vcpu->run_exit)
		return -EAGAIN;
	run->exit_reason = PLINTH_KVM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	memcpy(run->mmio.data, buf, len);
	run->mmio.len = len;
	run->mmio.is_write = 1;
	vcpu->ctl_mmio_done |= CTL_MMIO_WROTE;
	vcpu->run_exit = true;
	return 0;
}

void vmx_child_vcpu_init(struct vcpu *vcpu)
{
	vcpu->ctl_mmio = (struct mmio_device){
		.name = "control guest",
		.gpa = 0,
		.len = GUEST_MEM_GPA_LIMIT,
		.read = ctl_mmio_read,
		.write = ctl_mmio_write,
		.dev = vcpu,
	};
}

/* What the last RUN left pending, with the data now in the run area. */
static void complete_pending(struct vcpu *vcpu)
{
	struct vcpu_completion *c = &vcpu->complete;

	switch (c->kind) {
	case VCPU_COMPLETE_IN:
	case VCPU_COMPLETE_INS:
		vmx_io_complete(vcpu);
		break;
	case VCPU_COMPLETE_MMIO_READ:
		/* The instruction exits again and its read takes this (ctl_mmio_read). */
		memcpy(c->data, vcpu->run->mmio.data, sizeof(c->data));
		c->data_ready = true;
		break;
	default:
		break;
	}
}

/* A guest-visible paging change by VMWRITE flushes nothing: drop the vCPU's linear and
 * combined translations as its own MOV to CR3 would. */
static void flush_vpid(struct vcpu *vcpu)
{
	if (vcpu->vpid)
		vmx_invvpid(INVVPID_SINGLE_CONTEXT, vcpu->vpid);
}

/* The classes of kvm_dirty_regs, copied out of the shared page, applied all or none: each is
 * checked on its own, then the rules that span them (vcpu_state_check); on a failure the
 * state saved before is put back. */
static int apply_dirty(struct vcpu *vcpu, uint64_t dirty, const struct plinth_kvm_sync_regs *in)
{
	struct plinth_kvm_sync_regs old;
	int err = 0;

	if (!dirty)
		return 0;
	if (dirty & PLINTH_KVM_SYNC_X86_REGS)
		vcpu_get_regs(vcpu, &old.regs);
	if (dirty & PLINTH_KVM_SYNC_X86_SREGS)
		vcpu_get_sregs(vcpu, &old.sregs);
	if (dirty & PLINTH_KVM_SYNC_X86_EVENTS)
		vcpu_get_events(vcpu, &old.events);
	if (dirty & PLINTH_KVM_SYNC_X86_REGS)
		err = vcpu_set_regs(vcpu, &in->regs);
	if (!err && (dirty & PLINTH_KVM_SYNC_X86_SREGS))
		err = vcpu_set_sregs(vcpu, &in->sregs);
	if (!err && (dirty & PLINTH_KVM_SYNC_X86_EVENTS))
		err = vcpu_set_events(vcpu, &in->events);
	if (!err)
		err = vcpu_state_check(vcpu, dirty);
	/* What the vCPU held came from the CPU and should pass every check. Should one not, the
	 * vCPU keeps a mix of old and new classes, each valid on its own (VM entry judges the
	 * whole); plinth says so on its console rather than trusting the checks to agree with
	 * the CPU. */
	if (err && (((dirty & PLINTH_KVM_SYNC_X86_REGS) && vcpu_set_regs(vcpu, &old.regs)) ||
		    ((dirty & PLINTH_KVM_SYNC_X86_SREGS) && vcpu_set_sregs(vcpu, &old.sregs)) ||
		    ((dirty & PLINTH_KVM_SYNC_X86_EVENTS) && vcpu_set_events(vcpu, &old.events))))
		pr_warn("guest %s: vCPU %u: its own registers were refused when put back after a "
			"bad kvm_dirty_regs; it keeps some of the new ones\n",
			vcpu->vm->name, vcpu->id);
	if (dirty & PLINTH_KVM_SYNC_X86_SREGS)
		flush_vpid(vcpu);
	return err;
}

void vmx_child_flush_vpid(struct vcpu *vcpu)
{
	flush_vpid(vcpu);
}

/* Why a child stopped, for a stop that no handler described itself (as KVM reports them). */
static void stop_exit(struct vcpu *vcpu)
{
	struct plinth_kvm_run *run = vcpu->run;
	uint32_t reason = vcpu->exit_reason, basic = reason & EXIT_REASON_BASIC_MASK;

	memset(&run->internal, 0, sizeof(run->internal));
	if (vcpu->entry_error || (reason & EXIT_REASON_ENTRY_FAILURE)) {
		run->exit_reason = PLINTH_KVM_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_entry_failure_reason =
			vcpu->entry_error ? vcpu->entry_error : reason;
		run->fail_entry.cpu = (uint32_t)vcpu->cpu;
	} else if (basic == EXIT_REASON_TRIPLE_FAULT) {
		run->exit_reason = PLINTH_KVM_EXIT_SHUTDOWN;
	} else {
		run->exit_reason = PLINTH_KVM_EXIT_INTERNAL_ERROR;
		run->internal.suberror = basic == EXIT_REASON_EPT_VIOLATION ?
						 PLINTH_KVM_INTERNAL_ERROR_EMULATION :
						 PLINTH_KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON;
		run->internal.ndata = 1;
		run->internal.data[0] = reason;
	}
}

static void store_valid(struct vcpu *vcpu, uint64_t valid)
{
	struct plinth_kvm_run *run = vcpu->run;

	if (valid & PLINTH_KVM_SYNC_X86_REGS)
		vcpu_get_regs(vcpu, &run->s.regs.regs);
	if (valid & PLINTH_KVM_SYNC_X86_SREGS)
		vcpu_get_sregs(vcpu, &run->s.regs.sregs);
	if (valid & PLINTH_KVM_SYNC_X86_EVENTS)
		vcpu_get_events(vcpu, &run->s.regs.events);
}

int vmx_run_child(struct vcpu *caller, struct vcpu *child)
{
	struct plinth_kvm_run *run = child->run;
	struct plinth_kvm_sync_regs in;
	struct vm *vm = child->vm;
	uint64_t dirty = __atomic_load_n(&run->kvm_dirty_regs, __ATOMIC_RELAXED);
	int err;

	if (__atomic_load_n(&run->immediate_exit, __ATOMIC_RELAXED)) {
		run->exit_reason = PLINTH_KVM_EXIT_INTR;
		return -EINTR;
	}
	if (dirty & ~PLINTH_KVM_SYNC_X86_VALID_FIELDS)
		return -EINVAL;
	if (dirty & PLINTH_KVM_SYNC_X86_REGS)
		memcpy(&in.regs, &run->s.regs.regs, sizeof(in.regs));
	if (dirty & PLINTH_KVM_SYNC_X86_SREGS)
		memcpy(&in.sregs, &run->s.regs.sregs, sizeof(in.sregs));
	if (dirty & PLINTH_KVM_SYNC_X86_EVENTS)
		memcpy(&in.events, &run->s.regs.events, sizeof(in.events));

	vcpu_put(caller);
	vcpu_load(child);
	err = apply_dirty(child, dirty, &in);
	if (!err) {
		run->kvm_dirty_regs &= ~dirty;
		vm->stop_requested = false;
		vm->state = VM_RUNNING;
		child->entry_error = 0;
		child->run_exit = false;
		child->run_interrupted = false;
		complete_pending(child);
		vmx_vcpu_run(child);
		if (!child->run_exit)
			stop_exit(child);
		else if (child->run_interrupted)
			err = -EINTR;
		child->run_exit = false;
		run->if_flag = !!(vcpu_reg_read(child, VCPU_REG_RFLAGS) & X86_RFLAGS_IF);
		run->cr8 = child->cr8;
		run->apic_base = APIC_BASE;
		store_valid(child, __atomic_load_n(&run->kvm_valid_regs, __ATOMIC_RELAXED));
	}
	vcpu_put(child);
	vcpu_load(caller);
	return err;
}
