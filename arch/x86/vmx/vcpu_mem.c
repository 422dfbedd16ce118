// SPDX-License-Identifier: MIT
#include "arch/x86/vmx/vcpu_mem.h"
#include "arch/x86/vmx/vmx_exit.h"
#include "core/guest_mem.h"
#include "core/vm.h"

static int read_pte(void *opaque, uint64_t gpa, uint64_t *val)
{
	struct vm *vm = opaque;

	return guest_mem_read(&vm->mem, gpa, val, 8) ? EMUL_MMIO : EMUL_OK;
}

static int cmpxchg_pte(void *opaque, uint64_t gpa, uint64_t old, uint64_t new_val, bool *done)
{
	struct vm *vm = opaque;
	uint64_t *p = guest_mem_hva(&vm->mem, gpa, 8);

	if (!p)
		return EMUL_MMIO;
	*done = __atomic_compare_exchange_n(p, &old, new_val, false, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST);
	return EMUL_OK;
}

int vcpu_translate(struct vcpu *vcpu, uint64_t gla, unsigned int access, uint64_t *gpa,
		   struct emul_fault *fault)
{
	struct emul_paging pg = {
		/* The VMCS values: plinth's CR0/CR4 differ from the guest's view only in bits
		 * the walk does not read (NE, CD, NW, VMXE). */
		.cr0 = vcpu_reg_read(vcpu, VCPU_REG_CR0),
		.efer = vcpu_reg_read(vcpu, VCPU_REG_EFER),
		.opaque = vcpu->vm,
		.read_pte = read_pte,
		.cmpxchg_pte = cmpxchg_pte,
	};

	if (pg.cr0 & EMUL_CR0_PG) {
		pg.cr3 = vcpu_reg_read(vcpu, VCPU_REG_CR3);
		pg.cr4 = vcpu_reg_read(vcpu, VCPU_REG_CR4);
		pg.rflags = vcpu_reg_read(vcpu, VCPU_REG_RFLAGS);
		pg.cpl = vcpu_cpl(vcpu);
	}
	return emul_paging_translate(&pg, gla, access, gpa, fault);
}
