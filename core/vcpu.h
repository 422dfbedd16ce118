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
#include "core/compiler.h"

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
	(BIT(VCPU_REG_EXIT_QUALIFICATION) | BIT(VCPU_REG_EXIT_INSTRUCTION_LEN) |        \
	 BIT(VCPU_REG_EXIT_INSTRUCTION_INFO) | BIT(VCPU_REG_EXIT_INTR_INFO) |           \
	 BIT(VCPU_REG_EXIT_INTR_ERROR_CODE) | BIT(VCPU_REG_IDT_VECTORING_INFO) |        \
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
#define SEG_AR_TYPE_MASK 0xf
#define SEG_AR_S	 BIT(4)
#define SEG_AR_DPL_SHIFT 5
#define SEG_AR_P	 BIT(7)
#define SEG_AR_L	 BIT(13)
#define SEG_AR_DB	 BIT(14)
#define SEG_AR_G	 BIT(15)
#define SEG_AR_UNUSABLE	 BIT(16)

/* Per-vCPU counters: shown on the console when a guest ends and read by the stats hypercall. */
#define VCPU_STAT_REASONS 66
struct vcpu_stats {
	uint64_t exits;
	uint64_t vmreads, vmwrites;
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

struct vm;

struct vcpu {
	/* The entry stub's part: keep in sync with vmx_entry.asm's offsets. */
	uint64_t regs[VCPU_NR_REGS];
	uint64_t host_rsp; /* the HOST_RSP last written to this VMCS */
	uint8_t launched;
	/* The cache's part. */
	uint64_t regs_avail, regs_dirty;
	uint32_t segs_avail, segs_dirty;
	struct vcpu_segment segs[VCPU_NR_SEGS];
	uint64_t cr0_shadow, cr4_shadow; /* what the guest believes CR0 and CR4 are */
	uint64_t cr0_mask, cr4_mask; /* bits plinth owns (the guest/host masks) */
	uint64_t cr8;
	struct vcpu_event event; /* to inject at the next entry */
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
	uint32_t exit_reason; /* full value of the last exit */
};

/* Register cache: fast paths inline, the VMREAD/VMWRITE side in arch/x86/vmx/vcpu_regs.c. */
uint64_t vcpu_reg_cache(struct vcpu *vcpu, enum vcpu_reg reg);

static inline uint64_t vcpu_reg_read(struct vcpu *vcpu, enum vcpu_reg reg)
{
	if (likely(vcpu->regs_avail & BIT(reg)))
		return vcpu->regs[reg];
	return vcpu_reg_cache(vcpu, reg);
}

/* Exit information is read-only: writing it is a bug caught in vcpu_regs.c. */
void vcpu_reg_write(struct vcpu *vcpu, enum vcpu_reg reg, uint64_t value);

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
void vcpu_seg_write(struct vcpu *vcpu, enum vcpu_seg seg, const struct vcpu_segment *s);

/* Called by the exit path right after a VM exit: only the stub's GPRs are known. */
static inline void vcpu_regs_exit(struct vcpu *vcpu)
{
	vcpu->regs_avail = VCPU_GPRS_IN_REGS;
	vcpu->segs_avail = 0;
}

/* VMWRITEs what is dirty; called right before each entry. */
void vcpu_regs_flush(struct vcpu *vcpu);

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

#endif
