// SPDX-License-Identifier: MIT
/*
 * KVM_GET/SET_REGS, _SREGS, _VCPU_EVENTS and ONE_REG on the register cache (see vcpu_state.h).
 * A set is a check of the whole structure, then writes that cannot fail. ONE_REG builds the
 * structure that holds its register from the current state, changes that one field and runs the
 * same check, so that each rule is written once.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vcpu_state.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_controls.h"
#include "arch/x86/vmx/vmx_exit.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "core/compiler.h"
#include "core/errno.h"
#include "core/string.h"
#include "core/vm.h"

#define X86_RFLAGS_VM BIT(17)
/* RFLAGS: bit 1 is 1; 63:22, 15, 5 and 3 are 0 (SDM 27.3.1.4). */
#define RFLAGS_FIXED	BIT(1)
#define RFLAGS_RESERVED (~0x3fffffull | BIT(15) | BIT(5) | BIT(3))
#define EFER_ALLOWED	(X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE)

#define SEG_AR_AVL   BIT(12)
#define SEG_AR_V8086 0xf3 /* present read/write accessed data, DPL 3 */
#define SEG_TYPE_LDT 2
#define SEG_TYPE_TSS 11 /* busy, 32- or 64-bit */
#define SEL_TI	     BIT(2)

#define VEC_NMI 2
/* The exceptions that push an error code (SDM vol. 3 table 6-1): #DF, #TS, #NP, #SS, #GP, #PF,
 * #AC, #CP. */
#define EXC_ERROR_CODE \
	(BIT(8) | BIT(10) | BIT(11) | BIT(12) | BIT(13) | BIT(14) | BIT(17) | BIT(21))

#define MSR_IA32_SYSENTER_CS  0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_STAR	      0xc0000081
#define MSR_LSTAR	      0xc0000082
#define MSR_CSTAR	      0xc0000083
#define MSR_SFMASK	      0xc0000084
#define MSR_TSC_AUX	      0xc0000103

STATIC_ASSERT(VCPU_REG_RIP == PLINTH_KVM_GPR_RIP && VCPU_REG_RFLAGS == PLINTH_KVM_GPR_RFLAGS);
STATIC_ASSERT(VCPU_SEG_CS == PLINTH_KVM_SEG_CS && VCPU_SEG_TR == PLINTH_KVM_SEG_TR &&
	      VCPU_SEG_GDTR == PLINTH_KVM_SEG_GDTR && VCPU_SEG_IDTR == PLINTH_KVM_SEG_IDTR);

/* The linear-address width of VM entry's and WRMSR's canonical checks: 57 bits on a CPU with
 * 5-level paging (the guest's CPUID shows LA57 only then) whatever CR4.LA57 says, else 48. */
static unsigned int va_bits(struct vcpu *vcpu)
{
	return (vcpu_cr4_allowed(vcpu) & X86_CR4_LA57) ? 57 : 48;
}

static bool canonical(uint64_t la, unsigned int bits)
{
	return (uint64_t)((int64_t)(la << (64 - bits)) >> (64 - bits)) == la;
}

/* ---- regs ---- */

/* struct plinth_kvm_regs by register number (enum vcpu_reg, the ONE_REG GPR index). */
static const uint8_t regs_offset[VCPU_REG_RFLAGS + 1] = {
	[VCPU_REG_RAX] = offsetof(struct plinth_kvm_regs, rax),
	[VCPU_REG_RCX] = offsetof(struct plinth_kvm_regs, rcx),
	[VCPU_REG_RDX] = offsetof(struct plinth_kvm_regs, rdx),
	[VCPU_REG_RBX] = offsetof(struct plinth_kvm_regs, rbx),
	[VCPU_REG_RSP] = offsetof(struct plinth_kvm_regs, rsp),
	[VCPU_REG_RBP] = offsetof(struct plinth_kvm_regs, rbp),
	[VCPU_REG_RSI] = offsetof(struct plinth_kvm_regs, rsi),
	[VCPU_REG_RDI] = offsetof(struct plinth_kvm_regs, rdi),
	[VCPU_REG_R8] = offsetof(struct plinth_kvm_regs, r8),
	[VCPU_REG_R9] = offsetof(struct plinth_kvm_regs, r9),
	[VCPU_REG_R10] = offsetof(struct plinth_kvm_regs, r10),
	[VCPU_REG_R11] = offsetof(struct plinth_kvm_regs, r11),
	[VCPU_REG_R12] = offsetof(struct plinth_kvm_regs, r12),
	[VCPU_REG_R13] = offsetof(struct plinth_kvm_regs, r13),
	[VCPU_REG_R14] = offsetof(struct plinth_kvm_regs, r14),
	[VCPU_REG_R15] = offsetof(struct plinth_kvm_regs, r15),
	[VCPU_REG_RIP] = offsetof(struct plinth_kvm_regs, rip),
	[VCPU_REG_RFLAGS] = offsetof(struct plinth_kvm_regs, rflags),
};
#define REGS_SLOT(regs, n) ((__typeof__(&(regs)->rax))((const char *)(regs) + regs_offset[n]))

static uint64_t reg_read(struct vcpu *vcpu, unsigned int n)
{
	return n < 16 ? vcpu_gpr_read(vcpu, n) : vcpu_reg_read_any(vcpu, (enum vcpu_reg)n);
}

static void reg_write(struct vcpu *vcpu, unsigned int n, uint64_t value)
{
	if (n < 16)
		vcpu_gpr_write(vcpu, n, value);
	else
		vcpu_reg_write(vcpu, (enum vcpu_reg)n, value);
}

void vcpu_get_regs(struct vcpu *vcpu, struct plinth_kvm_regs *regs)
{
	for (unsigned int n = 0; n <= VCPU_REG_RFLAGS; n++)
		*REGS_SLOT(regs, n) = reg_read(vcpu, n);
}

static int check_regs(struct vcpu *vcpu, const struct plinth_kvm_regs *regs)
{
	if (!(regs->rflags & RFLAGS_FIXED) || (regs->rflags & RFLAGS_RESERVED))
		return -EINVAL;
	/* No mode takes a non-canonical RIP; which mode applies is for vcpu_state_check. */
	if (!canonical(regs->rip, va_bits(vcpu)))
		return -EINVAL;
	return 0;
}

int vcpu_set_regs(struct vcpu *vcpu, const struct plinth_kvm_regs *regs)
{
	if (check_regs(vcpu, regs))
		return -EINVAL;
	for (unsigned int n = 0; n <= VCPU_REG_RFLAGS; n++)
		reg_write(vcpu, n, *REGS_SLOT(regs, n));
	return 0;
}

/* ---- segments ---- */

static const uint16_t sregs_seg_offset[VCPU_SEG_TR + 1] = {
	[VCPU_SEG_ES] = offsetof(struct plinth_kvm_sregs, es),
	[VCPU_SEG_CS] = offsetof(struct plinth_kvm_sregs, cs),
	[VCPU_SEG_SS] = offsetof(struct plinth_kvm_sregs, ss),
	[VCPU_SEG_DS] = offsetof(struct plinth_kvm_sregs, ds),
	[VCPU_SEG_FS] = offsetof(struct plinth_kvm_sregs, fs),
	[VCPU_SEG_GS] = offsetof(struct plinth_kvm_sregs, gs),
	[VCPU_SEG_LDTR] = offsetof(struct plinth_kvm_sregs, ldt),
	[VCPU_SEG_TR] = offsetof(struct plinth_kvm_sregs, tr),
};
#define SREGS_SEG(sregs, seg) \
	((__typeof__(&(sregs)->cs))((const char *)(sregs) + sregs_seg_offset[seg]))
#define SREGS_DT(sregs, seg) ((seg) == VCPU_SEG_GDTR ? &(sregs)->gdt : &(sregs)->idt)

static uint32_t ar_from_kvm(const struct plinth_kvm_segment *k)
{
	return k->type | (uint32_t)k->s << 4 | (uint32_t)k->dpl << SEG_AR_DPL_SHIFT |
	       (uint32_t)k->present << 7 | (uint32_t)k->avl << 12 | (uint32_t)k->l << 13 |
	       (uint32_t)k->db << 14 | (uint32_t)k->g << 15 | (uint32_t)k->unusable << 16;
}

static void seg_get(struct vcpu *vcpu, enum vcpu_seg seg, struct plinth_kvm_segment *k)
{
	struct vcpu_segment v;

	vcpu_seg_read(vcpu, seg, &v);
	*k = (struct plinth_kvm_segment){
		.base = v.base,
		.limit = v.limit,
		.selector = v.selector,
		.type = v.ar & SEG_AR_TYPE_MASK,
		.present = !!(v.ar & SEG_AR_P),
		.dpl = (v.ar >> SEG_AR_DPL_SHIFT) & 3,
		.db = !!(v.ar & SEG_AR_DB),
		.s = !!(v.ar & SEG_AR_S),
		.l = !!(v.ar & SEG_AR_L),
		.g = !!(v.ar & SEG_AR_G),
		.avl = !!(v.ar & SEG_AR_AVL),
		.unusable = !!(v.ar & SEG_AR_UNUSABLE),
	};
}

/* Every attribute of an unusable segment is kept too: SS.DPL is the CPL even then. */
static void seg_set(struct vcpu *vcpu, enum vcpu_seg seg, const struct plinth_kvm_segment *k)
{
	struct vcpu_segment v = {
		.selector = k->selector, .base = k->base, .limit = k->limit, .ar = ar_from_kvm(k)
	};

	vcpu_seg_write(vcpu, seg, &v);
}

static void dt_get(struct vcpu *vcpu, enum vcpu_seg seg, struct plinth_kvm_dtable *dt)
{
	struct vcpu_segment v;

	vcpu_seg_read(vcpu, seg, &v);
	*dt = (struct plinth_kvm_dtable){ .base = v.base, .limit = (uint16_t)v.limit };
}

static void dt_set(struct vcpu *vcpu, enum vcpu_seg seg, const struct plinth_kvm_dtable *dt)
{
	struct vcpu_segment v = { .base = dt->base, .limit = dt->limit };

	vcpu_seg_write(vcpu, seg, &v);
}

/* What VM entry takes in a usable segment with unrestricted guest (SDM 27.3.1.2): its types
 * (bit n: type n; all accessed), code/data (S = 1) or system, a canonical base or one below
 * 4 GiB, and whether it may be unusable. */
struct seg_rule {
	uint16_t types;
	bool s;
	bool base_canonical;
	bool always_usable;
};

/* Code (type 3, read/write data, in real and virtual-8086 mode), read/write data for SS, and
 * for the others data or readable code. */
#define TYPES_CS    (BIT(3) | BIT(9) | BIT(11) | BIT(13) | BIT(15))
#define TYPES_SS    (BIT(3) | BIT(7))
#define TYPES_DATA  (BIT(1) | BIT(3) | BIT(5) | BIT(7) | BIT(11) | BIT(15))
#define TYPES_LDTR  BIT(SEG_TYPE_LDT)
#define TYPES_TR_32 (BIT(3) | BIT(SEG_TYPE_TSS)) /* a busy 16-bit TSS too outside IA-32e mode */

static const struct seg_rule seg_rules[VCPU_SEG_TR + 1] = {
	[VCPU_SEG_ES] = { TYPES_DATA, true, false, false },
	[VCPU_SEG_CS] = { TYPES_CS, true, false, true },
	[VCPU_SEG_SS] = { TYPES_SS, true, false, false },
	[VCPU_SEG_DS] = { TYPES_DATA, true, false, false },
	[VCPU_SEG_FS] = { TYPES_DATA, true, true, false },
	[VCPU_SEG_GS] = { TYPES_DATA, true, true, false },
	[VCPU_SEG_LDTR] = { TYPES_LDTR, false, true, false },
	[VCPU_SEG_TR] = { TYPES_TR_32, false, true, true },
};

static int check_seg(enum vcpu_seg seg, const struct plinth_kvm_segment *k, bool ia32e,
		     unsigned int va)
{
	const struct seg_rule *rule = &seg_rules[seg];

	/* One byte per attribute: 0 or 1, but the type and the DPL. */
	if (k->type > 15 || k->dpl > 3 || k->padding ||
	    (k->present | k->db | k->s | k->l | k->g | k->avl | k->unusable) > 1)
		return -EINVAL;
	/* FS and GS bases are MSRs as well: canonical even in an unusable segment. */
	if ((seg == VCPU_SEG_FS || seg == VCPU_SEG_GS) && !canonical(k->base, va))
		return -EINVAL;
	if (k->unusable)
		return rule->always_usable ? -EINVAL : 0;
	if (rule->base_canonical ? !canonical(k->base, va) : k->base >> 32)
		return -EINVAL;
	if (!k->present || k->s != rule->s || !(rule->types & BIT(k->type)))
		return -EINVAL;
	/* The limit is in bytes: with G its low 12 bits are ones, without it it fits 20 bits. */
	if (k->g ? (k->limit & 0xfff) != 0xfff : k->limit > 0xfffff)
		return -EINVAL;
	if (!rule->s && (k->selector & SEL_TI)) /* LDTR and TR come from the GDT */
		return -EINVAL;
	if (seg == VCPU_SEG_TR && ia32e && k->type != SEG_TYPE_TSS)
		return -EINVAL;
	/* L only in IA-32e mode, and not with D (SDM 27.3.1.2). */
	if (seg == VCPU_SEG_CS && (ia32e ? k->l && k->db : k->l))
		return -EINVAL;
	return 0;
}

static int check_dt(const struct plinth_kvm_dtable *dt, unsigned int va)
{
	/* The limit is 16 bits by its type, as VM entry wants. */
	if (!canonical(dt->base, va) || dt->padding[0] || dt->padding[1] || dt->padding[2])
		return -EINVAL;
	return 0;
}

/* ---- sregs ---- */

static const uint32_t cr_index[] = { 0, 2, 3, 4, 8, PLINTH_KVM_CR_EFER };

static plinth_u64 *sregs_cr(struct plinth_kvm_sregs *sregs, uint32_t index)
{
	switch (index) {
	case 0:
		return &sregs->cr0;
	case 2:
		return &sregs->cr2;
	case 3:
		return &sregs->cr3;
	case 4:
		return &sregs->cr4;
	case 8:
		return &sregs->cr8;
	case PLINTH_KVM_CR_EFER:
		return &sregs->efer;
	default:
		return NULL;
	}
}

static uint64_t cr_read(struct vcpu *vcpu, uint32_t index)
{
	switch (index) {
	case 0:
		return vcpu_guest_cr0(vcpu);
	case 2:
		return vcpu_read_sysreg(vcpu, SYSREG_CR2);
	case 3:
		return vcpu_reg_read(vcpu, VCPU_REG_CR3);
	case 4:
		return vcpu_guest_cr4(vcpu);
	case 8:
		return vcpu->cr8;
	default:
		return vcpu_reg_read(vcpu, VCPU_REG_EFER);
	}
}

static void cr_write(struct vcpu *vcpu, uint32_t index, uint64_t value)
{
	uint64_t entry;

	switch (index) {
	case 0:
		/* The guest's view, and the VMX-fixed bits in the VMCS's CR0. */
		vcpu_set_cr0(vcpu, value);
		break;
	case 2:
		vcpu_write_sysreg(vcpu, SYSREG_CR2, value);
		break;
	case 3:
		vcpu_reg_write(vcpu, VCPU_REG_CR3, value);
		break;
	case 4:
		vcpu_set_cr4_initial(vcpu, value);
		break;
	case 8:
		vcpu->cr8 = value;
		break;
	default:
		/* The IA-32e mode guest control follows EFER.LMA (SDM 27.3.1.1). */
		entry = vcpu_reg_read(vcpu, VCPU_REG_ENTRY_CTLS) &
			~(uint64_t)ENTRY_IA32E_MODE_GUEST;
		if (value & X86_EFER_LMA)
			entry |= ENTRY_IA32E_MODE_GUEST;
		vcpu_reg_write(vcpu, VCPU_REG_EFER, value);
		vcpu_reg_write(vcpu, VCPU_REG_ENTRY_CTLS, entry);
		break;
	}
}

void vcpu_get_sregs(struct vcpu *vcpu, struct plinth_kvm_sregs *sregs)
{
	*sregs = (struct plinth_kvm_sregs){ .apic_base = PLINTH_KVM_APIC_BASE };
	for (unsigned int seg = VCPU_SEG_ES; seg <= VCPU_SEG_TR; seg++)
		seg_get(vcpu, seg, SREGS_SEG(sregs, seg));
	dt_get(vcpu, VCPU_SEG_GDTR, &sregs->gdt);
	dt_get(vcpu, VCPU_SEG_IDTR, &sregs->idt);
	for (unsigned int i = 0; i < ARRAY_SIZE(cr_index); i++)
		*sregs_cr(sregs, cr_index[i]) = cr_read(vcpu, cr_index[i]);
}

static int check_sregs(struct vcpu *vcpu, const struct plinth_kvm_sregs *sregs)
{
	uint64_t cr0 = sregs->cr0, cr4 = sregs->cr4, efer = sregs->efer;
	bool ia32e = efer & X86_EFER_LMA;
	unsigned int va = va_bits(vcpu);

	/* CR0 as MOV to CR0 takes it, within what VMX lets the CPU hold. */
	if ((cr0 >> 32) || ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE)) ||
	    ((cr0 & X86_CR0_NW) && !(cr0 & X86_CR0_CD)) || (cr0 & ~vmx_host.raw.cr0_fixed1))
		return -EINVAL;
	if (cr4 & ~vcpu_cr4_allowed(vcpu))
		return -EINVAL;
	/* EFER as WRMSR takes it; LMA set exactly when paging is on with LME, and then PAE on;
	 * PCIDE only in IA-32e mode (SDM 27.3.1.1). */
	if ((efer & ~EFER_ALLOWED) || ia32e != ((efer & X86_EFER_LME) && (cr0 & X86_CR0_PG)) ||
	    (ia32e && !(cr4 & X86_CR4_PAE)) || ((cr4 & X86_CR4_PCIDE) && !ia32e))
		return -EINVAL;
	if ((sregs->cr3 >> vcpu->vm->maxphyaddr) || sregs->cr8 > 15)
		return -EINVAL;
	if (sregs->apic_base != PLINTH_KVM_APIC_BASE)
		return -EINVAL;
	for (unsigned int i = 0; i < PLINTH_KVM_INTR_BITMAP_WORDS; i++)
		if (sregs->interrupt_bitmap[i])
			return -EINVAL;
	for (unsigned int seg = VCPU_SEG_ES; seg <= VCPU_SEG_TR; seg++)
		if (check_seg(seg, SREGS_SEG(sregs, seg), ia32e, va))
			return -EINVAL;
	return check_dt(&sregs->gdt, va) || check_dt(&sregs->idt, va) ? -EINVAL : 0;
}

/* A state in PAE paging needs its PDPTEs in the VMCS (VM entry takes them from there with EPT):
 * read from the PDPT at CR3 as MOV to CR3 would (SDM vol. 3A 4.4.1). 1 with pdptes filled, 0
 * when the state is not in PAE paging, -EINVAL when they cannot be loaded. */
static int sregs_pdptes(struct vcpu *vcpu, const struct plinth_kvm_sregs *sregs, uint64_t pdptes[4])
{
	if (!vcpu_pae_paging(sregs->cr0, sregs->cr4, sregs->efer))
		return 0;
	return vcpu_pdptes_from_guest(vcpu, sregs->cr3, pdptes) ? -EINVAL : 1;
}

int vcpu_set_sregs(struct vcpu *vcpu, const struct plinth_kvm_sregs *sregs)
{
	uint64_t pdptes[4];
	int load_pdptes;

	if (check_sregs(vcpu, sregs))
		return -EINVAL;
	load_pdptes = sregs_pdptes(vcpu, sregs, pdptes);
	if (load_pdptes < 0)
		return load_pdptes;
	for (unsigned int seg = VCPU_SEG_ES; seg <= VCPU_SEG_TR; seg++)
		seg_set(vcpu, seg, SREGS_SEG(sregs, seg));
	dt_set(vcpu, VCPU_SEG_GDTR, &sregs->gdt);
	dt_set(vcpu, VCPU_SEG_IDTR, &sregs->idt);
	cr_write(vcpu, 0, sregs->cr0);
	cr_write(vcpu, 2, sregs->cr2);
	cr_write(vcpu, 3, sregs->cr3);
	cr_write(vcpu, 4, sregs->cr4);
	cr_write(vcpu, 8, sregs->cr8);
	cr_write(vcpu, PLINTH_KVM_CR_EFER, sregs->efer);
	if (load_pdptes)
		vcpu_pdptes_to_vmcs(vcpu, pdptes);
	return 0;
}

/* ---- events ---- */

static bool soft_exception(const struct vcpu_event *ev)
{
	return ev->type == INTR_TYPE_PRIV_SW_EXCEPTION || ev->type == INTR_TYPE_SW_EXCEPTION;
}

void vcpu_get_events(struct vcpu *vcpu, struct plinth_kvm_vcpu_events *events)
{
	const struct vcpu_event *ev = &vcpu->event;
	uint64_t intr = vcpu_reg_read(vcpu, VCPU_REG_INTERRUPTIBILITY);

	*events = (struct plinth_kvm_vcpu_events){ .flags = PLINTH_KVM_VCPUEVENT_VALID_SHADOW };
	if (ev->pending && (ev->type == INTR_TYPE_EXTERNAL || ev->type == INTR_TYPE_SW_INTERRUPT)) {
		events->interrupt.injected = 1;
		events->interrupt.nr = ev->vector;
		events->interrupt.soft = ev->type == INTR_TYPE_SW_INTERRUPT;
	} else if (ev->pending && ev->type == INTR_TYPE_NMI) {
		events->nmi.injected = 1;
	} else if (ev->pending) {
		events->exception.injected = 1;
		events->exception.nr = ev->vector;
		events->exception.has_error_code = ev->has_error_code;
		events->exception.error_code = ev->has_error_code ? ev->error_code : 0;
	}
	if (intr & INTERRUPTIBILITY_STI)
		events->interrupt.shadow |= PLINTH_KVM_X86_SHADOW_INT_STI;
	if (intr & INTERRUPTIBILITY_MOV_SS)
		events->interrupt.shadow |= PLINTH_KVM_X86_SHADOW_INT_MOV_SS;
	events->nmi.masked = !!(intr & INTERRUPTIBILITY_NMI);
}

static bool all_zero(const uint8_t *bytes, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (bytes[i])
			return false;
	return true;
}

/* The fields of an event that is not injected are ignored, as KVM ignores them (QEMU leaves
 * stale values there); every other field is checked. */
static int check_events(struct vcpu *vcpu, const struct plinth_kvm_vcpu_events *events)
{
	const struct vcpu_event *ev = &vcpu->event;
	uint32_t flags_known = PLINTH_KVM_VCPUEVENT_VALID_NMI_PENDING |
			       PLINTH_KVM_VCPUEVENT_VALID_SIPI_VECTOR |
			       PLINTH_KVM_VCPUEVENT_VALID_SHADOW;
	uint8_t shadow = events->interrupt.shadow, nr = events->exception.nr;

	if (events->flags & ~flags_known)
		return -EINVAL;
	/* State plinth does not have: pending exceptions and payloads, NMIs (no virtual NMIs),
	 * SIPI, SMM, triple faults. */
	if (events->exception.pending || events->exception_has_payload ||
	    events->exception_payload || events->nmi.injected || events->nmi.pending ||
	    events->nmi.pad || events->sipi_vector || events->smi.smm || events->smi.pending ||
	    events->smi.smm_inside_nmi || events->smi.latched_init ||
	    events->triple_fault.pending || !all_zero(events->reserved, sizeof(events->reserved)))
		return -EINVAL;
	if ((events->exception.injected | events->interrupt.injected | events->nmi.masked) > 1 ||
	    (events->exception.injected && events->interrupt.injected))
		return -EINVAL;
	/* Blocking by STI or by MOV SS, not both (SDM 27.3.1.5). */
	if ((shadow & ~(PLINTH_KVM_X86_SHADOW_INT_STI | PLINTH_KVM_X86_SHADOW_INT_MOV_SS)) ||
	    shadow == (PLINTH_KVM_X86_SHADOW_INT_STI | PLINTH_KVM_X86_SHADOW_INT_MOV_SS))
		return -EINVAL;
	if (events->exception.injected) {
		/* A hardware exception is vector 0-31 but NMI's; VM entry takes error codes of 16
		 * bits only, for the vectors that have one (SDM 27.2.1.3). */
		if (nr >= 32 || nr == VEC_NMI || events->exception.has_error_code > 1)
			return -EINVAL;
		if (events->exception.has_error_code &&
		    (!(EXC_ERROR_CODE & BIT(nr)) || events->exception.error_code > 0xffff))
			return -EINVAL;
	}
	if (events->interrupt.injected) {
		if (events->interrupt.soft > 1)
			return -EINVAL;
		/* INT n goes in again with its instruction length, which only the queued event
		 * has. */
		if (events->interrupt.soft && !(ev->pending && ev->type == INTR_TYPE_SW_INTERRUPT &&
						ev->vector == events->interrupt.nr))
			return -EINVAL;
	}
	return 0;
}

static void event_set(struct vcpu *vcpu, const struct plinth_kvm_vcpu_events *events)
{
	struct vcpu_event *ev = &vcpu->event;
	uint8_t nr = events->exception.nr;

	if (events->exception.injected) {
		/* INT3, INTO and INT1 as queued stay software exceptions, with their length. */
		if (ev->pending && soft_exception(ev) && ev->vector == nr &&
		    !events->exception.has_error_code)
			return;
		*ev = (struct vcpu_event){
			.pending = true,
			.vector = nr,
			.type = INTR_TYPE_HW_EXCEPTION,
			.has_error_code = events->exception.has_error_code,
			.error_code =
				events->exception.has_error_code ? events->exception.error_code : 0,
		};
	} else if (events->interrupt.injected) {
		if (events->interrupt.soft)
			return; /* the queued INT n, as checked */
		*ev = (struct vcpu_event){
			.pending = true,
			.vector = events->interrupt.nr,
			.type = INTR_TYPE_EXTERNAL,
		};
	} else {
		ev->pending = false;
	}
}

int vcpu_set_events(struct vcpu *vcpu, const struct plinth_kvm_vcpu_events *events)
{
	uint64_t old = vcpu_reg_read(vcpu, VCPU_REG_INTERRUPTIBILITY), intr = old;

	if (check_events(vcpu, events))
		return -EINVAL;
	event_set(vcpu, events);
	if (events->flags & PLINTH_KVM_VCPUEVENT_VALID_SHADOW) {
		intr &= ~(uint64_t)(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS);
		if (events->interrupt.shadow & PLINTH_KVM_X86_SHADOW_INT_STI)
			intr |= INTERRUPTIBILITY_STI;
		if (events->interrupt.shadow & PLINTH_KVM_X86_SHADOW_INT_MOV_SS)
			intr |= INTERRUPTIBILITY_MOV_SS;
	}
	intr = events->nmi.masked ? intr | INTERRUPTIBILITY_NMI : intr & ~INTERRUPTIBILITY_NMI;
	if (intr != old)
		vcpu_reg_write(vcpu, VCPU_REG_INTERRUPTIBILITY, intr);
	return 0;
}

/* ---- the rules across the three ---- */

static int check_together(struct vcpu *vcpu, const struct plinth_kvm_regs *regs,
			  const struct plinth_kvm_sregs *sregs,
			  const struct plinth_kvm_vcpu_events *events)
{
	const struct plinth_kvm_segment *cs = &sregs->cs, *ss = &sregs->ss;
	bool pe = sregs->cr0 & X86_CR0_PE, ia32e = sregs->efer & X86_EFER_LMA;
	bool flag_if = regs->rflags & X86_RFLAGS_IF, dpl_ok;

	/* RIP: canonical in 64-bit mode, 32 bits in the others (SDM 27.3.1.4). */
	if (ia32e && cs->l ? !canonical(regs->rip, va_bits(vcpu)) : regs->rip >> 32)
		return -EINVAL;
	if (regs->rflags & X86_RFLAGS_VM) {
		if (ia32e || !pe)
			return -EINVAL;
		/* Virtual-8086 segments: base selector * 16, 64 KiB, DPL 3 data (27.3.1.2). */
		for (unsigned int seg = VCPU_SEG_ES; seg <= VCPU_SEG_GS; seg++) {
			const struct plinth_kvm_segment *k = SREGS_SEG(sregs, seg);

			if (k->base != (uint64_t)k->selector << 4 || k->limit != 0xffff ||
			    ar_from_kvm(k) != SEG_AR_V8086)
				return -EINVAL;
		}
	} else {
		/* The CPL is both CS.DPL and SS.DPL: equal for non-conforming code, CS.DPL at most
		 * SS.DPL for conforming code, 0 in real mode (type 3 CS) (SDM 27.3.1.2). */
		if (cs->type == 3)
			dpl_ok = cs->dpl == 0;
		else if (cs->type & SEG_AR_TYPE_CONFORMING)
			dpl_ok = cs->dpl <= ss->dpl;
		else
			dpl_ok = cs->dpl == ss->dpl;
		if (!dpl_ok)
			return -EINVAL;
		if ((cs->type == 3 || !pe) && ss->dpl)
			return -EINVAL;
	}
	/* Blocking by STI needs IF; an injected external interrupt needs IF and no blocking
	 * (SDM 27.3.1.4, 27.3.1.5). */
	if ((events->interrupt.shadow & PLINTH_KVM_X86_SHADOW_INT_STI) && !flag_if)
		return -EINVAL;
	if (events->interrupt.injected && !events->interrupt.soft &&
	    (!flag_if || events->interrupt.shadow))
		return -EINVAL;
	/* With CR0.PE an exception that has an error code delivers one (SDM 27.2.1.3); in real
	 * mode vcpu_event_flush drops it. */
	if (events->exception.injected && pe && (EXC_ERROR_CODE & BIT(events->exception.nr)) &&
	    !events->exception.has_error_code)
		return -EINVAL;
	return 0;
}

int vcpu_state_check(struct vcpu *vcpu, uint64_t changed)
{
	struct plinth_kvm_regs regs;
	struct plinth_kvm_sregs sregs = { 0 };
	struct plinth_kvm_vcpu_events events;

	vcpu_get_regs(vcpu, &regs);
	if (changed == PLINTH_KVM_SYNC_X86_REGS && !(regs.rflags & X86_RFLAGS_VM)) {
		/* Outside virtual-8086 mode the rules read CS, SS, CR0.PE and EFER.LMA of the
		 * sregs, and the interrupt state; the rest stood when they were set. */
		seg_get(vcpu, VCPU_SEG_CS, &sregs.cs);
		seg_get(vcpu, VCPU_SEG_SS, &sregs.ss);
		sregs.cr0 = cr_read(vcpu, 0);
		sregs.efer = cr_read(vcpu, PLINTH_KVM_CR_EFER);
		vcpu_get_events(vcpu, &events);
		return check_together(vcpu, &regs, &sregs, &events);
	}
	vcpu_get_sregs(vcpu, &sregs);
	vcpu_get_events(vcpu, &events);
	if (check_regs(vcpu, &regs) || check_sregs(vcpu, &sregs) || check_events(vcpu, &events))
		return -EINVAL;
	return check_together(vcpu, &regs, &sregs, &events);
}

/* ---- ONE_REG ---- */

enum msr_kind { MSR_SYSREG, MSR_VMCS, MSR_EFER };
/* The values WRMSR refuses: non-canonical addresses, bits 63:32 of 32-bit registers, PAT
 * entries that name no memory type. */
enum msr_check { MSR_ANY, MSR_CANONICAL, MSR_LOW32, MSR_PAT };

struct msr_reg {
	uint32_t msr;
	uint8_t kind, check;
	uint32_t where; /* enum vcpu_sysreg or the VMCS field */
};

static const struct msr_reg msr_regs[] = {
	{ MSR_IA32_SYSENTER_CS, MSR_VMCS, MSR_LOW32, VMCS_GUEST_IA32_SYSENTER_CS },
	{ MSR_IA32_SYSENTER_ESP, MSR_VMCS, MSR_CANONICAL, VMCS_GUEST_IA32_SYSENTER_ESP },
	{ MSR_IA32_SYSENTER_EIP, MSR_VMCS, MSR_CANONICAL, VMCS_GUEST_IA32_SYSENTER_EIP },
	{ MSR_IA32_PAT, MSR_VMCS, MSR_PAT, VMCS_GUEST_IA32_PAT },
	{ MSR_IA32_EFER, MSR_EFER, MSR_ANY, 0 },
	{ MSR_STAR, MSR_SYSREG, MSR_ANY, SYSREG_STAR },
	{ MSR_LSTAR, MSR_SYSREG, MSR_CANONICAL, SYSREG_LSTAR },
	{ MSR_CSTAR, MSR_SYSREG, MSR_CANONICAL, SYSREG_CSTAR },
	{ MSR_SFMASK, MSR_SYSREG, MSR_LOW32, SYSREG_SFMASK },
	{ MSR_KERNEL_GS_BASE, MSR_SYSREG, MSR_CANONICAL, SYSREG_KERNEL_GS_BASE },
	{ MSR_TSC_AUX, MSR_SYSREG, MSR_LOW32, SYSREG_TSC_AUX },
};

/* Bits that must be exactly PLINTH_KVM_REG_X86: the architecture and the zero bits 40-51. */
#define ONE_REG_FIXED_MASK \
	(~(PLINTH_KVM_REG_SIZE_MASK | PLINTH_KVM_X86_REG_TYPE_MASK | PLINTH_KVM_X86_REG_INDEX_MASK))

static const struct msr_reg *msr_find(uint32_t msr)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(msr_regs); i++)
		if (msr_regs[i].msr == msr)
			return &msr_regs[i];
	return NULL;
}

static bool cr_known(uint32_t index)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(cr_index); i++)
		if (cr_index[i] == index)
			return true;
	return false;
}

int vcpu_one_reg_size(uint64_t id)
{
	uint32_t index = PLINTH_KVM_X86_REG_INDEX(id);
	uint64_t size;

	if ((id & ONE_REG_FIXED_MASK) != PLINTH_KVM_REG_X86)
		return -ENOENT;
	switch (PLINTH_KVM_X86_REG_TYPE(id)) {
	case PLINTH_KVM_X86_REG_TYPE_GPR:
		if (index > PLINTH_KVM_GPR_RFLAGS)
			return -ENOENT;
		size = PLINTH_KVM_REG_SIZE_U64;
		break;
	case PLINTH_KVM_X86_REG_TYPE_CR:
		if (!cr_known(index))
			return -ENOENT;
		size = PLINTH_KVM_REG_SIZE_U64;
		break;
	case PLINTH_KVM_X86_REG_TYPE_SEG:
		if (index > PLINTH_KVM_SEG_IDTR)
			return -ENOENT;
		size = PLINTH_KVM_REG_SIZE_U256;
		break;
	case PLINTH_KVM_X86_REG_TYPE_MSR:
		if (!msr_find(index))
			return -ENOENT;
		size = PLINTH_KVM_REG_SIZE_U64;
		break;
	default:
		return -ENOENT;
	}
	if ((id & PLINTH_KVM_REG_SIZE_MASK) != size)
		return -EINVAL;
	return (int)PLINTH_KVM_REG_SIZE(id);
}

static uint64_t msr_read(struct vcpu *vcpu, const struct msr_reg *m)
{
	switch (m->kind) {
	case MSR_SYSREG:
		return vcpu_read_sysreg(vcpu, (enum vcpu_sysreg)m->where);
	case MSR_VMCS:
		vcpu->stats.vmreads++;
		return vmx_vmread(m->where);
	default:
		return vcpu_reg_read(vcpu, VCPU_REG_EFER);
	}
}

/* Each PAT entry a memory type: UC, WC, WT, WP, WB or UC- (SDM vol. 3, "PAT"). */
static bool pat_valid(uint64_t pat)
{
	for (unsigned int i = 0; i < 8; i++) {
		uint8_t type = (uint8_t)(pat >> (8 * i));

		if (type > 7 || type == 2 || type == 3)
			return false;
	}
	return true;
}

static bool msr_value_ok(struct vcpu *vcpu, const struct msr_reg *m, uint64_t value)
{
	switch (m->check) {
	case MSR_CANONICAL:
		return canonical(value, va_bits(vcpu));
	case MSR_LOW32:
		return !(value >> 32);
	case MSR_PAT:
		return pat_valid(value);
	default:
		return true;
	}
}

int vcpu_get_one_reg(struct vcpu *vcpu, uint64_t id, void *buf)
{
	int size = vcpu_one_reg_size(id);
	uint32_t index = PLINTH_KVM_X86_REG_INDEX(id);
	union plinth_kvm_one_reg_seg seg = { 0 };
	uint64_t value;

	if (size < 0)
		return size;
	switch (PLINTH_KVM_X86_REG_TYPE(id)) {
	case PLINTH_KVM_X86_REG_TYPE_GPR:
		value = reg_read(vcpu, index);
		break;
	case PLINTH_KVM_X86_REG_TYPE_CR:
		value = cr_read(vcpu, index);
		break;
	case PLINTH_KVM_X86_REG_TYPE_MSR:
		value = msr_read(vcpu, msr_find(index));
		break;
	default:
		if (index < VCPU_SEG_GDTR)
			seg_get(vcpu, index, &seg.seg);
		else
			dt_get(vcpu, index, &seg.dt);
		memcpy(buf, &seg, sizeof(seg));
		return 0;
	}
	memcpy(buf, &value, sizeof(value));
	return 0;
}

static int set_one_gpr(struct vcpu *vcpu, uint32_t n, uint64_t value)
{
	struct plinth_kvm_regs regs;

	vcpu_get_regs(vcpu, &regs);
	*REGS_SLOT(&regs, n) = value;
	if (check_regs(vcpu, &regs))
		return -EINVAL;
	reg_write(vcpu, n, value);
	return 0;
}

static int set_one_cr(struct vcpu *vcpu, uint32_t index, uint64_t value)
{
	struct plinth_kvm_sregs sregs;
	uint64_t pdptes[4];
	int load_pdptes = 0;

	vcpu_get_sregs(vcpu, &sregs);
	*sregs_cr(&sregs, index) = value;
	if (check_sregs(vcpu, &sregs))
		return -EINVAL;
	/* CR2 and CR8 have nothing to do with the PDPTEs. */
	if (index != 2 && index != 8)
		load_pdptes = sregs_pdptes(vcpu, &sregs, pdptes);
	if (load_pdptes < 0)
		return load_pdptes;
	cr_write(vcpu, index, value);
	if (load_pdptes)
		vcpu_pdptes_to_vmcs(vcpu, pdptes);
	return 0;
}

static int set_one_seg(struct vcpu *vcpu, uint32_t seg, const union plinth_kvm_one_reg_seg *in)
{
	size_t used = seg < VCPU_SEG_GDTR ? sizeof(in->seg) : sizeof(in->dt);
	struct plinth_kvm_sregs sregs;

	/* The bytes after the structure are zero (kvm.h), so that they can mean something
	 * later. */
	if (!all_zero(in->bytes + used, sizeof(in->bytes) - used))
		return -EINVAL;
	vcpu_get_sregs(vcpu, &sregs);
	if (seg < VCPU_SEG_GDTR)
		*SREGS_SEG(&sregs, seg) = in->seg;
	else
		*SREGS_DT(&sregs, seg) = in->dt;
	if (check_sregs(vcpu, &sregs))
		return -EINVAL;
	if (seg < VCPU_SEG_GDTR)
		seg_set(vcpu, seg, &in->seg);
	else
		dt_set(vcpu, seg, &in->dt);
	return 0;
}

static int set_one_msr(struct vcpu *vcpu, const struct msr_reg *m, uint64_t value)
{
	if (m->kind == MSR_EFER)
		return set_one_cr(vcpu, PLINTH_KVM_CR_EFER, value);
	if (!msr_value_ok(vcpu, m, value))
		return -EINVAL;
	if (m->kind == MSR_SYSREG) {
		vcpu_write_sysreg(vcpu, (enum vcpu_sysreg)m->where, value);
	} else {
		vcpu->stats.vmwrites++;
		vmx_vmwrite(m->where, value);
	}
	return 0;
}

int vcpu_set_one_reg(struct vcpu *vcpu, uint64_t id, const void *buf)
{
	int size = vcpu_one_reg_size(id);
	uint32_t index = PLINTH_KVM_X86_REG_INDEX(id);
	union plinth_kvm_one_reg_seg seg;
	uint64_t value;

	if (size < 0)
		return size;
	if (PLINTH_KVM_X86_REG_TYPE(id) == PLINTH_KVM_X86_REG_TYPE_SEG) {
		memcpy(&seg, buf, sizeof(seg));
		return set_one_seg(vcpu, index, &seg);
	}
	memcpy(&value, buf, sizeof(value));
	switch (PLINTH_KVM_X86_REG_TYPE(id)) {
	case PLINTH_KVM_X86_REG_TYPE_GPR:
		return set_one_gpr(vcpu, index, value);
	case PLINTH_KVM_X86_REG_TYPE_CR:
		return set_one_cr(vcpu, index, value);
	default:
		return set_one_msr(vcpu, msr_find(index), value);
	}
}

static void list_add(uint64_t *ids, unsigned int max, unsigned int *n, uint64_t id)
{
	if (*n < max)
		ids[*n] = id;
	(*n)++;
}

unsigned int vcpu_reg_list(uint64_t *ids, unsigned int max)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i <= PLINTH_KVM_GPR_RFLAGS; i++)
		list_add(ids, max, &n, PLINTH_KVM_REG_GPR(i));
	for (unsigned int i = 0; i < ARRAY_SIZE(cr_index); i++)
		list_add(ids, max, &n, PLINTH_KVM_REG_CR(cr_index[i]));
	for (uint32_t i = 0; i <= PLINTH_KVM_SEG_IDTR; i++)
		list_add(ids, max, &n, PLINTH_KVM_REG_SEG(i));
	for (unsigned int i = 0; i < ARRAY_SIZE(msr_regs); i++)
		list_add(ids, max, &n, PLINTH_KVM_REG_MSR(msr_regs[i].msr));
	return n;
}
