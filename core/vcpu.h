/* SPDX-License-Identifier: MIT */
/*
 * A virtual CPU and its register cache (the first idea of DESIGN.md).
 *
 * The entry stub keeps the 15 GPRs the VMCS does not hold in regs[] (every index but RSP).
 * Everything else a handler may want (RSP, RIP, RFLAGS, control registers, segments, exit
 * information) lives in the VMCS and is read with VMREAD the first time it is asked for after an
 * exit (regs_avail), and written with VMWRITE once, before the next entry, if it was changed
 * (regs_dirty). Nothing outside vcpu_regs.c touches those VMCS fields.
 */
#ifndef PLINTH_CORE_VCPU_H
#define PLINTH_CORE_VCPU_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "core/compiler.h"
#include "drivers/vdev/lapic.h"
#include "drivers/vdev/mmio_bus.h"
#include "emulate/emulate.h"

/* Register numbers: 0-15 are the GPRs in the instruction encoding's order (the emulator uses the
 * same numbers), then RIP and RFLAGS (also as the emulator numbers them), then the rest of the
 * VMCS-resident state. */
enum vcpu_reg {
	VCPU_REG_RAX = 0,
	VCPU_REG_RCX,
	VCPU_REG_RDX,
	VCPU_REG_RBX,
	VCPU_REG_RSP,
	VCPU_REG_RBP,
	VCPU_REG_RSI,
	VCPU_REG_RDI,
	VCPU_REG_R8,
	VCPU_REG_R9,
	VCPU_REG_R10,
	VCPU_REG_R11,
	VCPU_REG_R12,
	VCPU_REG_R13,
	VCPU_REG_R14,
	VCPU_REG_R15,
	VCPU_REG_RIP, /* 16 */
	VCPU_REG_RFLAGS, /* 17 */
	VCPU_REG_CR0, /* the VMCS's guest CR0 (what the CPU uses), not the guest's view */
	VCPU_REG_CR3,
	VCPU_REG_CR4, /* the VMCS's guest CR4, as CR0 */
	VCPU_REG_EFER,
	VCPU_REG_DR7,
	VCPU_REG_INTERRUPTIBILITY,
	VCPU_REG_ENTRY_CTLS, /* VM-entry controls: IA-32e mode guest follows EFER.LMA */
	/* Read-only exit information, valid until the next entry. */
	VCPU_REG_EXIT_QUALIFICATION,
	VCPU_REG_EXIT_INSTRUCTION_LEN,
	VCPU_REG_EXIT_INSTRUCTION_INFO,
	VCPU_REG_EXIT_INTR_INFO,
	VCPU_REG_EXIT_INTR_ERROR_CODE,
	VCPU_REG_IDT_VECTORING_INFO,
	VCPU_REG_IDT_VECTORING_ERROR_CODE,
	VCPU_REG_GUEST_PHYSICAL_ADDRESS,
	VCPU_REG_GUEST_LINEAR_ADDRESS,
	VCPU_NR_REGS
};
STATIC_ASSERT(VCPU_NR_REGS <= 64);

#define VCPU_GPRS_IN_REGS (0xffffull & ~BIT(VCPU_REG_RSP)) /* what the entry stub saves */
#define VCPU_REGS_EXIT_INFO                                                              \
	(BIT(VCPU_REG_EXIT_QUALIFICATION) | BIT(VCPU_REG_EXIT_INSTRUCTION_LEN) |         \
	 BIT(VCPU_REG_EXIT_INSTRUCTION_INFO) | BIT(VCPU_REG_EXIT_INTR_INFO) |            \
	 BIT(VCPU_REG_EXIT_INTR_ERROR_CODE) | BIT(VCPU_REG_IDT_VECTORING_INFO) |         \
	 BIT(VCPU_REG_IDT_VECTORING_ERROR_CODE) | BIT(VCPU_REG_GUEST_PHYSICAL_ADDRESS) | \
	 BIT(VCPU_REG_GUEST_LINEAR_ADDRESS))

enum vcpu_seg {
	VCPU_SEG_ES = 0, /* the SDM's order, as the instruction encoding's sreg field */
	VCPU_SEG_CS,
	VCPU_SEG_SS,
	VCPU_SEG_DS,
	VCPU_SEG_FS,
	VCPU_SEG_GS,
	VCPU_SEG_LDTR,
	VCPU_SEG_TR,
	VCPU_SEG_GDTR, /* base and limit only */
	VCPU_SEG_IDTR,
	VCPU_NR_SEGS
};

struct vcpu_segment {
	uint16_t selector;
	uint64_t base;
	uint32_t limit;
	uint32_t ar; /* VMX access-rights format; bit 16 = unusable */
};

/* Segment access rights (SDM 24.4.1). */
#define SEG_AR_TYPE_MASK       0xf
#define SEG_AR_TYPE_CODE       BIT(3) /* with S: a code segment */
#define SEG_AR_TYPE_CONFORMING BIT(2) /* of a code segment */
#define SEG_AR_S	       BIT(4)
#define SEG_AR_DPL_SHIFT       5
#define SEG_AR_P	       BIT(7)
#define SEG_AR_L	       BIT(13)
#define SEG_AR_DB	       BIT(14)
#define SEG_AR_G	       BIT(15)
#define SEG_AR_UNUSABLE	       BIT(16)

/* Per-vCPU counters: shown on the console when a guest ends and read by the stats hypercall. */
#define VCPU_STAT_REASONS 128 /* a power of two above the highest basic reason */
struct vcpu_stats {
	uint64_t exits;
	uint64_t vmreads, vmwrites;
	uint64_t loads; /* vcpu_load: the only place its deferred registers are written */
	uint64_t exits_by_reason[VCPU_STAT_REASONS];
};

/* An event for the next VM entry (SDM 24.8.3); type as in the interruption-information field. */
struct vcpu_event {
	bool pending;
	uint8_t vector;
	uint8_t type;
	bool has_error_code;
	uint32_t error_code;
	uint32_t instruction_len; /* software interrupts and exceptions */
};

/* The MSRs plinth never uses itself: loaded on vcpu_load, saved on vcpu_put (third idea). */
enum vcpu_sysreg {
	SYSREG_KERNEL_GS_BASE = 0,
	SYSREG_STAR,
	SYSREG_LSTAR,
	SYSREG_CSTAR,
	SYSREG_SFMASK,
	SYSREG_TSC_AUX,
	SYSREG_CR2,
	SYSREG_DR0,
	SYSREG_DR1,
	SYSREG_DR2,
	SYSREG_DR3,
	SYSREG_DR6,
	SYSREG_XCR0,
	VCPU_NR_SYSREGS
};

#define VCPU_SEG_AR_ONLY 16
STATIC_ASSERT(VCPU_NR_SEGS <= VCPU_SEG_AR_ONLY);

/* What the next RUN of a child vCPU completes with the data its control guest left in the
 * run area (KVM's complete_userspace_io): an IN, or one element of INS. Dropped if the
 * guest's RIP has moved since (the control guest set other registers). */
enum vcpu_completion_kind {
	VCPU_COMPLETE_NONE = 0,
	VCPU_COMPLETE_IN,
	VCPU_COMPLETE_INS,
	VCPU_COMPLETE_MMIO_READ,
};

struct vcpu_completion {
	uint8_t kind;
	uint8_t size;
	uint8_t insn_len;
	uint64_t rip;
	/* VCPU_COMPLETE_MMIO_READ: the address and, once the next RUN has copied it, the data
	 * (the instruction runs again and its read finds the data here). */
	uint64_t gpa;
	uint8_t data[8];
	bool data_ready;
};

struct vm;
struct plinth_kvm_run;

struct vcpu {
	/* The entry stub's part: keep in sync with vmx_entry.asm's offsets. */
	uint64_t regs[VCPU_NR_REGS];
	uint64_t host_rsp; /* the HOST_RSP last written to this VMCS */
	uint8_t launched;
	/* The cache's part. */
	uint64_t regs_avail, regs_dirty;
	/* segs_avail: bit n, segs[n] is valid; bit VCPU_SEG_AR_ONLY + n, only its ar is (one
	 * store after an exit clears both). */
	uint32_t segs_avail, segs_dirty;
	struct vcpu_segment segs[VCPU_NR_SEGS];
	uint64_t cr0_shadow, cr4_shadow; /* what the guest believes CR0 and CR4 are */
	uint64_t cr0_mask, cr4_mask; /* bits plinth owns (the guest/host masks) */
	uint64_t cr8;
	struct vcpu_event event; /* to inject at the next entry */
	struct emul_walk_cache fetch_walk; /* the emulator's last instruction-fetch walk */
	/* And the host address of its guest-physical page (guest RAM never moves while the VM
	 * lives; whoever remaps it clears fetch_walk.valid and this). */
	struct {
		uint64_t gpa_page;
		const uint8_t *hva;
	} fetch_page;
	struct emul_decode_cache decode_cache; /* and its last decoded instruction */
	struct vcpu_stats stats;
	/* Deferred state. */
	uint64_t sysregs[VCPU_NR_SYSREGS];
	bool sysregs_loaded_on_cpu;
	void *xsave_area; /* guest x87/SSE/AVX state while the vCPU is not loaded */
	uint64_t xsave_hpa;
	/* Identity. */
	struct vm *vm;
	uint32_t id;
	uint16_t vpid;
	uint64_t vmcs_hpa;
	int cpu; /* physical CPU it is loaded on, -1 when put */
	int last_cpu; /* the CPU whose host state its VMCS holds (-1: none yet) */
	uint32_t exit_reason; /* full value of the last exit */
	/* A child VM's vCPU: its run area in the control guest's RAM, whether the current exit
	 * returns to the control guest, and what the next RUN completes. */
	struct plinth_kvm_run *run;
	bool run_exit;
	bool run_interrupted; /* the exit is a time slice's end: RUN returns -EINTR */
	uint8_t ctl_mmio_done; /* this emulation's dealings with it (vmx_child.c) */
	uint32_t entry_error; /* VM-instruction error of a VMfail on entry (0: none) */
	struct vcpu_completion complete;
	struct mmio_device ctl_mmio; /* every GPA outside RAM: the control guest's MMIO */
	uint64_t handle;
	/* Multiprocessor state (arch/x86/vmx/vmx_apic.c) of a config-defined VM's vCPU. */
	bool has_lapic;
	uint8_t mp_state; /* enum vcpu_mp_state */
	bool nmi_pending; /* an NMI waits for the guest to be able to take it */
	uint32_t windows; /* the interrupt- and NMI-window exiting bits it has on */
	bool apic_check; /* the APIC changed: look for an interrupt to inject */
	bool apic_busy; /* the next entry has APIC work (see vcpu_apic_quiet) */
	uint32_t home_cpu; /* the physical CPU it runs on */
	bool thread_done; /* its run on home_cpu has ended (vm_run) */
	bool asleep; /* waiting for another vCPU to wake it (vmx_apic.c's all_asleep) */
	uint64_t apic_deadline; /* lapic_timer_deadline() in host TSC ticks, kept current */
	uint64_t tsc_offset; /* guest TSC - host TSC (VMCS_TSC_OFFSET) */
	uint32_t preempt_value; /* the VMX-preemption timer value in the VMCS */
	struct lapic lapic;
	/* What other vCPUs send it, set atomically on their CPUs and taken before each entry. */
	uint32_t posted_events; /* VCPU_POSTED_* */
	uint8_t posted_sipi_vector;
	uint32_t posted_irr[LAPIC_NR_VECTOR_WORDS];
};

enum vcpu_mp_state {
	VCPU_MP_RUNNABLE = 0,
	VCPU_MP_HALTED, /* HLT: until an interrupt it can take, an NMI or INIT */
	VCPU_MP_WAIT_SIPI, /* an AP before its start-up IPI, or any vCPU after INIT */
};

#define VCPU_POSTED_IRR	 BIT(0)
#define VCPU_POSTED_NMI	 BIT(1)
#define VCPU_POSTED_INIT BIT(2)
#define VCPU_POSTED_SIPI BIT(3)

/* The VMCS field behind each cached register (0: none). A switch so that it folds away when
 * reg is a constant, which it is almost everywhere. */
static inline uint32_t vcpu_reg_vmcs_field(enum vcpu_reg reg)
{
	switch (reg) {
	case VCPU_REG_RSP:
		return VMCS_GUEST_RSP;
	case VCPU_REG_RIP:
		return VMCS_GUEST_RIP;
	case VCPU_REG_RFLAGS:
		return VMCS_GUEST_RFLAGS;
	case VCPU_REG_CR0:
		return VMCS_GUEST_CR0;
	case VCPU_REG_CR3:
		return VMCS_GUEST_CR3;
	case VCPU_REG_CR4:
		return VMCS_GUEST_CR4;
	case VCPU_REG_EFER:
		return VMCS_GUEST_IA32_EFER;
	case VCPU_REG_DR7:
		return VMCS_GUEST_DR7;
	case VCPU_REG_INTERRUPTIBILITY:
		return VMCS_GUEST_INTERRUPTIBILITY;
	case VCPU_REG_ENTRY_CTLS:
		return VMCS_ENTRY_CTLS;
	case VCPU_REG_EXIT_QUALIFICATION:
		return VMCS_EXIT_QUALIFICATION;
	case VCPU_REG_EXIT_INSTRUCTION_LEN:
		return VMCS_EXIT_INSTRUCTION_LEN;
	case VCPU_REG_EXIT_INSTRUCTION_INFO:
		return VMCS_EXIT_INSTRUCTION_INFO;
	case VCPU_REG_EXIT_INTR_INFO:
		return VMCS_EXIT_INTR_INFO;
	case VCPU_REG_EXIT_INTR_ERROR_CODE:
		return VMCS_EXIT_INTR_ERROR_CODE;
	case VCPU_REG_IDT_VECTORING_INFO:
		return VMCS_IDT_VECTORING_INFO;
	case VCPU_REG_IDT_VECTORING_ERROR_CODE:
		return VMCS_IDT_VECTORING_ERROR_CODE;
	case VCPU_REG_GUEST_PHYSICAL_ADDRESS:
		return VMCS_GUEST_PHYSICAL_ADDRESS;
	case VCPU_REG_GUEST_LINEAR_ADDRESS:
		return VMCS_GUEST_LINEAR_ADDRESS;
	default:
		return 0;
	}
}

/* The state that can be written: VMCS guest state and the entry controls (not exit info). */
#define VCPU_REGS_WRITABLE                                                                  \
	(BIT(VCPU_REG_RSP) | BIT(VCPU_REG_RIP) | BIT(VCPU_REG_RFLAGS) | BIT(VCPU_REG_CR0) | \
	 BIT(VCPU_REG_CR3) | BIT(VCPU_REG_CR4) | BIT(VCPU_REG_EFER) | BIT(VCPU_REG_DR7) |   \
	 BIT(VCPU_REG_INTERRUPTIBILITY) | BIT(VCPU_REG_ENTRY_CTLS))

/* A register number with no VMCS field, or a write to exit information: a plinth bug. */
__noreturn void vcpu_reg_bad(enum vcpu_reg reg, bool write);

/* The register cache. Inline: on the exit path every branch here folds to a bit test. */
static inline uint64_t vcpu_reg_read(struct vcpu *vcpu, enum vcpu_reg reg)
{
	uint32_t field;
	uint64_t value;

	if (likely(vcpu->regs_avail & BIT(reg)))
		return vcpu->regs[reg];
	field = vcpu_reg_vmcs_field(reg);
	if (unlikely(!field))
		vcpu_reg_bad(reg, false);
	/* A dirty value is always available, so the VMCS holds the current one here. */
	vcpu->stats.vmreads++;
	value = vmx_vmread(field);
	vcpu->regs[reg] = value;
	vcpu->regs_avail |= BIT(reg);
	return value;
}

static inline void vcpu_reg_write(struct vcpu *vcpu, enum vcpu_reg reg, uint64_t value)
{
	if (reg < 16 && reg != VCPU_REG_RSP) {
		vcpu->regs[reg] = value;
		return;
	}
	if (unlikely((unsigned int)reg >= VCPU_NR_REGS || !(VCPU_REGS_WRITABLE & BIT(reg))))
		vcpu_reg_bad(reg, true);
	vcpu->regs[reg] = value;
	vcpu->regs_avail |= BIT(reg);
	vcpu->regs_dirty |= BIT(reg);
}

/* vcpu_reg_read for a register number known only at run time (the emulator's): the cached
 * value inline, the VMREAD out of line. */
uint64_t vcpu_reg_read_slow(struct vcpu *vcpu, enum vcpu_reg reg);
static inline uint64_t vcpu_reg_read_any(struct vcpu *vcpu, enum vcpu_reg reg)
{
	if (likely(vcpu->regs_avail & BIT(reg)))
		return vcpu->regs[reg];
	return vcpu_reg_read_slow(vcpu, reg);
}

static inline uint64_t vcpu_gpr_read(struct vcpu *vcpu, unsigned int n)
{
	return vcpu_reg_read(vcpu, (enum vcpu_reg)(n & 15));
}

static inline void vcpu_gpr_write(struct vcpu *vcpu, unsigned int n, uint64_t value)
{
	n &= 15;
	if (n != VCPU_REG_RSP) {
		vcpu->regs[n] = value;
		return;
	}
	vcpu_reg_write(vcpu, VCPU_REG_RSP, value);
}

void vcpu_seg_read(struct vcpu *vcpu, enum vcpu_seg seg, struct vcpu_segment *out);
/* The access-rights field of a segment (0 for GDTR and IDTR): a switch that folds away when seg
 * is a constant. */
static inline uint32_t vcpu_seg_ar_field(enum vcpu_seg seg)
{
	switch (seg) {
	case VCPU_SEG_ES:
		return VMCS_GUEST_ES_AR;
	case VCPU_SEG_CS:
		return VMCS_GUEST_CS_AR;
	case VCPU_SEG_SS:
		return VMCS_GUEST_SS_AR;
	case VCPU_SEG_DS:
		return VMCS_GUEST_DS_AR;
	case VCPU_SEG_FS:
		return VMCS_GUEST_FS_AR;
	case VCPU_SEG_GS:
		return VMCS_GUEST_GS_AR;
	case VCPU_SEG_LDTR:
		return VMCS_GUEST_LDTR_AR;
	case VCPU_SEG_TR:
		return VMCS_GUEST_TR_AR;
	default:
		return 0;
	}
}

/* The access rights alone (one VMREAD instead of four): mode and CPL need nothing else. */
static inline uint32_t vcpu_seg_ar(struct vcpu *vcpu, enum vcpu_seg seg)
{
	uint32_t field;

	if (likely(vcpu->segs_avail & (BIT(seg) | BIT(VCPU_SEG_AR_ONLY + seg))))
		return vcpu->segs[seg].ar;
	field = vcpu_seg_ar_field(seg);
	vcpu->segs[seg].ar = 0;
	if (field) {
		vcpu->stats.vmreads++;
		vcpu->segs[seg].ar = (uint32_t)vmx_vmread(field);
	}
	vcpu->segs_avail |= BIT(VCPU_SEG_AR_ONLY + seg);
	return vcpu->segs[seg].ar;
}
void vcpu_seg_write(struct vcpu *vcpu, enum vcpu_seg seg, const struct vcpu_segment *s);

/* State that only plinth changes, so that the cache always holds it (as KVM keeps EFER in
 * software): the VMCS set-up writes it through the cache, EFER writes exit, LMA follows CR0.PG,
 * which plinth owns, and the VM-entry controls are plinth's own. No VMREAD ever. */
#define VCPU_REGS_STICKY (BIT(VCPU_REG_EFER) | BIT(VCPU_REG_ENTRY_CTLS))

/* Called by the exit path right after a VM exit: only the stub's GPRs and the sticky state are
 * known. */
static inline void vcpu_regs_exit(struct vcpu *vcpu)
{
	vcpu->regs_avail = VCPU_GPRS_IN_REGS | VCPU_REGS_STICKY;
	vcpu->segs_avail = 0;
}

/* VMWRITEs what is dirty; called right before each entry. */
void vcpu_regs_flush_dirty(struct vcpu *vcpu);
static inline void vcpu_regs_flush(struct vcpu *vcpu)
{
	/* Most exits change RIP alone: one VMWRITE without the loop. */
	if (likely(vcpu->regs_dirty == BIT(VCPU_REG_RIP) && !vcpu->segs_dirty)) {
		vcpu->stats.vmwrites++;
		vmx_vmwrite(VMCS_GUEST_RIP, vcpu->regs[VCPU_REG_RIP]);
		vcpu->regs_dirty = 0;
	} else if (vcpu->regs_dirty | vcpu->segs_dirty) {
		vcpu_regs_flush_dirty(vcpu);
	}
}

/* Advances RIP past the instruction that caused the exit, whose length the handler knows. */
static inline void vcpu_skip_insn(struct vcpu *vcpu, unsigned int len)
{
	vcpu_reg_write(vcpu, VCPU_REG_RIP, vcpu_reg_read(vcpu, VCPU_REG_RIP) + len);
}

/* As above, reading the length from the VMCS (one more VMREAD). */
static inline void vcpu_skip_exit_insn(struct vcpu *vcpu)
{
	vcpu_skip_insn(vcpu, (unsigned int)vcpu_reg_read(vcpu, VCPU_REG_EXIT_INSTRUCTION_LEN));
}

/* The guest's view of CR0/CR4: guest-owned bits from the VMCS, host-owned ones from the
 * shadow. */
uint64_t vcpu_guest_cr0(struct vcpu *vcpu);
uint64_t vcpu_guest_cr4(struct vcpu *vcpu);

/* Bits of the guest's CR0/CR4: with no VMREAD when plinth owns them all (their writes exit), as
 * KVM's kvm_read_cr4_bits. */
static inline uint64_t vcpu_guest_cr0_bits(struct vcpu *vcpu, uint64_t mask)
{
	if (likely(!(mask & ~vcpu->cr0_mask)))
		return vcpu->cr0_shadow & mask;
	return vcpu_guest_cr0(vcpu) & mask;
}

static inline uint64_t vcpu_guest_cr4_bits(struct vcpu *vcpu, uint64_t mask)
{
	if (likely(!(mask & ~vcpu->cr4_mask)))
		return vcpu->cr4_shadow & mask;
	return vcpu_guest_cr4(vcpu) & mask;
}

#endif
