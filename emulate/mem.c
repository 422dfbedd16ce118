// SPDX-License-Identifier: MIT
/*
 * Guest memory as the instruction sees it: segment:offset to linear (limits, types, canonical
 * form), linear to physical page by page through ops->translate, then RAM or MMIO. A write that
 * crosses a page is translated on both pages before either is written, so a #PF on the second
 * page leaves memory untouched.
 */
#include "emulate/internal.h"

#define EMUL_PAGE_SIZE 4096u
/* With EMUL_ACC_WRITE: check for a write, but read (the read half of a read-modify-write). */
#define ACC_RMW_READ (1u << 8)

int emul_raise(struct emul_ctxt *ctxt, uint8_t vector, bool has_error, uint32_t error_code)
{
	ctxt->fault.vector = vector;
	ctxt->fault.error_code_valid = has_error;
	ctxt->fault.error_code = error_code;
	ctxt->fault.cr2 = 0;
	return EMUL_FAULT;
}

/* #SS(0) for stack-segment references, #GP(0) for the others (SDM Vol. 3A 6.15). */
static int seg_fault(struct emul_ctxt *ctxt, unsigned int seg)
{
	return emul_raise(ctxt, seg == EMUL_SEG_SS ? EMUL_VEC_SS : EMUL_VEC_GP, true, 0);
}

static bool canonical(uint64_t la)
{
	return (uint64_t)((int64_t)(la << 16) >> 16) == la;
}

/* Segment checks of SDM Vol. 3A 5.3 (limits) and 5.4.1 (types) for protected, real and
 * virtual-8086 mode; 64-bit mode checks only the canonical form (3.3.7.1). */
static int linear(struct emul_ctxt *ctxt, unsigned int seg, uint64_t ea, unsigned int size,
		  unsigned int access, uint64_t *la)
{
	struct emul_segment s;
	uint64_t last = ea + size - 1;

	if (ctxt->mode == EMUL_MODE_PROT64) {
		uint64_t base = 0;

		if (seg == EMUL_SEG_FS || seg == EMUL_SEG_GS) {
			ctxt->ops->get_segment(ctxt, seg, &s);
			base = s.base;
		}
		*la = base + ea;
		if (!canonical(*la) || !canonical(*la + size - 1))
			return seg_fault(ctxt, seg);
		return EMUL_OK;
	}

	ctxt->ops->get_segment(ctxt, seg, &s);
	if (ctxt->mode == EMUL_MODE_PROT16 || ctxt->mode == EMUL_MODE_PROT32) {
		unsigned int type = EMUL_SEGATTR_TYPE(s.attr);

		if (s.attr & EMUL_SEGATTR_UNUSABLE)
			return seg_fault(ctxt, seg);
		if (access & EMUL_ACC_FETCH) {
			/* CS is always executable. */
		} else if (type & 8) {
			/* Code: never writable, readable only with bit 1. */
			if ((access & EMUL_ACC_WRITE) || !(type & 2))
				return seg_fault(ctxt, seg);
		} else if ((access & EMUL_ACC_WRITE) && !(type & 2)) {
			return seg_fault(ctxt, seg);
		}
		if (!(type & 8) && (type & 4)) {
			/* Expand-down: valid offsets are limit+1 .. 0xffff or 0xffffffff. */
			uint64_t top = (s.attr & EMUL_SEGATTR_DB) ? 0xffffffffull : 0xffffull;

			if (ea <= s.limit || last > top)
				return seg_fault(ctxt, seg);
			*la = (s.base + ea) & 0xffffffffull;
			return EMUL_OK;
		}
	}
	if (last > s.limit || last < ea)
		return seg_fault(ctxt, seg);
	*la = (s.base + ea) & 0xffffffffull;
	return EMUL_OK;
}

static inline int translate(struct emul_ctxt *ctxt, uint64_t la, unsigned int access, uint64_t *gpa)
{
	struct emul_fault f;
	int rc;

	/* The CPU's own walk for the access that exited, when it covers this one. */
	if (ctxt->hint.la_valid && (la >> 12) == ctxt->hint.la_page &&
	    !(access & (EMUL_ACC_FETCH | EMUL_ACC_IMPL)) &&
	    (!(access & EMUL_ACC_WRITE) || ctxt->hint.write)) {
		*gpa = (ctxt->hint.gpa_page << 12) | (la & (EMUL_PAGE_SIZE - 1));
		return EMUL_OK;
	}
	if (!ctxt->ops->translate) {
		*gpa = la;
		return EMUL_OK;
	}
	rc = ctxt->ops->translate(ctxt, la, access & ~ACC_RMW_READ, gpa, &f);
	if (rc == EMUL_FAULT)
		ctxt->fault = f;
	return rc;
}

static inline int phys_read(struct emul_ctxt *ctxt, uint64_t gpa, void *buf, unsigned int len)
{
	int rc;

	if (ctxt->hint.mmio && (gpa >> 12) == ctxt->hint.gpa_page)
		return ctxt->ops->mmio_read(ctxt, gpa, buf, len);
	rc = ctxt->ops->read_phys(ctxt, gpa, buf, len);

	if (rc == EMUL_MMIO)
		rc = ctxt->ops->mmio_read(ctxt, gpa, buf, len);
	return rc;
}

static inline int phys_write(struct emul_ctxt *ctxt, uint64_t gpa, const void *buf,
			     unsigned int len)
{
	int rc;

	if (ctxt->hint.mmio && (gpa >> 12) == ctxt->hint.gpa_page)
		return ctxt->ops->mmio_write(ctxt, gpa, buf, len);
	rc = ctxt->ops->write_phys(ctxt, gpa, buf, len);

	if (rc == EMUL_MMIO)
		rc = ctxt->ops->mmio_write(ctxt, gpa, buf, len);
	return rc;
}

/* An access that crosses a page: both pages translated before either is touched. */
static __attribute__((noinline)) int access_split(struct emul_ctxt *ctxt, uint64_t la, void *buf,
						  unsigned int size, unsigned int access)
{
	unsigned int first = EMUL_PAGE_SIZE - (la & (EMUL_PAGE_SIZE - 1));
	uint64_t la2 = la + first, gpa[2];
	int rc;

	if (ctxt->mode != EMUL_MODE_PROT64)
		la2 &= 0xffffffffull;
	rc = translate(ctxt, la, access, &gpa[0]);
	if (!rc)
		rc = translate(ctxt, la2, access, &gpa[1]);
	if (rc)
		return rc;
	if (access & EMUL_ACC_WRITE && !(access & ACC_RMW_READ)) {
		rc = phys_write(ctxt, gpa[0], buf, first);
		if (!rc)
			rc = phys_write(ctxt, gpa[1], (const uint8_t *)buf + first, size - first);
	} else {
		rc = phys_read(ctxt, gpa[0], buf, first);
		if (!rc)
			rc = phys_read(ctxt, gpa[1], (uint8_t *)buf + first, size - first);
	}
	return rc;
}

static inline int access_mem(struct emul_ctxt *ctxt, unsigned int seg, uint64_t ea, void *buf,
			     unsigned int size, unsigned int access)
{
	uint64_t la, gpa;
	int rc;

	if (ctxt->mode == EMUL_MODE_PROT64 && seg != EMUL_SEG_FS && seg != EMUL_SEG_GS) {
		/* Flat 64-bit segments: only the canonical check (SDM vol. 3A 3.3.7.1). */
		la = ea;
		if (!canonical(la) || !canonical(la + size - 1))
			return seg_fault(ctxt, seg);
	} else {
		rc = linear(ctxt, seg, ea, size, access, &la);
		if (rc)
			return rc;
	}
	if ((ctxt->insn->op.flags & EMUL_F_ALIGN16) && (la & 15))
		return emul_raise(ctxt, EMUL_VEC_GP, true, 0);
	if (__builtin_expect((la & (EMUL_PAGE_SIZE - 1)) + size > EMUL_PAGE_SIZE, 0))
		return access_split(ctxt, la, buf, size, access);
	/* Within one page, the common case. */
	rc = translate(ctxt, la, access, &gpa);
	if (rc)
		return rc;
	if (access & EMUL_ACC_WRITE && !(access & ACC_RMW_READ))
		return phys_write(ctxt, gpa, buf, size);
	return phys_read(ctxt, gpa, buf, size);
}

int emul_mem_read(struct emul_ctxt *ctxt, unsigned int seg, uint64_t ea, void *buf,
		  unsigned int size)
{
	return access_mem(ctxt, seg, ea, buf, size, EMUL_ACC_READ);
}

int emul_mem_read_rmw(struct emul_ctxt *ctxt, unsigned int seg, uint64_t ea, void *buf,
		      unsigned int size)
{
	return access_mem(ctxt, seg, ea, buf, size, EMUL_ACC_WRITE | ACC_RMW_READ);
}

int emul_mem_write(struct emul_ctxt *ctxt, unsigned int seg, uint64_t ea, const void *buf,
		   unsigned int size)
{
	return access_mem(ctxt, seg, ea, (void *)buf, size, EMUL_ACC_WRITE);
}

/*
 * Read up to 15 instruction bytes at CS:RIP into buf, *len of them. Returns why it stopped
 * short: EMUL_OK when it did not, EMUL_FAULT with the fault in ctxt->fault (a #PF on the next
 * page, #GP past the CS limit), EMUL_ERROR. The caller raises that only if the decoder needs
 * the missing bytes.
 */
int emul_fetch(struct emul_ctxt *ctxt, uint8_t *buf, unsigned int *len)
{
	uint64_t rip = emul_reg_read(ctxt, EMUL_REG_RIP), la, gpa;
	unsigned int got = 0, want = 15;
	int rc = EMUL_OK;

	*len = 0;
	if (ctxt->mode != EMUL_MODE_PROT64) {
		struct emul_segment cs;

		ctxt->ops->get_segment(ctxt, EMUL_SEG_CS, &cs);
		rip &= ctxt->mode == EMUL_MODE_PROT32 ? 0xffffffffull : 0xffffull;
		if (rip > cs.limit)
			return seg_fault(ctxt, EMUL_SEG_CS);
		if (cs.limit - rip + 1 < want)
			want = cs.limit - rip + 1;
		la = (cs.base + rip) & 0xffffffffull;
	} else {
		la = rip;
	}
	while (got < want) {
		unsigned int n = EMUL_PAGE_SIZE - (la & (EMUL_PAGE_SIZE - 1));

		if (n > want - got)
			n = want - got;
		if (ctxt->mode == EMUL_MODE_PROT64 && !canonical(la))
			return emul_raise(ctxt, EMUL_VEC_GP, true, 0);
		rc = translate(ctxt, la, EMUL_ACC_FETCH, &gpa);
		if (rc == EMUL_OK)
			rc = ctxt->ops->read_phys(ctxt, gpa, buf + got, n);
		if (rc == EMUL_MMIO)
			rc = EMUL_ERROR; /* executing from MMIO is not emulated */
		if (rc)
			return rc;
		got += n;
		*len = got;
		la += n;
		if (ctxt->mode != EMUL_MODE_PROT64)
			la &= 0xffffffffull;
	}
	/* Stopped at the CS limit: the bytes past it are #GP(0). */
	return want < 15 ? seg_fault(ctxt, EMUL_SEG_CS) : EMUL_OK;
}
