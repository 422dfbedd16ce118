// SPDX-License-Identifier: MIT
/*
 * I/O instruction exits: IN/OUT go to the VM's port bus; INS/OUTS (and their REP forms) walk
 * the guest's page tables for each element and move it between guest RAM and the bus. A REP
 * form is done in batches so that one exit stays short; the guest re-executes the instruction
 * for the rest, as after an interrupt.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vcpu_mem.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_exit.h"
#include "core/compiler.h"
#include "core/errno.h"
#include "core/string.h"
#include "core/vm.h"
#include "guest/include/plinth/kvm.h"

/* I/O exit qualification (SDM table 28-5) */
#define IO_QUAL_SIZE(q) (((q)&7) + 1)
#define IO_QUAL_IN	BIT(3)
#define IO_QUAL_STRING	BIT(4)
#define IO_QUAL_REP	BIT(5)
#define IO_QUAL_PORT(q) ((uint16_t)((q) >> 16))
/* VM-exit instruction information for INS/OUTS (SDM table 28-8) */
#define IO_INFO_ADDR_SIZE(i) (((i) >> 7) & 7)
#define IO_INFO_SEG(i)	     (((i) >> 15) & 7)

#define STRING_IO_BATCH 1024 /* elements per exit */
#define X86_RFLAGS_DF	BIT(10)

static int bus_access(struct vcpu *vcpu, uint16_t port, unsigned int size, bool in, uint32_t *val)
{
	int err = vm_pio_access(vcpu->vm, port, size, !in, val);

	if (err && !vcpu->vm->stop_requested)
		vm_stop(vcpu->vm, "a device refused %s of %u byte%s at port 0x%x (%s)",
			in ? "an IN" : "an OUT", size, size == 1 ? "" : "s", port, errno_name(err));
	return err;
}

/* Moves one element between guest-linear gla and val; 0, 1 after injecting a fault, or -errno
 * after stopping the VM. Elements may straddle a page: each byte is translated then. */
static int string_element(struct vcpu *vcpu, uint64_t gla, unsigned int size, bool to_guest,
			  uint32_t *val)
{
	uint8_t *bytes = (uint8_t *)val;
	unsigned int done = 0;

	while (done < size) {
		struct emul_fault fault;
		uint64_t gpa;
		unsigned int n = size - done;
		int r = vcpu_translate(vcpu, gla + done, to_guest ? EMUL_ACC_WRITE : EMUL_ACC_READ,
				       &gpa, &fault);

		if (r == EMUL_FAULT) {
			vcpu_inject_page_fault(vcpu, fault.cr2, fault.error_code);
			return 1;
		}
		if (r != EMUL_OK) {
			vm_stop(vcpu->vm,
				"string I/O through a page table outside its RAM at GLA 0x%llx",
				(unsigned long long)(gla + done));
			return -EFAULT;
		}
		n = MIN(n, (unsigned int)(PAGE_SIZE - (gpa & (PAGE_SIZE - 1))));
		r = to_guest ? guest_mem_write(&vcpu->vm->mem, gpa, bytes + done, n) :
			       guest_mem_read(&vcpu->vm->mem, gpa, bytes + done, n);
		if (r) {
			vm_stop(vcpu->vm, "string I/O %s GPA 0x%llx, outside its RAM",
				to_guest ? "to" : "from", (unsigned long long)gpa);
			return -EFAULT;
		}
		done += n;
	}
	return 0;
}

static uint64_t masked_update(uint64_t old, uint64_t value, uint64_t mask)
{
	/* 32-bit address size writes zero-extend, 16-bit ones keep the upper bits. */
	if (mask == 0xffffffff)
		return (uint32_t)value;
	return (old & ~mask) | (value & mask);
}

/* An INS/OUTS exit's operands: element size, port, direction, the index register, its address
 * size mask, the segment base, the element count and the step. */
struct string_op {
	unsigned int size;
	uint16_t port;
	bool in, rep;
	enum vcpu_reg index_reg;
	uint64_t mask, base, count, step;
};

static int string_op(struct vcpu *vcpu, uint64_t qual, struct string_op *op)
{
	unsigned int info = (unsigned int)vcpu_reg_read(vcpu, VCPU_REG_EXIT_INSTRUCTION_INFO);
	unsigned int addr_size = IO_INFO_ADDR_SIZE(info);
	struct vcpu_segment seg;

	if (addr_size > 2) {
		vm_stop(vcpu->vm, "string I/O exit with address size code %u", addr_size);
		return -EIO;
	}
	op->size = IO_QUAL_SIZE(qual);
	op->port = IO_QUAL_PORT(qual);
	op->in = qual & IO_QUAL_IN;
	op->rep = qual & IO_QUAL_REP;
	op->index_reg = op->in ? VCPU_REG_RDI : VCPU_REG_RSI;
	op->mask = addr_size == 0 ? 0xffff : addr_size == 1 ? 0xffffffff : ~0ull;
	/* INS always writes through ES; OUTS reads through DS or its segment override. */
	vcpu_seg_read(vcpu, op->in ? VCPU_SEG_ES : (enum vcpu_seg)IO_INFO_SEG(info), &seg);
	op->base = seg.base;
	op->count = op->rep ? (vcpu->regs[VCPU_REG_RCX] & op->mask) : 1;
	op->step = (vcpu_reg_read(vcpu, VCPU_REG_RFLAGS) & X86_RFLAGS_DF) ? (uint64_t)-op->size :
									    op->size;
	return 0;
}

/* n elements done: the index and count registers move on, and RIP once all are done. */
static void string_advance(struct vcpu *vcpu, const struct string_op *op, uint64_t n)
{
	uint64_t index = vcpu->regs[op->index_reg];

	vcpu->regs[op->index_reg] = masked_update(index, index + n * op->step, op->mask);
	if (op->rep)
		vcpu->regs[VCPU_REG_RCX] = masked_update(vcpu->regs[VCPU_REG_RCX],
							 (op->count - n) & op->mask, op->mask);
	/* Done, or not: a fault or a full batch leaves RIP on the instruction. */
	if (n == op->count)
		vcpu_skip_exit_insn(vcpu);
}

static int string_io(struct vcpu *vcpu, uint64_t qual)
{
	struct string_op op;
	uint64_t index;
	unsigned int n;
	int err = string_op(vcpu, qual, &op);

	if (err)
		return err;
	index = vcpu->regs[op.index_reg];
	for (n = 0; n < op.count && n < STRING_IO_BATCH; n++) {
		uint64_t gla = op.base + (index & op.mask);
		uint32_t val = ~0u;
		int r;

		if (!op.in) {
			r = string_element(vcpu, gla, op.size, false, &val);
			if (r)
				break;
			if (bus_access(vcpu, op.port, op.size, false, &val))
				return -EIO;
		} else {
			if (bus_access(vcpu, op.port, op.size, true, &val))
				return -EIO;
			r = string_element(vcpu, gla, op.size, true, &val);
			if (r)
				break;
		}
		index = masked_update(index, index + op.step, op.mask);
	}
	if (vcpu->vm->stop_requested)
		return -EFAULT;
	string_advance(vcpu, &op, n);
	return 0;
}

/* ---- a child VM's port I/O: every port is its control guest's (KVM_EXIT_IO) ---- */

static uint8_t *io_data(struct vcpu *vcpu)
{
	return (uint8_t *)vcpu->run + PLINTH_KVM_RUN_IO_DATA_OFFSET;
}

static void io_exit(struct vcpu *vcpu, bool in, unsigned int size, uint16_t port)
{
	struct plinth_kvm_run *run = vcpu->run;

	run->exit_reason = PLINTH_KVM_EXIT_IO;
	run->io.direction = in ? PLINTH_KVM_EXIT_IO_IN : PLINTH_KVM_EXIT_IO_OUT;
	run->io.size = (uint8_t)size;
	run->io.port = port;
	run->io.count = 1;
	run->io.data_offset = PLINTH_KVM_RUN_IO_DATA_OFFSET;
	vcpu->run_exit = true;
}

/* An IN waits for the data (the next RUN completes it); an OUT is done when the control guest
 * sees it. String forms move one element per exit. */
static int child_io(struct vcpu *vcpu, uint64_t qual)
{
	unsigned int size = IO_QUAL_SIZE(qual);
	uint16_t port = IO_QUAL_PORT(qual);
	struct string_op op;
	uint32_t val;
	int r;

	if (!(qual & IO_QUAL_STRING)) {
		if (qual & IO_QUAL_IN) {
			vcpu->complete = (struct vcpu_completion){
				.kind = VCPU_COMPLETE_IN,
				.size = (uint8_t)size,
				.rip = vcpu_reg_read(vcpu, VCPU_REG_RIP),
			};
		} else {
			val = (uint32_t)vcpu->regs[VCPU_REG_RAX];
			memcpy(io_data(vcpu), &val, size);
			vcpu_skip_exit_insn(vcpu);
		}
		io_exit(vcpu, qual & IO_QUAL_IN, size, port);
		return 0;
	}
	r = string_op(vcpu, qual, &op);
	if (r)
		return r;
	if (!op.count) {
		vcpu_skip_exit_insn(vcpu);
		return 0;
	}
	if (op.in) {
		vcpu->complete = (struct vcpu_completion){
			.kind = VCPU_COMPLETE_INS,
			.size = (uint8_t)size,
			.rip = vcpu_reg_read(vcpu, VCPU_REG_RIP),
		};
	} else {
		r = string_element(vcpu, op.base + (vcpu->regs[VCPU_REG_RSI] & op.mask), size,
				   false, &val);
		if (r)
			return r > 0 ? 0 : r; /* a fault was injected: no exit */
		memcpy(io_data(vcpu), &val, size);
		string_advance(vcpu, &op, 1);
	}
	io_exit(vcpu, op.in, size, port);
	return 0;
}

void vmx_io_complete(struct vcpu *vcpu)
{
	struct vcpu_completion *c = &vcpu->complete;
	uint64_t rax = vcpu->regs[VCPU_REG_RAX];
	struct string_op op;
	uint32_t val = 0;

	/* The data is copied out of the shared page once, then used. */
	memcpy(&val, io_data(vcpu), c->size);
	if (vcpu_reg_read(vcpu, VCPU_REG_RIP) != c->rip) {
		c->kind = VCPU_COMPLETE_NONE; /* the control guest moved it elsewhere */
		return;
	}
	if (c->kind == VCPU_COMPLETE_IN) {
		if (c->size == 4)
			rax = val; /* a 32-bit destination zero-extends */
		else if (c->size == 2)
			rax = (rax & ~0xffffull) | (val & 0xffff);
		else
			rax = (rax & ~0xffull) | (val & 0xff);
		vcpu->regs[VCPU_REG_RAX] = rax;
		vcpu_skip_exit_insn(vcpu);
	} else if (!string_op(vcpu, vcpu_reg_read(vcpu, VCPU_REG_EXIT_QUALIFICATION), &op) &&
		   op.count &&
		   !string_element(vcpu, op.base + (vcpu->regs[VCPU_REG_RDI] & op.mask), op.size,
				   true, &val)) {
		string_advance(vcpu, &op, 1);
	}
	c->kind = VCPU_COMPLETE_NONE;
}

int vmx_exit_io(struct vcpu *vcpu)
{
	uint64_t qual = vcpu_reg_read(vcpu, VCPU_REG_EXIT_QUALIFICATION);
	unsigned int size = IO_QUAL_SIZE(qual);
	uint16_t port = IO_QUAL_PORT(qual);
	uint64_t rax = vcpu->regs[VCPU_REG_RAX];
	uint32_t val;

	if (unlikely(vcpu->vm->controller))
		return child_io(vcpu, qual);
	if (qual & IO_QUAL_STRING)
		return string_io(vcpu, qual);
	if (qual & IO_QUAL_IN) {
		val = ~0u;
		if (bus_access(vcpu, port, size, true, &val))
			return -EIO;
		if (size == 4)
			rax = val; /* a 32-bit destination zero-extends */
		else if (size == 2)
			rax = (rax & ~0xffffull) | (val & 0xffff);
		else
			rax = (rax & ~0xffull) | (val & 0xff);
		vcpu->regs[VCPU_REG_RAX] = rax;
	} else {
		val = (uint32_t)rax;
		if (bus_access(vcpu, port, size, false, &val))
			return -EIO;
	}
	vcpu_skip_exit_insn(vcpu);
	return 0;
}
