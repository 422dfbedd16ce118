// SPDX-License-Identifier: MIT
/*
 * What all VMCSs share: the control values (computed from the TRUE capability MSRs, never
 * hard-coded), the I/O bitmaps (every port exits), the MSR bitmap (only MSRs that are per-vCPU
 * by construction pass through), the host CPUID snapshot and the XSAVE layout.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/paging.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_controls.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "arch/x86/vmx/vmx_msr.h"
#include "core/errno.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/string.h"

struct vmx_host vmx_host;

#define EPT_CAP_INVEPT_SINGLE BIT(25)
#define EPT_CAP_INVEPT_ALL    BIT(26)
#define CPUID1_ECX_XSAVE      BIT(26)

/* A preemption-timer slice of about 2^26 TSC ticks, so that plinth regains control of a CPU
 * periodically even from a guest that never exits. */
#define PREEMPTION_SLICE_TSC_LOG2 26

/*
 * Settles one control field: bits the CPU forces to 1 are set, `required` bits must be
 * allowed, `optional` bits are set when allowed (SDM A.3: low half allowed-0, high half
 * allowed-1).
 */
static int adjust(const char *what, uint64_t cap, uint32_t required, uint32_t optional,
		  uint32_t *out)
{
	uint32_t must_be_1 = (uint32_t)cap, may_be_1 = (uint32_t)(cap >> 32);
	uint32_t missing = required & ~may_be_1;

	if (missing) {
		pr_err("VMX: the CPU cannot set %s control bits 0x%x that plinth needs\n", what,
		       missing);
		return -EOPNOTSUPP;
	}
	*out = (required | (optional & may_be_1) | must_be_1);
	return 0;
}

static int compute_controls(const struct vmx_raw_caps *raw, const struct vmx_caps *caps)
{
	uint64_t pin_cap = raw->true_valid ? raw->true_pinbased : raw->pinbased;
	uint64_t proc_cap = raw->true_valid ? raw->true_procbased : raw->procbased;
	uint64_t exit_cap = raw->true_valid ? raw->true_exit : raw->exit;
	uint64_t entry_cap = raw->true_valid ? raw->true_entry : raw->entry;
	int err = 0;

	err |= adjust("pin-based", pin_cap, PIN_EXTERNAL_INTERRUPT_EXITING | PIN_NMI_EXITING,
		      PIN_PREEMPTION_TIMER | PIN_VIRTUAL_NMIS, &vmx_host.pin);
	/* Every port and every MSR not in the pass-through list exits; HLT, MWAIT, MONITOR and
	 * RDPMC exit because plinth does not let a guest use them on the real CPU; CR3 accesses
	 * need no exit with EPT; CR8 exits because it is the TPR of plinth's virtual APIC (no
	 * TPR shadow: its accesses are rare). */
	err |= adjust("processor-based", proc_cap,
		      PROC_HLT_EXITING | PROC_MWAIT_EXITING | PROC_RDPMC_EXITING |
			      PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING | PROC_USE_IO_BITMAPS |
			      PROC_USE_MSR_BITMAPS | PROC_MONITOR_EXITING |
			      PROC_ACTIVATE_SECONDARY | PROC_USE_TSC_OFFSETTING,
		      0, &vmx_host.proc);
	err |= adjust("secondary processor-based", raw->procbased2,
		      PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST | PROC2_WBINVD_EXITING,
		      PROC2_ENABLE_VPID | PROC2_ENABLE_RDTSCP | PROC2_ENABLE_INVPCID,
		      &vmx_host.proc2);
	err |= adjust("VM-exit", exit_cap,
		      EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_IA32_EFER | EXIT_LOAD_IA32_EFER |
			      EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT | EXIT_SAVE_DEBUG_CONTROLS |
			      EXIT_ACK_INTERRUPT_ON_EXIT,
		      0, &vmx_host.exit);
	err |= adjust("VM-entry", entry_cap,
		      ENTRY_LOAD_IA32_EFER | ENTRY_LOAD_IA32_PAT | ENTRY_LOAD_DEBUG_CONTROLS, 0,
		      &vmx_host.entry);
	if (err)
		return -EOPNOTSUPP;
	/* VPID needs INVVPID to be useful across VM lifetimes; without it run untagged. */
	if (!caps->invvpid)
		vmx_host.proc2 &= ~PROC2_ENABLE_VPID;
	vmx_host.entry &= ~ENTRY_IA32E_MODE_GUEST; /* per vCPU, follows EFER.LMA */
	if ((vmx_host.pin & PIN_PREEMPTION_TIMER) && caps->preemption_timer) {
		unsigned int shift = caps->preemption_timer_shift;

		vmx_host.preemption_timer_value = 1u
						  << (PREEMPTION_SLICE_TSC_LOG2 - MIN(shift, 20u));
	} else {
		vmx_host.pin &= ~PIN_PREEMPTION_TIMER;
	}
	return 0;
}

static int bitmap_page(uint64_t *hpa, uint8_t fill)
{
	int err = page_alloc(1, hpa);

	if (!err)
		memset(phys_to_virt(*hpa), fill, PAGE_SIZE);
	return err;
}

/* SDM 25.6.9: read-low, read-high, write-low, write-high quarters; a set bit exits. */
static void msr_bitmap_pass(uint8_t *bitmap, uint32_t msr, bool read, bool write)
{
	unsigned int base, bit;

	if (msr <= 0x1fff) {
		base = 0;
		bit = msr;
	} else if (msr >= 0xc0000000 && msr <= 0xc0001fff) {
		base = 1024;
		bit = msr - 0xc0000000;
	} else {
		return;
	}
	if (read)
		bitmap[base + bit / 8] &= (uint8_t) ~(1u << (bit % 8));
	if (write)
		bitmap[base + 2048 + bit / 8] &= (uint8_t) ~(1u << (bit % 8));
}

static int build_bitmaps(void)
{
	uint8_t *msr;
	int err;

	err = bitmap_page(&vmx_host.io_bitmap_hpa[0], 0xff);
	if (!err)
		err = bitmap_page(&vmx_host.io_bitmap_hpa[1], 0xff);
	if (!err)
		err = bitmap_page(&vmx_host.msr_bitmap_hpa, 0xff);
	if (err)
		return err;
	msr = phys_to_virt(vmx_host.msr_bitmap_hpa);
	for (unsigned int i = 0; i < vmx_msr_passthrough_count; i++)
		msr_bitmap_pass(msr, vmx_msr_passthrough[i].msr, vmx_msr_passthrough[i].read,
				vmx_msr_passthrough[i].write);
	return 0;
}

/* Guest x87/SSE/AVX state is swapped with XSAVE/XRSTOR on vcpu_put/load: plinth itself never
 * touches it (it is built without SSE), so the host needs CR4.OSXSAVE but no state of its own. */
static int xsave_init(void)
{
	struct cpuid_regs r = cpuid(1);

	if (!(r.ecx & CPUID1_ECX_XSAVE)) {
		pr_err("VMX: this CPU has no XSAVE; plinth needs it to keep guests' FPU state "
		       "apart\n");
		return -EOPNOTSUPP;
	}
	/* OSFXSR too: the emulator moves guest XMM registers with SSE instructions. */
	write_cr4(read_cr4() | X86_CR4_OSXSAVE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
	r = cpuid_count(0xd, 0);
	vmx_host.xcr0_host_max = ((uint64_t)r.edx << 32) | r.eax;
	vmx_host.xsave_bytes = r.ecx;
	if (vmx_host.xsave_bytes < 576 || vmx_host.xsave_bytes > 4 * PAGE_SIZE) {
		pr_err("VMX: implausible XSAVE area size %u\n", vmx_host.xsave_bytes);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Clears bits of a leaf in the snapshot: features a guest cannot have on this CPU because the
 * VMX control that lets a guest use them is missing (the instruction would #UD). */
static void snapshot_hide(uint32_t leaf, uint32_t subleaf, unsigned int reg, uint32_t bits)
{
	for (unsigned int i = 0; i < vmx_host.cpuid.n; i++) {
		struct cpuid_entry *e = &vmx_host.cpuid.entries[i];
		uint32_t *regs[4] = { &e->eax, &e->ebx, &e->ecx, &e->edx };

		if (e->leaf == leaf && e->subleaf == subleaf)
			*regs[reg] &= ~bits;
	}
}

int vmx_host_init(const struct vmx_raw_caps *raw, const struct vmx_caps *caps)
{
	int err;

	vmx_host.raw = *raw;
	vmx_host.caps = *caps;
	err = compute_controls(raw, caps);
	if (err)
		return err;
	if (raw->ept_vpid & EPT_CAP_INVEPT_SINGLE)
		vmx_host.invept_type = INVEPT_SINGLE_CONTEXT;
	else if (raw->ept_vpid & EPT_CAP_INVEPT_ALL)
		vmx_host.invept_type = INVEPT_ALL_CONTEXT;
	else {
		pr_err("VMX: the CPU has no INVEPT; plinth cannot reuse memory between guests\n");
		return -EOPNOTSUPP;
	}
	err = xsave_init();
	if (err)
		return err;
	err = build_bitmaps();
	if (err) {
		pr_err("VMX: no memory for the I/O and MSR bitmaps\n");
		return err;
	}
	cpuid_snapshot_take(&vmx_host.cpuid);
	if (!(vmx_host.proc2 & PROC2_ENABLE_RDTSCP)) {
		snapshot_hide(0x80000001, 0, 3, CPUID_80000001_EDX_RDTSCP);
		snapshot_hide(7, 0, 2, CPUID_7_0_ECX_RDPID);
	}
	if (!(vmx_host.proc2 & PROC2_ENABLE_INVPCID))
		snapshot_hide(7, 0, 1, CPUID_7_0_EBX_INVPCID);
	pr_info("VMX: controls pin 0x%08x proc 0x%08x proc2 0x%08x exit 0x%08x entry 0x%08x\n",
		vmx_host.pin, vmx_host.proc, vmx_host.proc2, vmx_host.exit, vmx_host.entry);
	return 0;
}
