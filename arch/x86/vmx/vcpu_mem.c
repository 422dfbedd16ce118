// SPDX-License-Identifier: MIT
#include "arch/x86/vmx/vcpu_mem.h"
#include "arch/x86/vmx/vmx_exit.h"
#include "core/guest_mem.h"
#include "core/vm.h"

static int read_pte(void *opaque, uint64_t gpa, uint64_t *val)
{
	struct vm *vm = opaque;
	const uint64_t *p = guest_mem_hva(&vm->mem, gpa, 8);

	if (!p)
		return EMUL_MMIO;
	/* One aligned load, as the CPU's walk does: another vCPU may be writing it. */
	*val = __atomic_load_n(p, __ATOMIC_RELAXED);
	return EMUL_OK;
}

/* Guest RAM never moves while the VM lives, and the cache lives in its vCPU. */
static const uint64_t *pte_ptr(void *opaque, uint64_t gpa)
{
	struct vm *vm = opaque;

	return guest_mem_hva(&vm->mem, gpa, 8);
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
	struct emul_paging pg;

	/* The VMCS values: plinth's CR0/CR4 differ from the guest's view only in bits the walk
	 * does not read (NE, CD, NW, VMXE). */
	pg.cr0 = vcpu_reg_read(vcpu, VCPU_REG_CR0);
	if (!(pg.cr0 & EMUL_CR0_PG)) {
		*gpa = gla & 0xffffffffull;
		return EMUL_OK;
	}
	pg.efer = vcpu_reg_read(vcpu, VCPU_REG_EFER);
	pg.cr3 = vcpu_reg_read(vcpu, VCPU_REG_CR3);
	pg.cr4 = vcpu_reg_read(vcpu, VCPU_REG_CR4);
	/* RFLAGS.AC matters only to SMAP, which never applies to fetches. */
	pg.rflags = ((pg.cr4 & EMUL_CR4_SMAP) && !(access & EMUL_ACC_FETCH)) ?
			    vcpu_reg_read(vcpu, VCPU_REG_RFLAGS) :
			    0;
	pg.cpl = vcpu_cpl(vcpu);
	pg.maxphyaddr = vcpu->vm->maxphyaddr;
	pg.pdptes = NULL;
	pg.opaque = vcpu->vm;
	pg.read_pte = read_pte;
	pg.cmpxchg_pte = cmpxchg_pte;
	pg.pte_ptr = pte_ptr;
	/* Instruction fetches repeat the same few pages (a driver's MMIO loop): re-reading the
	 * entries of the last fetch walk is enough to know its answer still holds. */
	pg.cache = (access & EMUL_ACC_FETCH) ? &vcpu->fetch_walk : NULL;
	return emul_paging_translate(&pg, gla, access, gpa, fault);
}
