// SPDX-License-Identifier: MIT
/* What CPUID tells a plinth guest (flat, 64-bit): VMX hidden, the hypervisor bit and plinth's
 * leaves, the host's vendor, APIC ID 0 for the boot vCPU. */
#include "lib/check.h"
#include "lib/cpu.h"
#include "lib/entry.h"
#include "lib/string.h"
#include "plinth/hypercall.h"

#define CPUID_1_ECX_VMX	       (1u << 5)
#define CPUID_1_ECX_HYPERVISOR (1u << 31)

/* Twelve characters from three registers, as leaf 0 and 0x40000000 spell their strings. */
static void regs_to_string(uint32_t a, uint32_t b, uint32_t c, char out[13])
{
	memcpy(out, &a, 4);
	memcpy(out + 4, &b, 4);
	memcpy(out + 8, &c, 4);
	out[12] = '\0';
}

int main(void)
{
	struct checks c = { .name = "cpuid" };
	struct cpuid_regs l0 = cpuid(0, 0), l1 = cpuid(1, 0);
	struct cpuid_regs base = cpuid(PLINTH_CPUID_LEAF_BASE, 0);
	struct cpuid_regs ver = cpuid(PLINTH_CPUID_LEAF_VERSION, 0);
	char vendor[13], sig[13];

	regs_to_string(l0.ebx, l0.edx, l0.ecx, vendor);
	regs_to_string(base.ebx, base.ecx, base.edx, sig);

	check(&c, 1, !(l1.ecx & CPUID_1_ECX_VMX), "VMX hidden (leaf 1 ECX 0x%08x, bit 5 clear)",
	      l1.ecx);
	check(&c, 2, l1.ecx & CPUID_1_ECX_HYPERVISOR,
	      "hypervisor bit set (leaf 1 ECX 0x%08x, bit 31 set)", l1.ecx);
	check(&c, 3, strcmp(sig, PLINTH_CPUID_SIGNATURE) == 0,
	      "leaf 0x40000000 signature \"%s\" (expected \"" PLINTH_CPUID_SIGNATURE "\")", sig);
	check(&c, 4, base.eax == PLINTH_CPUID_MAX_LEAF,
	      "leaf 0x40000000 max leaf 0x%08x (expected 0x%08x)", base.eax, PLINTH_CPUID_MAX_LEAF);
	check(&c, 5, ver.eax == PLINTH_ABI_VERSION,
	      "leaf 0x40000001 ABI version 0x%08x (expected 0x%08x)", ver.eax, PLINTH_ABI_VERSION);
	check(&c, 6, strcmp(vendor, "GenuineIntel") == 0,
	      "leaf 0 vendor \"%s\" (expected \"GenuineIntel\"), max basic leaf 0x%x", vendor,
	      l0.eax);
	check(&c, 7, (l1.ebx >> 24) == 0, "leaf 1 initial APIC ID %u (expected 0)", l1.ebx >> 24);
	return (int)checks_done(&c);
}
