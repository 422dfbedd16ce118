// SPDX-License-Identifier: MIT
/*
 * The guest page walk (SDM Vol. 3A chapter 4): linear to guest-physical through 32-bit, PAE,
 * 4-level and 5-level paging, with the access-rights checks of 4.6, the reserved-bit checks,
 * the #PF error code of 4.7 and the Accessed/Dirty updates of 4.8. No recursion, no allocation.
 */
#include "emulate/emulate.h"

#define MAX_LEVELS  EMUL_WALK_MAX_LEVELS
#define MAX_RESTART 16
#define WALK_RETRY  (-1) /* internal: an A/D update lost a race, walk again */

enum { PM_32, PM_PAE, PM_4LEVEL, PM_5LEVEL };

/* Bits hi..lo inclusive; 0 when hi < lo. */
static uint64_t bit_range(unsigned int hi, unsigned int lo)
{
	if (hi < lo || lo > 63)
		return 0;
	if (hi > 63)
		hi = 63;
	return (~0ull >> (63 - hi)) & ~((1ull << lo) - 1);
}

static int page_fault(struct emul_fault *fault, uint64_t la, uint32_t error_code)
{
	fault->vector = EMUL_VEC_PF;
	fault->error_code_valid = true;
	fault->error_code = error_code;
	fault->cr2 = la;
	return EMUL_FAULT;
}

/* A paging-structure entry used by the walk: the quadword holding it and where it sits in it. */
struct walk_entry {
	uint64_t qaddr;
	uint64_t q;
	unsigned int shift; /* 0, or 32 for the high half of a 32-bit paging entry */
};

static __attribute__((noinline)) int walk(const struct emul_paging *pg, int mode, uint64_t la,
					  unsigned int access, uint64_t *gpa,
					  struct emul_fault *fault, struct emul_walk_cache *fill)
{
	unsigned int m = pg->maxphyaddr ? pg->maxphyaddr : 52;
	bool nxe = mode != PM_32 && (pg->efer & EMUL_EFER_NXE);
	bool user = pg->cpl == 3 && !(access & EMUL_ACC_IMPL);
	bool write = access & EMUL_ACC_WRITE;
	bool fetch = access & EMUL_ACC_FETCH;
	bool smep = pg->cr4 & EMUL_CR4_SMEP;
	bool smap = pg->cr4 & EMUL_CR4_SMAP;
	uint64_t addr_mask, rsvd_hi, table, pte = 0, rw = 1, us = 1, xd = 0, base, q, new_q;
	uint64_t vla = mode >= PM_4LEVEL ? la : (la & 0xffffffffull);
	struct walk_entry e[MAX_LEVELS];
	unsigned int levels, bpl, esize, level, shift = 12, n = 0, i;
	uint32_t ec = 0;
	bool large = false, done;
	int r;

	if (m < 32)
		m = 32;
	if (m > 52)
		m = 52;
	addr_mask = bit_range(m - 1, 12);
	if (write)
		ec |= EMUL_PFERR_W;
	if (user)
		ec |= EMUL_PFERR_U;
	if (fetch && (smep || nxe))
		ec |= EMUL_PFERR_I;

	switch (mode) {
	case PM_32:
		levels = 2;
		bpl = 10;
		esize = 4;
		table = pg->cr3 & 0xfffff000ull;
		rsvd_hi = 0;
		break;
	case PM_PAE:
		levels = 3;
		bpl = 9;
		esize = 8;
		table = pg->cr3 & 0xffffffe0ull;
		rsvd_hi = bit_range(62, m);
		break;
	default:
		levels = mode == PM_5LEVEL ? 5 : 4;
		bpl = 9;
		esize = 8;
		table = pg->cr3 & addr_mask;
		rsvd_hi = bit_range(51, m);
		break;
	}
	if (mode != PM_32 && !nxe)
		rsvd_hi |= EMUL_PTE_XD;

	for (level = levels;; level--) {
		uint64_t eaddr, rsvd;

		shift = 12 + (level - 1) * bpl;
		if (mode == PM_PAE && level == 3) {
			unsigned int idx = (vla >> 30) & 3;

			if (pg->pdptes) {
				pte = pg->pdptes[idx];
			} else {
				r = pg->read_pte(pg->opaque, table + idx * 8, &pte);
				if (r != EMUL_OK)
					return r;
			}
			if (!(pte & EMUL_PTE_P))
				return page_fault(fault, la, ec);
			if (pte & (bit_range(2, 1) | bit_range(8, 5) | bit_range(63, m)))
				return page_fault(fault, la, ec | EMUL_PFERR_P | EMUL_PFERR_RSVD);
			table = pte & addr_mask;
			continue;
		}

		eaddr = table + ((vla >> shift) & ((1ull << bpl) - 1)) * esize;
		r = pg->read_pte(pg->opaque, eaddr & ~7ull, &q);
		if (r != EMUL_OK)
			return r;
		e[n].qaddr = eaddr & ~7ull;
		e[n].q = q;
		e[n].shift = esize == 4 ? (unsigned int)(eaddr & 4) * 8 : 0;
		pte = esize == 4 ? (q >> e[n].shift) & 0xffffffffull : q;
		n++;

		if (!(pte & EMUL_PTE_P))
			return page_fault(fault, la, ec);
		large = (pte & EMUL_PTE_PS) &&
			((level == 2 && (mode != PM_32 || (pg->cr4 & EMUL_CR4_PSE))) ||
			 (level == 3 && mode >= PM_4LEVEL));
		if (mode == PM_32) {
			/* 4-MByte page: bits 20:13 are physical-address bits 39:32 (PSE-36). */
			rsvd = large ? (1ull << 21) | (m < 40 ? bit_range(20, 13 + m - 32) : 0) : 0;
		} else {
			rsvd = rsvd_hi;
			if (level >= 4)
				rsvd |= EMUL_PTE_PS;
			if (large)
				rsvd |= bit_range(shift - 1, 13);
		}
		if (pte & rsvd)
			return page_fault(fault, la, ec | EMUL_PFERR_P | EMUL_PFERR_RSVD);

		rw &= pte >> 1;
		us &= pte >> 2;
		if (nxe)
			xd |= pte >> 63;
		if (level == 1 || large)
			break;
		table = pte & (mode == PM_32 ? 0xfffff000ull : addr_mask);
	}
	rw &= 1;
	us &= 1;

	/* Access rights (SDM 4.6.1). */
	if (user) {
		if (!us || (write && !rw) || (fetch && xd))
			return page_fault(fault, la, ec | EMUL_PFERR_P);
	} else if (fetch) {
		if (xd || (us && smep))
			return page_fault(fault, la, ec | EMUL_PFERR_P);
	} else {
		if (us && smap && ((access & EMUL_ACC_IMPL) || !(pg->rflags & EMUL_RFLAGS_AC)))
			return page_fault(fault, la, ec | EMUL_PFERR_P);
		if (write && !rw && (pg->cr0 & EMUL_CR0_WP))
			return page_fault(fault, la, ec | EMUL_PFERR_P);
	}

	/* Accessed on every entry used, Dirty on the leaf of a write (SDM 4.8). */
	if (pg->cmpxchg_pte) {
		for (i = 0; i < n; i++) {
			new_q = e[i].q | (EMUL_PTE_A << e[i].shift);
			if (write && i == n - 1)
				new_q |= EMUL_PTE_D << e[i].shift;
			if (new_q == e[i].q)
				continue;
			r = pg->cmpxchg_pte(pg->opaque, e[i].qaddr, e[i].q, new_q, &done);
			if (r != EMUL_OK)
				return r;
			if (!done)
				return WALK_RETRY;
			e[i].q = new_q;
		}
	}
	if (fill) {
		fill->n = n;
		for (i = 0; i < n; i++) {
			fill->pte[i] = pg->pte_ptr(pg->opaque, e[i].qaddr);
			fill->q[i] = e[i].q;
			if (!fill->pte[i])
				fill->n = 0; /* not remembered */
		}
	}

	if (mode == PM_32 && large)
		base = (pte & 0xffc00000ull) | (((pte >> 13) & 0xff) << 32);
	else
		base = pte & addr_mask & ~((1ull << shift) - 1);
	*gpa = base | (vla & ((1ull << shift) - 1));
	return EMUL_OK;
}

_Static_assert(!(EMUL_WALK_KEY_CR0 & EMUL_WALK_KEY_CR4) &&
		       !((EMUL_WALK_KEY_CR0 | EMUL_WALK_KEY_CR4) & EMUL_WALK_KEY_EFER) &&
		       !((EMUL_WALK_KEY_CR0 | EMUL_WALK_KEY_CR4 | EMUL_WALK_KEY_EFER) &
			 EMUL_RFLAGS_AC),
	       "the walk key's control bits overlap");

static __attribute__((noinline)) int translate_walk(const struct emul_paging *pg, uint64_t la,
						    unsigned int access, uint64_t *gpa,
						    struct emul_fault *fault,
						    struct emul_walk_cache *key)
{
	struct emul_walk_cache *fill = NULL;
	int mode, r, tries;

	if (!(pg->cr4 & EMUL_CR4_PAE))
		mode = PM_32;
	else if (!(pg->efer & EMUL_EFER_LMA))
		mode = PM_PAE;
	else
		mode = (pg->cr4 & EMUL_CR4_LA57) ? PM_5LEVEL : PM_4LEVEL;
	/* PAE's PDPTEs are not walk entries (no A bit; the CPU loads them with CR3): PAE
	 * walks are not remembered. */
	if (key && pg->pte_ptr && mode != PM_PAE) {
		pg->cache->valid = false;
		fill = key;
	}
	for (tries = 0; tries < MAX_RESTART; tries++) {
		r = walk(pg, mode, la, access, gpa, fault, fill);
		if (r == WALK_RETRY)
			continue;
		if (r == EMUL_OK && fill && fill->n) {
			key->gpa_page = *gpa >> 12;
			key->valid = true;
			*pg->cache = *key;
		}
		return r;
	}
	return EMUL_ERROR;
}

int emul_paging_translate(const struct emul_paging *pg, uint64_t la, unsigned int access,
			  uint64_t *gpa, struct emul_fault *fault)
{
	struct emul_walk_cache key;

	if (!(pg->cr0 & EMUL_CR0_PG)) {
		*gpa = la & 0xffffffffull;
		return EMUL_OK;
	}
	if (!pg->cache)
		return translate_walk(pg, la, access, gpa, fault, NULL);
	key.ctl = emul_walk_key(pg->cr0, pg->cr4, pg->efer, pg->rflags, pg->cpl, access);
	key.cr3 = pg->cr3;
	key.la_page = la >> 12;
	if (emul_walk_cache_hit(pg->cache, key.ctl, key.cr3, la)) {
		*gpa = (pg->cache->gpa_page << 12) | (la & 0xfff);
		return EMUL_OK;
	}
	return translate_walk(pg, la, access, gpa, fault, &key);
}
