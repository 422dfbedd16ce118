/* SPDX-License-Identifier: MIT */
/*
 * What CPUID says to a guest. The host's leaves are read once at boot (cpuid_snapshot_take);
 * each VM gets a policy computed from that snapshot with the features plinth does not virtualise
 * hidden, the hypervisor bit set and plinth's leaves at 0x40000000. On a CPUID exit the answer
 * is looked up (never by executing CPUID), and the few values that depend on vCPU state (APIC
 * ID, OSXSAVE, the XSAVE area size for the current XCR0) are patched in. Pure C except
 * cpuid_snapshot_take.
 */
#ifndef PLINTH_ARCH_X86_CPUID_POLICY_H
#define PLINTH_ARCH_X86_CPUID_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#define CPUID_MAX_ENTRIES 96

struct cpuid_entry {
	uint32_t leaf, subleaf;
	uint32_t eax, ebx, ecx, edx;
};

/* The host's raw leaves (basic, extended; subleaves enumerated where a leaf has them). */
struct cpuid_snapshot {
	struct cpuid_entry entries[CPUID_MAX_ENTRIES];
	unsigned int n;
};

struct cpuid_policy {
	struct cpuid_entry entries[CPUID_MAX_ENTRIES]; /* sorted by leaf, subleaf */
	unsigned int n;
	uint32_t max_basic, max_extended;
	uint64_t xcr0_allowed; /* XCR0 bits a guest may set with XSETBV */
	/* ... plus whatever makes the lookup fast */
};

/* The live per-vCPU state a few answers depend on. */
struct cpuid_vcpu_state {
	uint32_t apic_id;
	bool cr4_osxsave;
	uint64_t xcr0;
};

void cpuid_snapshot_take(struct cpuid_snapshot *s); /* executes CPUID: not for host tests */

/* 0, or -EINVAL when the snapshot lacks what a policy needs (leaf 0 and 1). */
int cpuid_policy_build(struct cpuid_policy *p, const struct cpuid_snapshot *host,
		       unsigned int nr_vcpus);

/* The answer for (leaf, subleaf) as the CPU would give it: leaves above the maximum return the
 * highest basic leaf's values, as Intel CPUs do. On the exit path: no loops over the table. */
void cpuid_policy_lookup(const struct cpuid_policy *p, uint32_t leaf, uint32_t subleaf,
			 const struct cpuid_vcpu_state *st, uint32_t out[4]);

/* XSETBV as hardware checks it: 0, or -EINVAL when it must raise #GP (ECX not 0, bit 0 clear,
 * AVX without SSE, a partial AVX-512 set, a bit outside xcr0_allowed). */
int cpuid_policy_check_xsetbv(const struct cpuid_policy *p, uint32_t ecx, uint64_t value);

#endif
