// SPDX-License-Identifier: MIT
/*
 * A vCPU's VMCS: controls from vmx_host, host state of the CPU it runs on, guest state from the
 * loader's boot state; and the deferred state that vcpu_load/vcpu_put move in and out.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/paging.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_controls.h"
#include "arch/x86/vmx/vmx_exit.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "arch/x86/vmx/vmx_msr.h"
#include "core/errno.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/panic.h"
#include "core/spinlock.h"
#include "core/string.h"

extern char vmx_exit_point[];

#define PAT_POWER_ON_VALUE 0x0007040600070406ull
#define DR7_INIT	   0x400ull
#define DR6_INIT	   0xffff0ff0ull
#define RFLAGS_FIXED	   BIT(1)

/* Segment access rights for the initial states (SDM 24.4.1). */
#define AR_CODE_REAL 0x009b /* present, S, execute/read, accessed */
#define AR_DATA_REAL 0x0093 /* present, S, read/write, accessed */
#define AR_CODE32    0xc09b /* + D, G */
#define AR_DATA32    0xc093
#define AR_CODE64    0xa09b /* + L, G */
#define AR_TSS_BUSY  0x008b /* present, 32/64-bit busy TSS */
#define AR_LDT	     0x0082
#define AR_UNUSABLE  SEG_AR_UNUSABLE

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

static int write_fields(const uint32_t *fields, const uint64_t *values, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (vmx_vmwrite_checked(fields[i], values[i])) {
			pr_err("VMX: VMWRITE of field 0x%x failed (error %llu)\n", fields[i],
			       (unsigned long long)vmx_vmread(VMCS_VM_INSTRUCTION_ERROR));
			return -EIO;
		}
	}
	return 0;
}

#define WRITE_ALL(...)                                        \
	({                                                    \
		static const uint32_t f_[] = { __VA_ARGS__ }; \
		write_fields(f_, v_, ARRAY_SIZE(f_));         \
	})

static int setup_controls(struct vcpu *vcpu, uint64_t eptp, bool long_mode)
{
	uint32_t proc2 = vmx_host.proc2;
	uint64_t entry = vmx_host.entry | (long_mode ? ENTRY_IA32E_MODE_GUEST : 0);

	if (!vcpu->vpid)
		proc2 &= ~PROC2_ENABLE_VPID;
	{
		const uint64_t v_[] = {
			vmx_host.pin,
			vmx_host.proc,
			proc2,
			vmx_host.exit,
			entry,
			BIT(18), /* exception bitmap: #MC only (the host's to handle) */
			0,
			0,
			0, /* CR3-target count */
			vmx_host.io_bitmap_hpa[0],
			vmx_host.io_bitmap_hpa[1],
			vmx_host.msr_bitmap_hpa,
			eptp,
			vcpu->vpid,
			~0ull, /* VMCS link pointer: no shadow VMCS */
			vcpu_cr0_host_owned(),
			vcpu_cr4_host_owned(),
			0, /* exit MSR-store count */
			0,
			0, /* entry MSR-load count */
			0, /* TSC offset: the guest sees the host's TSC */
			vmx_host.preemption_timer_value,
		};
		return WRITE_ALL(VMCS_PIN_BASED_CTLS, VMCS_PROC_BASED_CTLS, VMCS_PROC_BASED_CTLS2,
				 VMCS_EXIT_CTLS, VMCS_ENTRY_CTLS, VMCS_EXCEPTION_BITMAP,
				 VMCS_PAGE_FAULT_ERROR_MASK, VMCS_PAGE_FAULT_ERROR_MATCH,
				 VMCS_CR3_TARGET_COUNT, VMCS_IO_BITMAP_A, VMCS_IO_BITMAP_B,
				 VMCS_MSR_BITMAP, VMCS_EPT_POINTER, VMCS_VPID, VMCS_LINK_POINTER,
				 VMCS_CR0_GUEST_HOST_MASK, VMCS_CR4_GUEST_HOST_MASK,
				 VMCS_EXIT_MSR_STORE_COUNT, VMCS_EXIT_MSR_LOAD_COUNT,
				 VMCS_ENTRY_MSR_LOAD_COUNT, VMCS_TSC_OFFSET,
				 VMCS_PREEMPTION_TIMER_VALUE);
	}
}

/* The host state of the CPU the VMCS is loaded on (SDM 26.2.2, 26.2.3). */
static int setup_host_state(void)
{
	struct percpu *cpu = this_cpu();
	struct desc_ptr gdtr, idtr;

	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	__asm__ volatile("sidt %0" : "=m"(idtr));
	{
		const uint64_t v_[] = {
			read_cr0(),
			read_cr3(),
			read_cr4(),
			GDT_SEL_CODE64,
			GDT_SEL_DATA,
			GDT_SEL_DATA,
			GDT_SEL_DATA,
			0,
			0,
			GDT_SEL_TSS,
			rdmsr(MSR_FS_BASE),
			(uint64_t)cpu,
			(uint64_t)&cpu->tss,
			gdtr.base,
			idtr.base,
			0,
			0,
			0,
			rdmsr(MSR_IA32_EFER),
			rdmsr(MSR_IA32_PAT),
			(uint64_t)vmx_exit_point,
		};
		return WRITE_ALL(VMCS_HOST_CR0, VMCS_HOST_CR3, VMCS_HOST_CR4, VMCS_HOST_CS_SELECTOR,
				 VMCS_HOST_SS_SELECTOR, VMCS_HOST_DS_SELECTOR,
				 VMCS_HOST_ES_SELECTOR, VMCS_HOST_FS_SELECTOR,
				 VMCS_HOST_GS_SELECTOR, VMCS_HOST_TR_SELECTOR, VMCS_HOST_FS_BASE,
				 VMCS_HOST_GS_BASE, VMCS_HOST_TR_BASE, VMCS_HOST_GDTR_BASE,
				 VMCS_HOST_IDTR_BASE, VMCS_HOST_IA32_SYSENTER_CS,
				 VMCS_HOST_IA32_SYSENTER_ESP, VMCS_HOST_IA32_SYSENTER_EIP,
				 VMCS_HOST_IA32_EFER, VMCS_HOST_IA32_PAT, VMCS_HOST_RIP);
	}
}

static void seg(struct vcpu *vcpu, enum vcpu_seg s, uint16_t sel, uint64_t base, uint32_t limit,
		uint32_t ar)
{
	struct vcpu_segment v = { .selector = sel, .base = base, .limit = limit, .ar = ar };

	vcpu_seg_write(vcpu, s, &v);
}

/* The guest state at the first entry: the mode the loader asks for, flat segments. */
static int setup_guest_state(struct vcpu *vcpu, const struct vcpu_boot_state *boot)
{
	uint64_t cr0 = X86_CR0_ET, cr4 = 0, efer = 0, rip = boot->rip;
	uint32_t code_ar, data_ar, flat_limit = 0xffffffff;

	switch (boot->mode_bits) {
	case 16: {
		uint16_t cs = (uint16_t)((boot->rip >> 4) & 0xf000);

		seg(vcpu, VCPU_SEG_CS, cs, (uint64_t)cs << 4, 0xffff, AR_CODE_REAL);
		for (enum vcpu_seg s = VCPU_SEG_ES; s <= VCPU_SEG_GS; s++)
			if (s != VCPU_SEG_CS)
				seg(vcpu, s, 0, 0, 0xffff, AR_DATA_REAL);
		rip = boot->rip & 0xffff;
		seg(vcpu, VCPU_SEG_IDTR, 0, 0, 0x3ff, 0);
		break;
	}
	case 32:
	case 64:
		cr0 |= X86_CR0_PE;
		code_ar = AR_CODE32;
		data_ar = AR_DATA32;
		if (boot->mode_bits == 64) {
			cr0 |= X86_CR0_PG | X86_CR0_WP;
			cr4 |= X86_CR4_PAE;
			efer = X86_EFER_LME | X86_EFER_LMA;
			code_ar = AR_CODE64;
		}
		seg(vcpu, VCPU_SEG_CS, 0x08, 0, flat_limit, code_ar);
		for (enum vcpu_seg s = VCPU_SEG_ES; s <= VCPU_SEG_GS; s++)
			if (s != VCPU_SEG_CS)
				seg(vcpu, s, 0x10, 0, flat_limit, data_ar);
		seg(vcpu, VCPU_SEG_IDTR, 0, 0, 0, 0);
		break;
	default:
		panic("setup_guest_state: loader gave mode %u", boot->mode_bits);
	}
	seg(vcpu, VCPU_SEG_LDTR, 0, 0, 0, AR_UNUSABLE);
	seg(vcpu, VCPU_SEG_TR, 0, 0, 0xffff, AR_TSS_BUSY);
	seg(vcpu, VCPU_SEG_GDTR, 0, 0, 0xffff, 0);

	vcpu_set_cr0(vcpu, cr0);
	vcpu_set_cr4_initial(vcpu, cr4);
	vcpu_reg_write(vcpu, VCPU_REG_CR3, boot->cr3);
	vcpu_reg_write(vcpu, VCPU_REG_EFER, efer);
	vcpu_reg_write(vcpu, VCPU_REG_RIP, rip);
	vcpu_reg_write(vcpu, VCPU_REG_RSP, boot->rsp);
	vcpu_reg_write(vcpu, VCPU_REG_RFLAGS, RFLAGS_FIXED);
	vcpu_reg_write(vcpu, VCPU_REG_DR7, DR7_INIT);
	vcpu_reg_write(vcpu, VCPU_REG_INTERRUPTIBILITY, 0);
	vcpu_reg_write(vcpu, VCPU_REG_ENTRY_CTLS,
		       vmx_host.entry | (boot->mode_bits == 64 ? ENTRY_IA32E_MODE_GUEST : 0));
	vcpu->regs[VCPU_REG_RAX] = boot->rax;
	vcpu->regs[VCPU_REG_RBX] = boot->rbx;
	vcpu_regs_flush(vcpu);
	{
		const uint64_t v_[] = { 0, PAT_POWER_ON_VALUE, 0, 0, 0, 0, 0 };

		return WRITE_ALL(VMCS_GUEST_IA32_DEBUGCTL, VMCS_GUEST_IA32_PAT,
				 VMCS_GUEST_IA32_SYSENTER_CS, VMCS_GUEST_IA32_SYSENTER_ESP,
				 VMCS_GUEST_IA32_SYSENTER_EIP, VMCS_GUEST_ACTIVITY_STATE,
				 VMCS_GUEST_PENDING_DBG_EXCEPTIONS);
	}
}

int vmx_vcpu_start_at(struct vcpu *vcpu, uint8_t sipi_vector)
{
	/* SDM 9.1.1 and Table 9-1: the state after INIT, then CS = vector << 8, IP 0 (8.4.4.1).
	 * RDX holds the processor signature; the other GPRs are 0. The deferred registers and the
	 * FPU keep their values, as INIT leaves them. */
	const struct vcpu_boot_state boot = { .mode_bits = 16, .rip = 0 };
	uint32_t signature = cpuid(1).eax;
	int err;

	for (unsigned int r = 0; r < 16; r++)
		if (r != VCPU_REG_RSP)
			vcpu->regs[r] = 0;
	vcpu->event.pending = false;
	vcpu->fetch_walk.valid = false;
	vcpu->regs[VCPU_REG_RDX] = signature;
	err = setup_guest_state(vcpu, &boot);
	seg(vcpu, VCPU_SEG_CS, (uint16_t)(sipi_vector << 8), (uint64_t)sipi_vector << 12, 0xffff,
	    AR_CODE_REAL);
	return err;
}

/* A fresh XSAVE image: x87 and SSE in their reset state, nothing else present. */
static void xsave_area_init(void *area)
{
	uint8_t *p = area;

	p[0] = 0x7f; /* FCW = 0x037f */
	p[1] = 0x03;
	*(uint32_t *)(p + 24) = 0x1f80; /* MXCSR */
}

/* VPIDs of live vCPUs, one bit each; VPID 0 is the host's and never handed out. A VPID
 * comes back only when its vCPU is freed (and flushed), so two live vCPUs never share one. */
#define VPID_COUNT 65536
static uint64_t vpid_used[VPID_COUNT / 64] = { 1 };
static spinlock_t vpid_lock = SPINLOCK_INIT;

static uint16_t vpid_alloc(void)
{
	uint16_t vpid = 0;

	spin_lock(&vpid_lock);
	for (unsigned int w = 0; w < ARRAY_SIZE(vpid_used) && !vpid; w++) {
		if (vpid_used[w] == ~0ull)
			continue;
		vpid = (uint16_t)(w * 64 + (unsigned int)__builtin_ctzll(~vpid_used[w]));
		vpid_used[w] |= 1ull << (vpid % 64);
	}
	spin_unlock(&vpid_lock);
	return vpid;
}

static void vpid_free(uint16_t vpid)
{
	spin_lock(&vpid_lock);
	vpid_used[vpid / 64] &= ~(1ull << (vpid % 64));
	spin_unlock(&vpid_lock);
}

int vmx_vcpu_create(struct vcpu *vcpu, uint64_t eptp, const struct vcpu_boot_state *boot)
{
	uint64_t xsave_pages = (vmx_host.xsave_bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	/* A control guest creating a child's vCPU: its own VMCS is current and stays so. */
	uint64_t current_vmcs = vmx_vmptrst();
	int err;

	vcpu->cpu = -1;
	err = page_alloc(1, &vcpu->vmcs_hpa);
	if (err)
		return err;
	err = page_alloc(xsave_pages, &vcpu->xsave_hpa);
	if (err) {
		page_free(vcpu->vmcs_hpa, 1);
		return err;
	}
	vcpu->xsave_area = phys_to_virt(vcpu->xsave_hpa);
	xsave_area_init(vcpu->xsave_area);
	vcpu->sysregs[SYSREG_XCR0] = 1; /* x87 only, as after reset */
	vcpu->sysregs[SYSREG_DR6] = DR6_INIT;
	if (vmx_host.proc2 & PROC2_ENABLE_VPID) {
		vcpu->vpid = vpid_alloc();
		if (!vcpu->vpid) {
			pr_err("VMX: all %u VPIDs are in use\n", VPID_COUNT - 1);
			err = -ENOSPC;
			goto fail;
		}
	}
	vcpu->regs_avail = VCPU_GPRS_IN_REGS; /* they live in regs[] from the start */
	vcpu->cr0_mask = vcpu_cr0_host_owned();
	vcpu->cr4_mask = vcpu_cr4_host_owned();

	*(uint32_t *)phys_to_virt(vcpu->vmcs_hpa) = vmx_host.caps.revision_id;
	if (vmx_vmclear(vcpu->vmcs_hpa) || vmx_vmptrld(vcpu->vmcs_hpa)) {
		pr_err("VMX: VMCLEAR/VMPTRLD of a new VMCS failed\n");
		err = -EIO;
		goto fail;
	}
	vcpu->cpu = (int)this_cpu()->cpu_id;
	err = setup_controls(vcpu, eptp, boot->mode_bits == 64);
	if (!err)
		err = setup_host_state();
	if (!err)
		err = setup_guest_state(vcpu, boot);
	/* The exit path never reads these from the VMCS again (VCPU_REGS_STICKY). */
	if (!err && (vcpu->regs_avail & VCPU_REGS_STICKY) != VCPU_REGS_STICKY)
		panic("vmx_vcpu_create: EFER or the entry controls were not set up");
	vmx_vmclear(vcpu->vmcs_hpa); /* loaded again by vcpu_load */
	if (current_vmcs != ~0ull && vmx_vmptrld(current_vmcs))
		panic("vmx_vcpu_create: VMPTRLD of the caller's VMCS failed");
	vcpu->cpu = -1;
	vcpu->last_cpu = -1; /* the first vcpu_load flushes this VPID's and this EPT's tags */
	vcpu->launched = 0;
	vcpu->stats = (struct vcpu_stats){ 0 }; /* count the guest's exits, not the set-up */
	if (!err)
		return 0;
fail:
	if (vcpu->vpid)
		vpid_free(vcpu->vpid);
	vcpu->vpid = 0;
	page_free(vcpu->vmcs_hpa, 1);
	page_free(vcpu->xsave_hpa, xsave_pages);
	return err;
}

void vmx_vcpu_free(struct vcpu *vcpu)
{
	if (vcpu->cpu >= 0)
		panic("vmx_vcpu_free: vCPU %u is still loaded", vcpu->id);
	if (vcpu->vpid) {
		/* Its tags may be cached only on the CPU it ran on, which is this one. */
		vmx_invvpid(INVVPID_SINGLE_CONTEXT, vcpu->vpid);
		vpid_free(vcpu->vpid);
	}
	page_free(vcpu->vmcs_hpa, 1);
	page_free(vcpu->xsave_hpa, (vmx_host.xsave_bytes + PAGE_SIZE - 1) / PAGE_SIZE);
}

static inline void xsave(void *area, uint64_t mask)
{
	__asm__ volatile("xsave64 %0"
			 : "+m"(*(uint8_t(*)[4096])area)
			 : "a"((uint32_t)mask), "d"((uint32_t)(mask >> 32))
			 : "memory");
}

static inline void xrstor(const void *area, uint64_t mask)
{
	__asm__ volatile("xrstor64 %0"
			 :
			 : "m"(*(const uint8_t(*)[4096])area), "a"((uint32_t)mask),
			   "d"((uint32_t)(mask >> 32))
			 : "memory");
}

#define DEFINE_DR_ACCESSORS(n)                                    \
	static inline uint64_t read_dr##n(void)                   \
	{                                                         \
		uint64_t v;                                       \
		__asm__ volatile("mov %%db" #n ", %0" : "=r"(v)); \
		return v;                                         \
	}                                                         \
	static inline void write_dr##n(uint64_t v)                \
	{                                                         \
		__asm__ volatile("mov %0, %%db" #n : : "r"(v));   \
	}
DEFINE_DR_ACCESSORS(0)
DEFINE_DR_ACCESSORS(1)
DEFINE_DR_ACCESSORS(2)
DEFINE_DR_ACCESSORS(3)
DEFINE_DR_ACCESSORS(6)

/* The first load on a CPU: the host state that differs between CPUs (SDM 27.5: GS base, TR
 * base, GDTR base; the IDT is shared), and no translations of this VPID or this EPT that the
 * CPU may hold from an earlier vCPU or VM with the same tag. */
static void vcpu_arrive(struct vcpu *vcpu)
{
	struct percpu *cpu = this_cpu();
	struct desc_ptr gdtr;

	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	vmx_vmwrite(VMCS_HOST_GS_BASE, (uint64_t)cpu);
	vmx_vmwrite(VMCS_HOST_TR_BASE, (uint64_t)&cpu->tss);
	vmx_vmwrite(VMCS_HOST_GDTR_BASE, gdtr.base);
	vcpu->stats.vmwrites += 3;
	if (vcpu->vpid)
		vmx_invvpid(INVVPID_SINGLE_CONTEXT, vcpu->vpid);
	vcpu->stats.vmreads++;
	vmx_invept(vmx_host.invept_type, vmx_vmread(VMCS_EPT_POINTER));
	vcpu->last_cpu = vcpu->cpu;
}

void vcpu_load(struct vcpu *vcpu)
{
	uint64_t *sr = vcpu->sysregs;

	if (vmx_vmptrld(vcpu->vmcs_hpa))
		panic("vcpu_load: VMPTRLD of vCPU %u failed", vcpu->id);
	vcpu->cpu = (int)this_cpu()->cpu_id;
	this_cpu()->vcpu = vcpu;
	if (unlikely(vcpu->last_cpu != vcpu->cpu))
		vcpu_arrive(vcpu);
	vcpu->stats.loads++;
	for (unsigned int i = 0; i <= SYSREG_TSC_AUX; i++)
		wrmsr(vcpu_sysreg_msr[i], sr[i]);
	write_cr2(sr[SYSREG_CR2]);
	write_dr0(sr[SYSREG_DR0]);
	write_dr1(sr[SYSREG_DR1]);
	write_dr2(sr[SYSREG_DR2]);
	write_dr3(sr[SYSREG_DR3]);
	write_dr6(sr[SYSREG_DR6]);
	/* Restore everything the host CPU supports so nothing of the last guest survives. */
	xsetbv(0, vmx_host.xcr0_host_max);
	xrstor(vcpu->xsave_area, vmx_host.xcr0_host_max);
	xsetbv(0, sr[SYSREG_XCR0]);
	vcpu->sysregs_loaded_on_cpu = true;
}

void vcpu_put(struct vcpu *vcpu)
{
	uint64_t *sr = vcpu->sysregs;

	for (unsigned int i = 0; i <= SYSREG_TSC_AUX; i++)
		sr[i] = rdmsr(vcpu_sysreg_msr[i]);
	sr[SYSREG_CR2] = read_cr2();
	sr[SYSREG_DR0] = read_dr0();
	sr[SYSREG_DR1] = read_dr1();
	sr[SYSREG_DR2] = read_dr2();
	sr[SYSREG_DR3] = read_dr3();
	sr[SYSREG_DR6] = read_dr6();
	xsetbv(0, vmx_host.xcr0_host_max);
	xsave(vcpu->xsave_area, vmx_host.xcr0_host_max);
	vcpu->sysregs_loaded_on_cpu = false;
	if (vmx_vmclear(vcpu->vmcs_hpa))
		panic("vcpu_put: VMCLEAR of vCPU %u failed", vcpu->id);
	vcpu->launched = 0; /* VMCLEAR makes the VMCS clear: the next entry is VMLAUNCH */
	vcpu->cpu = -1;
	this_cpu()->vcpu = NULL;
}

uint64_t vcpu_read_sysreg(struct vcpu *vcpu, enum vcpu_sysreg reg)
{
	if (!vcpu->sysregs_loaded_on_cpu || reg == SYSREG_XCR0)
		return vcpu->sysregs[reg]; /* XCR0's copy is kept current by its exit */
	if (reg <= SYSREG_TSC_AUX)
		return rdmsr(vcpu_sysreg_msr[reg]);
	switch (reg) {
	case SYSREG_CR2:
		return read_cr2();
	case SYSREG_DR0:
		return read_dr0();
	case SYSREG_DR1:
		return read_dr1();
	case SYSREG_DR2:
		return read_dr2();
	case SYSREG_DR3:
		return read_dr3();
	case SYSREG_DR6:
		return read_dr6();
	default:
		panic("vcpu_read_sysreg: register %u", reg);
	}
}

void vcpu_write_sysreg(struct vcpu *vcpu, enum vcpu_sysreg reg, uint64_t value)
{
	if ((unsigned int)reg >= VCPU_NR_SYSREGS)
		panic("vcpu_write_sysreg: register %u", reg);
	vcpu->sysregs[reg] = value;
	if (!vcpu->sysregs_loaded_on_cpu)
		return;
	if (reg <= SYSREG_TSC_AUX) {
		wrmsr(vcpu_sysreg_msr[reg], value);
		return;
	}
	switch (reg) {
	case SYSREG_CR2:
		write_cr2(value);
		break;
	case SYSREG_DR0:
		write_dr0(value);
		break;
	case SYSREG_DR1:
		write_dr1(value);
		break;
	case SYSREG_DR2:
		write_dr2(value);
		break;
	case SYSREG_DR3:
		write_dr3(value);
		break;
	case SYSREG_DR6:
		write_dr6(value);
		break;
	default:
		xsetbv(0, value);
		break;
	}
}

void vcpu_vmcs_borrow(struct vcpu *vcpu)
{
	if (vcpu->cpu >= 0)
		panic("vcpu_vmcs_borrow: vCPU %u is loaded", vcpu->id);
	if (vmx_vmptrld(vcpu->vmcs_hpa))
		panic("vcpu_vmcs_borrow: VMPTRLD of vCPU %u failed", vcpu->id);
}

void vcpu_vmcs_return(struct vcpu *vcpu, struct vcpu *cur)
{
	/* Clear again, as vcpu_put leaves it; cur's VMCS kept its launch state meanwhile. */
	if (vmx_vmclear(vcpu->vmcs_hpa) || vmx_vmptrld(cur->vmcs_hpa))
		panic("vcpu_vmcs_return: VMCLEAR/VMPTRLD failed");
}
