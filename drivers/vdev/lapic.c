// SPDX-License-Identifier: MIT
/*
 * The register file is a table of the 64 16-byte slots of the xAPIC page (MMIO offset / 16,
 * x2APIC MSR - 0x800): who may read and write each slot in which mode, and which bits a WRMSR
 * may set. The code below it is the behaviour of the registers that do something. Section,
 * table and figure numbers are the SDM's, Vol. 3A chapter 10.
 */
#include "drivers/vdev/lapic.h"
#include "core/errno.h"
#include "core/string.h"

/* One bus cycle is one nanosecond: a count times its divider is a time in ns. */
STATIC_ASSERT(LAPIC_BUS_HZ == 1000000000ull);
#define NS_PER_MS 1000000ull /* tsc_khz is TSC ticks per millisecond */

#define SLOT(off) ((off) >> 4)
#define NR_SLOTS  64

/* Who may access a slot: read or write, in xAPIC or x2APIC mode (Tables 10-1 and 10-6). */
#define XA_R	BIT(0)
#define XA_W	BIT(1)
#define X2_R	BIT(2)
#define X2_W	BIT(3)
#define ALL_RW	(XA_R | XA_W | X2_R | X2_W)
#define BOTH_RO (XA_R | X2_R)

/* LVT fields (Figure 10-8): what a write keeps. Delivery status and remote IRR are read-only
 * and stay 0: delivery is instant, and no level-triggered LINT interrupt is modelled. */
#define LVT_VECTOR     0xffu
#define LVT_DM	       (7u << 8)
#define LVT_STATUS     (1u << 12)
#define LVT_POLARITY   (1u << 13)
#define LVT_REMOTE_IRR (1u << 14)
#define LVT_LEVEL      (1u << 15)
#define LVT_MASK       (1u << 16)
#define LVT_BASIC      (LVT_VECTOR | LVT_MASK)
#define LVT_WITH_DM    (LVT_BASIC | LVT_DM)
#define LVT_LINT       (LVT_WITH_DM | LVT_POLARITY | LVT_LEVEL)
#define LVT_TIMER_BITS (LVT_BASIC | LAPIC_LVT_TIMER_MODE)

/* ICR low (Figure 10-12): vector, delivery mode, destination mode, level, trigger mode,
 * shorthand. Delivery status (bit 12) reads 0; bits 13, 16-17 and 20-31 are reserved. */
#define ICR_DEST_LOGICAL  (1u << 11)
#define ICR_LEVEL	  (1u << 14)
#define ICR_TRIGGER_LEVEL (1u << 15)
#define ICR_LO_BITS	  (0xfffu | ICR_LEVEL | ICR_TRIGGER_LEVEL | (3u << 18))
#define ICR_XAPIC_DEST	  0xff000000u /* ICR high: bits 56-63 of the ICR */
#define SVR_BITS	  0x3ffu /* vector, APIC enable, focus processor checking */
#define DCR_BITS	  0xbu
#define LDR_XAPIC_BITS	  0xff000000u
#define DFR_MODEL_FLAT	  0xfu
#define DFR_MODEL_CLUSTER 0x0u
#define XAPIC_BROADCAST	  0xffu
#define X2APIC_BROADCAST  0xffffffffu

/* The ICR delivery modes that are sent (3 and 7 are reserved for IPIs). */
#define SENDABLE_DMS                                                                          \
	(BIT(LAPIC_DM_FIXED) | BIT(LAPIC_DM_LOWEST) | BIT(LAPIC_DM_SMI) | BIT(LAPIC_DM_NMI) | \
	 BIT(LAPIC_DM_INIT) | BIT(LAPIC_DM_STARTUP))

/* IA32_APIC_BASE bits 11:10 (EN, EXTD) as a mode (Table 10-5). */
enum apic_mode { MODE_DISABLED = 0, MODE_INVALID = 1, MODE_XAPIC = 2, MODE_X2APIC = 3 };

struct slot_info {
	uint8_t access;
	uint32_t x2apic_bits; /* the bits a WRMSR may set; setting any other is #GP (10.12.1.3) */
};

static const struct slot_info slots[NR_SLOTS] = {
	[SLOT(LAPIC_REG_ID)] = { XA_R | XA_W | X2_R, 0 },
	[SLOT(LAPIC_REG_VERSION)] = { BOTH_RO, 0 },
	[SLOT(LAPIC_REG_TPR)] = { ALL_RW, 0xff },
	[SLOT(LAPIC_REG_APR)] = { XA_R, 0 },
	[SLOT(LAPIC_REG_PPR)] = { BOTH_RO, 0 },
	[SLOT(LAPIC_REG_EOI)] = { XA_W | X2_W, 0 }, /* only 0 may be written in x2APIC mode */
	[SLOT(LAPIC_REG_RRD)] = { XA_R, 0 },
	[SLOT(LAPIC_REG_LDR)] = { XA_R | XA_W | X2_R, 0 },
	[SLOT(LAPIC_REG_DFR)] = { XA_R | XA_W, 0 },
	[SLOT(LAPIC_REG_SVR)] = { ALL_RW, SVR_BITS },
	[SLOT(LAPIC_REG_ISR)... SLOT(LAPIC_REG_IRR) + 7] = { BOTH_RO, 0 },
	[SLOT(LAPIC_REG_ESR)] = { ALL_RW, 0 }, /* only 0 may be written in x2APIC mode */
	[SLOT(LAPIC_REG_LVT_CMCI)] = { ALL_RW, LVT_WITH_DM | LVT_STATUS },
	[SLOT(LAPIC_REG_ICR_LO)] = { ALL_RW, ICR_LO_BITS | LVT_STATUS }, /* bit 12: see lapic.h */
	[SLOT(LAPIC_REG_ICR_HI)] = { XA_R | XA_W, 0 },
	[SLOT(LAPIC_REG_LVT_TIMER)] = { ALL_RW, LVT_TIMER_BITS | LVT_STATUS },
	[SLOT(LAPIC_REG_LVT_THERMAL)] = { ALL_RW, LVT_WITH_DM | LVT_STATUS },
	[SLOT(LAPIC_REG_LVT_PMI)] = { ALL_RW, LVT_WITH_DM | LVT_STATUS },
	[SLOT(LAPIC_REG_LVT_LINT0)] = { ALL_RW, LVT_LINT | LVT_STATUS | LVT_REMOTE_IRR },
	[SLOT(LAPIC_REG_LVT_LINT1)] = { ALL_RW, LVT_LINT | LVT_STATUS | LVT_REMOTE_IRR },
	[SLOT(LAPIC_REG_LVT_ERROR)] = { ALL_RW, LVT_BASIC | LVT_STATUS },
	[SLOT(LAPIC_REG_TIMER_ICR)] = { ALL_RW, 0xffffffff },
	[SLOT(LAPIC_REG_TIMER_CCR)] = { BOTH_RO, 0 },
	[SLOT(LAPIC_REG_TIMER_DCR)] = { ALL_RW, DCR_BITS },
	[SLOT(LAPIC_REG_SELF_IPI)] = { X2_W, 0xff },
};

static const uint32_t lvt_bits[LAPIC_NR_LVT] = {
	[LAPIC_LVT_TIMER] = LVT_TIMER_BITS, [LAPIC_LVT_THERMAL] = LVT_WITH_DM,
	[LAPIC_LVT_PMI] = LVT_WITH_DM,	    [LAPIC_LVT_LINT0] = LVT_LINT,
	[LAPIC_LVT_LINT1] = LVT_LINT,	    [LAPIC_LVT_ERROR] = LVT_BASIC,
	[LAPIC_LVT_CMCI] = LVT_WITH_DM,
};

static unsigned int slot_access(unsigned int slot)
{
	return slot < NR_SLOTS ? slots[slot].access : 0;
}

static enum apic_mode base_mode(uint64_t apic_base)
{
	return (enum apic_mode)((apic_base >> 10) & 3);
}

static bool hw_enabled(const struct lapic *a)
{
	return a->apic_base & LAPIC_BASE_EN;
}

static bool sw_enabled(const struct lapic *a)
{
	return a->svr & LAPIC_SVR_APIC_ENABLED;
}

/* 10.12.10.2: the logical x2APIC ID is derived from the x2APIC ID. */
static uint32_t x2apic_ldr(uint32_t id)
{
	return (id >> 4) << 16 | 1u << (id & 0xf);
}

static bool test_vec(const uint32_t *bits, unsigned int v)
{
	return bits[v / 32] & 1u << (v % 32);
}

static void set_vec(uint32_t *bits, unsigned int v)
{
	bits[v / 32] |= 1u << (v % 32);
}

static void clear_vec(uint32_t *bits, unsigned int v)
{
	bits[v / 32] &= ~(1u << (v % 32));
}

/* The highest vector set in IRR, ISR or TMR, or -1: at most 8 words, top down. */
static int highest_vec(const uint32_t *bits)
{
	for (int i = LAPIC_NR_VECTOR_WORDS - 1; i >= 0; i--) {
		if (bits[i])
			return i * 32 + 31 - __builtin_clz(bits[i]);
	}
	return -1;
}

/* 10.8.3.1: the TPR when its class is at least that of the highest in-service vector, else
 * that vector's class. */
static uint32_t ppr(const struct lapic *a)
{
	int isrv = highest_vec(a->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	return (a->tpr & 0xf0u) >= isr_class ? a->tpr : isr_class;
}

/* Into IRR; TMR says how it was triggered (10.8.4). */
static void set_irr(struct lapic *a, unsigned int vector, bool level)
{
	set_vec(a->irr, vector);
	if (level)
		set_vec(a->tmr, vector);
	else
		clear_vec(a->tmr, vector);
}

/* An error (10.5.3): collected whatever the LVT error mask, signalled only when unmasked. An
 * illegal vector in the LVT error entry adds its own error without signalling again. */
static void apic_error(struct lapic *a, uint32_t esr_bits)
{
	uint32_t lvt = a->lvt[LAPIC_LVT_ERROR];

	a->esr_pending |= esr_bits;
	if (lvt & LVT_MASK)
		return;
	if ((lvt & LVT_VECTOR) < LAPIC_FIRST_LEGAL_VECTOR)
		a->esr_pending |= LAPIC_ESR_RECV_ILLEGAL_VECTOR;
	else
		set_irr(a, lvt & LVT_VECTOR, false);
}

/* A fixed interrupt the APIC accepts, from outside or from its own LVT: vectors 0-15 never
 * reach IRR (10.5.3, receive illegal vector). */
static bool accept_fixed(struct lapic *a, unsigned int vector, bool level)
{
	if (vector < LAPIC_FIRST_LEGAL_VECTOR) {
		apic_error(a, LAPIC_ESR_RECV_ILLEGAL_VECTOR);
		return false;
	}
	set_irr(a, vector, level);
	return true;
}

bool lapic_deliver_fixed(struct lapic *a, uint8_t vector, bool level)
{
	if (!hw_enabled(a) || !sw_enabled(a))
		return false;
	return accept_fixed(a, vector, level);
}

int lapic_pending_vector(const struct lapic *a)
{
	int v;

	if (!hw_enabled(a))
		return -1;
	v = highest_vec(a->irr);
	if (v < 0 || ((uint32_t)v & 0xf0) <= (ppr(a) & 0xf0))
		return -1;
	return v;
}

void lapic_ack(struct lapic *a, uint8_t vector)
{
	if (!test_vec(a->irr, vector))
		return;
	clear_vec(a->irr, vector);
	set_vec(a->isr, vector);
}

static void eoi(struct lapic *a)
{
	int v = highest_vec(a->isr);

	if (v >= 0)
		clear_vec(a->isr, (unsigned int)v);
}

static uint32_t timer_mode(const struct lapic *a)
{
	return a->lvt[LAPIC_LVT_TIMER] & LAPIC_LVT_TIMER_MODE;
}

/* Divide configuration bits 0, 1 and 3 as a 3-bit value v: divide by 2^(v + 1), where 7
 * wraps to divide by 1 (Figure 10-10). */
static uint32_t timer_divider(const struct lapic *a)
{
	uint32_t v = (a->timer_divide & 3) | (a->timer_divide & 8) >> 1;

	return 1u << ((v + 1) & 7);
}

/*
 * count * divider bus cycles (ns) in TSC ticks, rounded up so that a non-zero count is at least
 * one tick. Plain 64-bit arithmetic, as the kernel links no libgcc for 128-bit division: the
 * count is below 2^32 and the divider at most 2^7, so ns < 2^39, and tsc_khz < 2^23
 * (lapic_init checks it), so ns * tsc_khz < 2^62. The result is below 2^62 / 10^6 < 2^43.
 */
static uint64_t count_to_ticks(const struct lapic *a, uint32_t count, uint32_t divider)
{
	uint64_t ns = (uint64_t)count * divider;

	return (ns * a->tsc_khz + NS_PER_MS - 1) / NS_PER_MS;
}

/* Ticks back to bus cycles (ns), for at most one period: ticks < 2^43, ticks * 10^6 < 2^63. */
static uint64_t ticks_to_ns(const struct lapic *a, uint64_t ticks)
{
	return ticks * NS_PER_MS / a->tsc_khz;
}

/* A deadline past 2^64 ticks (centuries away) is never reached: the timer stays disarmed. */
static void timer_arm_in(struct lapic *a, uint64_t now, uint64_t ticks)
{
	a->timer_armed = !add_overflows_u64(now, ticks);
	a->timer_deadline_tsc = now + ticks;
}

static void timer_stop(struct lapic *a)
{
	a->timer_armed = false;
	a->timer_deadline_tsc = 0;
	a->timer_period_tsc = 0;
}

bool lapic_timer_expire(struct lapic *a, uint64_t now_tsc)
{
	uint64_t late, period = a->timer_period_tsc;
	uint32_t lvt = a->lvt[LAPIC_LVT_TIMER];

	if (!a->timer_armed || now_tsc < a->timer_deadline_tsc)
		return false;
	if (!(lvt & LVT_MASK))
		accept_fixed(a, lvt & LVT_VECTOR, false);
	if (timer_mode(a) != LAPIC_TIMER_PERIODIC || !period) {
		a->timer_armed = false; /* one-shot stays at 0; TSC-deadline clears the MSR */
		return true;
	}
	/* From the deadline just passed, not from now, so the period keeps its phase. Periods the
	 * caller missed entirely are dropped: one interrupt stands for them all. */
	late = now_tsc - a->timer_deadline_tsc;
	timer_arm_in(a, a->timer_deadline_tsc + (late - late % period), period);
	return true;
}

uint64_t lapic_timer_deadline(const struct lapic *a)
{
	if (!a->timer_armed || (a->lvt[LAPIC_LVT_TIMER] & LVT_MASK))
		return UINT64_MAX;
	return a->timer_deadline_tsc;
}

static uint32_t timer_current_count(const struct lapic *a, uint64_t now)
{
	uint64_t left, count;

	if (!a->timer_armed || timer_mode(a) == LAPIC_TIMER_TSC_DEADLINE ||
	    now >= a->timer_deadline_tsc)
		return 0;
	/* MIN: time that went backwards does not count up beyond the initial count. */
	left = MIN(a->timer_deadline_tsc - now, a->timer_period_tsc);
	count = ticks_to_ns(a, left) / timer_divider(a);
	return (uint32_t)MIN(count, (uint64_t)a->timer_initial);
}

/* 10.5.4: writing the initial count (re)starts a one-shot or periodic count; 0 stops it. In
 * TSC-deadline mode the write is ignored. */
static void timer_set_initial(struct lapic *a, uint32_t count, uint64_t now)
{
	uint32_t mode = timer_mode(a);

	if (mode == LAPIC_TIMER_TSC_DEADLINE)
		return;
	a->timer_initial = count;
	timer_stop(a);
	if (!count || (mode != LAPIC_TIMER_ONESHOT && mode != LAPIC_TIMER_PERIODIC))
		return;
	a->timer_period_tsc = count_to_ticks(a, count, timer_divider(a));
	timer_arm_in(a, now, a->timer_period_tsc);
}

/* A running count goes on from where it is at the new rate. The time left is at most a period
 * (< 2^43 ticks) and grows at most 128-fold: no overflow. */
static void timer_set_divide(struct lapic *a, uint32_t val, uint64_t now)
{
	uint32_t old = timer_divider(a), new;
	uint64_t left;

	a->timer_divide = val & DCR_BITS;
	new = timer_divider(a);
	if (!a->timer_armed || !a->timer_period_tsc || old == new)
		return;
	left = MIN(a->timer_deadline_tsc - now, a->timer_period_tsc) * new / old;
	a->timer_period_tsc = count_to_ticks(a, a->timer_initial, new);
	timer_arm_in(a, now, MAX(left, 1));
}

uint64_t lapic_tsc_deadline_read(struct lapic *a, uint64_t now_tsc)
{
	lapic_timer_expire(a, now_tsc);
	if (timer_mode(a) != LAPIC_TIMER_TSC_DEADLINE || !a->timer_armed)
		return 0;
	return a->timer_deadline_tsc;
}

void lapic_tsc_deadline_write(struct lapic *a, uint64_t now_tsc, uint64_t value)
{
	lapic_timer_expire(a, now_tsc);
	if (timer_mode(a) != LAPIC_TIMER_TSC_DEADLINE)
		return;
	timer_stop(a);
	a->timer_armed = value != 0;
	a->timer_deadline_tsc = value;
	lapic_timer_expire(a, now_tsc); /* a deadline already passed fires now (10.5.4.1) */
}

static void lvt_write(struct lapic *a, enum lapic_lvt i, uint32_t val)
{
	bool was_deadline = timer_mode(a) == LAPIC_TIMER_TSC_DEADLINE;

	if (!sw_enabled(a))
		val |= LVT_MASK; /* 10.4.7.2: masks cannot be cleared while software-disabled */
	a->lvt[i] = val & lvt_bits[i];
	/* 10.5.4.1: moving into or out of TSC-deadline mode disarms the timer. */
	if (i == LAPIC_LVT_TIMER && was_deadline != (timer_mode(a) == LAPIC_TIMER_TSC_DEADLINE)) {
		timer_stop(a);
		a->timer_initial = 0;
	}
}

static void svr_write(struct lapic *a, uint32_t val)
{
	a->svr = val & SVR_BITS;
	if (sw_enabled(a))
		return;
	for (unsigned int i = 0; i < LAPIC_NR_LVT; i++)
		a->lvt[i] |= LVT_MASK; /* 10.4.7.2 */
}

static void send(struct lapic *a, const struct lapic_ipi *ipi)
{
	unsigned int dm = ipi->delivery_mode;

	if (!(SENDABLE_DMS & BIT(dm)))
		return;
	if (dm == LAPIC_DM_INIT && !ipi->level && ipi->trigger_level)
		return; /* INIT level de-assert: a no-op since the Pentium 4 */
	if ((dm == LAPIC_DM_FIXED || dm == LAPIC_DM_LOWEST) &&
	    ipi->vector < LAPIC_FIRST_LEGAL_VECTOR) {
		apic_error(a, LAPIC_ESR_SEND_ILLEGAL_VECTOR);
		return;
	}
	if (a->ops && a->ops->send_ipi)
		a->ops->send_ipi(a->ctx, ipi);
}

static void send_icr(struct lapic *a)
{
	uint32_t lo = a->icr_lo;
	bool x2apic = lapic_x2apic_mode(a);
	struct lapic_ipi ipi = {
		.dest = x2apic ? a->icr_hi : a->icr_hi >> 24,
		.vector = lo & 0xff,
		.delivery_mode = (lo >> 8) & 7,
		.shorthand = (lo >> 18) & 3,
		.logical = lo & ICR_DEST_LOGICAL,
		.level = lo & ICR_LEVEL,
		.trigger_level = lo & ICR_TRIGGER_LEVEL,
		.x2apic = x2apic,
	};

	send(a, &ipi);
}

/* 10.12.11: a fixed, edge-triggered IPI to self. */
static void self_ipi(struct lapic *a, uint32_t vector)
{
	struct lapic_ipi ipi = {
		.vector = (uint8_t)vector,
		.delivery_mode = LAPIC_DM_FIXED,
		.shorthand = LAPIC_DEST_SELF,
		.level = true,
		.x2apic = true,
	};

	send(a, &ipi);
}

static uint32_t reg_read(struct lapic *a, unsigned int slot, uint64_t now)
{
	switch (slot) {
	case SLOT(LAPIC_REG_ID):
		return lapic_x2apic_mode(a) ? a->id : (uint32_t)a->xapic_id << 24;
	case SLOT(LAPIC_REG_VERSION):
		return LAPIC_VERSION;
	case SLOT(LAPIC_REG_TPR):
		return a->tpr;
	case SLOT(LAPIC_REG_PPR):
		return ppr(a);
	case SLOT(LAPIC_REG_LDR):
		return a->ldr;
	case SLOT(LAPIC_REG_DFR):
		return a->dfr;
	case SLOT(LAPIC_REG_SVR):
		return a->svr;
	case SLOT(LAPIC_REG_ISR)... SLOT(LAPIC_REG_ISR) + 7:
		return a->isr[slot - SLOT(LAPIC_REG_ISR)];
	case SLOT(LAPIC_REG_TMR)... SLOT(LAPIC_REG_TMR) + 7:
		return a->tmr[slot - SLOT(LAPIC_REG_TMR)];
	case SLOT(LAPIC_REG_IRR)... SLOT(LAPIC_REG_IRR) + 7:
		return a->irr[slot - SLOT(LAPIC_REG_IRR)];
	case SLOT(LAPIC_REG_ESR):
		return a->esr;
	case SLOT(LAPIC_REG_LVT_CMCI):
		return a->lvt[LAPIC_LVT_CMCI];
	case SLOT(LAPIC_REG_ICR_LO):
		return a->icr_lo;
	case SLOT(LAPIC_REG_ICR_HI):
		return a->icr_hi;
	case SLOT(LAPIC_REG_LVT_TIMER)... SLOT(LAPIC_REG_LVT_ERROR):
		return a->lvt[slot - SLOT(LAPIC_REG_LVT_TIMER)];
	case SLOT(LAPIC_REG_TIMER_ICR):
		return a->timer_initial;
	case SLOT(LAPIC_REG_TIMER_CCR):
		return timer_current_count(a, now);
	case SLOT(LAPIC_REG_TIMER_DCR):
		return a->timer_divide;
	default:
		return 0; /* APR and RRD (no arbitration, no remote read), write-only EOI */
	}
}

/* A write the slot table allows in the current mode, reserved bits already checked for x2APIC
 * (in xAPIC mode they are dropped). */
static void reg_write(struct lapic *a, unsigned int slot, uint32_t val, uint64_t now)
{
	switch (slot) {
	case SLOT(LAPIC_REG_ID):
		a->xapic_id = (uint8_t)(val >> 24);
		break;
	case SLOT(LAPIC_REG_TPR):
		a->tpr = (uint8_t)val;
		break;
	case SLOT(LAPIC_REG_EOI):
		eoi(a);
		break;
	case SLOT(LAPIC_REG_LDR):
		a->ldr = val & LDR_XAPIC_BITS;
		break;
	case SLOT(LAPIC_REG_DFR):
		a->dfr = val | 0x0fffffff; /* bits 0-27 are reserved and read as ones */
		break;
	case SLOT(LAPIC_REG_SVR):
		svr_write(a, val);
		break;
	case SLOT(LAPIC_REG_ESR):
		a->esr = a->esr_pending;
		a->esr_pending = 0;
		break;
	case SLOT(LAPIC_REG_LVT_CMCI):
		lvt_write(a, LAPIC_LVT_CMCI, val);
		break;
	case SLOT(LAPIC_REG_ICR_LO):
		a->icr_lo = val & ICR_LO_BITS;
		send_icr(a);
		break;
	case SLOT(LAPIC_REG_ICR_HI):
		a->icr_hi = val & ICR_XAPIC_DEST;
		break;
	case SLOT(LAPIC_REG_LVT_TIMER)... SLOT(LAPIC_REG_LVT_ERROR):
		lvt_write(a, (enum lapic_lvt)(slot - SLOT(LAPIC_REG_LVT_TIMER)), val);
		break;
	case SLOT(LAPIC_REG_TIMER_ICR):
		timer_set_initial(a, val, now);
		break;
	case SLOT(LAPIC_REG_TIMER_DCR):
		timer_set_divide(a, val, now);
		break;
	case SLOT(LAPIC_REG_SELF_IPI):
		self_ipi(a, val);
		break;
	}
}

static bool mmio_access_ok(uint32_t offset, unsigned int size)
{
	return size >= 1 && size <= 8 && offset < LAPIC_MMIO_BYTES &&
	       size <= LAPIC_MMIO_BYTES - offset;
}

int lapic_mmio_read(struct lapic *a, uint32_t offset, unsigned int size, uint64_t now_tsc,
		    uint64_t *val)
{
	unsigned int slot = ~0u; /* none read yet */
	uint32_t reg = 0;
	bool illegal = false;
	uint64_t v = 0;

	lapic_timer_expire(a, now_tsc);
	if (!mmio_access_ok(offset, size))
		return -EINVAL;
	if (base_mode(a->apic_base) != MODE_XAPIC) {
		*val = size == 8 ? UINT64_MAX : (1ull << (8 * size)) - 1;
		return 0;
	}
	/* Byte by byte, as the access may straddle two slots; each slot is read once. */
	for (unsigned int i = 0; i < size; i++) {
		uint32_t o = offset + i;

		if (SLOT(o) != slot) {
			unsigned int access;

			slot = SLOT(o);
			access = slot_access(slot);
			illegal |= !(access & (XA_R | XA_W));
			reg = access & XA_R ? reg_read(a, slot, now_tsc) : 0;
		}
		if (o % 16 < 4)
			v |= (uint64_t)(reg >> (8 * (o % 4)) & 0xff) << (8 * i);
	}
	if (illegal)
		apic_error(a, LAPIC_ESR_ILLEGAL_REG_ADDRESS);
	*val = v;
	return 0;
}

int lapic_mmio_write(struct lapic *a, uint32_t offset, unsigned int size, uint64_t now_tsc,
		     uint64_t val)
{
	unsigned int access;

	lapic_timer_expire(a, now_tsc);
	if (!mmio_access_ok(offset, size))
		return -EINVAL;
	if (base_mode(a->apic_base) != MODE_XAPIC || size != 4 || offset % 16)
		return 0;
	access = slot_access(SLOT(offset));
	if (!(access & (XA_R | XA_W)))
		apic_error(a, LAPIC_ESR_ILLEGAL_REG_ADDRESS);
	else if (access & XA_W)
		reg_write(a, SLOT(offset), (uint32_t)val, now_tsc);
	return 0;
}

int lapic_msr_read(struct lapic *a, uint32_t msr, uint64_t now_tsc, uint64_t *val)
{
	unsigned int slot = msr - MSR_IA32_X2APIC_FIRST;

	lapic_timer_expire(a, now_tsc);
	if (!lapic_x2apic_mode(a) || msr < MSR_IA32_X2APIC_FIRST || msr > MSR_IA32_X2APIC_LAST ||
	    !(slot_access(slot) & X2_R))
		return -EINVAL;
	if (slot == SLOT(LAPIC_REG_ICR_LO))
		*val = (uint64_t)a->icr_hi << 32 | a->icr_lo;
	else
		*val = reg_read(a, slot, now_tsc);
	return 0;
}

int lapic_msr_write(struct lapic *a, uint32_t msr, uint64_t now_tsc, uint64_t val)
{
	unsigned int slot = msr - MSR_IA32_X2APIC_FIRST;
	uint64_t allowed;

	lapic_timer_expire(a, now_tsc);
	if (!lapic_x2apic_mode(a) || msr < MSR_IA32_X2APIC_FIRST || msr > MSR_IA32_X2APIC_LAST ||
	    !(slot_access(slot) & X2_W))
		return -EINVAL;
	allowed = slots[slot].x2apic_bits;
	if (slot == SLOT(LAPIC_REG_ICR_LO))
		allowed |= 0xffffffffull << 32; /* the 32-bit destination */
	if (val & ~allowed)
		return -EINVAL;
	if (slot == SLOT(LAPIC_REG_ICR_LO))
		a->icr_hi = (uint32_t)(val >> 32);
	reg_write(a, slot, (uint32_t)val, now_tsc);
	return 0;
}

/* Everything but the ID register, IA32_APIC_BASE and the configuration, as 10.4.7.1 has it. */
static void reset_registers(struct lapic *a)
{
	a->tpr = 0;
	a->ldr = 0;
	a->dfr = 0xffffffff;
	a->svr = 0xff;
	a->esr = 0;
	a->esr_pending = 0;
	a->icr_lo = 0;
	a->icr_hi = 0;
	for (unsigned int i = 0; i < LAPIC_NR_LVT; i++)
		a->lvt[i] = LVT_MASK;
	a->timer_initial = 0;
	a->timer_divide = 0;
	memset(a->irr, 0, sizeof(a->irr));
	memset(a->isr, 0, sizeof(a->isr));
	memset(a->tmr, 0, sizeof(a->tmr));
	timer_stop(a);
}

int lapic_init(struct lapic *a, uint32_t id, bool bsp, uint32_t tsc_khz,
	       const struct lapic_ops *ops, void *ctx)
{
	if (!tsc_khz || tsc_khz >= LAPIC_TSC_KHZ_LIMIT)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->id = id;
	a->tsc_khz = tsc_khz;
	a->ops = ops;
	a->ctx = ctx;
	a->apic_base = LAPIC_BASE_DEFAULT | LAPIC_BASE_EN | (bsp ? LAPIC_BASE_BSP : 0);
	a->xapic_id = (uint8_t)id; /* the low 8 bits of the x2APIC ID (10.12.5.1) */
	reset_registers(a);
	return 0;
}

void lapic_init_signal(struct lapic *a)
{
	reset_registers(a);
	if (lapic_x2apic_mode(a))
		a->ldr = x2apic_ldr(a->id);
}

int lapic_set_apic_base(struct lapic *a, uint64_t value, unsigned int maxphyaddr)
{
	uint64_t reserved = 0x2ffull | (maxphyaddr < 64 ? ~0ull << maxphyaddr : 0);
	enum apic_mode old = base_mode(a->apic_base), new = base_mode(value);

	if ((value & reserved) || new == MODE_INVALID)
		return -EINVAL;
	/* 10.12.5.1: x2APIC mode is left only through disabled, and entered only from xAPIC. */
	if ((old == MODE_X2APIC && new == MODE_XAPIC) ||
	    (old == MODE_DISABLED && new == MODE_X2APIC))
		return -EINVAL;
	if ((value & ~0xfffull) != LAPIC_BASE_DEFAULT)
		return -EOPNOTSUPP;
	a->apic_base = value;
	if (new == MODE_DISABLED && old != MODE_DISABLED) {
		reset_registers(a); /* 10.4.3: the APIC may return to its power-up state */
		a->xapic_id = (uint8_t)a->id;
	} else if (new == MODE_X2APIC && old == MODE_XAPIC) {
		/* 10.12.5.1: not preserved into x2APIC mode: LDR, the xAPIC ID, the ICR's high half. */
		a->ldr = x2apic_ldr(a->id);
		a->icr_hi = 0;
	}
	return 0;
}

static bool match_logical(const struct lapic *a, uint32_t dest)
{
	uint32_t logical_id;

	if (lapic_x2apic_mode(a))
		return a->ldr >> 16 == dest >> 16 && (a->ldr & dest & 0xffff);
	logical_id = a->ldr >> 24;
	switch (a->dfr >> 28) {
	case DFR_MODEL_FLAT:
		return logical_id & dest;
	case DFR_MODEL_CLUSTER:
		return logical_id >> 4 == dest >> 4 && (logical_id & dest & 0xf);
	default:
		return false; /* a model the SDM does not define */
	}
}

bool lapic_match_dest(const struct lapic *a, const struct lapic_ipi *ipi, bool is_self)
{
	bool x2apic = lapic_x2apic_mode(a);

	if (!hw_enabled(a))
		return false;
	switch (ipi->shorthand) {
	case LAPIC_DEST_SELF:
		return is_self;
	case LAPIC_DEST_ALL_INCL_SELF:
		return true;
	case LAPIC_DEST_ALL_EXCL_SELF:
		return !is_self;
	}
	if (ipi->dest == (x2apic ? X2APIC_BROADCAST : XAPIC_BROADCAST))
		return true;
	if (ipi->logical)
		return match_logical(a, ipi->dest);
	if (x2apic || ipi->dest > 0xff)
		return ipi->dest == a->id;
	return ipi->dest == a->xapic_id;
}

bool lapic_accepts_pic_intr(const struct lapic *a)
{
	uint32_t lint0 = a->lvt[LAPIC_LVT_LINT0];

	if (!hw_enabled(a))
		return true;
	return !(lint0 & LVT_MASK) && (lint0 & LVT_DM) == LAPIC_DM_EXTINT << 8;
}
