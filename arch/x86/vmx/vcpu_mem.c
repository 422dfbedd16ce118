// SPDX-License-Identifier: MIT
#include "arch/x86/vmx/vcpu_mem.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx_exit.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "core/guest_mem.h"
#include "core/string.h"
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

/* The walk's inputs that plinth owns: the guest's view of these bits is what the CPU uses
 * (unrestricted guest lets PG follow the guest; plinth forces none of the CR4 paging bits), and
 * their writes exit, so reading them costs no VMREAD. */
#define WALK_CR4_BITS (EMUL_CR4_PSE | EMUL_CR4_PAE | EMUL_CR4_LA57 | EMUL_CR4_SMEP | EMUL_CR4_SMAP)

bool vcpu_fetch_cached(struct vcpu *vcpu, uint64_t la, uint8_t buf[15])
{
	const struct emul_walk_cache *c = &vcpu->fetch_walk;
	uint64_t ctl;
	const uint8_t *hva;

	if (!c->valid || (la & (PAGE_SIZE - 1)) > PAGE_SIZE - 15)
		return false;
	ctl = emul_walk_key(vcpu_guest_cr0_bits(vcpu, EMUL_CR0_PG),
			    vcpu_guest_cr4_bits(vcpu, WALK_CR4_BITS),
			    vcpu_reg_read(vcpu, VCPU_REG_EFER), 0, vcpu_cpl(vcpu), EMUL_ACC_FETCH);
	if (!emul_walk_cache_hit(c, ctl, vcpu_reg_read(vcpu, VCPU_REG_CR3), la))
		return false;
	if (unlikely(!vcpu->fetch_page.hva || vcpu->fetch_page.gpa_page != c->gpa_page)) {
		vcpu->fetch_page.hva = guest_mem_hva(&vcpu->vm->mem, c->gpa_page << 12, PAGE_SIZE);
		vcpu->fetch_page.gpa_page = c->gpa_page;
		if (!vcpu->fetch_page.hva)
			return false;
	}
	hva = vcpu->fetch_page.hva + (la & (PAGE_SIZE - 1));
	/* Two overlapping loads: plinth's memcpy is a REP MOVSB. */
	__builtin_memcpy(buf, hva, 8);
	__builtin_memcpy(buf + 7, hva + 7, 8);
	return true;
}

int vcpu_translate(struct vcpu *vcpu, uint64_t gla, unsigned int access, uint64_t *gpa,
		   struct emul_fault *fault)
{
	bool fetch = access & EMUL_ACC_FETCH;
	struct emul_paging pg;
	uint64_t pdptes[4];

	/* Of the bits the walk reads, only CR0.WP is the guest's (a VMREAD), and fetches do not
	 * look at it (SDM vol. 3A 4.6.1). */
	pg.cr0 = vcpu_guest_cr0_bits(vcpu, fetch ? EMUL_CR0_PG : EMUL_CR0_PG | EMUL_CR0_WP);
	if (!(pg.cr0 & EMUL_CR0_PG)) {
		*gpa = gla & 0xffffffffull;
		return EMUL_OK;
	}
	pg.efer = vcpu_reg_read(vcpu, VCPU_REG_EFER);
	pg.cr3 = vcpu_reg_read(vcpu, VCPU_REG_CR3);
	pg.cr4 = vcpu_guest_cr4_bits(vcpu, WALK_CR4_BITS);
	/* RFLAGS.AC matters only to SMAP, which never applies to fetches. */
	pg.rflags = ((pg.cr4 & EMUL_CR4_SMAP) && !fetch) ? vcpu_reg_read(vcpu, VCPU_REG_RFLAGS) : 0;
	pg.cpl = vcpu_cpl(vcpu);
	pg.maxphyaddr = vcpu->vm->maxphyaddr;
	/* PAE paging walks the PDPTEs the CPU loaded (the VMCS's), not the PDPT in memory,
	 * which the guest may have changed without reloading CR3 (SDM vol. 3A 4.4.1). */
	pg.pdptes = NULL;
	if ((pg.cr4 & EMUL_CR4_PAE) && !(pg.efer & EMUL_EFER_LMA)) {
		for (unsigned int i = 0; i < 4; i++) {
			vcpu->stats.vmreads++;
			pdptes[i] = vmx_vmread(VMCS_GUEST_PDPTE0 + 2 * i);
		}
		pg.pdptes = pdptes;
	}
	pg.opaque = vcpu->vm;
	pg.read_pte = read_pte;
	pg.cmpxchg_pte = cmpxchg_pte;
	pg.pte_ptr = pte_ptr;
	/* Instruction fetches repeat the same few pages (a driver's MMIO loop): re-reading the
	 * entries of the last fetch walk is enough to know its answer still holds. */
	pg.cache = fetch ? &vcpu->fetch_walk : NULL;
	return emul_paging_translate(&pg, gla, access, gpa, fault);
}
