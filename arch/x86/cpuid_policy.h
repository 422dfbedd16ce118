/* SPDX-License-Identifier: MIT */
/*
 * What CPUID says to a guest. The host's leaves are read once at boot (cpuid_snapshot_take);
 * each VM gets a policy computed from that snapshot with the features plinth does not virtualise
 * hidden, the hypervisor bit set and plinth's leaves at 0x40000000. On a CPUID exit the answer
 * is looked up (never by executing CPUID), and the few values that depend on vCPU state (APIC
 * ID, OSXSAVE, the XSAVE area size for the current XCR0) are patched in. Pure C except
 * cpuid_snapshot_take. docs/cpuid.md is the table of what a guest sees and why.
 */
#ifndef PLINTH_ARCH_X86_CPUID_POLICY_H
#define PLINTH_ARCH_X86_CPUID_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include "core/compiler.h"
#include "guest/include/plinth/hypercall.h"

#define CPUID_MAX_ENTRIES 96

/* The highest leaves plinth reads and reports: basic leaves above 0x1f (Processor History
 * Reset, AVX10, ...) describe nothing a plinth guest may use; Intel ends its extended range at
 * 0x80000008. */
#define CPUID_MAX_BASIC_LEAF 0x1fu
#define CPUID_EXT_BASE_LEAF  0x80000000u
#define CPUID_MAX_EXT_LEAF   0x80000008u
/* The hypervisor range (as KVM and Hyper-V define it): leaves plinth does not define read 0. */
#define CPUID_HV_BASE_LEAF 0x40000000u
#define CPUID_HV_LAST_LEAF 0x4fffffffu

/* Subleaf bounds: cache levels (leaf 4), topology levels (0xb, 0x1f), leaf 7 subleaves, XSAVE
 * components (0xd; 19 = APX, the highest the SDM defines today). */
#define CPUID_MAX_CACHE_SUBLEAVES 8
#define CPUID_MAX_TOPO_SUBLEAVES  6
#define CPUID_MAX_7_SUBLEAVES	  3
#define CPUID_MAX_XSAVE_COMPONENT 19

/* vCPUs per VM the policy can describe: without x2APIC, APIC IDs are 8 bits and leaf 1
 * EBX[23:16] must hold a power of two that covers them all. */
#define CPUID_POLICY_MAX_VCPUS 128

/* cpuid_entry.flags: the answer depends on the subleaf in ECX (KVM's SIGNIFICANT_INDEX). */
#define CPUID_ENTRY_INDEXED BIT(0)

struct cpuid_entry {
	uint32_t leaf, subleaf;
	uint32_t eax, ebx, ecx, edx;
	uint32_t flags;
};

/* The host's raw leaves (basic, extended; subleaves enumerated where a leaf has them). */
struct cpuid_snapshot {
	struct cpuid_entry entries[CPUID_MAX_ENTRIES];
	unsigned int n;
};

/* Where a leaf's answers are in cpuid_policy.entries: count dense subleaves from first (count 0:
 * the leaf reads all zeros); when !indexed the subleaf is ignored. */
struct cpuid_leaf_slot {
	uint8_t first, count;
	bool indexed;
	bool fixed; /* one answer for every subleaf and vCPU */
};

/* Slot numbers: basic leaves 0..0x1f, then 0x40000000..0x40000001, then 0x80000000..0x80000008. */
#define CPUID_SLOT_HV	  (CPUID_MAX_BASIC_LEAF + 1)
#define CPUID_NR_HV_SLOTS (PLINTH_CPUID_MAX_LEAF - PLINTH_CPUID_LEAF_BASE + 1)
#define CPUID_SLOT_EXT	  (CPUID_SLOT_HV + CPUID_NR_HV_SLOTS)
#define CPUID_NR_SLOTS	  (CPUID_SLOT_EXT + (CPUID_MAX_EXT_LEAF - CPUID_EXT_BASE_LEAF) + 1)

struct cpuid_policy {
	struct cpuid_entry entries[CPUID_MAX_ENTRIES]; /* sorted by leaf, subleaf */
	unsigned int n;
	uint32_t max_basic, max_extended; /* max_extended is 0 when there are no extended leaves */
	uint64_t xcr0_allowed; /* XCR0 bits a guest may set with XSETBV */
	struct cpuid_leaf_slot slots[CPUID_NR_SLOTS];
};

/* The live per-vCPU state a few answers depend on. */
struct cpuid_vcpu_state {
	uint32_t apic_id;
	bool cr4_osxsave;
	uint64_t xcr0;
};

void cpuid_snapshot_take(struct cpuid_snapshot *s); /* executes CPUID: not for host tests */

/* 0, or -EINVAL when the snapshot lacks what a policy needs (leaf 0 and 1) or nr_vcpus is 0 or
 * above CPUID_POLICY_MAX_VCPUS. The vCPUs' APIC IDs are expected to be 0..nr_vcpus-1. */
int cpuid_policy_build(struct cpuid_policy *p, const struct cpuid_snapshot *host,
		       unsigned int nr_vcpus);

/* For a VM whose vCPUs have a virtual local APIC: leaf 1 shows the APIC, x2APIC and the
 * TSC-deadline timer, whatever the host has (the APIC is plinth's model, not the host's). */
void cpuid_policy_show_apic(struct cpuid_policy *p);

/* The answer for (leaf, subleaf) as the CPU would give it: leaves above the maximum return the
 * highest basic leaf's values, as Intel CPUs do. On the exit path: no loops over the table. */
void cpuid_policy_lookup(const struct cpuid_policy *p, uint32_t leaf, uint32_t subleaf,
			 const struct cpuid_vcpu_state *st, uint32_t out[4]);

/* The entry for leaf if its answer is fixed (no subleaves, nothing patched per vCPU), else
 * NULL: the exit path's inline shortcut before cpuid_policy_lookup. */
static inline const struct cpuid_entry *cpuid_policy_fixed_entry(const struct cpuid_policy *p,
								 uint32_t leaf)
{
	unsigned int slot;

	if (leaf <= p->max_basic)
		slot = leaf;
	else if (leaf - CPUID_HV_BASE_LEAF < CPUID_NR_HV_SLOTS)
		slot = CPUID_SLOT_HV + (leaf - CPUID_HV_BASE_LEAF);
	else if (leaf >= CPUID_EXT_BASE_LEAF && leaf <= p->max_extended)
		slot = CPUID_SLOT_EXT + (leaf - CPUID_EXT_BASE_LEAF);
	else
		return NULL;
	if (!p->slots[slot].fixed)
		return NULL;
	return &p->entries[p->slots[slot].first];
}

/* XSETBV as hardware checks it: 0, or -EINVAL when it must raise #GP (ECX not 0, bit 0 clear,
 * AVX without SSE, a partial AVX-512 set, a bit outside xcr0_allowed). */
int cpuid_policy_check_xsetbv(const struct cpuid_policy *p, uint32_t ecx, uint64_t value);

/* XCR0 / XSAVE state components (SDM vol. 1, 13.1). */
#define XCR0_X87       BIT(0)
#define XCR0_SSE       BIT(1)
#define XCR0_AVX       BIT(2)
#define XCR0_BNDREGS   BIT(3)
#define XCR0_BNDCSR    BIT(4)
#define XCR0_OPMASK    BIT(5)
#define XCR0_ZMM_HI256 BIT(6)
#define XCR0_HI16_ZMM  BIT(7)
#define XCR0_PKRU      BIT(9)
#define XCR0_TILECFG   BIT(17)
#define XCR0_TILEDATA  BIT(18)
#define XCR0_AVX512    (XCR0_OPMASK | XCR0_ZMM_HI256 | XCR0_HI16_ZMM)
/* The most plinth ever lets a guest enable: x87, SSE, AVX and the three AVX-512 components. */
#define XCR0_PLINTH_MAX (XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_AVX512)
/* Legacy region (512) + XSAVE header (64): the size of an area holding x87 and SSE state only. */
#define XSAVE_LEGACY_HEADER_BYTES 576u
#define XSAVE_ALIGN_BYTES	  64u

/* CPUID bits by the SDM's names (vol. 2A, CPUID; vol. 3A for the leaves' meaning). */
#define CPUID_1_EBX_APIC_ID_SHIFT    24
#define CPUID_1_EBX_NR_LOGICAL_SHIFT 16
#define CPUID_1_EBX_NR_LOGICAL	     (0xffu << 16)
#define CPUID_1_EBX_APIC_ID	     (0xffu << 24)

#define CPUID_1_ECX_SSE3	 BIT(0)
#define CPUID_1_ECX_PCLMULQDQ	 BIT(1)
#define CPUID_1_ECX_DTES64	 BIT(2)
#define CPUID_1_ECX_MONITOR	 BIT(3)
#define CPUID_1_ECX_DS_CPL	 BIT(4)
#define CPUID_1_ECX_VMX		 BIT(5)
#define CPUID_1_ECX_SMX		 BIT(6)
#define CPUID_1_ECX_EST		 BIT(7)
#define CPUID_1_ECX_TM2		 BIT(8)
#define CPUID_1_ECX_SSSE3	 BIT(9)
#define CPUID_1_ECX_CNXT_ID	 BIT(10)
#define CPUID_1_ECX_SDBG	 BIT(11)
#define CPUID_1_ECX_FMA		 BIT(12)
#define CPUID_1_ECX_CMPXCHG16B	 BIT(13)
#define CPUID_1_ECX_XTPR	 BIT(14)
#define CPUID_1_ECX_PDCM	 BIT(15)
#define CPUID_1_ECX_PCID	 BIT(17)
#define CPUID_1_ECX_DCA		 BIT(18)
#define CPUID_1_ECX_SSE4_1	 BIT(19)
#define CPUID_1_ECX_SSE4_2	 BIT(20)
#define CPUID_1_ECX_X2APIC	 BIT(21)
#define CPUID_1_ECX_MOVBE	 BIT(22)
#define CPUID_1_ECX_POPCNT	 BIT(23)
#define CPUID_1_ECX_TSC_DEADLINE BIT(24)
#define CPUID_1_ECX_AES		 BIT(25)
#define CPUID_1_ECX_XSAVE	 BIT(26)
#define CPUID_1_ECX_OSXSAVE	 BIT(27)
#define CPUID_1_ECX_AVX		 BIT(28)
#define CPUID_1_ECX_F16C	 BIT(29)
#define CPUID_1_ECX_RDRAND	 BIT(30)
#define CPUID_1_ECX_HYPERVISOR	 BIT(31)

#define CPUID_1_EDX_FPU	  BIT(0)
#define CPUID_1_EDX_VME	  BIT(1)
#define CPUID_1_EDX_DE	  BIT(2)
#define CPUID_1_EDX_PSE	  BIT(3)
#define CPUID_1_EDX_TSC	  BIT(4)
#define CPUID_1_EDX_MSR	  BIT(5)
#define CPUID_1_EDX_PAE	  BIT(6)
#define CPUID_1_EDX_MCE	  BIT(7)
#define CPUID_1_EDX_CX8	  BIT(8)
#define CPUID_1_EDX_APIC  BIT(9)
#define CPUID_1_EDX_SEP	  BIT(11)
#define CPUID_1_EDX_MTRR  BIT(12)
#define CPUID_1_EDX_PGE	  BIT(13)
#define CPUID_1_EDX_MCA	  BIT(14)
#define CPUID_1_EDX_CMOV  BIT(15)
#define CPUID_1_EDX_PAT	  BIT(16)
#define CPUID_1_EDX_PSE36 BIT(17)
#define CPUID_1_EDX_PSN	  BIT(18)
#define CPUID_1_EDX_CLFSH BIT(19)
#define CPUID_1_EDX_DS	  BIT(21)
#define CPUID_1_EDX_ACPI  BIT(22)
#define CPUID_1_EDX_MMX	  BIT(23)
#define CPUID_1_EDX_FXSR  BIT(24)
#define CPUID_1_EDX_SSE	  BIT(25)
#define CPUID_1_EDX_SSE2  BIT(26)
#define CPUID_1_EDX_SS	  BIT(27)
#define CPUID_1_EDX_HTT	  BIT(28)
#define CPUID_1_EDX_TM	  BIT(29)
#define CPUID_1_EDX_PBE	  BIT(31)

/* Leaf 4 EAX: cache type and level, and two counts, each "maximum addressable IDs, minus 1":
 * of logical processors sharing the cache, of cores in the package. */
#define CPUID_4_EAX_TYPE	  0x1fu
#define CPUID_4_EAX_LEVEL_SHIFT	  5
#define CPUID_4_EAX_SHARING_SHIFT 14
#define CPUID_4_EAX_SHARING	  (0xfffu << 14)
#define CPUID_4_EAX_CORES_SHIFT	  26
#define CPUID_4_EAX_CORES	  (0x3fu << 26)

#define CPUID_7_0_EBX_FSGSBASE	      BIT(0)
#define CPUID_7_0_EBX_TSC_ADJUST      BIT(1)
#define CPUID_7_0_EBX_SGX	      BIT(2)
#define CPUID_7_0_EBX_BMI1	      BIT(3)
#define CPUID_7_0_EBX_HLE	      BIT(4)
#define CPUID_7_0_EBX_AVX2	      BIT(5)
#define CPUID_7_0_EBX_FDP_EXCPTN_ONLY BIT(6)
#define CPUID_7_0_EBX_SMEP	      BIT(7)
#define CPUID_7_0_EBX_BMI2	      BIT(8)
#define CPUID_7_0_EBX_ERMS	      BIT(9)
#define CPUID_7_0_EBX_INVPCID	      BIT(10)
#define CPUID_7_0_EBX_RTM	      BIT(11)
#define CPUID_7_0_EBX_RDT_M	      BIT(12)
#define CPUID_7_0_EBX_FCS_FDS_DEPR    BIT(13)
#define CPUID_7_0_EBX_MPX	      BIT(14)
#define CPUID_7_0_EBX_RDT_A	      BIT(15)
#define CPUID_7_0_EBX_AVX512F	      BIT(16)
#define CPUID_7_0_EBX_AVX512DQ	      BIT(17)
#define CPUID_7_0_EBX_RDSEED	      BIT(18)
#define CPUID_7_0_EBX_ADX	      BIT(19)
#define CPUID_7_0_EBX_SMAP	      BIT(20)
#define CPUID_7_0_EBX_AVX512_IFMA     BIT(21)
#define CPUID_7_0_EBX_CLFLUSHOPT      BIT(23)
#define CPUID_7_0_EBX_CLWB	      BIT(24)
#define CPUID_7_0_EBX_PT	      BIT(25)
#define CPUID_7_0_EBX_AVX512PF	      BIT(26)
#define CPUID_7_0_EBX_AVX512ER	      BIT(27)
#define CPUID_7_0_EBX_AVX512CD	      BIT(28)
#define CPUID_7_0_EBX_SHA	      BIT(29)
#define CPUID_7_0_EBX_AVX512BW	      BIT(30)
#define CPUID_7_0_EBX_AVX512VL	      BIT(31)

#define CPUID_7_0_ECX_PREFETCHWT1      BIT(0)
#define CPUID_7_0_ECX_AVX512_VBMI      BIT(1)
#define CPUID_7_0_ECX_UMIP	       BIT(2)
#define CPUID_7_0_ECX_PKU	       BIT(3)
#define CPUID_7_0_ECX_OSPKE	       BIT(4)
#define CPUID_7_0_ECX_WAITPKG	       BIT(5)
#define CPUID_7_0_ECX_AVX512_VBMI2     BIT(6)
#define CPUID_7_0_ECX_CET_SS	       BIT(7)
#define CPUID_7_0_ECX_GFNI	       BIT(8)
#define CPUID_7_0_ECX_VAES	       BIT(9)
#define CPUID_7_0_ECX_VPCLMULQDQ       BIT(10)
#define CPUID_7_0_ECX_AVX512_VNNI      BIT(11)
#define CPUID_7_0_ECX_AVX512_BITALG    BIT(12)
#define CPUID_7_0_ECX_TME_EN	       BIT(13)
#define CPUID_7_0_ECX_AVX512_VPOPCNTDQ BIT(14)
#define CPUID_7_0_ECX_LA57	       BIT(16)
#define CPUID_7_0_ECX_MAWAU	       (0x1fu << 17)
#define CPUID_7_0_ECX_RDPID	       BIT(22)
#define CPUID_7_0_ECX_KL	       BIT(23)
#define CPUID_7_0_ECX_BUS_LOCK_DETECT  BIT(24)
#define CPUID_7_0_ECX_CLDEMOTE	       BIT(25)
#define CPUID_7_0_ECX_MOVDIRI	       BIT(27)
#define CPUID_7_0_ECX_MOVDIR64B	       BIT(28)
#define CPUID_7_0_ECX_ENQCMD	       BIT(29)
#define CPUID_7_0_ECX_SGX_LC	       BIT(30)
#define CPUID_7_0_ECX_PKS	       BIT(31)

#define CPUID_7_0_EDX_AVX512_4VNNIW	  BIT(2)
#define CPUID_7_0_EDX_AVX512_4FMAPS	  BIT(3)
#define CPUID_7_0_EDX_FSRM		  BIT(4)
#define CPUID_7_0_EDX_UINTR		  BIT(5)
#define CPUID_7_0_EDX_AVX512_VP2INTERSECT BIT(8)
#define CPUID_7_0_EDX_SRBDS_CTRL	  BIT(9)
#define CPUID_7_0_EDX_MD_CLEAR		  BIT(10)
#define CPUID_7_0_EDX_RTM_ALWAYS_ABORT	  BIT(11)
#define CPUID_7_0_EDX_TSX_FORCE_ABORT	  BIT(13)
#define CPUID_7_0_EDX_SERIALIZE		  BIT(14)
#define CPUID_7_0_EDX_HYBRID		  BIT(15)
#define CPUID_7_0_EDX_TSXLDTRK		  BIT(16)
#define CPUID_7_0_EDX_PCONFIG		  BIT(18)
#define CPUID_7_0_EDX_ARCH_LBR		  BIT(19)
#define CPUID_7_0_EDX_CET_IBT		  BIT(20)
#define CPUID_7_0_EDX_AMX_BF16		  BIT(22)
#define CPUID_7_0_EDX_AVX512_FP16	  BIT(23)
#define CPUID_7_0_EDX_AMX_TILE		  BIT(24)
#define CPUID_7_0_EDX_AMX_INT8		  BIT(25)
#define CPUID_7_0_EDX_IBRS_IBPB		  BIT(26) /* IA32_SPEC_CTRL, IA32_PRED_CMD */
#define CPUID_7_0_EDX_STIBP		  BIT(27)
#define CPUID_7_0_EDX_L1D_FLUSH		  BIT(28)
#define CPUID_7_0_EDX_ARCH_CAPABILITIES	  BIT(29)
#define CPUID_7_0_EDX_CORE_CAPABILITIES	  BIT(30)
#define CPUID_7_0_EDX_SSBD		  BIT(31)

#define CPUID_7_1_EAX_SHA512	     BIT(0)
#define CPUID_7_1_EAX_SM3	     BIT(1)
#define CPUID_7_1_EAX_SM4	     BIT(2)
#define CPUID_7_1_EAX_AVX_VNNI	     BIT(4)
#define CPUID_7_1_EAX_AVX512_BF16    BIT(5)
#define CPUID_7_1_EAX_LASS	     BIT(6)
#define CPUID_7_1_EAX_CMPCCXADD	     BIT(7)
#define CPUID_7_1_EAX_FZLRM	     BIT(10)
#define CPUID_7_1_EAX_FSRS	     BIT(11)
#define CPUID_7_1_EAX_FSRCS	     BIT(12)
#define CPUID_7_1_EAX_FRED	     BIT(17)
#define CPUID_7_1_EAX_AMX_FP16	     BIT(21)
#define CPUID_7_1_EAX_HRESET	     BIT(22)
#define CPUID_7_1_EAX_AVX_IFMA	     BIT(23)
#define CPUID_7_1_EAX_LAM	     BIT(26)
#define CPUID_7_1_EDX_AVX_VNNI_INT8  BIT(4)
#define CPUID_7_1_EDX_AVX_NE_CONVERT BIT(5)
#define CPUID_7_1_EDX_AMX_COMPLEX    BIT(8)
#define CPUID_7_1_EDX_AVX_VNNI_INT16 BIT(10)
#define CPUID_7_1_EDX_PREFETCHI	     BIT(14)
#define CPUID_7_1_EDX_CET_SSS	     BIT(18)
#define CPUID_7_1_EDX_AVX10	     BIT(19)
#define CPUID_7_1_EDX_APX_F	     BIT(21)

/* Leaves 0xb and 0x1f: level type in ECX[15:8] (SDM vol. 2A, CPUID leaf 0BH). */
#define CPUID_TOPO_ECX_TYPE_SHIFT 8
#define CPUID_TOPO_ECX_TYPE	  (0xffu << 8)
#define CPUID_TOPO_TYPE_SMT	  1u
#define CPUID_TOPO_TYPE_CORE	  2u

/* Leaf 0xd subleaf 1 EAX; subleaf i >= 2 ECX. */
#define CPUID_D_1_EAX_XSAVEOPT	 BIT(0)
#define CPUID_D_1_EAX_XSAVEC	 BIT(1)
#define CPUID_D_1_EAX_XGETBV1	 BIT(2)
#define CPUID_D_1_EAX_XSAVES	 BIT(3)
#define CPUID_D_1_EAX_XFD	 BIT(4)
#define CPUID_D_N_ECX_SUPERVISOR BIT(0)
#define CPUID_D_N_ECX_ALIGN64	 BIT(1)
#define CPUID_D_N_ECX_XFD	 BIT(2)

#define CPUID_80000001_ECX_LAHF_LM	BIT(0)
#define CPUID_80000001_ECX_CMP_LEGACY	BIT(1)
#define CPUID_80000001_ECX_SVM		BIT(2)
#define CPUID_80000001_ECX_EXTAPIC	BIT(3)
#define CPUID_80000001_ECX_CR8_LEGACY	BIT(4)
#define CPUID_80000001_ECX_LZCNT	BIT(5)
#define CPUID_80000001_ECX_SSE4A	BIT(6)
#define CPUID_80000001_ECX_MISALIGNSSE	BIT(7)
#define CPUID_80000001_ECX_PREFETCHW	BIT(8)
#define CPUID_80000001_ECX_OSVW		BIT(9)
#define CPUID_80000001_ECX_IBS		BIT(10)
#define CPUID_80000001_ECX_XOP		BIT(11)
#define CPUID_80000001_ECX_SKINIT	BIT(12)
#define CPUID_80000001_ECX_WDT		BIT(13)
#define CPUID_80000001_ECX_LWP		BIT(15)
#define CPUID_80000001_ECX_FMA4		BIT(16)
#define CPUID_80000001_ECX_TCE		BIT(17)
#define CPUID_80000001_ECX_NODEID	BIT(19)
#define CPUID_80000001_ECX_TBM		BIT(21)
#define CPUID_80000001_ECX_TOPOEXT	BIT(22)
#define CPUID_80000001_ECX_PERFCTR_CORE BIT(23)
#define CPUID_80000001_ECX_PERFCTR_NB	BIT(24)
#define CPUID_80000001_ECX_MONITORX	BIT(29)

#define CPUID_80000001_EDX_SYSCALL  BIT(11)
#define CPUID_80000001_EDX_NX	    BIT(20)
#define CPUID_80000001_EDX_MMXEXT   BIT(22)
#define CPUID_80000001_EDX_FFXSR    BIT(25)
#define CPUID_80000001_EDX_PAGE1GB  BIT(26)
#define CPUID_80000001_EDX_RDTSCP   BIT(27)
#define CPUID_80000001_EDX_LM	    BIT(29)
#define CPUID_80000001_EDX_3DNOWEXT BIT(30)
#define CPUID_80000001_EDX_3DNOW    BIT(31)

#define CPUID_80000007_EDX_INVARIANT_TSC BIT(8)

#define CPUID_80000008_EAX_ADDR_SIZES 0xffffu /* [7:0] physical, [15:8] linear address bits */
#define CPUID_80000008_EBX_WBNOINVD   BIT(9)

#endif
