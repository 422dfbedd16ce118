// SPDX-License-Identifier: MIT
/*
 * The register cache's VMCS side: VMREAD on first use after an exit, VMWRITE of what is dirty
 * before the next entry. Every guest-state VMREAD and VMWRITE of the exit path goes through
 * here, and each is counted in vcpu->stats.
 */
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "core/panic.h"
#include "core/vcpu.h"

struct seg_fields {
	uint32_t selector, base, limit, ar;
};

static const struct seg_fields seg_field[VCPU_NR_SEGS] = {
	[VCPU_SEG_ES] = { VMCS_GUEST_ES_SELECTOR, VMCS_GUEST_ES_BASE, VMCS_GUEST_ES_LIMIT,
			  VMCS_GUEST_ES_AR },
	[VCPU_SEG_CS] = { VMCS_GUEST_CS_SELECTOR, VMCS_GUEST_CS_BASE, VMCS_GUEST_CS_LIMIT,
			  VMCS_GUEST_CS_AR },
	[VCPU_SEG_SS] = { VMCS_GUEST_SS_SELECTOR, VMCS_GUEST_SS_BASE, VMCS_GUEST_SS_LIMIT,
			  VMCS_GUEST_SS_AR },
	[VCPU_SEG_DS] = { VMCS_GUEST_DS_SELECTOR, VMCS_GUEST_DS_BASE, VMCS_GUEST_DS_LIMIT,
			  VMCS_GUEST_DS_AR },
	[VCPU_SEG_FS] = { VMCS_GUEST_FS_SELECTOR, VMCS_GUEST_FS_BASE, VMCS_GUEST_FS_LIMIT,
			  VMCS_GUEST_FS_AR },
	[VCPU_SEG_GS] = { VMCS_GUEST_GS_SELECTOR, VMCS_GUEST_GS_BASE, VMCS_GUEST_GS_LIMIT,
			  VMCS_GUEST_GS_AR },
	[VCPU_SEG_LDTR] = { VMCS_GUEST_LDTR_SELECTOR, VMCS_GUEST_LDTR_BASE, VMCS_GUEST_LDTR_LIMIT,
			    VMCS_GUEST_LDTR_AR },
	[VCPU_SEG_TR] = { VMCS_GUEST_TR_SELECTOR, VMCS_GUEST_TR_BASE, VMCS_GUEST_TR_LIMIT,
			  VMCS_GUEST_TR_AR },
	[VCPU_SEG_GDTR] = { 0, VMCS_GUEST_GDTR_BASE, VMCS_GUEST_GDTR_LIMIT, 0 },
	[VCPU_SEG_IDTR] = { 0, VMCS_GUEST_IDTR_BASE, VMCS_GUEST_IDTR_LIMIT, 0 },
};

static uint64_t counted_read(struct vcpu *vcpu, uint32_t field)
{
	vcpu->stats.vmreads++;
	return vmx_vmread(field);
}

static void counted_write(struct vcpu *vcpu, uint32_t field, uint64_t value)
{
	vcpu->stats.vmwrites++;
	vmx_vmwrite(field, value);
}

__noreturn void vcpu_reg_bad(enum vcpu_reg reg, bool write)
{
	panic("register cache: %s of register %u, which %s", write ? "write" : "read",
	      (unsigned int)reg, write ? "is read-only" : "has no VMCS field");
}

void vcpu_seg_read(struct vcpu *vcpu, enum vcpu_seg seg, struct vcpu_segment *out)
{
	const struct seg_fields *f = &seg_field[seg];
	struct vcpu_segment *s = &vcpu->segs[seg];

	if (!(vcpu->segs_avail & BIT(seg))) {
		s->selector = f->selector ? (uint16_t)counted_read(vcpu, f->selector) : 0;
		s->base = counted_read(vcpu, f->base);
		s->limit = (uint32_t)counted_read(vcpu, f->limit);
		s->ar = f->ar ? (uint32_t)counted_read(vcpu, f->ar) : 0;
		vcpu->segs_avail |= BIT(seg);
	}
	*out = *s;
}

uint64_t vcpu_reg_read_slow(struct vcpu *vcpu, enum vcpu_reg reg)
{
	return vcpu_reg_read(vcpu, reg);
}

void vcpu_seg_write(struct vcpu *vcpu, enum vcpu_seg seg, const struct vcpu_segment *s)
{
	vcpu->segs[seg] = *s;
	vcpu->segs_avail |= BIT(seg);
	vcpu->segs_dirty |= BIT(seg);
}

void vcpu_regs_flush_dirty(struct vcpu *vcpu)
{
	uint64_t dirty = vcpu->regs_dirty;
	uint32_t segs = vcpu->segs_dirty;

	while (dirty) {
		unsigned int reg = (unsigned int)__builtin_ctzll(dirty);

		counted_write(vcpu, vcpu_reg_vmcs_field((enum vcpu_reg)reg), vcpu->regs[reg]);
		dirty &= dirty - 1;
	}
	vcpu->regs_dirty = 0;
	while (segs) {
		unsigned int seg = (unsigned int)__builtin_ctz(segs);
		const struct seg_fields *f = &seg_field[seg];
		const struct vcpu_segment *s = &vcpu->segs[seg];

		if (f->selector)
			counted_write(vcpu, f->selector, s->selector);
		counted_write(vcpu, f->base, s->base);
		counted_write(vcpu, f->limit, s->limit);
		if (f->ar)
			counted_write(vcpu, f->ar, s->ar);
		segs &= segs - 1;
	}
	vcpu->segs_dirty = 0;
}

uint64_t vcpu_guest_cr0(struct vcpu *vcpu)
{
	return (vcpu_reg_read(vcpu, VCPU_REG_CR0) & ~vcpu->cr0_mask) |
	       (vcpu->cr0_shadow & vcpu->cr0_mask);
}

uint64_t vcpu_guest_cr4(struct vcpu *vcpu)
{
	return (vcpu_reg_read(vcpu, VCPU_REG_CR4) & ~vcpu->cr4_mask) |
	       (vcpu->cr4_shadow & vcpu->cr4_mask);
}
