// SPDX-License-Identifier: MIT
/*
 * The host's CPUID leaves, read once at boot: basic leaves up to 0x1f, extended leaves up to
 * 0x80000008, every subleaf of the leaves whose subleaves the policy uses (4, 7, 0xb, 0xd, 0x1f),
 * each enumeration stopped at its documented end marker and bounded, so that a strange CPU (or
 * a hypervisor below plinth) cannot make the table overflow. The other leaves that take a
 * subleaf (0xf, 0x10, 0x12 SGX, 0x14 PT, 0x17, 0x18, 0x1d, 0x1e) are hidden from guests, so
 * subleaf 0 is all that is kept of them.
 */
#include "arch/x86/cpuid_policy.h"
#include "arch/x86/cpu.h"
#include "core/string.h"

/* Basic leaves whose answer depends on ECX (SDM vol. 2A, CPUID: "Initial EAX/ECX value"). */
#define INDEXED_BASIC_LEAVES                                                            \
	(BIT(0x4) | BIT(0x7) | BIT(0xb) | BIT(0xd) | BIT(0xf) | BIT(0x10) | BIT(0x12) | \
	 BIT(0x14) | BIT(0x17) | BIT(0x18) | BIT(0x1d) | BIT(0x1e) | BIT(0x1f))

/* The most entries the bounds below allow: every basic and extended leaf once, plus the extra
 * subleaves of 4, 7, 0xb, 0x1f and 0xd (components 2..CPUID_MAX_XSAVE_COMPONENT). */
#define SNAPSHOT_WORST_CASE                                                          \
	(CPUID_MAX_BASIC_LEAF + 1 + (CPUID_MAX_EXT_LEAF - CPUID_EXT_BASE_LEAF + 1) + \
	 (CPUID_MAX_CACHE_SUBLEAVES - 1) + (CPUID_MAX_7_SUBLEAVES - 1) +             \
	 2 * (CPUID_MAX_TOPO_SUBLEAVES - 1) + CPUID_MAX_XSAVE_COMPONENT)
STATIC_ASSERT(SNAPSHOT_WORST_CASE <= CPUID_MAX_ENTRIES);

static struct cpuid_regs snapshot_add(struct cpuid_snapshot *s, uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r = cpuid_count(leaf, subleaf);
	struct cpuid_entry *e;

	if (s->n >= CPUID_MAX_ENTRIES) /* unreachable: see SNAPSHOT_WORST_CASE */
		return r;
	e = &s->entries[s->n++];
	e->leaf = leaf;
	e->subleaf = subleaf;
	e->eax = r.eax;
	e->ebx = r.ebx;
	e->ecx = r.ecx;
	e->edx = r.edx;
	e->flags = leaf <= CPUID_MAX_BASIC_LEAF && (INDEXED_BASIC_LEAVES & BIT(leaf)) ?
			   CPUID_ENTRY_INDEXED :
			   0;
	return r;
}

/* Leaf 4 ends at the first cache of type 0 ("no more caches"), which is not kept. */
static void take_cache_leaf(struct cpuid_snapshot *s)
{
	for (uint32_t sub = 0; sub < CPUID_MAX_CACHE_SUBLEAVES; sub++) {
		if (!(cpuid_count(4, sub).eax & CPUID_4_EAX_TYPE))
			break;
		snapshot_add(s, 4, sub);
	}
}

/* Leaves 0xb and 0x1f end at the first level of type 0 (invalid), which is not kept. */
static void take_topology_leaf(struct cpuid_snapshot *s, uint32_t leaf)
{
	for (uint32_t sub = 0; sub < CPUID_MAX_TOPO_SUBLEAVES; sub++) {
		if (!(cpuid_count(leaf, sub).ecx & CPUID_TOPO_ECX_TYPE))
			break;
		snapshot_add(s, leaf, sub);
	}
}

/* Leaf 7 subleaf 0 EAX is the highest subleaf. */
static void take_leaf7(struct cpuid_snapshot *s)
{
	uint32_t max_sub = snapshot_add(s, 7, 0).eax;

	for (uint32_t sub = 1; sub <= max_sub && sub < CPUID_MAX_7_SUBLEAVES; sub++)
		snapshot_add(s, 7, sub);
}

/* Leaf 0xd: subleaves 0 and 1, then one per state component the CPU supports in XCR0 (0xd.0
 * EAX) or IA32_XSS (0xd.1 ECX). */
static void take_xsave_leaf(struct cpuid_snapshot *s)
{
	uint32_t xcr0_bits = snapshot_add(s, 0xd, 0).eax;
	uint32_t xss_bits = snapshot_add(s, 0xd, 1).ecx;

	for (uint32_t i = 2; i <= CPUID_MAX_XSAVE_COMPONENT; i++)
		if ((xcr0_bits | xss_bits) & BIT(i))
			snapshot_add(s, 0xd, i);
}

void cpuid_snapshot_take(struct cpuid_snapshot *s)
{
	uint32_t max_basic, max_ext;

	memset(s, 0, sizeof(*s));
	max_basic = MIN(snapshot_add(s, 0, 0).eax, CPUID_MAX_BASIC_LEAF);
	for (uint32_t leaf = 1; leaf <= max_basic; leaf++) {
		switch (leaf) {
		case 4:
			take_cache_leaf(s);
			break;
		case 7:
			take_leaf7(s);
			break;
		case 0xb:
		case 0x1f:
			take_topology_leaf(s, leaf);
			break;
		case 0xd:
			take_xsave_leaf(s);
			break;
		default:
			snapshot_add(s, leaf, 0);
		}
	}

	/* CPUs without extended leaves answer 0x80000000 with some basic leaf's EAX. */
	max_ext = cpuid(CPUID_EXT_BASE_LEAF).eax;
	if (max_ext < CPUID_EXT_BASE_LEAF || max_ext > CPUID_EXT_BASE_LEAF + 0xffff)
		return;
	max_ext = MIN(max_ext, CPUID_MAX_EXT_LEAF);
	for (uint32_t leaf = CPUID_EXT_BASE_LEAF; leaf <= max_ext; leaf++)
		snapshot_add(s, leaf, 0);
}
