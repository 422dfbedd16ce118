/* SPDX-License-Identifier: MIT */
/*
 * A guest's local APIC (SDM Vol. 3A chapter 10) as a pure model: registers through the xAPIC
 * MMIO page and the x2APIC MSRs, IA32_APIC_BASE with the state diagram of 10.12.5, the timer in
 * its three modes, interrupt acceptance (IRR, ISR, TMR, TPR, PPR) and IPIs sent through the ICR.
 * It reads no clock and knows nothing of VMX: every call that can depend on time takes now_tsc
 * (guest TSC ticks, which are host TSC ticks), and an IPI leaves through ops->send_ipi for the
 * caller to route with lapic_match_dest. Nothing allocates or prints; errors are return values.
 *
 * What the exit path does around it:
 *   if (now >= lapic_timer_deadline(a)) lapic_timer_expire(a, now);
 *   v = lapic_pending_vector(a); if (v >= 0 && the guest can take it) { inject v; lapic_ack(a, v); }
 * and before entering the guest it arms its own timer for lapic_timer_deadline(a).
 *
 * Choices where the SDM leaves room (KVM's, unless said otherwise):
 * - The version register is 0x00060014: version 0x14, 7 LVT entries (CMCI included), no EOI
 *   broadcast suppression (SVR bit 12 is reserved). SVR bits 0-9 are kept (bit 9, focus
 *   processor checking, has no effect).
 * - The xAPIC ID register is writable (bits 24-31) and addressing uses the written value; the
 *   x2APIC ID is the id given to lapic_init and read-only.
 * - A software-disabled APIC (SVR bit 8 clear) refuses fixed interrupts (10.4.7.2: it answers
 *   only INIT, NMI, SMI and SIPI) but keeps offering what IRR already holds: "pending interrupts
 *   are held and require handling by the CPU". It can still send IPIs. A hardware-disabled APIC
 *   (EN clear) accepts nothing, matches no destination and offers nothing.
 * - EOI clears the highest ISR bit only. TMR follows 10.8.4: set when a level-triggered
 *   interrupt is accepted, cleared when an edge-triggered one is; EOI does not touch it. There is
 *   no I/O APIC yet, so no EOI message is sent.
 * - The SVR's spurious vector is stored and never used: an interrupt is acknowledged (lapic_ack)
 *   by the code that injected it, so there is no window in which it could turn spurious.
 * - ESR (10.5.3): errors accumulate unseen; a write (of 0 in x2APIC mode, where anything else is
 *   #GP) makes them the readable value and starts a new collection. Each error raises the LVT
 *   error interrupt when that entry is unmasked. Only bits 5 (send illegal vector), 6 (receive
 *   illegal vector) and 7 (illegal register address, xAPIC only) can occur.
 * - MMIO (xAPIC mode only): a read of 1 to 8 bytes anywhere in the page returns, byte by
 *   byte, the register in the low 4 bytes of its 16-byte slot and 0 for the other 12. Writes
 *   count only when 4 bytes at a 16-byte-aligned offset (10.4.1); others are ignored. Reserved
 *   slots read 0, ignore writes and set ESR bit 7. When the APIC is disabled or in x2APIC mode
 *   the page reads all ones and ignores writes (10.12.1.2: "similar to a globally disabled
 *   xAPIC"). Writes to read-only registers are ignored; the EOI register reads 0.
 * - x2APIC MSRs: #GP (-EINVAL) for any non-zero bit the SDM reserves (10.12.1.3), except the
 *   ICR's bit 12 (delivery status), which Intel CPUs ignore in x2APIC mode. Read-only status
 *   bits (LVT delivery status, LINT remote IRR) may be written as 1 and are ignored.
 * - Timer: the bus runs at LAPIC_BUS_HZ (1 ns per cycle). Switching into or out of TSC-deadline
 *   mode disarms the timer and zeroes the initial count (10.5.4.1); switching between one-shot
 *   and periodic leaves a running count running, and the mode at expiry decides whether it
 *   reloads. Timer mode 3 (reserved) runs no timer. A periodic timer re-arms from its previous
 *   deadline, keeping its phase; if the caller was late by several periods it delivers one
 *   interrupt and skips the missed ones. A divide-configuration change while counting rescales
 *   the remaining time. Periods are rounded up to whole TSC ticks.
 * - The timer is caught up (lapic_timer_expire) at the start of every call that takes now_tsc,
 *   so what a guest reads at now_tsc is what it would see had the caller been punctual.
 * - Moving the APIC base away from 0xfee00000 is refused with -EOPNOTSUPP (hardware would
 *   accept it; plinth's MMIO window does not move): the caller reports it and stops the guest.
 *   The BSP flag is writable. Clearing EN returns every register to its power-up state (10.4.3).
 * - IPIs: delivery modes 3 and 7 (reserved for the ICR) and INIT level de-assert (level 0,
 *   trigger 1; not supported since the Pentium 4) are not sent. Fixed and lowest-priority IPIs
 *   with a vector below 16 set ESR bit 5 and are not sent. Everything else is sent, including
 *   the combinations Table 10-3 calls invalid (self or all-including-self with a delivery mode
 *   other than fixed), which KVM delivers too.
 */
#ifndef PLINTH_DRIVERS_VDEV_LAPIC_H
#define PLINTH_DRIVERS_VDEV_LAPIC_H

#include <stdbool.h>
#include <stdint.h>
#include "core/compiler.h"

#define LAPIC_BUS_HZ		 1000000000ull /* the timer's input clock before the divider */
#define LAPIC_VERSION		 0x00060014u /* max LVT entry 6, version 0x14 */
#define LAPIC_BASE_DEFAULT	 0xfee00000ull
#define LAPIC_MMIO_BYTES	 4096u
#define LAPIC_TSC_KHZ_LIMIT	 (1u << 23) /* tsc_khz must stay below: see count_to_ticks() */
#define LAPIC_NR_VECTOR_WORDS	 8 /* IRR, ISR, TMR: 256 bits as 8 x 32 */
#define LAPIC_FIRST_LEGAL_VECTOR 16

/* IA32_APIC_BASE (MSR 0x1b) bits. */
#define LAPIC_BASE_BSP	    BIT(8)
#define LAPIC_BASE_EXTD	    BIT(10) /* x2APIC mode */
#define LAPIC_BASE_EN	    BIT(11) /* xAPIC global enable */
#define LAPIC_BASE_ADDR_LOW 12 /* the base address starts at bit 12 */

#define MSR_IA32_TSC_DEADLINE 0x6e0
#define MSR_IA32_X2APIC_FIRST 0x800
#define MSR_IA32_X2APIC_LAST  0x8ff

/* xAPIC register offsets in the MMIO page (SDM Table 10-1); x2APIC MSR = 0x800 + offset / 16. */
#define LAPIC_REG_ID	      0x020
#define LAPIC_REG_VERSION     0x030
#define LAPIC_REG_TPR	      0x080
#define LAPIC_REG_APR	      0x090
#define LAPIC_REG_PPR	      0x0a0
#define LAPIC_REG_EOI	      0x0b0
#define LAPIC_REG_RRD	      0x0c0
#define LAPIC_REG_LDR	      0x0d0
#define LAPIC_REG_DFR	      0x0e0
#define LAPIC_REG_SVR	      0x0f0
#define LAPIC_REG_ISR	      0x100 /* 8 registers, 0x10 apart */
#define LAPIC_REG_TMR	      0x180
#define LAPIC_REG_IRR	      0x200
#define LAPIC_REG_ESR	      0x280
#define LAPIC_REG_LVT_CMCI    0x2f0
#define LAPIC_REG_ICR_LO      0x300
#define LAPIC_REG_ICR_HI      0x310
#define LAPIC_REG_LVT_TIMER   0x320
#define LAPIC_REG_LVT_THERMAL 0x330
#define LAPIC_REG_LVT_PMI     0x340
#define LAPIC_REG_LVT_LINT0   0x350
#define LAPIC_REG_LVT_LINT1   0x360
#define LAPIC_REG_LVT_ERROR   0x370
#define LAPIC_REG_TIMER_ICR   0x380 /* initial count */
#define LAPIC_REG_TIMER_CCR   0x390 /* current count */
#define LAPIC_REG_TIMER_DCR   0x3e0 /* divide configuration */
#define LAPIC_REG_SELF_IPI    0x3f0 /* x2APIC only */
#define LAPIC_REG_TO_MSR(off) (MSR_IA32_X2APIC_FIRST + ((off) >> 4))

#define LAPIC_SVR_APIC_ENABLED	 BIT(8)
#define LAPIC_LVT_MASKED	 BIT(16)
#define LAPIC_LVT_TIMER_MODE	 (3u << 17)
#define LAPIC_TIMER_ONESHOT	 (0u << 17)
#define LAPIC_TIMER_PERIODIC	 (1u << 17)
#define LAPIC_TIMER_TSC_DEADLINE (2u << 17)

#define LAPIC_ESR_SEND_ILLEGAL_VECTOR BIT(5)
#define LAPIC_ESR_RECV_ILLEGAL_VECTOR BIT(6)
#define LAPIC_ESR_ILLEGAL_REG_ADDRESS BIT(7)

/* ICR and LVT delivery modes (bits 8-10). */
enum lapic_delivery_mode {
	LAPIC_DM_FIXED = 0,
	LAPIC_DM_LOWEST = 1,
	LAPIC_DM_SMI = 2,
	LAPIC_DM_NMI = 4,
	LAPIC_DM_INIT = 5,
	LAPIC_DM_STARTUP = 6,
	LAPIC_DM_EXTINT = 7,
};

/* ICR destination shorthand (bits 18-19). */
enum lapic_shorthand {
	LAPIC_DEST_NONE = 0,
	LAPIC_DEST_SELF = 1,
	LAPIC_DEST_ALL_INCL_SELF = 2,
	LAPIC_DEST_ALL_EXCL_SELF = 3,
};

/* LVT entries in the order of their registers from 0x320 (KVM's order); CMCI (0x2f0) last. */
enum lapic_lvt {
	LAPIC_LVT_TIMER,
	LAPIC_LVT_THERMAL,
	LAPIC_LVT_PMI,
	LAPIC_LVT_LINT0,
	LAPIC_LVT_LINT1,
	LAPIC_LVT_ERROR,
	LAPIC_LVT_CMCI,
	LAPIC_NR_LVT
};

/*
 * An IPI as the ICR (or the x2APIC SELF IPI register) describes it. How the router delivers it:
 * to every APIC for which lapic_match_dest() is true (the sender is "self"); fixed with
 * lapic_deliver_fixed() as edge-triggered (Table 10-3: Pentium 4 and later send IPIs as edge,
 * whatever bit 15 says); lowest priority as fixed to the lowest-numbered matching APIC that is
 * software-enabled (plinth does no arbitration; KVM hashes the vector instead); NMI, SMI, INIT
 * (lapic_init_signal() plus the vCPU's own reset) and start-up to the vCPU itself.
 */
struct lapic_ipi {
	uint32_t dest; /* ICR bits 56-63 in xAPIC mode (0-0xff), bits 32-63 in x2APIC mode */
	uint8_t vector;
	uint8_t delivery_mode; /* enum lapic_delivery_mode, never 3 or 7 */
	uint8_t shorthand; /* enum lapic_shorthand */
	bool logical; /* destination mode (bit 11): logical, else physical */
	bool level; /* bit 14: assert (always 1 from Pentium 4 on, whatever is written) */
	bool trigger_level; /* bit 15 as written; only INIT de-assert used it, and that is not sent */
	bool x2apic; /* the sender was in x2APIC mode: dest is 32 bits */
};

struct lapic_ops {
	/* An IPI this APIC sends. Called as the last step of the register write, so it may call
	 * back into any APIC, the sender included (a self IPI ends in lapic_deliver_fixed on it). */
	void (*send_ipi)(void *ctx, const struct lapic_ipi *ipi);
};

struct lapic {
	/* Kept across INIT and RESET. */
	uint32_t id; /* the x2APIC ID: the vCPU index */
	uint32_t tsc_khz;
	const struct lapic_ops *ops; /* may be NULL: IPIs are then dropped */
	void *ctx;

	uint64_t apic_base; /* IA32_APIC_BASE */
	uint8_t xapic_id; /* ID register bits 24-31 in xAPIC mode */
	uint8_t tpr;
	uint32_t ldr, dfr, svr;
	uint32_t esr; /* as read: the errors latched by the last ESR write */
	uint32_t esr_pending; /* errors since the last ESR write */
	uint32_t icr_lo; /* delivery status (bit 12) always 0: delivery is instant */
	uint32_t icr_hi; /* bits 24-31 in xAPIC mode, the 32-bit destination in x2APIC mode */
	uint32_t lvt[LAPIC_NR_LVT];
	uint32_t timer_initial; /* initial count register */
	uint32_t timer_divide; /* divide configuration register: bits 0, 1 and 3 */
	uint32_t irr[LAPIC_NR_VECTOR_WORDS], isr[LAPIC_NR_VECTOR_WORDS], tmr[LAPIC_NR_VECTOR_WORDS];

	/* The timer, in TSC ticks. Armed: it expires at timer_deadline_tsc; timer_period_tsc is the
	 * length of the one-shot or periodic count (0 in TSC-deadline mode, where the deadline is
	 * IA32_TSC_DEADLINE as written). */
	bool timer_armed;
	uint64_t timer_deadline_tsc;
	uint64_t timer_period_tsc;
};

/* Power-up state (SDM 10.4.7.1): xAPIC mode at 0xfee00000, IRR/ISR/TMR/ICR/LDR/TPR, the timer
 * and the divide configuration 0, DFR all ones, LVTs masked, SVR 0xff (software-disabled).
 * -EINVAL when tsc_khz is 0 or not below LAPIC_TSC_KHZ_LIMIT (the struct is then untouched). */
int lapic_init(struct lapic *a, uint32_t id, bool bsp, uint32_t tsc_khz,
	       const struct lapic_ops *ops, void *ctx);
/* INIT (SDM 10.4.7.3, 10.12.5.1): the power-up state, but the ID register and IA32_APIC_BASE
 * (so the mode, disabled included) are kept; in x2APIC mode the LDR stays derived from the id. */
void lapic_init_signal(struct lapic *a);

static inline bool lapic_x2apic_mode(const struct lapic *a)
{
	return (a->apic_base & (LAPIC_BASE_EN | LAPIC_BASE_EXTD)) ==
	       (LAPIC_BASE_EN | LAPIC_BASE_EXTD);
}

/* IA32_APIC_BASE. A write returns 0, -EINVAL (#GP: a reserved bit, i.e. bits 0-7, 9 or from
 * maxphyaddr up; EXTD without EN; x2APIC to xAPIC; disabled to x2APIC), or -EOPNOTSUPP (the
 * base moves away from 0xfee00000: see above). Refused writes change nothing. */
static inline uint64_t lapic_apic_base(const struct lapic *a)
{
	return a->apic_base;
}

int lapic_set_apic_base(struct lapic *a, uint64_t value, unsigned int maxphyaddr);

/* An access of 1 to 8 bytes to the xAPIC page (a guest access of any width is a series of
 * these). Returns 0 (also for the accesses the APIC ignores: see above), or -EINVAL for a size
 * of 0 or above 8 or an access that leaves the page (a caller bug). */
int lapic_mmio_read(struct lapic *a, uint32_t offset, unsigned int size, uint64_t now_tsc,
		    uint64_t *val);
int lapic_mmio_write(struct lapic *a, uint32_t offset, unsigned int size, uint64_t now_tsc,
		     uint64_t val);

/* RDMSR/WRMSR of 0x800-0x8ff: 0, or -EINVAL meaning #GP (not in x2APIC mode, no such register,
 * reading a write-only or writing a read-only register, a reserved bit set, a non-zero EOI or
 * ESR write). Any other MSR is -EINVAL too: IA32_APIC_BASE and IA32_TSC_DEADLINE have their own
 * functions. The ICR (0x830) is one 64-bit register; the others are 32 bits. */
int lapic_msr_read(struct lapic *a, uint32_t msr, uint64_t now_tsc, uint64_t *val);
int lapic_msr_write(struct lapic *a, uint32_t msr, uint64_t now_tsc, uint64_t val);

/* IA32_TSC_DEADLINE, in any APIC mode. Outside TSC-deadline timer mode writes are ignored and
 * reads return 0 (10.5.4.1). In it, a write arms the timer for that TSC value (0 disarms; a
 * value not after now_tsc fires at once) and a read returns it until it fires, then 0. */
uint64_t lapic_tsc_deadline_read(struct lapic *a, uint64_t now_tsc);
void lapic_tsc_deadline_write(struct lapic *a, uint64_t now_tsc, uint64_t value);

/* The TSC value at which lapic_timer_expire must run for the guest to get its timer interrupt
 * on time, or UINT64_MAX when no interrupt is due (disarmed, or the LVT entry masked: then the
 * count is brought up to date lazily, at the next call that takes now_tsc). */
uint64_t lapic_timer_deadline(const struct lapic *a);
/* Fires the timer if it is armed and now_tsc has reached its deadline: the LVT timer vector
 * into IRR unless masked; one-shot and TSC-deadline disarm, periodic re-arms. True if it
 * fired. */
bool lapic_timer_expire(struct lapic *a, uint64_t now_tsc);

/* A fixed interrupt arrives: vector into IRR, TMR set if level-triggered and cleared if not.
 * False if refused: hardware- or software-disabled APIC, or a vector below 16 (which sets ESR
 * bit 6). An interrupt already pending in IRR merges with it (and counts as accepted). */
bool lapic_deliver_fixed(struct lapic *a, uint8_t vector, bool level);
/* The vector the APIC offers the CPU: the highest in IRR whose priority class (vector >> 4) is
 * above the PPR's (SDM 10.8.3.1), or -1. */
int lapic_pending_vector(const struct lapic *a);
/* The CPU took vector (as returned by lapic_pending_vector): IRR to ISR. A vector not in IRR
 * is ignored. */
void lapic_ack(struct lapic *a, uint8_t vector);

/*
 * Whether this APIC is a destination of ipi (is_self: it is the sender's). SDM 10.6.2: the
 * shorthands; physical: equal IDs, or the broadcast ID, 0xff in xAPIC mode and 0xffffffff in
 * x2APIC mode; logical xAPIC: flat model (DFR 0xf...) LDR bits 24-31 AND dest non-zero, cluster
 * model (DFR 0x0...) equal high nibbles and low nibbles intersecting, 0xff broadcast; logical
 * x2APIC: equal clusters (bits 16-31) and bits 0-15 intersecting. Mixed modes follow KVM: the
 * receiver's mode decides which value is the broadcast, and a physical destination above 0xff
 * (only an x2APIC sender can name one) is compared with the x2APIC id even by an xAPIC-mode
 * receiver; there is no aliasing of dest & 0xff. A hardware-disabled APIC matches nothing.
 */
bool lapic_match_dest(const struct lapic *a, const struct lapic_ipi *ipi, bool is_self);

/* Whether the 8259's INTR reaches the CPU through this APIC: when the APIC is hardware-disabled
 * (the CPU then works as if it had none) or LINT0 is unmasked in ExtINT mode (10.5.1). */
bool lapic_accepts_pic_intr(const struct lapic *a);

#endif
