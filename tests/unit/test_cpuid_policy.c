// SPDX-License-Identifier: MIT
/* What CPUID tells a plinth guest, and which XCR0 values XSETBV accepts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/cpuid_policy.h"
#include "arch/x86/cpu.h"
#include "core/errno.h"
#include "tests/unit/test_rng.h"

#define E(l, s, a, b, c, d)                                                                 \
	{                                                                                   \
		.leaf = (l), .subleaf = (s), .eax = (a), .ebx = (b), .ecx = (c), .edx = (d) \
	}

/*
 * An Intel Core i7-7800X (Skylake-X) with post-2018 microcode, leaf by leaf; leaves 2, 4, 0xa,
 * 0x15, 0x16 and the extended ones as Bochs's corei7_skylake_x model reports them. SGX (7.0
 * EBX[2]) is set although this part has it fused off, to check that it is hidden.
 */
static const struct cpuid_entry skylake_x[] = {
	E(0x0, 0, 0x00000016, 0x756e6547, 0x6c65746e, 0x49656e69),
	E(0x1, 0, 0x00050654, 0x02100800, 0x7ffefbff, 0xbfebfbff),
	E(0x2, 0, 0x76036301, 0x00f0b5ff, 0x00000000, 0x00c30000),
	E(0x3, 0, 0, 0, 0, 0),
	E(0x4, 0, 0x1c004121, 0x01c0003f, 0x0000003f, 0x00000000),
	E(0x4, 1, 0x1c004122, 0x01c0003f, 0x0000003f, 0x00000000),
	E(0x4, 2, 0x1c004143, 0x03c0003f, 0x000003ff, 0x00000000),
	E(0x4, 3, 0x1c03c163, 0x0280003f, 0x00002fff, 0x00000004),
	E(0x5, 0, 0x00000040, 0x00000040, 0x00000003, 0x00002020),
	E(0x6, 0, 0x00000077, 0x00000002, 0x00000009, 0x00000000),
	E(0x7, 0, 0x00000000, 0xd39fffff, 0x00000018, 0xbc000400),
	E(0x8, 0, 0, 0, 0, 0),
	E(0x9, 0, 0, 0, 0, 0),
	E(0xa, 0, 0x07300404, 0x00000000, 0x00000000, 0x00000603),
	E(0xb, 0, 0x00000001, 0x00000002, 0x00000100, 0x00000002),
	E(0xb, 1, 0x00000004, 0x0000000c, 0x00000201, 0x00000002),
	E(0xc, 0, 0, 0, 0, 0),
	E(0xd, 0, 0x000002ff, 0x00000a88, 0x00000a88, 0x00000000),
	E(0xd, 1, 0x0000000f, 0x00000988, 0x00000100, 0x00000000),
	E(0xd, 2, 0x00000100, 0x00000240, 0x00000000, 0x00000000),
	E(0xd, 3, 0x00000040, 0x000003c0, 0x00000000, 0x00000000),
	E(0xd, 4, 0x00000040, 0x00000400, 0x00000000, 0x00000000),
	E(0xd, 5, 0x00000040, 0x00000440, 0x00000000, 0x00000000),
	E(0xd, 6, 0x00000200, 0x00000480, 0x00000000, 0x00000000),
	E(0xd, 7, 0x00000400, 0x00000680, 0x00000000, 0x00000000),
	E(0xd, 8, 0x00000080, 0x00000000, 0x00000001, 0x00000000),
	E(0xd, 9, 0x00000008, 0x00000a80, 0x00000000, 0x00000000),
	E(0xe, 0, 0, 0, 0, 0),
	E(0xf, 0, 0x00000000, 0x000000df, 0x00000000, 0x00000002),
	E(0x10, 0, 0x00000000, 0x0000000a, 0x00000000, 0x00000000),
	E(0x11, 0, 0, 0, 0, 0),
	E(0x12, 0, 0, 0, 0, 0),
	E(0x13, 0, 0, 0, 0, 0),
	E(0x14, 0, 0x00000001, 0x0000000f, 0x00000007, 0x00000000),
	E(0x15, 0, 0x00000002, 0x00000124, 0x00000000, 0x00000000),
	E(0x16, 0, 0x00000dac, 0x00000fa0, 0x00000064, 0x00000000),
	E(0x80000000, 0, 0x80000008, 0, 0, 0),
	E(0x80000001, 0, 0x00000000, 0x00000000, 0x00000121, 0x2c100800),
	E(0x80000002, 0, 0x65746e49, 0x2952286c, 0x726f4320, 0x4d542865),
	E(0x80000003, 0, 0x37692029, 0x3038372d, 0x43205830, 0x40205550),
	E(0x80000004, 0, 0x352e3320, 0x7a484730, 0x00000000, 0x00000000),
	E(0x80000005, 0, 0, 0, 0, 0),
	E(0x80000006, 0, 0x00000000, 0x00000000, 0x04008040, 0x00000000),
	E(0x80000007, 0, 0x00000000, 0x00000000, 0x00000000, 0x00000100),
	E(0x80000008, 0, 0x0000302e, 0x00000000, 0x00000000, 0x00000000),
};

/* An AMD EPYC 7763 (Zen 3, Milan), as published CPUID dumps show it (APIC ID 0). */
static const struct cpuid_entry epyc_milan[] = {
	E(0x0, 0, 0x00000010, 0x68747541, 0x444d4163, 0x69746e65),
	E(0x1, 0, 0x00a00f11, 0x00800800, 0x7ef8320b, 0x178bfbff),
	E(0x5, 0, 0x00000040, 0x00000040, 0x00000003, 0x00000011),
	E(0x6, 0, 0x00000004, 0x00000000, 0x00000001, 0x00000000),
	E(0x7, 0, 0x00000000, 0x219c97a9, 0x0040069c, 0x00000010),
	E(0xb, 0, 0x00000001, 0x00000002, 0x00000100, 0x00000000),
	E(0xb, 1, 0x00000007, 0x00000080, 0x00000201, 0x00000000),
	E(0xd, 0, 0x00000207, 0x00000340, 0x00000988, 0x00000000),
	E(0xd, 1, 0x0000000f, 0x00000340, 0x00001800, 0x00000000),
	E(0xd, 2, 0x00000100, 0x00000240, 0x00000000, 0x00000000),
	E(0xd, 9, 0x00000008, 0x00000980, 0x00000000, 0x00000000),
	E(0xd, 11, 0x00000010, 0x00000000, 0x00000001, 0x00000000),
	E(0xd, 12, 0x00000018, 0x00000000, 0x00000001, 0x00000000),
	E(0x10, 0, 0x00000000, 0x00000002, 0x00000000, 0x00000000),
	E(0x80000000, 0, 0x80000023, 0x68747541, 0x444d4163, 0x69746e65),
	E(0x80000001, 0, 0x00a00f11, 0x40000000, 0x75c237ff, 0x2fd3fbff),
	E(0x80000002, 0, 0x20444d41, 0x43595045, 0x36373720, 0x34362033),
	E(0x80000003, 0, 0x726f432d, 0x72502065, 0x7365636f, 0x00726f73),
	E(0x80000004, 0, 0, 0, 0, 0),
	E(0x80000005, 0, 0xff40ff40, 0xff40ff40, 0x20080140, 0x20080140),
	E(0x80000006, 0, 0x26006400, 0x66006400, 0x02006140, 0x00009140),
	E(0x80000007, 0, 0x00000000, 0x0000003b, 0x00000000, 0x00006799),
	E(0x80000008, 0, 0x00003030, 0x111ef657, 0x0000707f, 0x00010007),
};

static struct cpuid_snapshot snapshot_of(const struct cpuid_entry *e, unsigned int n)
{
	struct cpuid_snapshot s;

	assert_true(n <= CPUID_MAX_ENTRIES);
	memset(&s, 0, sizeof(s));
	memcpy(s.entries, e, n * sizeof(*e));
	s.n = n;
	return s;
}

static struct cpuid_entry *snap_entry(struct cpuid_snapshot *s, uint32_t leaf, uint32_t subleaf)
{
	for (unsigned int i = 0; i < s->n; i++)
		if (s->entries[i].leaf == leaf && s->entries[i].subleaf == subleaf)
			return &s->entries[i];
	fail_msg("no leaf %#x.%u in the snapshot", leaf, subleaf);
	return NULL;
}

static void build_ok(struct cpuid_policy *p, const struct cpuid_snapshot *s, unsigned int nr_vcpus)
{
	assert_int_equal(cpuid_policy_build(p, s, nr_vcpus), 0);
}

static struct cpuid_policy *skx_policy(unsigned int nr_vcpus)
{
	static struct cpuid_policy p;
	struct cpuid_snapshot s = snapshot_of(skylake_x, ARRAY_SIZE(skylake_x));

	build_ok(&p, &s, nr_vcpus);
	return &p;
}

static const struct cpuid_vcpu_state vcpu0 = { .apic_id = 0, .cr4_osxsave = true, .xcr0 = 7 };

enum { EAX, EBX, ECX, EDX };

static void q(const struct cpuid_policy *p, uint32_t leaf, uint32_t subleaf,
	      const struct cpuid_vcpu_state *st, uint32_t out[4])
{
	memset(out, 0xa5, 4 * sizeof(uint32_t));
	cpuid_policy_lookup(p, leaf, subleaf, st, out);
}

static void assert_regs(const uint32_t r[4], uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	assert_int_equal(r[EAX], a);
	assert_int_equal(r[EBX], b);
	assert_int_equal(r[ECX], c);
	assert_int_equal(r[EDX], d);
}

/* ---- the reference: KVM's semantics, by a linear scan over the policy's own entries ---- */

static const struct cpuid_entry *ref_find(const struct cpuid_policy *p, uint32_t leaf,
					  uint32_t subleaf)
{
	for (unsigned int i = 0; i < p->n; i++) {
		const struct cpuid_entry *e = &p->entries[i];

		if (e->leaf == leaf && (!(e->flags & CPUID_ENTRY_INDEXED) || e->subleaf == subleaf))
			return e;
	}
	return NULL;
}

static uint32_t ref_xsave_bytes(const struct cpuid_policy *p, uint64_t xcr0, bool compacted)
{
	uint32_t bytes = 576;

	for (unsigned int i = 2; i < 64; i++) {
		const struct cpuid_entry *c = ref_find(p, 0xd, i);

		if (!(xcr0 & BIT(i)) || !c)
			continue;
		if (!compacted) {
			bytes = MAX(bytes, c->ebx + c->eax);
			continue;
		}
		if (c->ecx & 2)
			bytes = (bytes + 63) & ~63u;
		bytes += c->eax;
	}
	return bytes;
}

static void ref_lookup(const struct cpuid_policy *p, uint32_t leaf, uint32_t subleaf,
		       const struct cpuid_vcpu_state *st, uint32_t out[4])
{
	const struct cpuid_entry *e;

	memset(out, 0, 4 * sizeof(uint32_t));
	if (leaf >= 0x40000000 && leaf <= 0x4fffffff) {
		if (leaf > 0x40000001)
			return;
	} else if (leaf >= 0x80000000) {
		if (leaf > p->max_extended)
			leaf = p->max_basic;
	} else if (leaf > p->max_basic) {
		leaf = p->max_basic;
	}
	e = ref_find(p, leaf, subleaf);
	if (e) {
		out[EAX] = e->eax;
		out[EBX] = e->ebx;
		out[ECX] = e->ecx;
		out[EDX] = e->edx;
	}
	if (leaf == 1 && e) {
		out[EBX] |= (st->apic_id & 0xff) << 24;
		if (st->cr4_osxsave && (out[ECX] & BIT(26)))
			out[ECX] |= BIT(27);
	}
	if (leaf == 0xb || leaf == 0x1f) {
		out[EDX] = st->apic_id;
		if (!e)
			out[ECX] = subleaf & 0xff;
	}
	if (leaf == 0xd && e && subleaf <= 1)
		out[EBX] = ref_xsave_bytes(p, st->xcr0 & p->xcr0_allowed, subleaf == 1);
}

static void check_table_sorted(const struct cpuid_policy *p)
{
	assert_true(p->n > 0 && p->n <= CPUID_MAX_ENTRIES);
	for (unsigned int i = 1; i < p->n; i++) {
		const struct cpuid_entry *a = &p->entries[i - 1], *b = &p->entries[i];

		assert_true(a->leaf < b->leaf || (a->leaf == b->leaf && a->subleaf < b->subleaf));
	}
	for (unsigned int i = 0; i < p->n; i++)
		if (!(p->entries[i].flags & CPUID_ENTRY_INDEXED))
			assert_int_equal(p->entries[i].subleaf, 0);
}

static void check_against_reference(const struct cpuid_policy *p)
{
	static const uint32_t extra_leaves[] = {
		0x3fffffff, 0x40000000, 0x40000001, 0x40000002, 0x400000ff, 0x40000100,
		0x4fffffff, 0x50000000, 0x7fffffff, 0x80000000, 0x80000001, 0x80000007,
		0x80000008, 0x80000009, 0x8000000a, 0x8000001d, 0x8000ffff, 0x80010000,
		0xc0000000, 0xc0000001, 0xfffffffe, 0xffffffff,
	};
	static const uint32_t subleaves[] = { 0, 1, 2, 3, 5, 7, 9, 0x11, 0xff, 0x100, 0xffffffff };
	static const struct cpuid_vcpu_state states[] = {
		{ .apic_id = 0, .cr4_osxsave = false, .xcr0 = 1 },
		{ .apic_id = 1, .cr4_osxsave = true, .xcr0 = 3 },
		{ .apic_id = 7, .cr4_osxsave = true, .xcr0 = 7 },
		{ .apic_id = 0x7f, .cr4_osxsave = true, .xcr0 = 0xe7 },
		{ .apic_id = 0x1234,
		  .cr4_osxsave = true,
		  .xcr0 = 0x602ff }, /* beyond what is allowed */
	};
	uint32_t want[4], got[4];

	check_table_sorted(p);
	for (unsigned int s = 0; s < ARRAY_SIZE(states); s++) {
		for (uint32_t leaf = 0; leaf < 0x28 + ARRAY_SIZE(extra_leaves); leaf++) {
			uint32_t l = leaf < 0x28 ? leaf : extra_leaves[leaf - 0x28];

			for (unsigned int k = 0; k < ARRAY_SIZE(subleaves); k++) {
				ref_lookup(p, l, subleaves[k], &states[s], want);
				q(p, l, subleaves[k], &states[s], got);
				if (memcmp(want, got, sizeof(want)))
					fail_msg("leaf %#x.%#x state %u: want %08x %08x %08x %08x, "
						 "got %08x %08x %08x %08x",
						 l, subleaves[k], s, want[0], want[1], want[2],
						 want[3], got[0], got[1], got[2], got[3]);
			}
		}
		for (unsigned int i = 0; i < p->n; i++) {
			for (uint32_t d = 0; d < 3; d++) {
				uint32_t l = p->entries[i].leaf, sub = p->entries[i].subleaf + d;

				ref_lookup(p, l, sub, &states[s], want);
				q(p, l, sub, &states[s], got);
				assert_memory_equal(want, got, sizeof(want));
			}
		}
	}
}

/* ---- what a guest notices ---- */

static void test_build_refuses_what_it_cannot_use(void **state)
{
	struct cpuid_policy p;
	struct cpuid_snapshot s = snapshot_of(skylake_x, ARRAY_SIZE(skylake_x));
	struct cpuid_snapshot only_leaf0 = snapshot_of(skylake_x, 1);
	struct cpuid_snapshot no_leaf0 = snapshot_of(skylake_x + 1, ARRAY_SIZE(skylake_x) - 1);

	assert_int_equal(cpuid_policy_build(&p, &only_leaf0, 1), -EINVAL);
	assert_int_equal(cpuid_policy_build(&p, &no_leaf0, 1), -EINVAL);
	assert_int_equal(cpuid_policy_build(&p, &s, 0), -EINVAL);
	assert_int_equal(cpuid_policy_build(&p, &s, CPUID_POLICY_MAX_VCPUS + 1), -EINVAL);
	assert_int_equal(cpuid_policy_build(&p, &s, CPUID_POLICY_MAX_VCPUS), 0);
}

static void test_vmx_hidden_and_hypervisor_bit_set(void **state)
{
	struct cpuid_policy *p = skx_policy(1);
	uint32_t r[4];

	q(p, 1, 0, &vcpu0, r);
	assert_int_equal(r[EAX], 0x00050654);
	assert_true(r[ECX] & CPUID_1_ECX_HYPERVISOR);
	assert_false(r[ECX] &
		     (CPUID_1_ECX_VMX | CPUID_1_ECX_SMX | CPUID_1_ECX_MONITOR | CPUID_1_ECX_DTES64 |
		      CPUID_1_ECX_DS_CPL | CPUID_1_ECX_EST | CPUID_1_ECX_TM2 | CPUID_1_ECX_XTPR |
		      CPUID_1_ECX_PDCM | CPUID_1_ECX_SDBG | CPUID_1_ECX_X2APIC |
		      CPUID_1_ECX_TSC_DEADLINE | CPUID_1_ECX_DCA | CPUID_1_ECX_CNXT_ID));
	assert_int_equal(r[ECX] & (CPUID_1_ECX_SSE3 | CPUID_1_ECX_SSSE3 | CPUID_1_ECX_SSE4_2 |
				   CPUID_1_ECX_AES | CPUID_1_ECX_XSAVE | CPUID_1_ECX_AVX |
				   CPUID_1_ECX_FMA | CPUID_1_ECX_PCID | CPUID_1_ECX_RDRAND),
			 CPUID_1_ECX_SSE3 | CPUID_1_ECX_SSSE3 | CPUID_1_ECX_SSE4_2 |
				 CPUID_1_ECX_AES | CPUID_1_ECX_XSAVE | CPUID_1_ECX_AVX |
				 CPUID_1_ECX_FMA | CPUID_1_ECX_PCID | CPUID_1_ECX_RDRAND);
	assert_false(r[EDX] &
		     (CPUID_1_EDX_APIC | CPUID_1_EDX_MTRR | CPUID_1_EDX_MCE | CPUID_1_EDX_MCA |
		      CPUID_1_EDX_DS | CPUID_1_EDX_ACPI | CPUID_1_EDX_TM | CPUID_1_EDX_PBE |
		      CPUID_1_EDX_PSN | CPUID_1_EDX_HTT));
	assert_int_equal(r[EDX] & (CPUID_1_EDX_FPU | CPUID_1_EDX_TSC | CPUID_1_EDX_PAE |
				   CPUID_1_EDX_SSE2 | CPUID_1_EDX_FXSR | CPUID_1_EDX_PAT),
			 CPUID_1_EDX_FPU | CPUID_1_EDX_TSC | CPUID_1_EDX_PAE | CPUID_1_EDX_SSE2 |
				 CPUID_1_EDX_FXSR | CPUID_1_EDX_PAT);
	/* CLFLUSH line size from the host, one logical processor, APIC ID of the vCPU. */
	assert_int_equal(r[EBX], 0x00010800);
}

static void test_plinth_signature_leaves(void **state)
{
	struct cpuid_policy *p = skx_policy(2);
	uint32_t r[4];
	char sig[13];

	q(p, 0x40000000, 0, &vcpu0, r);
	assert_regs(r, PLINTH_CPUID_MAX_LEAF, PLINTH_CPUID_SIGNATURE_EBX,
		    PLINTH_CPUID_SIGNATURE_ECX, PLINTH_CPUID_SIGNATURE_EDX);
	memcpy(sig, &r[EBX], 12);
	sig[12] = 0;
	assert_string_equal(sig, PLINTH_CPUID_SIGNATURE);
	q(p, 0x40000001, 5, &vcpu0, r);
	assert_regs(r, PLINTH_ABI_VERSION, 0, 0, 0);
	q(p, 0x40000002, 0, &vcpu0, r);
	assert_regs(r, 0, 0, 0, 0);
	q(p, 0x40000100, 0, &vcpu0, r);
	assert_regs(r, 0, 0, 0, 0);
	q(p, 0x4fffffff, 0, &vcpu0, r);
	assert_regs(r, 0, 0, 0, 0);
}

static void test_apic_id_is_the_vcpus(void **state)
{
	struct cpuid_policy *p = skx_policy(4);
	struct cpuid_vcpu_state st = vcpu0;
	uint32_t r[4];

	for (st.apic_id = 0; st.apic_id < 4; st.apic_id++) {
		q(p, 1, 0, &st, r);
		assert_int_equal(r[EBX] >> 24, st.apic_id);
		for (uint32_t sub = 0; sub < 4; sub++) {
			q(p, 0xb, sub, &st, r);
			assert_int_equal(r[EDX], st.apic_id);
		}
	}
}

static void test_topology_is_nr_vcpus_cores(void **state)
{
	uint32_t r[4];

	/* One vCPU: no HTT, one logical processor, caches not shared. */
	q(skx_policy(1), 1, 0, &vcpu0, r);
	assert_false(r[EDX] & CPUID_1_EDX_HTT);
	assert_int_equal((r[EBX] >> 16) & 0xff, 1);
	q(skx_policy(1), 4, 3, &vcpu0, r);
	assert_int_equal(r[EAX] >> 26, 0);
	assert_int_equal((r[EAX] >> 14) & 0xfff, 0);
	q(skx_policy(1), 0xb, 1, &vcpu0, r);
	assert_regs(r, 0, 1, 0x201, 0);

	/* Six vCPUs: HTT, 8 addressable IDs (3 APIC ID bits), six cores of one thread. */
	struct cpuid_policy *p = skx_policy(6);

	q(p, 1, 0, &vcpu0, r);
	assert_true(r[EDX] & CPUID_1_EDX_HTT);
	assert_int_equal((r[EBX] >> 16) & 0xff, 8);
	q(p, 0xb, 0, &vcpu0, r);
	assert_regs(r, 0, 1, 0x100, 0);
	q(p, 0xb, 1, &vcpu0, r);
	assert_regs(r, 3, 6, 0x201, 0);
	q(p, 0xb, 2, &vcpu0, r); /* the end: type 0, ECX[7:0] = the level asked for */
	assert_regs(r, 0, 0, 2, 0);
	q(p, 0xb, 0x1ff, &vcpu0, r);
	assert_regs(r, 0, 0, 0xff, 0);

	/* Leaf 4: the host's caches; L1 and L2 private to a core, L3 shared by all 8 IDs. */
	for (uint32_t sub = 0; sub < 4; sub++) {
		q(p, 4, sub, &vcpu0, r);
		assert_int_equal(r[EAX] >> 26, 7);
		assert_int_equal((r[EAX] >> 14) & 0xfff, sub == 3 ? 7 : 0);
		assert_int_equal(r[EAX] & 0x3fff, skylake_x[4 + sub].eax & 0x3fff);
		assert_int_equal(r[EBX], skylake_x[4 + sub].ebx);
		assert_int_equal(r[ECX], skylake_x[4 + sub].ecx);
	}
	q(p, 4, 4, &vcpu0, r);
	assert_regs(r, 0, 0, 0, 0);

	/* More than 64 vCPUs: leaf 4's 6-bit core count saturates. */
	q(skx_policy(100), 4, 0, &vcpu0, r);
	assert_int_equal(r[EAX] >> 26, 63);
	q(skx_policy(100), 1, 0, &vcpu0, r);
	assert_int_equal((r[EBX] >> 16) & 0xff, 128);
}

static void test_osxsave_follows_cr4(void **state)
{
	struct cpuid_policy *p = skx_policy(1);
	struct cpuid_vcpu_state st = vcpu0;
	uint32_t r[4];

	st.cr4_osxsave = false;
	q(p, 1, 0, &st, r);
	assert_false(r[ECX] & CPUID_1_ECX_OSXSAVE);
	st.cr4_osxsave = true;
	q(p, 1, 0, &st, r);
	assert_true(r[ECX] & CPUID_1_ECX_OSXSAVE);
}

static void test_xsave_leaf_follows_xcr0(void **state)
{
	struct cpuid_policy *p = skx_policy(1);
	struct cpuid_vcpu_state st = vcpu0;
	uint32_t r[4];

	assert_int_equal(p->xcr0_allowed, XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_AVX512);
	st.xcr0 = 3;
	q(p, 0xd, 0, &st, r);
	assert_regs(r, 0xe7, 576, 2688, 0);
	st.xcr0 = 7;
	q(p, 0xd, 0, &st, r);
	assert_regs(r, 0xe7, 832, 2688, 0);
	st.xcr0 = 0xe7;
	q(p, 0xd, 0, &st, r);
	assert_regs(r, 0xe7, 2688, 2688, 0);

	/* XSAVEOPT, XSAVEC, XGETBV1 stay; XSAVES and IA32_XSS states do not. Compacted sizes. */
	q(p, 0xd, 1, &st, r);
	assert_regs(r, CPUID_D_1_EAX_XSAVEOPT | CPUID_D_1_EAX_XSAVEC | CPUID_D_1_EAX_XGETBV1,
		    576 + 256 + 64 + 512 + 1024, 0, 0);
	st.xcr0 = 7;
	q(p, 0xd, 1, &st, r);
	assert_int_equal(r[EBX], 832);

	/* Components: AVX and AVX-512 as the host has them; MPX, PT and PKRU read zero. */
	q(p, 0xd, 2, &st, r);
	assert_regs(r, 256, 576, 0, 0);
	q(p, 0xd, 7, &st, r);
	assert_regs(r, 1024, 1664, 0, 0);
	for (uint32_t sub = 3; sub <= 4; sub++) {
		q(p, 0xd, sub, &st, r);
		assert_regs(r, 0, 0, 0, 0);
	}
	for (uint32_t sub = 8; sub < 64; sub++) {
		q(p, 0xd, sub, &st, r);
		assert_regs(r, 0, 0, 0, 0);
	}
}

static void test_compacted_size_honours_alignment(void **state)
{
	struct cpuid_snapshot s = snapshot_of(skylake_x, ARRAY_SIZE(skylake_x));
	struct cpuid_vcpu_state st = vcpu0;
	struct cpuid_policy p;
	uint32_t r[4];

	snap_entry(&s, 0xd, 5)->eax = 72; /* opmask ends off a 64-byte boundary ... */
	snap_entry(&s, 0xd, 6)->ecx = CPUID_D_N_ECX_ALIGN64 | CPUID_D_N_ECX_XFD; /* ... and
										  * ZMM_Hi256 wants one */
	build_ok(&p, &s, 1);
	st.xcr0 = 0xe7;
	q(&p, 0xd, 1, &st, r);
	assert_int_equal(r[EBX], 576 + 256 + 72 + 56 + 512 + 1024);
	q(&p, 0xd, 6, &st, r);
	assert_int_equal(r[ECX], CPUID_D_N_ECX_ALIGN64);
}

static void test_avx512_needs_all_three_states(void **state)
{
	struct cpuid_snapshot s = snapshot_of(skylake_x, ARRAY_SIZE(skylake_x));
	struct cpuid_policy p;
	uint32_t r[4];

	snap_entry(&s, 0xd, 0)->eax &= ~(uint32_t)XCR0_HI16_ZMM;
	build_ok(&p, &s, 1);
	assert_int_equal(p.xcr0_allowed, XCR0_X87 | XCR0_SSE | XCR0_AVX);
	q(&p, 7, 0, &vcpu0, r);
	assert_false(r[EBX] &
		     (CPUID_7_0_EBX_AVX512F | CPUID_7_0_EBX_AVX512BW | CPUID_7_0_EBX_AVX512VL |
		      CPUID_7_0_EBX_AVX512CD | CPUID_7_0_EBX_AVX512DQ));
	assert_true(r[EBX] & CPUID_7_0_EBX_AVX2);
	q(&p, 0xd, 0, &vcpu0, r);
	assert_regs(r, 7, 832, 832, 0);
	q(&p, 0xd, 5, &vcpu0, r);
	assert_regs(r, 0, 0, 0, 0);

	/* A state the host enumerates in XCR0 but does not describe in 0xd is not usable. */
	s = snapshot_of(skylake_x, ARRAY_SIZE(skylake_x));
	snap_entry(&s, 0xd, 7)->eax = 0;
	build_ok(&p, &s, 1);
	assert_int_equal(p.xcr0_allowed, XCR0_X87 | XCR0_SSE | XCR0_AVX);
}

static void test_no_xsave_on_the_host_means_no_avx(void **state)
{
	struct cpuid_snapshot s = snapshot_of(skylake_x, ARRAY_SIZE(skylake_x));
	struct cpuid_vcpu_state st = vcpu0;
	struct cpuid_policy p;
	uint32_t r[4];

	snap_entry(&s, 1, 0)->ecx &= ~(uint32_t)(CPUID_1_ECX_XSAVE | CPUID_1_ECX_OSXSAVE);
	build_ok(&p, &s, 1);
	assert_int_equal(p.xcr0_allowed, 0);
	q(&p, 1, 0, &st, r);
	assert_false(r[ECX] & (CPUID_1_ECX_XSAVE | CPUID_1_ECX_OSXSAVE | CPUID_1_ECX_AVX |
			       CPUID_1_ECX_FMA | CPUID_1_ECX_F16C));
	q(&p, 7, 0, &st, r);
	assert_false(r[EBX] & (CPUID_7_0_EBX_AVX2 | CPUID_7_0_EBX_AVX512F));
	q(&p, 0xd, 0, &st, r);
	assert_regs(r, 0, 0, 0, 0);
	assert_int_equal(cpuid_policy_check_xsetbv(&p, 0, 3), -EINVAL);
}

/* XSAVE without a leaf 0xd to size its area with (a host reporting max leaf 0xb) is no XSAVE. */
static void test_xsave_needs_leaf_d(void **state)
{
	struct cpuid_snapshot s = snapshot_of(skylake_x, ARRAY_SIZE(skylake_x));
	struct cpuid_policy p;
	uint32_t r[4];

	snap_entry(&s, 0, 0)->eax = 0xb;
	build_ok(&p, &s, 1);
	assert_int_equal(p.xcr0_allowed, 0);
	q(&p, 1, 0, &vcpu0, r);
	assert_false(r[ECX] & (CPUID_1_ECX_XSAVE | CPUID_1_ECX_OSXSAVE | CPUID_1_ECX_AVX));
	assert_true(r[ECX] & CPUID_1_ECX_SSE4_2);
	q(&p, 0xd, 0, &vcpu0, r); /* above the maximum: leaf 0xb's subleaf 0, for vCPU 0 */
	assert_regs(r, 0, 1, 0x100, 0);
}

static void test_leaf7_hides_what_plinth_does_not_virtualise(void **state)
{
	struct cpuid_snapshot s = snapshot_of(skylake_x, ARRAY_SIZE(skylake_x));
	struct cpuid_policy p;
	uint32_t r[4];

	/* Turn on everything the policy must hide, as a newer part would have it. */
	snap_entry(&s, 7, 0)->ecx |= CPUID_7_0_ECX_WAITPKG | CPUID_7_0_ECX_SGX_LC |
				     CPUID_7_0_ECX_CET_SS | CPUID_7_0_ECX_KL | CPUID_7_0_ECX_PKS;
	snap_entry(&s, 7, 0)->edx |= CPUID_7_0_EDX_HYBRID | CPUID_7_0_EDX_CORE_CAPABILITIES |
				     CPUID_7_0_EDX_AMX_TILE | CPUID_7_0_EDX_CET_IBT |
				     CPUID_7_0_EDX_SERIALIZE;
	build_ok(&p, &s, 1);
	q(&p, 7, 0, &vcpu0, r);
	assert_int_equal(r[EAX], 0); /* no subleaf 1 on this host */
	assert_false(r[EBX] & (CPUID_7_0_EBX_SGX | CPUID_7_0_EBX_PT | CPUID_7_0_EBX_HLE |
			       CPUID_7_0_EBX_RTM | CPUID_7_0_EBX_MPX | CPUID_7_0_EBX_TSC_ADJUST |
			       CPUID_7_0_EBX_RDT_M | CPUID_7_0_EBX_RDT_A));
	assert_int_equal(
		r[EBX] & (CPUID_7_0_EBX_FSGSBASE | CPUID_7_0_EBX_AVX2 | CPUID_7_0_EBX_BMI2 |
			  CPUID_7_0_EBX_SMEP | CPUID_7_0_EBX_SMAP | CPUID_7_0_EBX_AVX512F |
			  CPUID_7_0_EBX_AVX512VL | CPUID_7_0_EBX_CLWB | CPUID_7_0_EBX_INVPCID),
		CPUID_7_0_EBX_FSGSBASE | CPUID_7_0_EBX_AVX2 | CPUID_7_0_EBX_BMI2 |
			CPUID_7_0_EBX_SMEP | CPUID_7_0_EBX_SMAP | CPUID_7_0_EBX_AVX512F |
			CPUID_7_0_EBX_AVX512VL | CPUID_7_0_EBX_CLWB | CPUID_7_0_EBX_INVPCID);
	assert_int_equal(r[ECX], 0); /* PKU, OSPKE and all of the above hidden */
	assert_int_equal(r[EDX], CPUID_7_0_EDX_MD_CLEAR | CPUID_7_0_EDX_SERIALIZE);
	q(&p, 7, 1, &vcpu0, r);
	assert_regs(r, 0, 0, 0, 0);
}

static void test_leaf7_subleaf1_when_the_host_has_it(void **state)
{
	struct cpuid_entry e[ARRAY_SIZE(skylake_x) + 2];
	struct cpuid_snapshot s;
	struct cpuid_policy p;
	uint32_t r[4];

	memcpy(e, skylake_x, sizeof(skylake_x));
	e[ARRAY_SIZE(skylake_x)] =
		(struct cpuid_entry)E(7, 1, 0x00201c30 | CPUID_7_1_EAX_LAM, 1, 0,
				      CPUID_7_1_EDX_APX_F | CPUID_7_1_EDX_PREFETCHI);
	e[ARRAY_SIZE(skylake_x) + 1] = (struct cpuid_entry)E(7, 2, 0, 0, 0, 0x17);
	s = snapshot_of(e, ARRAY_SIZE(e));
	snap_entry(&s, 7, 0)->eax = 2;
	build_ok(&p, &s, 1);
	q(&p, 7, 0, &vcpu0, r);
	assert_int_equal(r[EAX], 1);
	q(&p, 7, 1, &vcpu0, r);
	assert_regs(r,
		    CPUID_7_1_EAX_AVX_VNNI | CPUID_7_1_EAX_AVX512_BF16 | CPUID_7_1_EAX_FZLRM |
			    CPUID_7_1_EAX_FSRS | CPUID_7_1_EAX_FSRCS,
		    0, 0, CPUID_7_1_EDX_PREFETCHI);
	q(&p, 7, 2, &vcpu0, r); /* speculation-control MSRs: hidden */
	assert_regs(r, 0, 0, 0, 0);
}

static void test_zeroed_and_passed_leaves(void **state)
{
	struct cpuid_policy *p = skx_policy(1);
	uint32_t r[4];

	for (uint32_t leaf = 3; leaf <= 0x14; leaf++) {
		if (leaf == 4 || leaf == 7 || leaf == 0xb || leaf == 0xd)
			continue;
		q(p, leaf, 0, &vcpu0, r);
		assert_regs(r, 0, 0, 0, 0);
	}
	q(p, 0, 0, &vcpu0, r);
	assert_regs(r, 0x16, 0x756e6547, 0x6c65746e, 0x49656e69);
	q(p, 2, 0, &vcpu0, r);
	assert_regs(r, 0x76036301, 0x00f0b5ff, 0, 0x00c30000);
	q(p, 0x15, 0, &vcpu0, r);
	assert_regs(r, 2, 0x124, 0, 0);
	q(p, 0x16, 0, &vcpu0, r);
	assert_regs(r, 0xdac, 0xfa0, 0x64, 0);
	q(p, 0x80000004, 0, &vcpu0, r);
	assert_regs(r, 0x352e3320, 0x7a484730, 0, 0);
}

static void test_out_of_range_leaves_behave_like_intel(void **state)
{
	struct cpuid_policy *p = skx_policy(2);
	uint32_t highest[4], r[4];
	static const uint32_t beyond[] = { 0x17,       0x20,	   0x3fffffff,
					   0x50000000, 0x7fffffff, 0x80000009,
					   0x8000001e, 0xc0000000, 0xffffffff };

	q(p, 0x16, 0, &vcpu0, highest);
	for (unsigned int i = 0; i < ARRAY_SIZE(beyond); i++) {
		q(p, beyond[i], 0, &vcpu0, r);
		assert_memory_equal(r, highest, sizeof(r));
	}
	q(p, 0x80000000, 0, &vcpu0, r);
	assert_regs(r, 0x80000008, 0, 0, 0);

	/* A host with more basic leaves than plinth reports: the cap is 0x1f, which is then the
	 * leaf that answers above it, subleaf and all. */
	struct cpuid_snapshot s = snapshot_of(skylake_x, ARRAY_SIZE(skylake_x));
	struct cpuid_vcpu_state st = vcpu0;
	struct cpuid_policy big;

	snap_entry(&s, 0, 0)->eax = 0x24;
	build_ok(&big, &s, 6);
	st.apic_id = 5;
	q(&big, 0, 0, &st, r);
	assert_int_equal(r[EAX], 0x1f);
	q(&big, 0x1f, 1, &st, r);
	assert_regs(r, 3, 6, 0x201, 5);
	q(&big, 0x21, 1, &st, r);
	assert_regs(r, 3, 6, 0x201, 5);
	q(&big, 0x80000009, 4, &st, r);
	assert_regs(r, 0, 0, 4, 5);
	q(&big, 0x1e, 0, &st, r); /* AMX tiles: hidden */
	assert_regs(r, 0, 0, 0, 0);
}

static void test_extended_leaves(void **state)
{
	struct cpuid_policy *p = skx_policy(1);
	uint32_t r[4];

	q(p, 0x80000001, 0, &vcpu0, r);
	assert_regs(r, 0, 0,
		    CPUID_80000001_ECX_LAHF_LM | CPUID_80000001_ECX_LZCNT |
			    CPUID_80000001_ECX_PREFETCHW,
		    CPUID_80000001_EDX_SYSCALL | CPUID_80000001_EDX_NX |
			    CPUID_80000001_EDX_PAGE1GB | CPUID_80000001_EDX_RDTSCP |
			    CPUID_80000001_EDX_LM);
	q(p, 0x80000007, 0, &vcpu0, r);
	assert_regs(r, 0, 0, 0, CPUID_80000007_EDX_INVARIANT_TSC);
	q(p, 0x80000008, 0, &vcpu0, r);
	assert_regs(r, 0x302e, 0, 0, 0);

	/* 1 GiB pages only when the host has them. */
	struct cpuid_snapshot s = snapshot_of(skylake_x, ARRAY_SIZE(skylake_x));
	struct cpuid_policy no1g;

	snap_entry(&s, 0x80000001, 0)->edx &= ~(uint32_t)CPUID_80000001_EDX_PAGE1GB;
	snap_entry(&s, 0x80000008, 0)->ebx = CPUID_80000008_EBX_WBNOINVD;
	build_ok(&no1g, &s, 1);
	q(&no1g, 0x80000001, 0, &vcpu0, r);
	assert_false(r[EDX] & CPUID_80000001_EDX_PAGE1GB);
	assert_true(r[EDX] & CPUID_80000001_EDX_LM);
	q(&no1g, 0x80000008, 0, &vcpu0, r);
	assert_regs(r, 0x302e, 0, 0, 0);
}

static void test_amd_only_bits_hidden(void **state)
{
	struct cpuid_snapshot s = snapshot_of(epyc_milan, ARRAY_SIZE(epyc_milan));
	struct cpuid_policy p;
	uint32_t r[4];

	build_ok(&p, &s, 2);
	assert_int_equal(p.max_basic, 0x10);
	assert_int_equal(p.max_extended, 0x80000008);
	assert_int_equal(p.xcr0_allowed, XCR0_X87 | XCR0_SSE | XCR0_AVX); /* no PKRU */

	q(&p, 0, 0, &vcpu0, r);
	assert_regs(r, 0x10, 0x68747541, 0x444d4163, 0x69746e65);
	q(&p, 0x80000000, 0, &vcpu0, r);
	assert_regs(r, 0x80000008, 0x68747541, 0x444d4163, 0x69746e65);
	q(&p, 0x80000001, 0, &vcpu0, r);
	assert_regs(r, 0x00a00f11, 0, 0x121, 0x2c100800);
	assert_false(r[ECX] & (CPUID_80000001_ECX_SVM | CPUID_80000001_ECX_SKINIT |
			       CPUID_80000001_ECX_LWP | CPUID_80000001_ECX_SSE4A |
			       CPUID_80000001_ECX_XOP | CPUID_80000001_ECX_TOPOEXT |
			       CPUID_80000001_ECX_CMP_LEGACY | CPUID_80000001_ECX_EXTAPIC |
			       CPUID_80000001_ECX_IBS | CPUID_80000001_ECX_OSVW));
	q(&p, 0x80000007, 0, &vcpu0, r);
	assert_regs(r, 0, 0, 0, CPUID_80000007_EDX_INVARIANT_TSC);
	q(&p, 0x80000008, 0, &vcpu0, r);
	assert_regs(r, 0x3030, 0, 0, 0);
	q(&p, 0x80000009, 0, &vcpu0, r); /* above the cap: the highest basic leaf, 0x10: hidden */
	assert_regs(r, 0, 0, 0, 0);
	q(&p, 0x8000001e, 0, &vcpu0, r);
	assert_regs(r, 0, 0, 0, 0);

	q(&p, 1, 0, &vcpu0, r);
	assert_false(r[ECX] & (CPUID_1_ECX_MONITOR | CPUID_1_ECX_X2APIC));
	assert_true(r[ECX] & CPUID_1_ECX_HYPERVISOR);
	assert_true(r[EDX] & CPUID_1_EDX_HTT);
	assert_int_equal(r[EBX], 0x00020800);
	q(&p, 5, 0, &vcpu0, r);
	assert_regs(r, 0, 0, 0, 0);
	q(&p, 7, 0, &vcpu0, r);
	assert_int_equal(r[ECX], CPUID_7_0_ECX_UMIP | CPUID_7_0_ECX_VAES |
					 CPUID_7_0_ECX_VPCLMULQDQ | CPUID_7_0_ECX_RDPID);
	assert_false(r[EBX] & (CPUID_7_0_EBX_RDT_M | CPUID_7_0_EBX_RDT_A));
	assert_true(r[EBX] & (CPUID_7_0_EBX_AVX2 | CPUID_7_0_EBX_SHA));
	q(&p, 0xd, 0, &vcpu0, r);
	assert_regs(r, 7, 832, 832, 0);
	q(&p, 0xd, 9, &vcpu0, r);
	assert_regs(r, 0, 0, 0, 0);
	q(&p, 0xd, 11, &vcpu0, r);
	assert_regs(r, 0, 0, 0, 0);
	check_against_reference(&p);
}

static void test_xsetbv_rules(void **state)
{
	struct cpuid_policy *p = skx_policy(1);
	static const uint64_t good[] = { 1, 3, 7, 0xe7 };
	static const uint64_t bad[] = {
		0, /* x87 clear */
		2, /* x87 clear */
		6, /* x87 clear */
		5, /* AVX without SSE */
		0x27, /* opmask alone */
		0x67, /* opmask and ZMM_Hi256 without Hi16_ZMM */
		0xc7, /* no opmask */
		0xa7, /* no ZMM_Hi256 */
		0xe3, /* AVX-512 without AVX */
		0xe1, /* AVX-512 without AVX or SSE */
		0x1f, /* MPX */
		0xff, /* MPX with AVX-512 */
		0x107, /* PT, a supervisor state */
		0x207, /* PKRU */
		0x60007, /* AMX */
		BIT(63) | 7, /* reserved */
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(good); i++) {
		assert_int_equal(cpuid_policy_check_xsetbv(p, 0, good[i]), 0);
		assert_int_equal(cpuid_policy_check_xsetbv(p, 1, good[i]), -EINVAL);
		assert_int_equal(cpuid_policy_check_xsetbv(p, 0xffffffff, good[i]), -EINVAL);
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++)
		if (cpuid_policy_check_xsetbv(p, 0, bad[i]) != -EINVAL)
			fail_msg("XSETBV %#llx accepted", (unsigned long long)bad[i]);

	/* A host without AVX-512: the AVX-512 states are outside xcr0_allowed. */
	struct cpuid_snapshot s = snapshot_of(epyc_milan, ARRAY_SIZE(epyc_milan));
	struct cpuid_policy amd;

	build_ok(&amd, &s, 1);
	assert_int_equal(cpuid_policy_check_xsetbv(&amd, 0, 7), 0);
	assert_int_equal(cpuid_policy_check_xsetbv(&amd, 0, 0xe7), -EINVAL);
	assert_int_equal(cpuid_policy_check_xsetbv(&amd, 0, 0x207), -EINVAL);
}

static void test_lookup_matches_reference(void **state)
{
	struct cpuid_snapshot s = snapshot_of(skylake_x, ARRAY_SIZE(skylake_x));
	struct cpuid_policy p;
	static const unsigned int nr[] = { 1, 2, 3, 8, 64, 128 };

	for (unsigned int i = 0; i < ARRAY_SIZE(nr); i++) {
		build_ok(&p, &s, nr[i]);
		check_against_reference(&p);
	}
	snap_entry(&s, 0, 0)->eax = 0x20;
	build_ok(&p, &s, 4);
	check_against_reference(&p);
}

/* The exit path's shortcut gives what the full lookup gives, for every subleaf and vCPU state,
 * or stands aside. */
static void test_fixed_entry_agrees_with_lookup(void **state)
{
	struct cpuid_snapshot s = snapshot_of(skylake_x, ARRAY_SIZE(skylake_x));
	static const uint32_t bases[] = { 0, 0x40000000, 0x80000000 };
	struct cpuid_policy p;
	unsigned int fixed = 0;

	build_ok(&p, &s, 2);
	for (unsigned int b = 0; b < ARRAY_SIZE(bases); b++) {
		for (uint32_t leaf = bases[b]; leaf < bases[b] + 0x30; leaf++) {
			const struct cpuid_entry *e = cpuid_policy_fixed_entry(&p, leaf);

			if (!e)
				continue;
			fixed++;
			for (uint32_t sub = 0; sub < 4; sub++) {
				struct cpuid_vcpu_state st = { .apic_id = sub,
							       .cr4_osxsave = sub & 1,
							       .xcr0 = 7 };
				uint32_t out[4];

				cpuid_policy_lookup(&p, leaf, sub, &st, out);
				if (out[0] != e->eax || out[1] != e->ebx || out[2] != e->ecx ||
				    out[3] != e->edx)
					fail_msg("leaf %#x subleaf %u: shortcut differs", leaf,
						 sub);
			}
		}
	}
	/* The signature leaf, leaf 0 and the extended leaves take the shortcut. */
	assert_non_null(cpuid_policy_fixed_entry(&p, 0x40000000));
	assert_non_null(cpuid_policy_fixed_entry(&p, 0));
	assert_null(cpuid_policy_fixed_entry(&p, 1));
	assert_null(cpuid_policy_fixed_entry(&p, 0xd));
	assert_true(fixed > 5);
}

/* The snapshot code, run on this machine: whatever the CPU (or the hypervisor under it) says,
 * the snapshot stays bounded and the policy stays sane. */
static void test_real_host_snapshot(void **state)
{
	static struct cpuid_snapshot s;
	static struct cpuid_policy p;
	static const unsigned int nr[] = { 1, 2, 5, 128 };
	uint32_t r[4];

	cpuid_snapshot_take(&s);
	assert_true(s.n >= 2 && s.n <= CPUID_MAX_ENTRIES);
	assert_int_equal(s.entries[0].leaf, 0);
	assert_int_equal(s.entries[1].leaf, 1);
	assert_int_equal(s.entries[1].eax, cpuid(1).eax);
	for (unsigned int i = 1; i < s.n; i++) {
		const struct cpuid_entry *a = &s.entries[i - 1], *b = &s.entries[i];

		assert_true(a->leaf < b->leaf || (a->leaf == b->leaf && a->subleaf < b->subleaf));
		assert_true(b->leaf <= CPUID_MAX_BASIC_LEAF ||
			    (b->leaf >= CPUID_EXT_BASE_LEAF && b->leaf <= CPUID_MAX_EXT_LEAF));
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(nr); i++) {
		build_ok(&p, &s, nr[i]);
		assert_true(p.max_basic <= CPUID_MAX_BASIC_LEAF);
		assert_true(p.max_extended == 0 || (p.max_extended >= CPUID_EXT_BASE_LEAF &&
						    p.max_extended <= CPUID_MAX_EXT_LEAF));
		assert_int_equal(p.xcr0_allowed & ~XCR0_PLINTH_MAX, 0);
		if (cpuid(1).ecx & CPUID_1_ECX_XSAVE)
			assert_int_equal(p.xcr0_allowed & 3, 3);
		q(&p, 1, 0, &vcpu0, r);
		assert_true(r[ECX] & CPUID_1_ECX_HYPERVISOR);
		assert_false(r[ECX] & (CPUID_1_ECX_VMX | CPUID_1_ECX_X2APIC));
		assert_false(r[EDX] & CPUID_1_EDX_APIC);
		assert_int_equal(!!(r[EDX] & CPUID_1_EDX_HTT), nr[i] > 1);
		q(&p, 7, 0, &vcpu0, r);
		assert_false(r[ECX] &
			     (CPUID_7_0_ECX_PKU | CPUID_7_0_ECX_OSPKE | CPUID_7_0_ECX_WAITPKG));
		assert_false(r[EDX] & (CPUID_7_0_EDX_ARCH_CAPABILITIES | CPUID_7_0_EDX_IBRS_IBPB |
				       CPUID_7_0_EDX_AMX_TILE | CPUID_7_0_EDX_CET_IBT));
		q(&p, 0x80000001, 0, &vcpu0, r);
		assert_false(r[ECX] & CPUID_80000001_ECX_SVM);
		q(&p, 0x40000000, 0, &vcpu0, r);
		assert_int_equal(r[EBX], PLINTH_CPUID_SIGNATURE_EBX);
		check_against_reference(&p);
	}
}

/* Snapshots no CPU would give: the build must neither overflow nor crash, and lookup must still
 * agree with the reference. The first few entries are pinned so that XSAVE, AVX-512 and the
 * extended range come up often; the rest are random leaves, subleaves and values. */
static void random_snapshot(struct cpuid_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->n = CPUID_MAX_ENTRIES;
	for (unsigned int i = 0; i < s->n; i++) {
		struct cpuid_entry *e = &s->entries[i];
		uint64_t x = rnd();

		e->leaf = (x & 1) ? (uint32_t)(rnd() % 0x24) :
				    CPUID_EXT_BASE_LEAF + (uint32_t)(rnd() % 0xc);
		e->subleaf = (x & 2) ? 0 : (uint32_t)(rnd() % 24);
		e->eax = (uint32_t)rnd();
		e->ebx = (uint32_t)rnd();
		e->ecx = (uint32_t)rnd();
		e->edx = (uint32_t)rnd();
		if (x & 4) /* sizes and offsets an XSAVE leaf could hold */
			e->eax &= 0xfff, e->ebx &= 0xfff;
		if ((x & 0x18) == 0x18) { /* an XSAVE component */
			e->leaf = 0xd;
			e->subleaf = 2 + (uint32_t)(rnd() % 8);
		}
	}
	s->entries[0] = (struct cpuid_entry)E(0, 0, 1 + (uint32_t)(rnd() % 0x3f), 0, 0, 0);
	s->entries[1].leaf = 1;
	s->entries[1].subleaf = 0;
	if (rnd() & 1)
		s->entries[1].ecx |= CPUID_1_ECX_XSAVE | CPUID_1_ECX_AVX;
	s->entries[2] =
		(struct cpuid_entry)E(CPUID_EXT_BASE_LEAF, 0,
				      CPUID_EXT_BASE_LEAF - 1 + (uint32_t)(rnd() % 0x20), 0, 0, 0);
	s->entries[3].leaf = 0xd;
	s->entries[3].subleaf = 0;
	if (rnd() & 1)
		s->entries[3].eax = (s->entries[3].eax & 0x2ff) | (rnd() & 1 ? 0xe7 : 3);
}

static void test_random_snapshots(void **state)
{
	static struct cpuid_snapshot s;
	static struct cpuid_policy p;
	unsigned int with_avx512 = 0, with_ext = 0;

	for (int round = 0; round < 400; round++) {
		random_snapshot(&s);
		build_ok(&p, &s, 1 + (unsigned int)(rnd() % CPUID_POLICY_MAX_VCPUS));
		with_avx512 += (p.xcr0_allowed & XCR0_AVX512) != 0;
		with_ext += p.max_extended != 0;
		check_against_reference(&p);
	}
	/* The generator must reach the interesting cases, or this test checks little. */
	assert_true(with_avx512 >= 10);
	assert_true(with_ext >= 100);
}

int main(void)
{
	const char *seed = getenv("CPUID_TEST_SEED");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_refuses_what_it_cannot_use),
		cmocka_unit_test(test_vmx_hidden_and_hypervisor_bit_set),
		cmocka_unit_test(test_plinth_signature_leaves),
		cmocka_unit_test(test_apic_id_is_the_vcpus),
		cmocka_unit_test(test_topology_is_nr_vcpus_cores),
		cmocka_unit_test(test_osxsave_follows_cr4),
		cmocka_unit_test(test_xsave_leaf_follows_xcr0),
		cmocka_unit_test(test_compacted_size_honours_alignment),
		cmocka_unit_test(test_avx512_needs_all_three_states),
		cmocka_unit_test(test_no_xsave_on_the_host_means_no_avx),
		cmocka_unit_test(test_xsave_needs_leaf_d),
		cmocka_unit_test(test_leaf7_hides_what_plinth_does_not_virtualise),
		cmocka_unit_test(test_leaf7_subleaf1_when_the_host_has_it),
		cmocka_unit_test(test_zeroed_and_passed_leaves),
		cmocka_unit_test(test_out_of_range_leaves_behave_like_intel),
		cmocka_unit_test(test_extended_leaves),
		cmocka_unit_test(test_amd_only_bits_hidden),
		cmocka_unit_test(test_xsetbv_rules),
		cmocka_unit_test(test_lookup_matches_reference),
		cmocka_unit_test(test_fixed_entry_agrees_with_lookup),
		cmocka_unit_test(test_real_host_snapshot),
		cmocka_unit_test(test_random_snapshots),
	};

	rng_state = seed ? strtoull(seed, NULL, 0) : 0x637075696470ull;
	printf("test_cpuid_policy: seed %#llx (set CPUID_TEST_SEED to change)\n",
	       (unsigned long long)rng_state);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
