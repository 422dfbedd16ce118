// SPDX-License-Identifier: MIT
/*
 * The CPUID a plinth guest sees, built once per VM from the host snapshot, and the XSETBV rules
 * that go with it. Feature bits pass through a whitelist (as KVM's and Xen's policies do): a bit
 * a future CPU defines stays hidden until someone decides that plinth virtualises it. Every
 * hidden bit and zeroed leaf is listed with its reason in docs/cpuid.md.
 *
 * Lookup is a slot index (basic, hypervisor and extended leaves are direct-indexed) plus a few
 * patch-ups for the values that follow vCPU state; nothing on the exit path scans the table.
 */
#include "arch/x86/cpuid_policy.h"
#include "core/errno.h"
#include "core/string.h"
#include "guest/include/plinth/hypercall.h"

STATIC_ASSERT(CPUID_HV_BASE_LEAF == PLINTH_CPUID_LEAF_BASE);
STATIC_ASSERT(CPUID_NR_SLOTS <= 255);
/* Every leaf once, plus the extra subleaves of 4, 7 (0 and 1), 0xb, 0x1f (0 and 1 each) and 0xd
 * (0..7): the policy cannot outgrow its table, whatever the snapshot holds. */
STATIC_ASSERT(CPUID_NR_SLOTS + (CPUID_MAX_CACHE_SUBLEAVES - 1) + 1 + 2 + 7 <= CPUID_MAX_ENTRIES);

enum { EAX, EBX, ECX, EDX };

/* The registers that hold feature flags, filtered through fw_keep. */
enum feature_word {
	FW_1_ECX,
	FW_1_EDX,
	FW_7_0_EBX,
	FW_7_0_ECX,
	FW_7_0_EDX,
	FW_7_1_EAX,
	FW_7_1_EDX,
	FW_80000001_ECX,
	FW_80000001_EDX,
	FW_80000007_EDX,
	NR_FEATURE_WORDS
};

static const struct {
	uint32_t leaf, subleaf;
	uint8_t reg;
} fw_where[NR_FEATURE_WORDS] = {
	[FW_1_ECX] = { 1, 0, ECX },
	[FW_1_EDX] = { 1, 0, EDX },
	[FW_7_0_EBX] = { 7, 0, EBX },
	[FW_7_0_ECX] = { 7, 0, ECX },
	[FW_7_0_EDX] = { 7, 0, EDX },
	[FW_7_1_EAX] = { 7, 1, EAX },
	[FW_7_1_EDX] = { 7, 1, EDX },
	[FW_80000001_ECX] = { 0x80000001, 0, ECX },
	[FW_80000001_EDX] = { 0x80000001, 0, EDX },
	[FW_80000007_EDX] = { 0x80000007, 0, EDX },
};

/* What a guest may see of each word when the host has it. Everything else is hidden. */
static const uint32_t fw_keep[NR_FEATURE_WORDS] = {
	/*
	 * Hidden: DTES64, DS-CPL, PDCM, SDBG (debug store, perf and debug-interface MSRs not
	 * emulated); MONITOR (MONITOR/MWAIT exit and are not emulated); VMX, SMX (no nested VMX, no
	 * GETSEC); EST, TM2, xTPR (power and thermal MSRs); CNXT-ID, DCA; x2APIC and TSC-deadline
	 * (a config guest's vCPUs get them from cpuid_policy_show_apic, with plinth's virtual
	 * APIC; a child has none). OSXSAVE is set at lookup from the vCPU's CR4.OSXSAVE.
	 */
	[FW_1_ECX] = CPUID_1_ECX_SSE3 | CPUID_1_ECX_PCLMULQDQ | CPUID_1_ECX_SSSE3 |
		     CPUID_1_ECX_FMA | CPUID_1_ECX_CMPXCHG16B | CPUID_1_ECX_PCID |
		     CPUID_1_ECX_SSE4_1 | CPUID_1_ECX_SSE4_2 | CPUID_1_ECX_MOVBE |
		     CPUID_1_ECX_POPCNT | CPUID_1_ECX_AES | CPUID_1_ECX_XSAVE | CPUID_1_ECX_AVX |
		     CPUID_1_ECX_F16C | CPUID_1_ECX_RDRAND,
	/*
	 * Hidden: APIC (shown by cpuid_policy_show_apic to a config guest, whose vCPUs have plinth's
	 * virtual APIC; a child's xAPIC page is its control guest's MMIO); MCE, MCA (machine-check MSRs not emulated); MTRR (MTRR MSRs not emulated; EPT
	 * memory types are plinth's); PSN; DS, ACPI, TM, PBE (debug store, thermal). HTT is set at
	 * build when the VM has more than one vCPU, to match the topology of leaves 1, 4 and 0xb.
	 */
	[FW_1_EDX] = CPUID_1_EDX_FPU | CPUID_1_EDX_VME | CPUID_1_EDX_DE | CPUID_1_EDX_PSE |
		     CPUID_1_EDX_TSC | CPUID_1_EDX_MSR | CPUID_1_EDX_PAE | CPUID_1_EDX_CX8 |
		     CPUID_1_EDX_SEP | CPUID_1_EDX_PGE | CPUID_1_EDX_CMOV | CPUID_1_EDX_PAT |
		     CPUID_1_EDX_PSE36 | CPUID_1_EDX_CLFSH | CPUID_1_EDX_MMX | CPUID_1_EDX_FXSR |
		     CPUID_1_EDX_SSE | CPUID_1_EDX_SSE2 | CPUID_1_EDX_SS,
	/*
	 * Hidden: TSC_ADJUST (IA32_TSC_ADJUST not emulated); SGX; HLE, RTM (TSX: disabled by
	 * microcode on many parts, subject to TAA, and IA32_TSX_CTRL is not emulated: a guest must
	 * not see TSX come and go); RDT-M, RDT-A (resource-director MSRs); MPX (its XCR0 states are
	 * never allowed); PT (Intel PT is not virtualised).
	 */
	[FW_7_0_EBX] = CPUID_7_0_EBX_FSGSBASE | CPUID_7_0_EBX_BMI1 | CPUID_7_0_EBX_AVX2 |
		       CPUID_7_0_EBX_FDP_EXCPTN_ONLY | CPUID_7_0_EBX_SMEP | CPUID_7_0_EBX_BMI2 |
		       CPUID_7_0_EBX_ERMS | CPUID_7_0_EBX_INVPCID | CPUID_7_0_EBX_FCS_FDS_DEPR |
		       CPUID_7_0_EBX_AVX512F | CPUID_7_0_EBX_AVX512DQ | CPUID_7_0_EBX_RDSEED |
		       CPUID_7_0_EBX_ADX | CPUID_7_0_EBX_SMAP | CPUID_7_0_EBX_AVX512_IFMA |
		       CPUID_7_0_EBX_CLFLUSHOPT | CPUID_7_0_EBX_CLWB | CPUID_7_0_EBX_AVX512PF |
		       CPUID_7_0_EBX_AVX512ER | CPUID_7_0_EBX_AVX512CD | CPUID_7_0_EBX_SHA |
		       CPUID_7_0_EBX_AVX512BW | CPUID_7_0_EBX_AVX512VL,
	/*
	 * Hidden: PKU, OSPKE (PKRU is never allowed in XCR0); WAITPKG (UMWAIT/TPAUSE need a VMX
	 * control and IA32_UMWAIT_CONTROL); CET_SS (CET state lives in IA32_XSS); TME_EN; MAWAU
	 * (MPX); KL (Key Locker); BUS_LOCK_DETECT; ENQCMD (IA32_PASID); SGX_LC; PKS.
	 */
	[FW_7_0_ECX] = CPUID_7_0_ECX_PREFETCHWT1 | CPUID_7_0_ECX_AVX512_VBMI | CPUID_7_0_ECX_UMIP |
		       CPUID_7_0_ECX_AVX512_VBMI2 | CPUID_7_0_ECX_GFNI | CPUID_7_0_ECX_VAES |
		       CPUID_7_0_ECX_VPCLMULQDQ | CPUID_7_0_ECX_AVX512_VNNI |
		       CPUID_7_0_ECX_AVX512_BITALG | CPUID_7_0_ECX_AVX512_VPOPCNTDQ |
		       CPUID_7_0_ECX_LA57 | CPUID_7_0_ECX_RDPID | CPUID_7_0_ECX_CLDEMOTE |
		       CPUID_7_0_ECX_MOVDIRI | CPUID_7_0_ECX_MOVDIR64B,
	/*
	 * Hidden: UINTR; SRBDS_CTRL, TSX_FORCE_ABORT (MSRs); RTM_ALWAYS_ABORT, TSXLDTRK (TSX);
	 * HYBRID (the guest's vCPUs are all alike); PCONFIG; ARCH_LBR; CET_IBT; AMX (its XCR0 states
	 * are never allowed); IBRS_IBPB, STIBP, L1D_FLUSH, SSBD, ARCH_CAPABILITIES,
	 * CORE_CAPABILITIES: they enumerate IA32_SPEC_CTRL, IA32_PRED_CMD, IA32_FLUSH_CMD,
	 * IA32_ARCH_CAPABILITIES and IA32_CORE_CAPABILITIES, which plinth does not emulate yet.
	 * MD_CLEAR stays: it says VERW clears buffers, which is true of the host's microcode.
	 */
	[FW_7_0_EDX] = CPUID_7_0_EDX_AVX512_4VNNIW | CPUID_7_0_EDX_AVX512_4FMAPS |
		       CPUID_7_0_EDX_FSRM | CPUID_7_0_EDX_AVX512_VP2INTERSECT |
		       CPUID_7_0_EDX_MD_CLEAR | CPUID_7_0_EDX_SERIALIZE | CPUID_7_0_EDX_AVX512_FP16,
	/* Hidden: LASS, FRED, LAM (new CR4/paging state), AMX_FP16, HRESET, ArchPerfmonExt, ... */
	[FW_7_1_EAX] = CPUID_7_1_EAX_SHA512 | CPUID_7_1_EAX_SM3 | CPUID_7_1_EAX_SM4 |
		       CPUID_7_1_EAX_AVX_VNNI | CPUID_7_1_EAX_AVX512_BF16 |
		       CPUID_7_1_EAX_CMPCCXADD | CPUID_7_1_EAX_FZLRM | CPUID_7_1_EAX_FSRS |
		       CPUID_7_1_EAX_FSRCS | CPUID_7_1_EAX_AVX_IFMA,
	/* Hidden: AMX_COMPLEX, CET_SSS, AVX10 (needs leaf 0x24), APX_F (new XCR0 state). */
	[FW_7_1_EDX] = CPUID_7_1_EDX_AVX_VNNI_INT8 | CPUID_7_1_EDX_AVX_NE_CONVERT |
		       CPUID_7_1_EDX_AVX_VNNI_INT16 | CPUID_7_1_EDX_PREFETCHI,
	/*
	 * Only the bits Intel defines: the guest runs on VT-x, so AMD's (SVM, SKINIT, LWP, XOP,
	 * FMA4, SSE4A, TBM, IBS, TOPOEXT, perf-counter extensions, ...) are hidden even on an AMD host.
	 */
	[FW_80000001_ECX] = CPUID_80000001_ECX_LAHF_LM | CPUID_80000001_ECX_LZCNT |
			    CPUID_80000001_ECX_PREFETCHW,
	/*
	 * Page1GB when the host has it (EPT maps any guest page size the CPU has); RDTSCP because
	 * plinth enables it in the VMCS and switches IA32_TSC_AUX. AMD's mirror of leaf 1 EDX,
	 * MMXEXT, FFXSR and 3DNow! are hidden.
	 */
	[FW_80000001_EDX] = CPUID_80000001_EDX_SYSCALL | CPUID_80000001_EDX_NX |
			    CPUID_80000001_EDX_PAGE1GB | CPUID_80000001_EDX_RDTSCP |
			    CPUID_80000001_EDX_LM,
	/* Power management: only the invariant TSC (plinth neither scales nor stops the TSC). */
	[FW_80000007_EDX] = CPUID_80000007_EDX_INVARIANT_TSC,
};

/* Features whose instructions use the YMM state: hidden unless XCR0.AVX is allowed. */
static const uint32_t fw_needs_avx[NR_FEATURE_WORDS] = {
	[FW_1_ECX] = CPUID_1_ECX_AVX | CPUID_1_ECX_FMA | CPUID_1_ECX_F16C,
	[FW_7_0_EBX] = CPUID_7_0_EBX_AVX2,
	[FW_7_0_ECX] = CPUID_7_0_ECX_VAES | CPUID_7_0_ECX_VPCLMULQDQ,
	[FW_7_1_EAX] = CPUID_7_1_EAX_SHA512 | CPUID_7_1_EAX_SM3 | CPUID_7_1_EAX_SM4 |
		       CPUID_7_1_EAX_AVX_VNNI | CPUID_7_1_EAX_AVX_IFMA,
	[FW_7_1_EDX] = CPUID_7_1_EDX_AVX_VNNI_INT8 | CPUID_7_1_EDX_AVX_NE_CONVERT |
		       CPUID_7_1_EDX_AVX_VNNI_INT16,
};

/* Features whose instructions use the opmask and ZMM states: hidden unless all three are
 * allowed. */
static const uint32_t fw_needs_avx512[NR_FEATURE_WORDS] = {
	[FW_7_0_EBX] = CPUID_7_0_EBX_AVX512F | CPUID_7_0_EBX_AVX512DQ | CPUID_7_0_EBX_AVX512_IFMA |
		       CPUID_7_0_EBX_AVX512PF | CPUID_7_0_EBX_AVX512ER | CPUID_7_0_EBX_AVX512CD |
		       CPUID_7_0_EBX_AVX512BW | CPUID_7_0_EBX_AVX512VL,
	[FW_7_0_ECX] = CPUID_7_0_ECX_AVX512_VBMI | CPUID_7_0_ECX_AVX512_VBMI2 |
		       CPUID_7_0_ECX_AVX512_VNNI | CPUID_7_0_ECX_AVX512_BITALG |
		       CPUID_7_0_ECX_AVX512_VPOPCNTDQ,
	[FW_7_0_EDX] = CPUID_7_0_EDX_AVX512_4VNNIW | CPUID_7_0_EDX_AVX512_4FMAPS |
		       CPUID_7_0_EDX_AVX512_VP2INTERSECT | CPUID_7_0_EDX_AVX512_FP16,
	[FW_7_1_EAX] = CPUID_7_1_EAX_AVX512_BF16,
};

/* XSAVEOPT, XSAVEC and XGETBV with ECX = 1 work on the guest's own XCR0 with no VMX control:
 * they stay. XSAVES/XRSTORS (and so IA32_XSS, every supervisor state) and XFD are hidden. */
#define XSAVE_1_EAX_KEEP (CPUID_D_1_EAX_XSAVEOPT | CPUID_D_1_EAX_XSAVEC | CPUID_D_1_EAX_XGETBV1)

struct policy_builder {
	struct cpuid_policy *p;
	const struct cpuid_snapshot *host;
	unsigned int nr_vcpus;
	unsigned int apic_id_bits; /* APIC ID bits that number the vCPUs: ceil(log2(nr_vcpus)) */
	uint32_t fw[NR_FEATURE_WORDS];
	struct cpuid_entry scratch; /* written instead of the table if it were ever full */
	int err;
};

typedef void (*leaf_builder)(struct policy_builder *b, uint32_t leaf);

static inline unsigned int slot_of(uint32_t leaf)
{
	if (leaf >= CPUID_EXT_BASE_LEAF)
		return CPUID_SLOT_EXT + (leaf - CPUID_EXT_BASE_LEAF);
	if (leaf >= CPUID_HV_BASE_LEAF)
		return CPUID_SLOT_HV + (leaf - CPUID_HV_BASE_LEAF);
	return leaf;
}

static inline void entry_regs(const struct cpuid_entry *e, uint32_t out[4])
{
	out[EAX] = e->eax;
	out[EBX] = e->ebx;
	out[ECX] = e->ecx;
	out[EDX] = e->edx;
}

static const struct cpuid_entry *host_find(const struct cpuid_snapshot *host, uint32_t leaf,
					   uint32_t subleaf)
{
	for (unsigned int i = 0; i < host->n && i < CPUID_MAX_ENTRIES; i++)
		if (host->entries[i].leaf == leaf && host->entries[i].subleaf == subleaf)
			return &host->entries[i];
	return NULL;
}

static uint32_t host_reg(const struct cpuid_snapshot *host, uint32_t leaf, uint32_t subleaf,
			 unsigned int reg)
{
	const struct cpuid_entry *e = host_find(host, leaf, subleaf);
	uint32_t r[4];

	if (!e)
		return 0;
	entry_regs(e, r);
	return r[reg];
}

/* Appends the next subleaf of leaf (subleaves come in order 0, 1, ...), zeroed. */
static struct cpuid_entry *policy_add(struct policy_builder *b, uint32_t leaf, uint32_t subleaf,
				      bool indexed)
{
	struct cpuid_policy *p = b->p;
	struct cpuid_leaf_slot *slot = &p->slots[slot_of(leaf)];
	struct cpuid_entry *e;

	if (p->n >= CPUID_MAX_ENTRIES) { /* unreachable: see the STATIC_ASSERT above */
		b->err = -ENOSPC;
		return &b->scratch;
	}
	if (!slot->count)
		slot->first = p->n;
	slot->count++;
	slot->indexed = indexed;
	e = &p->entries[p->n++];
	*e = (struct cpuid_entry){ .leaf = leaf,
				   .subleaf = subleaf,
				   .flags = indexed ? CPUID_ENTRY_INDEXED : 0 };
	return e;
}

/* Bytes of an XSAVE area for the components in xcr0, from 0xd's subleaves d[0..nr_sub-1]:
 * standard format (XSAVE; 0xd.0 EBX) or compacted (XSAVEC; 0xd.1 EBX). SDM vol. 1, 13.4.
 * Components that are not allowed have all-zero subleaves, so they add nothing. */
static uint32_t xsave_area_bytes(const struct cpuid_entry *d, unsigned int nr_sub, uint64_t xcr0,
				 bool compacted)
{
	uint32_t bytes = XSAVE_LEGACY_HEADER_BYTES;
	uint64_t m = xcr0 & (BIT(nr_sub) - 1) & ~(XCR0_X87 | XCR0_SSE);

	for (; m; m &= m - 1) {
		const struct cpuid_entry *c = &d[__builtin_ctzll(m)];

		if (!compacted) {
			bytes = MAX(bytes, c->ebx + c->eax);
			continue;
		}
		if (c->ecx & CPUID_D_N_ECX_ALIGN64)
			bytes = ALIGN_UP(bytes, XSAVE_ALIGN_BYTES);
		bytes += c->eax;
	}
	return bytes;
}

/* A component is usable when the host describes it in 0xd: its size in EAX is not 0. */
static bool host_xsave_component(const struct cpuid_snapshot *host, unsigned int i)
{
	return host_reg(host, 0xd, i, EAX) != 0;
}

/* x87 and SSE; AVX when the host has it; AVX-512 when the host has all three of its states. */
static uint64_t compute_xcr0_allowed(const struct cpuid_snapshot *host, uint32_t max_basic)
{
	uint32_t leaf1_ecx = host_reg(host, 1, 0, ECX);
	const struct cpuid_entry *d0 = host_find(host, 0xd, 0);
	uint64_t host_xcr0, allowed = XCR0_X87 | XCR0_SSE;

	if (!(leaf1_ecx & CPUID_1_ECX_XSAVE) || max_basic < 0xd || !d0)
		return 0;
	host_xcr0 = d0->eax | (uint64_t)d0->edx << 32;
	if ((host_xcr0 & allowed) != allowed)
		return 0;
	if ((host_xcr0 & XCR0_AVX) && (leaf1_ecx & CPUID_1_ECX_AVX) &&
	    host_xsave_component(host, 2))
		allowed |= XCR0_AVX;
	if ((allowed & XCR0_AVX) && (host_xcr0 & XCR0_AVX512) == XCR0_AVX512 &&
	    host_xsave_component(host, 5) && host_xsave_component(host, 6) &&
	    host_xsave_component(host, 7))
		allowed |= XCR0_AVX512;
	return allowed;
}

static void filter_feature_words(struct policy_builder *b)
{
	uint64_t allowed = b->p->xcr0_allowed;

	for (unsigned int w = 0; w < NR_FEATURE_WORDS; w++) {
		uint32_t v = fw_keep[w];

		v &= host_reg(b->host, fw_where[w].leaf, fw_where[w].subleaf, fw_where[w].reg);
		if (!(allowed & XCR0_AVX))
			v &= ~fw_needs_avx[w];
		if ((allowed & XCR0_AVX512) != XCR0_AVX512)
			v &= ~fw_needs_avx512[w];
		b->fw[w] = v;
	}
	if (!allowed)
		b->fw[FW_1_ECX] &= ~CPUID_1_ECX_XSAVE;
	b->fw[FW_1_ECX] |= CPUID_1_ECX_HYPERVISOR;
	if (b->nr_vcpus > 1)
		b->fw[FW_1_EDX] |= CPUID_1_EDX_HTT;
}

static void build_passthrough(struct policy_builder *b, uint32_t leaf)
{
	const struct cpuid_entry *h = host_find(b->host, leaf, 0);

	if (h) {
		struct cpuid_entry *e = policy_add(b, leaf, 0, false);

		e->eax = h->eax;
		e->ebx = h->ebx;
		e->ecx = h->ecx;
		e->edx = h->edx;
	}
}

/* The vendor string is the host's: instruction behaviour (SYSCALL in compatibility mode, ...)
 * follows the real vendor. */
static void build_leaf_0(struct policy_builder *b, uint32_t leaf)
{
	build_passthrough(b, leaf);
	b->p->entries[b->p->slots[0].first].eax = b->p->max_basic;
}

/* EBX: brand index and CLFLUSH line size from the host; [23:16] the addressable logical
 * processors of the package (a power of two covering the vCPUs); [31:24] the APIC ID, at lookup. */
static void build_leaf_1(struct policy_builder *b, uint32_t leaf)
{
	uint32_t nr_logical = 1u << b->apic_id_bits;
	struct cpuid_entry *e = policy_add(b, leaf, 0, false);

	e->eax = host_reg(b->host, 1, 0, EAX);
	e->ebx = (host_reg(b->host, 1, 0, EBX) & 0xffff) | nr_logical
								   << CPUID_1_EBX_NR_LOGICAL_SHIFT;
	e->ecx = b->fw[FW_1_ECX];
	e->edx = b->fw[FW_1_EDX];
}

/* Caches as the host has them, shared as a guest of one thread per core would see them: levels 1
 * and 2 private to a core, level 3 and up shared by all vCPUs. EAX[31:26] counts the cores. */
static void build_leaf_4(struct policy_builder *b, uint32_t leaf)
{
	uint32_t ids = 1u << b->apic_id_bits;
	uint32_t cores_field = MIN(ids - 1, CPUID_4_EAX_CORES >> CPUID_4_EAX_CORES_SHIFT);

	for (uint32_t sub = 0; sub < CPUID_MAX_CACHE_SUBLEAVES; sub++) {
		const struct cpuid_entry *h = host_find(b->host, leaf, sub);
		struct cpuid_entry *e;
		uint32_t level, sharing;

		if (!h || !(h->eax & CPUID_4_EAX_TYPE))
			break;
		level = (h->eax >> CPUID_4_EAX_LEVEL_SHIFT) & 7;
		sharing = level <= 2 ? 0 : ids - 1;
		e = policy_add(b, leaf, sub, true);
		e->eax = (h->eax & ~(CPUID_4_EAX_SHARING | CPUID_4_EAX_CORES)) |
			 cores_field << CPUID_4_EAX_CORES_SHIFT |
			 sharing << CPUID_4_EAX_SHARING_SHIFT;
		e->ebx = h->ebx;
		e->ecx = h->ecx;
		e->edx = h->edx;
	}
}

/* Subleaf 1 when the host has it; subleaf 2 (speculation-control MSRs) and later are hidden. */
static void build_leaf_7(struct policy_builder *b, uint32_t leaf)
{
	bool has_sub1 = host_reg(b->host, 7, 0, EAX) >= 1 && host_find(b->host, 7, 1);
	struct cpuid_entry *e = policy_add(b, leaf, 0, true);

	e->eax = has_sub1;
	e->ebx = b->fw[FW_7_0_EBX];
	e->ecx = b->fw[FW_7_0_ECX];
	e->edx = b->fw[FW_7_0_EDX];
	if (has_sub1) {
		e = policy_add(b, leaf, 1, true);
		e->eax = b->fw[FW_7_1_EAX];
		e->edx = b->fw[FW_7_1_EDX];
	}
}

/* Leaves 0xb and 0x1f: nr_vcpus cores of one thread each in one package. EDX (the x2APIC ID) is
 * the vCPU's, at lookup; so is ECX[7:0] of an invalid level. */
static void build_topology_leaf(struct policy_builder *b, uint32_t leaf)
{
	struct cpuid_entry *e = policy_add(b, leaf, 0, true);

	e->eax = 0; /* no APIC ID bits select a thread */
	e->ebx = 1;
	e->ecx = 0 | CPUID_TOPO_TYPE_SMT << CPUID_TOPO_ECX_TYPE_SHIFT;
	e = policy_add(b, leaf, 1, true);
	e->eax = b->apic_id_bits;
	e->ebx = b->nr_vcpus;
	e->ecx = 1 | CPUID_TOPO_TYPE_CORE << CPUID_TOPO_ECX_TYPE_SHIFT;
}

/* Subleaves 0..highest allowed component, dense; components that are not allowed read 0. */
static void build_leaf_d(struct policy_builder *b, uint32_t leaf)
{
	uint64_t allowed = b->p->xcr0_allowed;
	unsigned int nr_sub;
	struct cpuid_entry *d;

	if (!allowed)
		return;
	nr_sub = 64 - __builtin_clzll(allowed); /* at least 2: SSE is always allowed */
	d = policy_add(b, leaf, 0, true);
	policy_add(b, leaf, 1, true)->eax = host_reg(b->host, 0xd, 1, EAX) & XSAVE_1_EAX_KEEP;
	for (unsigned int i = 2; i < nr_sub; i++) {
		struct cpuid_entry *e = policy_add(b, leaf, i, true);
		const struct cpuid_entry *h = host_find(b->host, leaf, i);

		if (!(allowed & BIT(i)) || !h)
			continue;
		e->eax = h->eax;
		e->ebx = h->ebx;
		e->ecx = h->ecx & CPUID_D_N_ECX_ALIGN64;
	}
	if (b->err)
		return;
	d->eax = (uint32_t)allowed;
	d->edx = (uint32_t)(allowed >> 32);
	d->ecx = xsave_area_bytes(d, nr_sub, allowed, false);
}

static void build_hv_base(struct policy_builder *b, uint32_t leaf)
{
	struct cpuid_entry *e = policy_add(b, leaf, 0, false);

	e->eax = PLINTH_CPUID_MAX_LEAF;
	e->ebx = PLINTH_CPUID_SIGNATURE_EBX;
	e->ecx = PLINTH_CPUID_SIGNATURE_ECX;
	e->edx = PLINTH_CPUID_SIGNATURE_EDX;
}

static void build_hv_version(struct policy_builder *b, uint32_t leaf)
{
	policy_add(b, leaf, 0, false)->eax = PLINTH_ABI_VERSION;
}

static void build_ext_0(struct policy_builder *b, uint32_t leaf)
{
	build_passthrough(b, leaf);
	b->p->entries[b->p->slots[CPUID_SLOT_EXT].first].eax = b->p->max_extended;
}

/* EAX is the family signature on AMD (reserved, 0, on Intel); EBX (AMD brand ID) reads 0. */
static void build_ext_1(struct policy_builder *b, uint32_t leaf)
{
	struct cpuid_entry *e = policy_add(b, leaf, 0, false);

	e->eax = host_reg(b->host, leaf, 0, EAX);
	e->ecx = b->fw[FW_80000001_ECX];
	e->edx = b->fw[FW_80000001_EDX];
}

static void build_ext_7(struct policy_builder *b, uint32_t leaf)
{
	policy_add(b, leaf, 0, false)->edx = b->fw[FW_80000007_EDX];
}

/* The address sizes only. EBX's feature bits are hidden: WBNOINVD (WBINVD exiting traps it too)
 * and AMD's (CLZERO, IRPERF, INVLPGB, RDPRU, IBPB/IBRS/STIBP/SSBD MSRs, ...); ECX and EDX (AMD's
 * core count and INVLPGB limits) would contradict the guest's topology. */
static void build_ext_8(struct policy_builder *b, uint32_t leaf)
{
	policy_add(b, leaf, 0, false)->eax =
		host_reg(b->host, leaf, 0, EAX) & CPUID_80000008_EAX_ADDR_SIZES;
}

/*
 * How each leaf is built; a leaf with no builder reads all zeros. Zeroed: 3 (PSN), 5
 * (MONITOR/MWAIT hidden), 6 (thermal and power MSRs; ARAT needs a virtual LAPIC timer), 9 (DCA),
 * 0xa (no virtual PMU), 0xf and 0x10 (RDT), 0x12 (SGX), 0x14 (PT), 0x17 (SoC vendor), 0x18 (the
 * host's TLBs, not the guest's under EPT), 0x19 (Key Locker), 0x1a (hybrid), 0x1b (PCONFIG),
 * 0x1c (arch LBR), 0x1d and 0x1e (AMX), and the reserved 8, 0xc, 0xe, 0x11, 0x13. 0x15 and 0x16
 * pass: the guest's TSC ticks at the host's rate.
 */
static const leaf_builder basic_builders[CPUID_MAX_BASIC_LEAF + 1] = {
	[0x0] = build_leaf_0,	      [0x1] = build_leaf_1,	  [0x2] = build_passthrough,
	[0x4] = build_leaf_4,	      [0x7] = build_leaf_7,	  [0xb] = build_topology_leaf,
	[0xd] = build_leaf_d,	      [0x15] = build_passthrough, [0x16] = build_passthrough,
	[0x1f] = build_topology_leaf,
};

static const leaf_builder hv_builders[CPUID_NR_HV_SLOTS] = {
	[PLINTH_CPUID_LEAF_BASE - CPUID_HV_BASE_LEAF] = build_hv_base,
	[PLINTH_CPUID_LEAF_VERSION - CPUID_HV_BASE_LEAF] = build_hv_version,
};

/* 0x80000002..4 (brand string), 5 and 6 (caches, TLBs) pass through. */
static const leaf_builder ext_builders[CPUID_MAX_EXT_LEAF - CPUID_EXT_BASE_LEAF + 1] = {
	[0] = build_ext_0,	 [1] = build_ext_1,	  [2] = build_passthrough,
	[3] = build_passthrough, [4] = build_passthrough, [5] = build_passthrough,
	[6] = build_passthrough, [7] = build_ext_7,	  [8] = build_ext_8,
};

static uint32_t host_max_extended(const struct cpuid_snapshot *host)
{
	const struct cpuid_entry *e = host_find(host, CPUID_EXT_BASE_LEAF, 0);

	if (!e || e->eax < CPUID_EXT_BASE_LEAF || e->eax > CPUID_EXT_BASE_LEAF + 0xffff)
		return 0;
	return MIN(e->eax, CPUID_MAX_EXT_LEAF);
}

int cpuid_policy_build(struct cpuid_policy *p, const struct cpuid_snapshot *host,
		       unsigned int nr_vcpus)
{
	const struct cpuid_entry *leaf0 = host_find(host, 0, 0);
	struct policy_builder b = { .p = p, .host = host, .nr_vcpus = nr_vcpus };

	if (!leaf0 || !host_find(host, 1, 0) || leaf0->eax < 1)
		return -EINVAL;
	if (nr_vcpus == 0 || nr_vcpus > CPUID_POLICY_MAX_VCPUS)
		return -EINVAL;
	memset(p, 0, sizeof(*p));
	p->max_basic = MIN(leaf0->eax, CPUID_MAX_BASIC_LEAF);
	p->max_extended = host_max_extended(host);
	p->xcr0_allowed = compute_xcr0_allowed(host, p->max_basic);
	b.apic_id_bits = nr_vcpus > 1 ? 32 - __builtin_clz(nr_vcpus - 1) : 0;
	filter_feature_words(&b);

	for (uint32_t leaf = 0; leaf <= p->max_basic; leaf++)
		if (basic_builders[leaf])
			basic_builders[leaf](&b, leaf);
	for (uint32_t i = 0; i < CPUID_NR_HV_SLOTS; i++)
		hv_builders[i](&b, CPUID_HV_BASE_LEAF + i);
	for (uint32_t i = 0; p->max_extended && i <= p->max_extended - CPUID_EXT_BASE_LEAF; i++)
		ext_builders[i](&b, CPUID_EXT_BASE_LEAF + i);
	/* Leaves whose answer depends on neither subleaf nor vCPU state: the exit path's inline
	 * cpuid_policy_fixed_entry serves them. */
	for (unsigned int i = 0; i < CPUID_NR_SLOTS; i++) {
		struct cpuid_leaf_slot *slot = &p->slots[i];

		slot->fixed = !slot->indexed && slot->count == 1 && i != 1 && i != 0xb &&
			      i != 0xd && i != 0x1f;
	}
	return b.err;
}

void cpuid_policy_lookup(const struct cpuid_policy *p, uint32_t leaf, uint32_t subleaf,
			 const struct cpuid_vcpu_state *st, uint32_t out[4])
{
	const struct cpuid_leaf_slot *slot;
	const struct cpuid_entry *e;
	uint32_t idx;

	if (leaf - CPUID_HV_BASE_LEAF <= CPUID_HV_LAST_LEAF - CPUID_HV_BASE_LEAF) {
		if (leaf > PLINTH_CPUID_MAX_LEAF)
			goto zero;
	} else if (leaf >= CPUID_EXT_BASE_LEAF ? leaf > p->max_extended : leaf > p->max_basic) {
		leaf = p->max_basic; /* Intel: the highest basic leaf, for the same subleaf */
	}
	slot = &p->slots[slot_of(leaf)];
	idx = slot->indexed ? subleaf : 0;
	if (idx >= slot->count) {
		/* An invalid topology level: type 0, the level's number, the x2APIC ID. */
		if (leaf == 0xb || leaf == 0x1f) {
			out[EAX] = out[EBX] = 0;
			out[ECX] = subleaf & 0xff;
			out[EDX] = st->apic_id;
			return;
		}
		goto zero;
	}
	e = &p->entries[slot->first + idx];
	entry_regs(e, out);
	switch (leaf) {
	case 1:
		out[EBX] |= (st->apic_id & 0xff) << CPUID_1_EBX_APIC_ID_SHIFT;
		if (st->cr4_osxsave && (out[ECX] & CPUID_1_ECX_XSAVE))
			out[ECX] |= CPUID_1_ECX_OSXSAVE;
		break;
	case 0xb:
	case 0x1f:
		out[EDX] = st->apic_id;
		break;
	case 0xd:
		if (idx <= 1)
			out[EBX] = xsave_area_bytes(e - idx, slot->count, st->xcr0, idx == 1);
		break;
	}
	return;
zero:
	out[EAX] = out[EBX] = out[ECX] = out[EDX] = 0;
}

/* SDM vol. 2B, XSETBV, and vol. 1, 13.3: the XCR0 values hardware accepts. */
int cpuid_policy_check_xsetbv(const struct cpuid_policy *p, uint32_t ecx, uint64_t value)
{
	uint64_t avx512 = value & XCR0_AVX512;

	if (ecx != 0)
		return -EINVAL;
	if (!(value & XCR0_X87))
		return -EINVAL;
	if ((value & XCR0_AVX) && !(value & XCR0_SSE))
		return -EINVAL;
	if (avx512 && (avx512 != XCR0_AVX512 || !(value & XCR0_AVX)))
		return -EINVAL;
	if (value & ~p->xcr0_allowed)
		return -EINVAL;
	return 0;
}

void cpuid_policy_show_apic(struct cpuid_policy *p)
{
	for (unsigned int i = 0; i < p->n; i++) {
		struct cpuid_entry *e = &p->entries[i];

		if (e->leaf != 1)
			continue;
		e->edx |= CPUID_1_EDX_APIC;
		e->ecx |= CPUID_1_ECX_X2APIC | CPUID_1_ECX_TSC_DEADLINE;
	}
}
