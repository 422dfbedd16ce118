// SPDX-License-Identifier: MIT
/*
 * Control registers and EFER. plinth owns the CR0 bits that decide paging mode and caching
 * (PG, CD, NW, NE, ET) and every CR4 bit but the few a guest toggles at run time, so that paging
 * mode changes (EFER.LMA and the IA-32e mode entry control), features hidden by CPUID and the
 * VMX-required bits are all under its control. Writes are checked as the SDM says the CPU
 * checks them (vol. 3 2.5, vol. 2 MOV to CR) and refused with #GP.
 *
 * With EPT, VM entry takes the four PDPTEs of PAE paging from the VMCS, not from memory (SDM
 * vol. 3C 27.3.2.4): a write plinth emulates that would make the CPU load them loads them here.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vcpu_state.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_apic.h"
#include "arch/x86/vmx/vmx_controls.h"
#include "arch/x86/vmx/vmx_exit.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "core/compiler.h"
#include "core/errno.h"
#include "core/guest_mem.h"
#include "core/vm.h"

#define X86_CR0_EM   BIT(2)
#define X86_CR0_TS   BIT(3)
#define X86_CR4_VME  BIT(0)
#define X86_CR4_PVI  BIT(1)
#define X86_CR4_TSD  BIT(2)
#define X86_CR4_DE   BIT(3)
#define X86_CR4_PSE  BIT(4)
#define X86_CR4_MCE  BIT(6)
#define X86_CR4_PCE  BIT(8)
#define X86_CR4_UMIP BIT(11)
#define X86_CR4_SMEP BIT(20)
#define X86_CR4_SMAP BIT(21)

/* CR access exit qualification (SDM table 28-3) */
#define CR_QUAL_CR(q)	    ((q)&0xf)
#define CR_QUAL_TYPE(q)	    (((q) >> 4) & 3)
#define CR_QUAL_GPR(q)	    (((q) >> 8) & 0xf)
#define CR_QUAL_LMSW_SRC(q) (((q) >> 16) & 0xffff)
#define CR_TYPE_MOV_TO	    0
#define CR_TYPE_MOV_FROM    1
#define CR_TYPE_CLTS	    2
#define CR_TYPE_LMSW	    3

/* What MOV to CR0/CR4 loads the PDPTEs on, when it leaves PAE paging on (SDM vol. 3A 4.4.1). */
#define CR0_PDPTE_BITS (X86_CR0_PG | X86_CR0_CD | X86_CR0_NW)
#define CR4_PDPTE_BITS (X86_CR4_PAE | X86_CR4_PGE | X86_CR4_PSE | X86_CR4_SMEP)
/* A present PDPTE: bits 2:1 and 8:5 reserved, and those from MAXPHYADDR up (SDM vol. 3A 4.4.1,
 * table 4-8). */
#define PDPTE_P		   BIT(0)
#define PDPTE_RESERVED_LOW 0x1e6ull
#define PAE_CR3_PDPT_MASK  0xffffffe0ull

#define CR0_HOST_OWNED (X86_CR0_PG | X86_CR0_CD | X86_CR0_NW | X86_CR0_NE | X86_CR0_ET)
/* Guest-owned CR4 bits: ones a kernel flips at run time (PGE for global TLB flushes) and that
 * need no checking beyond what the CPU does. */
#define CR4_GUEST_OWNED \
	(X86_CR4_PGE | X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | X86_CR4_TSD | X86_CR4_DE)

uint64_t vcpu_cr0_host_owned(void)
{
	return CR0_HOST_OWNED;
}

uint64_t vcpu_cr4_host_owned(void)
{
	return ~(uint64_t)CR4_GUEST_OWNED;
}

/* The CR4 bits a guest may set: those whose feature its CPUID shows. */
uint64_t cr4_allowed_by_cpuid(const struct cpuid_policy *p)
{
	struct cpuid_vcpu_state st = { 0 };
	uint32_t l1[4], l7[4];
	uint64_t ok = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | X86_CR4_PSE |
		      X86_CR4_PAE | X86_CR4_PGE | X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;

	cpuid_policy_lookup(p, 1, 0, &st, l1);
	cpuid_policy_lookup(p, 7, 0, &st, l7);
	if (l1[3] & BIT(7))
		ok |= X86_CR4_MCE;
	if (l1[2] & BIT(17))
		ok |= X86_CR4_PCIDE;
	if (l1[2] & BIT(26))
		ok |= X86_CR4_OSXSAVE;
	if (l7[1] & BIT(0))
		ok |= X86_CR4_FSGSBASE;
	if (l7[1] & BIT(7))
		ok |= X86_CR4_SMEP;
	if (l7[1] & BIT(20))
		ok |= X86_CR4_SMAP;
	if (l7[2] & BIT(2))
		ok |= X86_CR4_UMIP;
	if (l7[2] & BIT(16))
		ok |= X86_CR4_LA57;
	return ok;
}

uint64_t vcpu_cr4_allowed(struct vcpu *vcpu)
{
	return vcpu->vm->cr4_allowed;
}

static bool in_64bit_mode(struct vcpu *vcpu)
{
	return (vcpu_reg_read(vcpu, VCPU_REG_EFER) & X86_EFER_LMA) &&
	       (vcpu_seg_ar(vcpu, VCPU_SEG_CS) & SEG_AR_L);
}

static void set_long_mode(struct vcpu *vcpu, bool on)
{
	uint64_t efer = vcpu_reg_read(vcpu, VCPU_REG_EFER);
	uint64_t entry = vcpu_reg_read(vcpu, VCPU_REG_ENTRY_CTLS);

	if (on) {
		efer |= X86_EFER_LMA;
		entry |= ENTRY_IA32E_MODE_GUEST;
	} else {
		efer &= ~X86_EFER_LMA;
		entry &= ~ENTRY_IA32E_MODE_GUEST;
	}
	vcpu_reg_write(vcpu, VCPU_REG_EFER, efer);
	vcpu_reg_write(vcpu, VCPU_REG_ENTRY_CTLS, entry);
}

bool vcpu_pae_paging(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
	/* With PG set, EFER.LMA equals LME: long mode is LME, before MOV to CR0 sets LMA too. */
	return (cr0 & X86_CR0_PG) && (cr4 & X86_CR4_PAE) && !(efer & X86_EFER_LME);
}

int vcpu_pdptes_from_guest(struct vcpu *vcpu, uint64_t cr3, uint64_t pdptes[4])
{
	uint64_t reserved = PDPTE_RESERVED_LOW | ~0ull << vcpu->vm->maxphyaddr;

	/* PAE paging uses CR3 bits 31:5 alone, whatever is above them. */
	if (guest_mem_read(&vcpu->vm->mem, cr3 & PAE_CR3_PDPT_MASK, pdptes, 4 * sizeof(*pdptes)))
		return -EINVAL;
	for (unsigned int i = 0; i < 4; i++)
		if ((pdptes[i] & PDPTE_P) && (pdptes[i] & reserved))
			return -EINVAL;
	return 0;
}

void vcpu_pdptes_to_vmcs(struct vcpu *vcpu, const uint64_t pdptes[4])
{
	static const uint32_t field[4] = { VMCS_GUEST_PDPTE0, VMCS_GUEST_PDPTE1, VMCS_GUEST_PDPTE2,
					   VMCS_GUEST_PDPTE3 };

	for (unsigned int i = 0; i < 4; i++)
		vmx_vmwrite(field[i], pdptes[i]);
	vcpu->stats.vmwrites += 4;
}

void vcpu_set_cr0(struct vcpu *vcpu, uint64_t value)
{
	/* The CPU runs with caches on and the VMX-fixed bits set, whatever the guest believes;
	 * unrestricted guest lets PE and PG follow the guest. */
	uint64_t fixed0 = vmx_host.raw.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);
	uint64_t real = ((value | fixed0) & ~(X86_CR0_CD | X86_CR0_NW));

	vcpu->cr0_shadow = value;
	vcpu_reg_write(vcpu, VCPU_REG_CR0, real);
	vcpu->stats.vmwrites++;
	vmx_vmwrite(VMCS_CR0_READ_SHADOW, value);
}

/* 0, or -EINVAL for #GP. */
static int guest_write_cr0(struct vcpu *vcpu, uint64_t value)
{
	uint64_t old = vcpu_guest_cr0(vcpu);
	uint64_t efer, pdptes[4];
	bool load_pdptes;

	value |= X86_CR0_ET; /* hard-wired to 1 since the i486 */
	if (value >> 32)
		return -EINVAL;
	if ((value & X86_CR0_NW) && !(value & X86_CR0_CD))
		return -EINVAL;
	if ((value & X86_CR0_PG) && !(value & X86_CR0_PE))
		return -EINVAL;
	efer = vcpu_reg_read(vcpu, VCPU_REG_EFER);
	/* PAE paging excludes both long-mode branches below: nothing fails after the load. */
	load_pdptes = ((value ^ old) & CR0_PDPTE_BITS) &&
		      vcpu_pae_paging(value, vcpu_guest_cr4_bits(vcpu, X86_CR4_PAE), efer);
	if (load_pdptes && vcpu_pdptes_from_guest(vcpu, vcpu_reg_read(vcpu, VCPU_REG_CR3), pdptes))
		return -EINVAL;
	if ((value & X86_CR0_PG) && !(old & X86_CR0_PG) && (efer & X86_EFER_LME)) {
		if (!(vcpu_guest_cr4(vcpu) & X86_CR4_PAE))
			return -EINVAL;
		if (vcpu_seg_ar(vcpu, VCPU_SEG_CS) & SEG_AR_L)
			return -EINVAL;
		set_long_mode(vcpu, true);
	} else if (!(value & X86_CR0_PG) && (old & X86_CR0_PG) && (efer & X86_EFER_LMA)) {
		if (in_64bit_mode(vcpu))
			return -EINVAL; /* paging off is allowed only from compatibility mode */
		set_long_mode(vcpu, false);
	}
	vcpu_set_cr0(vcpu, value);
	if (load_pdptes)
		vcpu_pdptes_to_vmcs(vcpu, pdptes);
	return 0;
}

static void set_cr4(struct vcpu *vcpu, uint64_t value)
{
	uint64_t real = (value | vmx_host.raw.cr4_fixed0) & vmx_host.raw.cr4_fixed1;

	vcpu->cr4_shadow = value;
	vcpu_reg_write(vcpu, VCPU_REG_CR4, real);
	vcpu->stats.vmwrites++;
	vmx_vmwrite(VMCS_CR4_READ_SHADOW, value);
}

static int guest_write_cr4(struct vcpu *vcpu, uint64_t value)
{
	uint64_t old = vcpu_guest_cr4(vcpu), pdptes[4];
	uint64_t efer = vcpu_reg_read(vcpu, VCPU_REG_EFER);
	bool lma = efer & X86_EFER_LMA, load_pdptes;

	if (value & ~vcpu_cr4_allowed(vcpu))
		return -EINVAL;
	if (lma && !(value & X86_CR4_PAE))
		return -EINVAL;
	if (lma && ((value ^ old) & X86_CR4_LA57))
		return -EINVAL;
	if ((value & X86_CR4_PCIDE) && !(old & X86_CR4_PCIDE) &&
	    (!lma || (vcpu_reg_read(vcpu, VCPU_REG_CR3) & 0xfff)))
		return -EINVAL;
	load_pdptes = ((value ^ old) & CR4_PDPTE_BITS) &&
		      vcpu_pae_paging(vcpu_guest_cr0_bits(vcpu, X86_CR0_PG), value, efer);
	if (load_pdptes && vcpu_pdptes_from_guest(vcpu, vcpu_reg_read(vcpu, VCPU_REG_CR3), pdptes))
		return -EINVAL;
	set_cr4(vcpu, value);
	if (load_pdptes)
		vcpu_pdptes_to_vmcs(vcpu, pdptes);
	return 0;
}

int vcpu_write_efer(struct vcpu *vcpu, uint64_t value)
{
	uint64_t old = vcpu_reg_read(vcpu, VCPU_REG_EFER);
	uint64_t allowed = X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE;

	if (value & ~allowed)
		return -EINVAL;
	/* LME may not change while paging is on; LMA is read-only (the CPU keeps its value). */
	if (((value ^ old) & X86_EFER_LME) && (vcpu_guest_cr0(vcpu) & X86_CR0_PG))
		return -EINVAL;
	value = (value & ~X86_EFER_LMA) | (old & X86_EFER_LMA);
	vcpu_reg_write(vcpu, VCPU_REG_EFER, value);
	return 0;
}

static int mov_to_cr(struct vcpu *vcpu, unsigned int cr, uint64_t value)
{
	if (!in_64bit_mode(vcpu))
		value = (uint32_t)value;
	switch (cr) {
	case 0:
		return guest_write_cr0(vcpu, value);
	case 4:
		return guest_write_cr4(vcpu, value);
	case 8:
		if (value > 15)
			return -EINVAL;
		vcpu->cr8 = value;
		if (vcpu->has_lapic) /* CR8 is the APIC's TPR[7:4] (SDM 10.8.6.1) */
			vcpu_apic_set_cr8(vcpu, value);
		return 0;
	default:
		return -EINVAL;
	}
}

int vmx_exit_cr_access(struct vcpu *vcpu)
{
	uint64_t qual = vcpu_reg_read(vcpu, VCPU_REG_EXIT_QUALIFICATION);
	unsigned int cr = CR_QUAL_CR(qual), gpr = CR_QUAL_GPR(qual);
	int err = 0;

	switch (CR_QUAL_TYPE(qual)) {
	case CR_TYPE_MOV_TO:
		err = mov_to_cr(vcpu, cr, vcpu_gpr_read(vcpu, gpr));
		break;
	case CR_TYPE_MOV_FROM:
		/* Only CR8 reads exit (CR3 reads do not with EPT; CR0/CR4 come from the shadow). */
		if (cr != 8) {
			vm_stop(vcpu->vm, "MOV from CR%u exited, which plinth never asks for", cr);
			return -EIO;
		}
		vcpu_gpr_write(vcpu, gpr, vcpu->has_lapic ? vcpu->lapic.tpr >> 4 : vcpu->cr8);
		break;
	case CR_TYPE_CLTS:
		err = guest_write_cr0(vcpu, vcpu_guest_cr0(vcpu) & ~X86_CR0_TS);
		break;
	case CR_TYPE_LMSW: {
		/* LMSW loads PE, MP, EM, TS and cannot clear PE. */
		uint64_t cr0 = vcpu_guest_cr0(vcpu), src = CR_QUAL_LMSW_SRC(qual);

		cr0 = (cr0 & ~(uint64_t)(X86_CR0_MP | X86_CR0_EM | X86_CR0_TS)) | (src & 0xf);
		err = guest_write_cr0(vcpu, cr0 | (vcpu_guest_cr0(vcpu) & X86_CR0_PE));
		break;
	}
	}
	if (err) {
		vcpu_inject_gp(vcpu, 0);
		return 0;
	}
	vcpu_skip_exit_insn(vcpu);
	return 0;
}

void vcpu_set_cr4_initial(struct vcpu *vcpu, uint64_t value)
{
	set_cr4(vcpu, value);
}
