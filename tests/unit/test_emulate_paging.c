// SPDX-License-Identifier: MIT
/*
 * The guest page walk (emulate/paging.c): page tables built in a host buffer that plays guest
 * physical memory; translations, the exact #PF error code of every permission and reserved-bit
 * fault, A/D updates, large pages, and all five paging modes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "emulate/emulate.h"

#define PG	 4096ull
#define MEM_SIZE (64 * PG)

#define ADDR_MASK 0x000ffffffffff000ull

/* Short names for the entry bits, so the tables below read like the SDM's figures. */
#define P  EMUL_PTE_P
#define RW EMUL_PTE_RW
#define US EMUL_PTE_US
#define A  EMUL_PTE_A
#define D  EMUL_PTE_D
#define PS EMUL_PTE_PS
#define XD EMUL_PTE_XD

static uint8_t mem[MEM_SIZE] __attribute__((aligned(4096)));
static uint64_t next_table;
static unsigned int cmpxchg_calls, race_once, read_pte_calls;
/* Every test also runs with the walk cache on: each translation is then made twice, the second
 * time from the cache when the first was remembered, and both answers must agree. */
static bool use_cache;
static struct emul_walk_cache walk_cache;
static struct emul_paging pg;
static struct emul_fault fault;

static uint64_t get64(uint64_t gpa)
{
	uint64_t v;

	assert_true(gpa + 8 <= MEM_SIZE);
	memcpy(&v, mem + gpa, 8);
	return v;
}

static void set64(uint64_t gpa, uint64_t v)
{
	assert_true(gpa + 8 <= MEM_SIZE);
	memcpy(mem + gpa, &v, 8);
}

static uint32_t get32(uint64_t gpa)
{
	uint32_t v;

	assert_true(gpa + 4 <= MEM_SIZE);
	memcpy(&v, mem + gpa, 4);
	return v;
}

static void set32(uint64_t gpa, uint32_t v)
{
	assert_true(gpa + 4 <= MEM_SIZE);
	memcpy(mem + gpa, &v, 4);
}

static int read_pte(void *opaque, uint64_t gpa, uint64_t *val)
{
	assert_ptr_equal(opaque, mem);
	assert_int_equal(gpa & 7, 0);
	if (gpa + 8 > MEM_SIZE)
		return EMUL_ERROR;
	read_pte_calls++;
	*val = get64(gpa);
	return EMUL_OK;
}

static const uint64_t *pte_ptr(void *opaque, uint64_t gpa)
{
	assert_ptr_equal(opaque, mem);
	if (gpa + 8 > MEM_SIZE)
		return NULL;
	return (const uint64_t *)(mem + gpa);
}

static int cmpxchg_pte(void *opaque, uint64_t gpa, uint64_t old, uint64_t new_val, bool *done)
{
	assert_ptr_equal(opaque, mem);
	assert_int_equal(gpa & 7, 0);
	assert_true(gpa + 8 <= MEM_SIZE);
	cmpxchg_calls++;
	if (race_once) {
		/* Another vCPU sets A first: the walk must notice and walk again. */
		race_once = 0;
		set64(gpa, get64(gpa) | A);
	}
	*done = get64(gpa) == old;
	if (*done)
		set64(gpa, new_val);
	return EMUL_OK;
}

static uint64_t alloc_table(void)
{
	uint64_t t = next_table;

	next_table += PG;
	assert_true(next_table <= MEM_SIZE);
	memset(mem + t, 0, PG);
	return t;
}

static void reset(void)
{
	memset(mem, 0, sizeof(mem));
	next_table = PG;
	cmpxchg_calls = 0;
	race_once = 0;
	memset(&pg, 0, sizeof(pg));
	memset(&fault, 0, sizeof(fault));
	pg.opaque = mem;
	pg.read_pte = read_pte;
	pg.cmpxchg_pte = cmpxchg_pte;
	memset(&walk_cache, 0, sizeof(walk_cache));
	if (use_cache) {
		pg.cache = &walk_cache;
		pg.pte_ptr = pte_ptr;
	}
}

/* 4-level (levels 4) or 5-level (levels 5) paging with CR3 at a new table. */
static uint64_t setup_long(unsigned int levels)
{
	reset();
	pg.cr0 = EMUL_CR0_PE | EMUL_CR0_PG | EMUL_CR0_WP;
	pg.cr4 = EMUL_CR4_PAE | (levels == 5 ? EMUL_CR4_LA57 : 0);
	pg.efer = EMUL_EFER_LME | EMUL_EFER_LMA | EMUL_EFER_NXE;
	pg.cr3 = alloc_table();
	return pg.cr3;
}

/* Map la in the 64-bit-entry hierarchy at root (levels deep; 3 is PAE, whose PDPTEs get only P)
 * with a leaf at leaf_level (1: 4K, 2: 2M/4M, 3: 1G). Returns the leaf entry's address. */
static uint64_t map64(uint64_t root, unsigned int levels, uint64_t la, unsigned int leaf_level,
		      uint64_t pa, uint64_t leaf_flags, uint64_t mid_flags)
{
	uint64_t table = root, eaddr, e;
	unsigned int level;

	for (level = levels; level > leaf_level; level--) {
		eaddr = table + ((la >> (12 + 9 * (level - 1))) & 511) * 8;
		e = get64(eaddr);
		if (!(e & P)) {
			e = alloc_table() | (levels == 3 && level == 3 ? P : mid_flags);
			set64(eaddr, e);
		}
		table = e & ADDR_MASK;
	}
	eaddr = table + ((la >> (12 + 9 * (leaf_level - 1))) & 511) * 8;
	set64(eaddr, pa | leaf_flags | (leaf_level > 1 ? PS : 0));
	return eaddr;
}

/* The entries of la's walk (for checking A bits), top level first. */
static unsigned int walk_entries(uint64_t root, unsigned int levels, uint64_t la, uint64_t out[5])
{
	uint64_t table = root, eaddr, e;
	unsigned int level, n = 0;

	for (level = levels; level >= 1; level--) {
		eaddr = table + ((la >> (12 + 9 * (level - 1))) & 511) * 8;
		out[n++] = eaddr;
		e = get64(eaddr);
		if (level == 1 || (e & PS))
			break;
		table = e & ADDR_MASK;
	}
	return n;
}

static int tr(uint64_t la, unsigned int access, uint64_t *gpa)
{
	struct emul_fault first_fault;
	uint64_t first_gpa;
	int rc, again;

	memset(&fault, 0, sizeof(fault));
	*gpa = 0xdeadbeef;
	rc = emul_paging_translate(&pg, la, access, gpa, &fault);
	if (!use_cache)
		return rc;
	first_gpa = *gpa;
	first_fault = fault;
	memset(&fault, 0, sizeof(fault));
	again = emul_paging_translate(&pg, la, access, gpa, &fault);
	assert_int_equal(again, rc);
	if (rc == EMUL_OK)
		assert_int_equal(*gpa, first_gpa);
	else
		assert_memory_equal(&fault, &first_fault, sizeof(fault));
	return rc;
}

/* la must fault with error_code, leaving memory untouched. */
static void expect_pf_at(uint64_t la, unsigned int access, uint32_t error_code, int line)
{
	static uint8_t before[MEM_SIZE];
	uint64_t gpa;

	memcpy(before, mem, MEM_SIZE);
	_assert_int_equal(tr(la, access, &gpa), EMUL_FAULT, __FILE__, line);
	_assert_int_equal(fault.vector, EMUL_VEC_PF, __FILE__, line);
	_assert_true(fault.error_code_valid, "error_code_valid", __FILE__, line);
	_assert_int_equal(fault.error_code, error_code, __FILE__, line);
	_assert_int_equal(fault.cr2, la, __FILE__, line);
	_assert_memory_equal(before, mem, MEM_SIZE, __FILE__, line);
}

static void expect_ok_at(uint64_t la, unsigned int access, uint64_t want, int line)
{
	uint64_t gpa;

	_assert_int_equal(tr(la, access, &gpa), EMUL_OK, __FILE__, line);
	_assert_int_equal(gpa, want, __FILE__, line);
}

/* Macros, so that a failure names the line of the case. */
#define expect_pf(la, access, ec)   expect_pf_at(la, access, ec, __LINE__)
#define expect_ok(la, access, want) expect_ok_at(la, access, want, __LINE__)

#define PF_P	EMUL_PFERR_P
#define PF_W	EMUL_PFERR_W
#define PF_U	EMUL_PFERR_U
#define PF_RSVD EMUL_PFERR_RSVD
#define PF_I	EMUL_PFERR_I

static void test_paging_disabled(void **state)
{
	(void)state;
	reset();
	pg.cr0 = EMUL_CR0_PE;
	expect_ok(0x12345678, EMUL_ACC_WRITE, 0x12345678);
	expect_ok(0x1ffffffffull, EMUL_ACC_READ, 0xffffffffull);
	assert_int_equal(cmpxchg_calls, 0);
}

static void test_4level_4k_and_ad_bits(void **state)
{
	uint64_t root = setup_long(4), la = 0x00007f1234567abcull, leaf, ent[5], gpa;
	unsigned int n, i;

	(void)state;
	leaf = map64(root, 4, la, 1, 0xabcdef000ull, P | RW | US, P | RW | US);
	n = walk_entries(root, 4, la, ent);
	assert_int_equal(n, 4);
	assert_int_equal(ent[3], leaf);

	expect_ok(la, EMUL_ACC_READ, 0xabcdefabcull);
	for (i = 0; i < n; i++)
		assert_true(get64(ent[i]) & A);
	for (i = 0; i < n; i++)
		assert_false(get64(ent[i]) & D);
	assert_int_equal(cmpxchg_calls, 4);

	/* A already set: nothing written on a second read. */
	expect_ok(la, EMUL_ACC_READ, 0xabcdefabcull);
	assert_int_equal(cmpxchg_calls, 4);

	/* A write sets D on the leaf only. */
	expect_ok(la, EMUL_ACC_WRITE, 0xabcdefabcull);
	assert_int_equal(cmpxchg_calls, 5);
	assert_true(get64(leaf) & D);
	for (i = 0; i < n - 1; i++)
		assert_false(get64(ent[i]) & D);
	assert_int_equal(get64(leaf), 0xabcdef000ull | P | RW | US | A | D);

	/* A lost race: the walk restarts and still sets D. */
	set64(leaf, get64(leaf) & ~(A | D));
	race_once = 1;
	assert_int_equal(tr(la, EMUL_ACC_WRITE, &gpa), EMUL_OK);
	assert_int_equal(gpa, 0xabcdefabcull);
	assert_true((get64(leaf) & (A | D)) == (A | D));

	/* Without cmpxchg_pte no bit is set. */
	set64(leaf, get64(leaf) & ~(A | D));
	pg.cmpxchg_pte = NULL;
	expect_ok(la, EMUL_ACC_WRITE, 0xabcdefabcull);
	assert_false(get64(leaf) & (A | D));
}

static void test_4level_not_present(void **state)
{
	uint64_t root = setup_long(4), la = 0x0000123456789000ull, ent[5];

	(void)state;
	map64(root, 4, la, 1, 0x5000, P | RW | US, P | RW | US);
	walk_entries(root, 4, la, ent);
	pg.cpl = 3;
	expect_pf(la + PG, EMUL_ACC_READ, PF_U); /* PTE not present */
	expect_pf(la + PG, EMUL_ACC_WRITE, PF_W | PF_U);
	expect_pf(la + PG, EMUL_ACC_FETCH, PF_I | PF_U);
	pg.cpl = 0;
	expect_pf(la + PG, EMUL_ACC_READ, 0);
	expect_pf(la + PG, EMUL_ACC_FETCH, PF_I);
	expect_pf(la ^ (1ull << 40), EMUL_ACC_WRITE, PF_W); /* PML4E not present */
	expect_pf(la ^ (1ull << 31), EMUL_ACC_READ, 0); /* PDPTE */
	expect_pf(la ^ (1ull << 22), EMUL_ACC_READ, 0); /* PDE */
	/* Implicit supervisor access at CPL 3: U/S clear. */
	pg.cpl = 3;
	expect_pf(la + PG, EMUL_ACC_IMPL | EMUL_ACC_WRITE, PF_W);
	/* Without NXE and SMEP, I/D stays clear. */
	pg.efer &= ~EMUL_EFER_NXE;
	expect_pf(la + PG, EMUL_ACC_FETCH, PF_U);
	pg.cr4 |= EMUL_CR4_SMEP;
	expect_pf(la + PG, EMUL_ACC_FETCH, PF_I | PF_U);
}

static void test_4level_permissions(void **state)
{
	uint64_t root = setup_long(4);
	uint64_t sup = 0x1000000ull, ro = 0x2000000ull, user = 0x3000000ull,
		 mid_ro = 0x4000000000ull;
	uint64_t nx = 0x5000000ull, mid_nx = 0x8000000000ull, mid_sup = 0x10000000000ull;

	(void)state;
	map64(root, 4, sup, 1, 0x10000, P | RW, P | RW | US);
	map64(root, 4, ro, 1, 0x11000, P | US, P | RW | US);
	map64(root, 4, user, 1, 0x12000, P | RW | US, P | RW | US);
	map64(root, 4, mid_ro, 1, 0x13000, P | RW | US, P | US); /* R/W clear above the PTE */
	map64(root, 4, nx, 1, 0x14000, P | RW | US | XD, P | RW | US);
	map64(root, 4, mid_nx, 1, 0x15000, P | RW | US, P | RW | US | XD);
	map64(root, 4, mid_sup, 1, 0x16000, P | RW | US, P | RW); /* U/S clear above */

	/* User mode. */
	pg.cpl = 3;
	expect_pf(sup, EMUL_ACC_READ, PF_P | PF_U);
	expect_pf(sup, EMUL_ACC_FETCH, PF_P | PF_U | PF_I);
	expect_pf(mid_sup, EMUL_ACC_READ, PF_P | PF_U);
	expect_ok(ro + 8, EMUL_ACC_READ, 0x11008);
	expect_pf(ro, EMUL_ACC_WRITE, PF_P | PF_W | PF_U);
	expect_pf(mid_ro, EMUL_ACC_WRITE, PF_P | PF_W | PF_U);
	pg.cr0 &= ~EMUL_CR0_WP; /* WP does not matter to user mode */
	expect_pf(ro, EMUL_ACC_WRITE, PF_P | PF_W | PF_U);
	pg.cr0 |= EMUL_CR0_WP;
	expect_ok(user, EMUL_ACC_WRITE, 0x12000);
	expect_ok(user, EMUL_ACC_FETCH, 0x12000);
	expect_pf(nx, EMUL_ACC_FETCH, PF_P | PF_U | PF_I);
	expect_ok(nx, EMUL_ACC_WRITE, 0x14000);
	expect_pf(mid_nx, EMUL_ACC_FETCH, PF_P | PF_U | PF_I);
	/* An implicit access at CPL 3 is a supervisor access: supervisor pages are fine. */
	expect_ok(sup, EMUL_ACC_IMPL | EMUL_ACC_WRITE, 0x10000);

	/* Supervisor mode. */
	pg.cpl = 0;
	expect_ok(sup, EMUL_ACC_WRITE, 0x10000);
	expect_ok(sup, EMUL_ACC_FETCH, 0x10000);
	expect_ok(user, EMUL_ACC_WRITE, 0x12000);
	expect_pf(ro, EMUL_ACC_WRITE, PF_P | PF_W);
	expect_pf(mid_ro, EMUL_ACC_WRITE, PF_P | PF_W);
	pg.cr0 &= ~EMUL_CR0_WP;
	expect_ok(ro, EMUL_ACC_WRITE, 0x11000);
	expect_ok(mid_ro, EMUL_ACC_WRITE, 0x13000);
	pg.cr0 |= EMUL_CR0_WP;
	expect_pf(nx, EMUL_ACC_FETCH, PF_P | PF_I);
	expect_pf(mid_nx, EMUL_ACC_FETCH, PF_P | PF_I);

	/* SMEP: no supervisor fetch from a user page; U/S must be set at every level. */
	expect_ok(user, EMUL_ACC_FETCH, 0x12000);
	pg.cr4 |= EMUL_CR4_SMEP;
	expect_pf(user, EMUL_ACC_FETCH, PF_P | PF_I);
	expect_ok(mid_sup, EMUL_ACC_FETCH, 0x16000);
	expect_ok(user, EMUL_ACC_READ, 0x12000);
	pg.cpl = 3;
	expect_ok(user, EMUL_ACC_FETCH, 0x12000);
	pg.cpl = 0;
	pg.cr4 &= ~EMUL_CR4_SMEP;

	/* SMAP: supervisor data accesses to user pages unless AC (explicit accesses only). */
	pg.cr4 |= EMUL_CR4_SMAP;
	expect_pf(user, EMUL_ACC_READ, PF_P);
	expect_pf(user, EMUL_ACC_WRITE, PF_P | PF_W);
	expect_ok(user, EMUL_ACC_FETCH, 0x12000); /* SMAP is not about fetches */
	expect_ok(mid_sup, EMUL_ACC_READ, 0x16000);
	pg.rflags = EMUL_RFLAGS_AC;
	expect_ok(user, EMUL_ACC_READ, 0x12000);
	expect_ok(user, EMUL_ACC_WRITE, 0x12000);
	expect_pf(ro, EMUL_ACC_WRITE, PF_P | PF_W); /* AC does not override R/W */
	expect_pf(user, EMUL_ACC_IMPL, PF_P);
	expect_pf(user, EMUL_ACC_IMPL | EMUL_ACC_WRITE, PF_P | PF_W);
	pg.cpl = 3; /* implicit at CPL 3: still a supervisor access, AC ignored */
	expect_pf(user, EMUL_ACC_IMPL, PF_P);
	expect_ok(user, EMUL_ACC_READ, 0x12000);
	pg.rflags = 0;
	expect_ok(user, EMUL_ACC_READ, 0x12000); /* SMAP does not apply to user mode */
}

static void test_4level_large_pages(void **state)
{
	uint64_t root = setup_long(4), la2m = 0x40000000ull, la1g = 0x8000000000ull, leaf;
	uint64_t ent[5];

	(void)state;
	leaf = map64(root, 4, la2m, 2, 0x7fe00000ull, P | RW | US, P | RW | US);
	expect_ok(la2m + 0x123456, EMUL_ACC_WRITE, 0x7ff23456ull);
	assert_int_equal(walk_entries(root, 4, la2m, ent), 3);
	assert_true(get64(ent[0]) & A);
	assert_true(get64(ent[1]) & A);
	assert_false(get64(ent[1]) & D);
	assert_int_equal(get64(leaf), 0x7fe00000ull | P | RW | US | PS | A | D);
	/* The PAT bit (12) is not an address bit. */
	set64(leaf, get64(leaf) | (1ull << 12));
	expect_ok(la2m + 0x1fffff, EMUL_ACC_READ, 0x7fffffffull);
	/* Bits 20:13 are reserved. */
	set64(leaf, get64(leaf) | (1ull << 13));
	expect_pf(la2m, EMUL_ACC_READ, PF_P | PF_RSVD);
	set64(leaf, get64(leaf) & ~(1ull << 13));
	set64(leaf, get64(leaf) | (1ull << 20));
	expect_pf(la2m, EMUL_ACC_WRITE, PF_P | PF_RSVD | PF_W);

	leaf = map64(root, 4, la1g, 3, 0x1c0000000ull, P | RW, P | RW);
	expect_ok(la1g + 0x3abcdef1ull, EMUL_ACC_READ, 0x1fabcdef1ull);
	assert_true(get64(leaf) & A);
	assert_false(get64(leaf) & D);
	set64(leaf, get64(leaf) | (1ull << 29));
	expect_pf(la1g, EMUL_ACC_READ, PF_P | PF_RSVD);
	set64(leaf, get64(leaf) & ~(1ull << 29));
	set64(leaf, get64(leaf) | (1ull << 13));
	pg.cpl = 3;
	expect_pf(la1g, EMUL_ACC_FETCH, PF_P | PF_RSVD | PF_U | PF_I);
}

static void test_4level_reserved_bits(void **state)
{
	uint64_t root = setup_long(4), la = 0x600000ull, ent[5], save;
	unsigned int i;

	(void)state;
	map64(root, 4, la, 1, 0x20000, P | RW | US, P | RW | US);
	assert_int_equal(walk_entries(root, 4, la, ent), 4);
	pg.maxphyaddr = 40;
	expect_ok(la, EMUL_ACC_READ, 0x20000);
	for (i = 0; i < 4; i++) {
		save = get64(ent[i]);
		/* Bit M..51 reserved at every level. */
		set64(ent[i], save | (1ull << 40));
		expect_pf(la, EMUL_ACC_READ, PF_P | PF_RSVD);
		set64(ent[i], save | (1ull << 51));
		expect_pf(la, EMUL_ACC_WRITE, PF_P | PF_RSVD | PF_W);
		/* Bits 62:52 are ignored. */
		set64(ent[i], save | (1ull << 52) | (1ull << 58));
		expect_ok(la, EMUL_ACC_READ, 0x20000);
		/* XD is reserved without NXE. */
		set64(ent[i], save | XD);
		pg.efer &= ~EMUL_EFER_NXE;
		expect_pf(la, EMUL_ACC_READ, PF_P | PF_RSVD);
		pg.cpl = 3;
		expect_pf(la, EMUL_ACC_FETCH, PF_P | PF_RSVD | PF_U);
		pg.cpl = 0;
		pg.efer |= EMUL_EFER_NXE;
		set64(ent[i], save);
	}
	/* PS is reserved in the PML4E. */
	save = get64(ent[0]);
	set64(ent[0], save | PS);
	expect_pf(la, EMUL_ACC_READ, PF_P | PF_RSVD);
	set64(ent[0], save);
	/* The reserved-bit fault comes before a permission fault at a lower level. */
	save = get64(ent[2]);
	set64(ent[3], get64(ent[3]) & ~US);
	set64(ent[2], save | (1ull << 45));
	pg.cpl = 3;
	expect_pf(la, EMUL_ACC_READ, PF_P | PF_RSVD | PF_U);
	set64(ent[2], save);
	expect_pf(la, EMUL_ACC_READ, PF_P | PF_U);
	/* M = 52 (the default): no address bit reserved. */
	pg.cpl = 0;
	pg.maxphyaddr = 0;
	set64(ent[3], get64(ent[3]) | (1ull << 51));
	expect_ok(la, EMUL_ACC_READ, 0x8000000020000ull);
}

static void test_5level(void **state)
{
	uint64_t root = setup_long(5), la = 0xff5a123456789123ull & 0x01ffffffffffffffull, ent[5];
	unsigned int i;

	(void)state;
	la |= 0xfe00000000000000ull; /* canonical with bit 56 set */
	map64(root, 5, la, 1, 0x77000, P | RW | US, P | RW | US);
	assert_int_equal(walk_entries(root, 5, la, ent), 5);
	expect_ok(la, EMUL_ACC_WRITE, 0x77123);
	for (i = 0; i < 5; i++)
		assert_true(get64(ent[i]) & A);
	assert_true(get64(ent[4]) & D);
	/* A different PML5 index is not mapped. */
	expect_pf(la ^ (1ull << 50), EMUL_ACC_READ, 0);
	/* Without LA57 the same tables are walked from the PML5 as if it were a PML4. */
	pg.cr4 &= ~EMUL_CR4_LA57;
	expect_pf(la, EMUL_ACC_READ, 0);
	pg.cr4 |= EMUL_CR4_LA57;
	/* PS is reserved in the PML5E; U/S in the PML5E counts. */
	set64(ent[0], get64(ent[0]) | PS);
	expect_pf(la, EMUL_ACC_READ, PF_P | PF_RSVD);
	set64(ent[0], (get64(ent[0]) & ~PS) & ~US);
	pg.cpl = 3;
	expect_pf(la, EMUL_ACC_READ, PF_P | PF_U);
	/* 1G page under 5-level. */
	pg.cpl = 0;
	map64(root, 5, 0x40000000ull, 3, 0x80000000ull, P | RW, P | RW);
	expect_ok(0x40000000ull + 0x12345678, EMUL_ACC_READ, 0x92345678ull);
}

static void setup_pae(void)
{
	reset();
	pg.cr0 = EMUL_CR0_PE | EMUL_CR0_PG | EMUL_CR0_WP;
	pg.cr4 = EMUL_CR4_PAE;
	pg.efer = EMUL_EFER_NXE;
	pg.cr3 = alloc_table() | 0x18; /* PWT/PCD ignored */
}

static void test_pae(void **state)
{
	uint64_t la = 0xc0401234ull, la2m = 0x80200000ull, pdpt, leaf, ent[5], save;
	uint64_t pdptes[4];

	(void)state;
	setup_pae();
	pdpt = pg.cr3 & ~0x1full;
	leaf = map64(pdpt, 3, la, 1, 0x123456000ull, P | RW | US, P | RW | US);
	assert_int_equal(walk_entries(pdpt, 3, la, ent), 3);
	expect_ok(la, EMUL_ACC_WRITE, 0x123456234ull);
	assert_int_equal(get64(ent[0]), (get64(ent[0]) & ADDR_MASK) | P); /* PDPTE: no A bit */
	assert_true(get64(ent[1]) & A);
	assert_int_equal(get64(leaf) & (A | D), A | D);
	/* Linear addresses are 32 bits. */
	expect_ok(la | (1ull << 32), EMUL_ACC_READ, 0x123456234ull);

	/* NX. */
	set64(leaf, get64(leaf) | XD);
	expect_pf(la, EMUL_ACC_FETCH, PF_P | PF_I);
	pg.efer &= ~EMUL_EFER_NXE;
	expect_pf(la, EMUL_ACC_READ, PF_P | PF_RSVD);
	expect_pf(la, EMUL_ACC_FETCH, PF_P | PF_RSVD); /* no I/D without NXE or SMEP */
	pg.efer |= EMUL_EFER_NXE;
	set64(leaf, get64(leaf) & ~XD);
	/* Bits 62:M are reserved in PAE entries (unlike 4-level). */
	set64(leaf, get64(leaf) | (1ull << 60));
	expect_pf(la, EMUL_ACC_READ, PF_P | PF_RSVD);
	set64(leaf, get64(leaf) & ~(1ull << 60));

	/* PDPTE reserved bits (2:1, 8:5, 63:M) and not present. */
	save = get64(ent[0]);
	set64(ent[0], save | RW);
	expect_pf(la, EMUL_ACC_READ, PF_P | PF_RSVD);
	set64(ent[0], save | (1ull << 8));
	expect_pf(la, EMUL_ACC_READ, PF_P | PF_RSVD);
	set64(ent[0], save | XD);
	expect_pf(la, EMUL_ACC_READ, PF_P | PF_RSVD);
	set64(ent[0], save & ~P);
	pg.cpl = 3;
	expect_pf(la, EMUL_ACC_WRITE, PF_W | PF_U);
	pg.cpl = 0;
	/* The PDPTEs the processor cached win over memory. */
	pdptes[0] = pdptes[1] = pdptes[2] = 0;
	pdptes[3] = save;
	pg.pdptes = pdptes;
	expect_ok(la, EMUL_ACC_READ, 0x123456234ull);
	pdptes[3] = 0;
	set64(ent[0], save);
	expect_pf(la, EMUL_ACC_READ, 0);
	pg.pdptes = NULL;

	/* 2M page. */
	leaf = map64(pdpt, 3, la2m, 2, 0x3fe00000ull, P | US, P | RW | US);
	expect_ok(la2m + 0x1abcde, EMUL_ACC_READ, 0x3ffabcdeull);
	pg.cpl = 3;
	expect_pf(la2m, EMUL_ACC_WRITE, PF_P | PF_W | PF_U);
	pg.cpl = 0;
	set64(leaf, get64(leaf) | (1ull << 16));
	expect_pf(la2m, EMUL_ACC_READ, PF_P | PF_RSVD);
}

/* 32-bit paging entries. */
static void map32(uint64_t pd, uint32_t la, uint32_t pde, uint64_t pt, uint32_t pte)
{
	set32(pd + (la >> 22) * 4, pde);
	if (pt)
		set32(pt + ((la >> 12) & 1023) * 4, pte);
}

static void test_32bit(void **state)
{
	uint64_t pd, pt, gpa;
	uint32_t la = 0x80403abcu, la4m = 0x00c00000u;

	(void)state;
	reset();
	pg.cr0 = EMUL_CR0_PE | EMUL_CR0_PG | EMUL_CR0_WP;
	pg.efer = EMUL_EFER_NXE; /* no effect without PAE */
	pd = alloc_table();
	pt = alloc_table();
	pg.cr3 = pd;
	/* PTE index 3: the high half of a quadword, whose low half must survive. */
	map32(pd, la, (uint32_t)pt | P | RW | US, pt, 0x5000 | P | RW | US);
	set32(pt + 2 * 4, 0xa5a5a5a5);
	expect_ok(la, EMUL_ACC_WRITE, 0x5abc);
	assert_int_equal(get32(pd + (la >> 22) * 4), (uint32_t)pt | P | RW | US | A);
	assert_int_equal(get32(pt + 3 * 4), 0x5000 | P | RW | US | A | D);
	assert_int_equal(get32(pt + 2 * 4), 0xa5a5a5a5);
	expect_ok(la | (1ull << 40), EMUL_ACC_READ, 0x5abc);

	/* Bit 31 is an address bit, not XD; and there are no reserved bits in 4K entries. */
	set32(pt + 3 * 4, 0x80005000u | P | US | (1u << 8) | (1u << 7));
	pg.cpl = 3;
	expect_ok(la, EMUL_ACC_FETCH, 0x80005abcull);
	expect_pf(la, EMUL_ACC_WRITE, PF_P | PF_W | PF_U);
	expect_pf(la + 0x1000, EMUL_ACC_FETCH, PF_U); /* no I/D without SMEP */
	pg.cr4 |= EMUL_CR4_SMEP;
	expect_pf(la + 0x1000, EMUL_ACC_FETCH, PF_U | PF_I);
	pg.cpl = 0;
	expect_pf(la, EMUL_ACC_FETCH, PF_P | PF_I);
	pg.cr4 &= ~EMUL_CR4_SMEP;

	/* 4M page: with CR4.PSE, PDE.PS; bits 20:13 are address bits 39:32 (PSE-36). */
	map32(pd, la4m, 0x00400000u | P | RW | PS | (0x12u << 13), 0, 0);
	pg.cr4 |= EMUL_CR4_PSE;
	expect_ok(la4m + 0x3fffff, EMUL_ACC_WRITE, 0x12007fffffull);
	assert_int_equal(get32(pd + (la4m >> 22) * 4),
			 0x00400000u | P | RW | PS | (0x12u << 13) | A | D);
	/* Bit 21 is reserved; bits 20:13 above M are. */
	set32(pd + (la4m >> 22) * 4, get32(pd + (la4m >> 22) * 4) | (1u << 21));
	expect_pf(la4m, EMUL_ACC_READ, PF_P | PF_RSVD);
	set32(pd + (la4m >> 22) * 4, get32(pd + (la4m >> 22) * 4) & ~(1u << 21));
	pg.maxphyaddr = 36; /* 0x12 has bit 4 (address bit 36) set */
	expect_pf(la4m, EMUL_ACC_READ, PF_P | PF_RSVD);
	pg.maxphyaddr = 37;
	expect_ok(la4m, EMUL_ACC_READ, 0x1200400000ull);
	/* Without CR4.PSE the PS bit is ignored: the PDE points to a page table. */
	pg.cr4 &= ~EMUL_CR4_PSE;
	assert_int_equal(tr(la4m, EMUL_ACC_READ, &gpa), EMUL_ERROR);
	(void)gpa;
}

static void test_smap_32bit_and_wp(void **state)
{
	uint64_t pd, pt;
	uint32_t la = 0x00401000u;

	(void)state;
	reset();
	pg.cr0 = EMUL_CR0_PE | EMUL_CR0_PG;
	pg.cr4 = EMUL_CR4_SMAP;
	pd = alloc_table();
	pt = alloc_table();
	pg.cr3 = pd;
	map32(pd, la, (uint32_t)pt | P | US, pt, 0x9000 | P | RW | US); /* R/W clear in the PDE */
	expect_pf(la, EMUL_ACC_WRITE, PF_P | PF_W);
	pg.rflags = EMUL_RFLAGS_AC;
	expect_ok(la, EMUL_ACC_WRITE, 0x9000); /* WP = 0 */
	pg.cr0 |= EMUL_CR0_WP;
	expect_pf(la, EMUL_ACC_WRITE, PF_P | PF_W);
	expect_ok(la, EMUL_ACC_READ, 0x9000);
}

/* The cache: a hit reads each remembered entry once and nothing else; any change to an entry,
 * the key or the access sends the walk down the full path, with the full path's answer. */
static void test_walk_cache(void **state)
{
	uint64_t root = setup_long(4), gpa, e[5], leaf;
	unsigned int n;

	pg.cache = &walk_cache;
	pg.pte_ptr = pte_ptr;
	leaf = map64(root, 4, 0x401000, 1, 0x9000, P | RW | US, P | RW | US);
	n = walk_entries(root, 4, 0x401000, e);
	assert_int_equal(n, 4);

	/* First walk fills; the second hits: four entry reads through the pointers, none through
	 * read_pte, no A/D update. */
	assert_int_equal(tr(0x401123, EMUL_ACC_FETCH, &gpa), EMUL_OK);
	assert_int_equal(gpa, 0x9123);
	assert_true(walk_cache.valid);
	read_pte_calls = cmpxchg_calls = 0;
	assert_int_equal(tr(0x401fff, EMUL_ACC_FETCH, &gpa), EMUL_OK);
	assert_int_equal(gpa, 0x9fff);
	assert_int_equal(read_pte_calls, 0);
	assert_int_equal(cmpxchg_calls, 0);

	/* A remap of the leaf (without any invalidation) is seen at once. */
	set64(leaf, 0xa000 | P | RW | US | A);
	expect_ok(0x401010, EMUL_ACC_FETCH, 0xa010);

	/* The guest clears an A bit: the full walk runs and sets it again. */
	set64(e[0], get64(e[0]) & ~A);
	cmpxchg_calls = 0;
	expect_ok(0x401010, EMUL_ACC_FETCH, 0xa010);
	assert_int_equal(cmpxchg_calls, 1);
	assert_true(get64(e[0]) & A);

	/* Another page, another access kind, CPL or CR3: a miss, answered by the full walk. */
	expect_pf(0x402000, EMUL_ACC_FETCH, EMUL_PFERR_I);
	assert_false(walk_cache.valid); /* faults are not remembered */
	expect_ok(0x401010, EMUL_ACC_FETCH, 0xa010);
	expect_ok(0x401010, EMUL_ACC_WRITE, 0xa010);
	assert_true(get64(leaf) & D);
	set64(leaf, get64(leaf) & ~US);
	pg.cpl = 3;
	expect_pf(0x401010, EMUL_ACC_READ, EMUL_PFERR_P | EMUL_PFERR_U);
	pg.cpl = 0;
	expect_ok(0x401010, EMUL_ACC_READ, 0xa010);
	pg.cr3 = alloc_table();
	expect_pf(0x401010, EMUL_ACC_READ, 0);

	/* No host pointer for the entries: nothing is remembered. */
	pg.cr3 = root;
	pg.pte_ptr = NULL;
	walk_cache.valid = false;
	expect_ok(0x401010, EMUL_ACC_READ, 0xa010);
	assert_false(walk_cache.valid);
}

static int cache_on(void **state)
{
	use_cache = true;
	return 0;
}

static int cache_off(void **state)
{
	use_cache = false;
	return 0;
}

#define BOTH(t) cmocka_unit_test(t), cmocka_unit_test_setup_teardown(t, cache_on, cache_off)

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(test_paging_disabled),
		BOTH(test_4level_4k_and_ad_bits),
		BOTH(test_4level_not_present),
		BOTH(test_4level_permissions),
		BOTH(test_4level_large_pages),
		BOTH(test_4level_reserved_bits),
		BOTH(test_5level),
		BOTH(test_pae),
		BOTH(test_32bit),
		BOTH(test_smap_32bit_and_wp),
		cmocka_unit_test(test_walk_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
