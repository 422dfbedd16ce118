// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "drivers/vdev/lapic.h"
#include "core/errno.h"

#define TSC_KHZ	 1000000 /* 1 GHz: one TSC tick per bus cycle */
#define MAXPHY	 46
#define T0	 1000000000ull
#define ID	 3
#define MAX_IPIS 16

#define BASE_XAPIC  (LAPIC_BASE_DEFAULT | LAPIC_BASE_EN)
#define BASE_X2APIC (BASE_XAPIC | LAPIC_BASE_EXTD)

#define MSR(reg) LAPIC_REG_TO_MSR(LAPIC_REG_##reg)

struct fixture {
	struct lapic a;
	uint64_t now;
	struct lapic_ipi ipis[MAX_IPIS];
	unsigned int nr_ipis;
};

static void record_ipi(void *ctx, const struct lapic_ipi *ipi)
{
	struct fixture *f = ctx;

	if (f->nr_ipis < MAX_IPIS)
		f->ipis[f->nr_ipis] = *ipi;
	f->nr_ipis++;
}

/* A one-vCPU router: what the ICR sends comes back to the sender when it matches. */
static void loop_back_ipi(void *ctx, const struct lapic_ipi *ipi)
{
	struct fixture *f = ctx;

	record_ipi(ctx, ipi);
	if (ipi->delivery_mode == LAPIC_DM_FIXED && lapic_match_dest(&f->a, ipi, true))
		lapic_deliver_fixed(&f->a, ipi->vector, false);
}

static const struct lapic_ops recording_ops = { .send_ipi = record_ipi };
static const struct lapic_ops loop_back_ops = { .send_ipi = loop_back_ipi };

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(lapic_init(&f->a, ID, true, TSC_KHZ, &recording_ops, f), 0);
	f->now = T0;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static void at(struct fixture *f, uint64_t ticks_after_t0)
{
	f->now = T0 + ticks_after_t0;
}

static uint32_t rd(struct fixture *f, uint32_t off)
{
	uint64_t v = 0x5a5a5a5a5a5a5a5aull;

	assert_int_equal(lapic_mmio_read(&f->a, off, 4, f->now, &v), 0);
	assert_true(v <= UINT32_MAX);
	return (uint32_t)v;
}

static void wr(struct fixture *f, uint32_t off, uint32_t val)
{
	assert_int_equal(lapic_mmio_write(&f->a, off, 4, f->now, val), 0);
}

static uint64_t mrd(struct fixture *f, uint32_t msr)
{
	uint64_t v = 0x5a5a5a5a5a5a5a5aull;

	assert_int_equal(lapic_msr_read(&f->a, msr, f->now, &v), 0);
	return v;
}

static void mwr(struct fixture *f, uint32_t msr, uint64_t val)
{
	assert_int_equal(lapic_msr_write(&f->a, msr, f->now, val), 0);
}

static int mwr_ret(struct fixture *f, uint32_t msr, uint64_t val)
{
	return lapic_msr_write(&f->a, msr, f->now, val);
}

static int mrd_ret(struct fixture *f, uint32_t msr)
{
	uint64_t v;

	return lapic_msr_read(&f->a, msr, f->now, &v);
}

static void enable(struct fixture *f)
{
	wr(f, LAPIC_REG_SVR, LAPIC_SVR_APIC_ENABLED | 0xff);
}

static void to_x2apic(struct fixture *f)
{
	assert_int_equal(lapic_set_apic_base(&f->a, BASE_X2APIC | LAPIC_BASE_BSP, MAXPHY), 0);
}

/* What a guest does to read the ESR in xAPIC mode: write, then read. */
static uint32_t esr(struct fixture *f)
{
	wr(f, LAPIC_REG_ESR, 0);
	return rd(f, LAPIC_REG_ESR);
}

/* A bit of ISR, TMR or IRR as the guest reads it. */
static bool vec_bit(struct fixture *f, uint32_t base, unsigned int v)
{
	return rd(f, base + v / 32 * 0x10) & 1u << (v % 32);
}

static bool vec_empty(struct fixture *f, uint32_t base)
{
	for (unsigned int i = 0; i < 8; i++) {
		if (rd(f, base + i * 0x10))
			return false;
	}
	return true;
}

static void deliver_and_ack(struct fixture *f, uint8_t v)
{
	assert_true(lapic_deliver_fixed(&f->a, v, false));
	assert_int_equal(lapic_pending_vector(&f->a), v);
	lapic_ack(&f->a, v);
}

/* The APIC enabled, the LVT timer at vector 0x31 with lvt's mode and mask bits, divide by 1. */
static void timer_setup(struct fixture *f, uint32_t lvt)
{
	enable(f);
	wr(f, LAPIC_REG_LVT_TIMER, lvt | 0x31);
	wr(f, LAPIC_REG_TIMER_DCR, 0xb);
}

/* ---- reset and INIT ------------------------------------------------------------------------ */

static void test_power_up_state(void **state)
{
	struct fixture *f = *state;
	static const uint32_t lvts[] = { LAPIC_REG_LVT_CMCI,	LAPIC_REG_LVT_TIMER,
					 LAPIC_REG_LVT_THERMAL, LAPIC_REG_LVT_PMI,
					 LAPIC_REG_LVT_LINT0,	LAPIC_REG_LVT_LINT1,
					 LAPIC_REG_LVT_ERROR };

	assert_int_equal(lapic_apic_base(&f->a), 0xfee00900);
	assert_false(lapic_x2apic_mode(&f->a));
	assert_int_equal(rd(f, LAPIC_REG_ID), ID << 24);
	assert_int_equal(rd(f, LAPIC_REG_VERSION), 0x00060014);
	assert_int_equal(rd(f, LAPIC_REG_SVR), 0xff);
	assert_int_equal(rd(f, LAPIC_REG_DFR), 0xffffffff);
	assert_int_equal(rd(f, LAPIC_REG_TPR), 0);
	assert_int_equal(rd(f, LAPIC_REG_PPR), 0);
	assert_int_equal(rd(f, LAPIC_REG_LDR), 0);
	assert_int_equal(rd(f, LAPIC_REG_ICR_LO), 0);
	assert_int_equal(rd(f, LAPIC_REG_ICR_HI), 0);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_ICR), 0);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_CCR), 0);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_DCR), 0);
	for (unsigned int i = 0; i < 7; i++)
		assert_int_equal(rd(f, lvts[i]), LAPIC_LVT_MASKED);
	assert_true(vec_empty(f, LAPIC_REG_ISR));
	assert_true(vec_empty(f, LAPIC_REG_TMR));
	assert_true(vec_empty(f, LAPIC_REG_IRR));
	assert_int_equal(esr(f), 0);
	assert_int_equal(lapic_pending_vector(&f->a), -1);
	assert_true(lapic_timer_deadline(&f->a) == UINT64_MAX);
}

static void test_application_processor_has_no_bsp_flag(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(lapic_init(&f->a, 1, false, TSC_KHZ, &recording_ops, f), 0);
	assert_int_equal(lapic_apic_base(&f->a), 0xfee00800);
	assert_int_equal(rd(f, LAPIC_REG_ID), 0x01000000);
}

static void test_init_rejects_unusable_tsc_rates(void **state)
{
	struct lapic a;

	assert_int_equal(lapic_init(&a, 0, true, 0, NULL, NULL), -EINVAL);
	assert_int_equal(lapic_init(&a, 0, true, LAPIC_TSC_KHZ_LIMIT, NULL, NULL), -EINVAL);
	assert_int_equal(lapic_init(&a, 0, true, LAPIC_TSC_KHZ_LIMIT - 1, NULL, NULL), 0);
}

static void test_init_signal_keeps_id_and_apic_base(void **state)
{
	struct fixture *f = *state;

	enable(f);
	wr(f, LAPIC_REG_ID, 0x07000000);
	wr(f, LAPIC_REG_TPR, 0x20);
	wr(f, LAPIC_REG_LDR, 0x01000000);
	wr(f, LAPIC_REG_LVT_TIMER, 0x31);
	wr(f, LAPIC_REG_TIMER_ICR, 1000);
	deliver_and_ack(f, 0x40);
	assert_true(lapic_deliver_fixed(&f->a, 0x41, true));
	lapic_init_signal(&f->a);
	assert_int_equal(rd(f, LAPIC_REG_ID), 0x07000000);
	assert_int_equal(lapic_apic_base(&f->a), 0xfee00900);
	assert_int_equal(rd(f, LAPIC_REG_SVR), 0xff);
	assert_int_equal(rd(f, LAPIC_REG_TPR), 0);
	assert_int_equal(rd(f, LAPIC_REG_LDR), 0);
	assert_int_equal(rd(f, LAPIC_REG_LVT_TIMER), LAPIC_LVT_MASKED);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_ICR), 0);
	assert_true(vec_empty(f, LAPIC_REG_ISR));
	assert_true(vec_empty(f, LAPIC_REG_IRR));
	assert_true(vec_empty(f, LAPIC_REG_TMR));
	assert_true(lapic_timer_deadline(&f->a) == UINT64_MAX);
	at(f, 5000);
	assert_false(lapic_timer_expire(&f->a, f->now));
}

static void test_init_signal_in_x2apic_mode_stays_x2apic(void **state)
{
	struct fixture *f = *state;

	to_x2apic(f);
	mwr(f, MSR(SVR), 0x1ff);
	mwr(f, MSR(TPR), 0x40);
	lapic_init_signal(&f->a);
	assert_true(lapic_x2apic_mode(&f->a));
	assert_int_equal(mrd(f, MSR(ID)), ID);
	assert_int_equal(mrd(f, MSR(LDR)), 1u << ID);
	assert_int_equal(mrd(f, MSR(TPR)), 0);
	assert_int_equal(mrd(f, MSR(SVR)), 0xff);
}

static void test_init_signal_when_disabled_stays_disabled(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(lapic_set_apic_base(&f->a, LAPIC_BASE_DEFAULT, MAXPHY), 0);
	lapic_init_signal(&f->a);
	assert_int_equal(lapic_apic_base(&f->a), LAPIC_BASE_DEFAULT);
	assert_int_equal(rd(f, LAPIC_REG_VERSION), 0xffffffff);
}

/* ---- xAPIC registers ----------------------------------------------------------------------- */

static void test_xapic_id_is_writable(void **state)
{
	struct fixture *f = *state;

	wr(f, LAPIC_REG_ID, 0x05abcdef);
	assert_int_equal(rd(f, LAPIC_REG_ID), 0x05000000);
}

static void test_read_only_registers_ignore_writes(void **state)
{
	struct fixture *f = *state;
	static const uint32_t ro[] = { LAPIC_REG_VERSION,    LAPIC_REG_APR,
				       LAPIC_REG_PPR,	     LAPIC_REG_RRD,
				       LAPIC_REG_ISR,	     LAPIC_REG_TMR + 0x70,
				       LAPIC_REG_IRR + 0x20, LAPIC_REG_TIMER_CCR };

	for (unsigned int i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		uint32_t before = rd(f, ro[i]);

		wr(f, ro[i], 0xffffffff);
		assert_int_equal(rd(f, ro[i]), before);
	}
	assert_int_equal(rd(f, LAPIC_REG_APR), 0);
	assert_int_equal(rd(f, LAPIC_REG_RRD), 0);
	assert_int_equal(esr(f), 0); /* they exist: not an illegal register address */
}

static void test_register_write_masks(void **state)
{
	struct fixture *f = *state;
	static const struct {
		uint32_t off, written, read;
	} cases[] = {
		{ LAPIC_REG_TPR, 0xffffff5a, 0x5a },
		{ LAPIC_REG_LDR, 0x12345678, 0x12000000 },
		{ LAPIC_REG_DFR, 0x00000000, 0x0fffffff },
		{ LAPIC_REG_DFR, 0xf0000000, 0xffffffff },
		{ LAPIC_REG_SVR, 0xffffffff, 0x3ff },
		{ LAPIC_REG_ICR_HI, 0x12345678, 0x12000000 },
		{ LAPIC_REG_TIMER_DCR, 0xffffffff, 0xb },
		{ LAPIC_REG_TIMER_ICR, 0x12345678, 0x12345678 },
		/* after SVR enabled the APIC above: every LVT with all ones */
		{ LAPIC_REG_LVT_CMCI, 0xffffffff, 0x107ff },
		{ LAPIC_REG_LVT_TIMER, 0xffffffff, 0x700ff },
		{ LAPIC_REG_LVT_THERMAL, 0xffffffff, 0x107ff },
		{ LAPIC_REG_LVT_PMI, 0xffffffff, 0x107ff },
		{ LAPIC_REG_LVT_LINT0, 0xffffffff, 0x1a7ff },
		{ LAPIC_REG_LVT_LINT1, 0xffffffff, 0x1a7ff },
		{ LAPIC_REG_LVT_ERROR, 0xffffffff, 0x100ff },
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		wr(f, cases[i].off, cases[i].written);
		assert_int_equal(rd(f, cases[i].off), cases[i].read);
	}
}

static void test_lvt_unmask_ignored_while_software_disabled(void **state)
{
	struct fixture *f = *state;

	wr(f, LAPIC_REG_LVT_TIMER, 0x20031);
	assert_int_equal(rd(f, LAPIC_REG_LVT_TIMER), 0x30031);
	wr(f, LAPIC_REG_LVT_LINT0, 0x700);
	assert_int_equal(rd(f, LAPIC_REG_LVT_LINT0), 0x10700);
}

static void test_software_disable_masks_every_lvt(void **state)
{
	struct fixture *f = *state;
	static const uint32_t lvts[] = { LAPIC_REG_LVT_CMCI,	LAPIC_REG_LVT_TIMER,
					 LAPIC_REG_LVT_THERMAL, LAPIC_REG_LVT_PMI,
					 LAPIC_REG_LVT_LINT0,	LAPIC_REG_LVT_LINT1,
					 LAPIC_REG_LVT_ERROR };

	enable(f);
	for (unsigned int i = 0; i < 7; i++)
		wr(f, lvts[i], 0x40 + i);
	wr(f, LAPIC_REG_SVR, 0xff);
	for (unsigned int i = 0; i < 7; i++)
		assert_int_equal(rd(f, lvts[i]), LAPIC_LVT_MASKED | (0x40 + i));
}

static void test_icr_low_reads_idle_without_reserved_bits(void **state)
{
	struct fixture *f = *state;

	wr(f, LAPIC_REG_ICR_LO, 0xffffffff); /* delivery mode 7: nothing is sent */
	assert_int_equal(rd(f, LAPIC_REG_ICR_LO), 0x000ccfff);
	assert_int_equal(f->nr_ipis, 0);
}

static void test_eoi_register_reads_zero(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(rd(f, LAPIC_REG_EOI), 0);
	assert_int_equal(esr(f), 0);
}

static void test_reserved_offsets_read_zero_and_set_illegal_register_address(void **state)
{
	struct fixture *f = *state;
	static const uint32_t rsvd[] = { 0x000, 0x010, 0x040, 0x070, 0x290, 0x2e0,
					 0x3a0, 0x3d0, 0x3f0, 0x400, 0xff0 };

	for (unsigned int i = 0; i < sizeof(rsvd) / sizeof(rsvd[0]); i++) {
		assert_int_equal(rd(f, rsvd[i]), 0);
		assert_int_equal(esr(f), LAPIC_ESR_ILLEGAL_REG_ADDRESS);
		wr(f, rsvd[i], 0xffffffff);
		assert_int_equal(esr(f), LAPIC_ESR_ILLEGAL_REG_ADDRESS);
		assert_int_equal(esr(f), 0);
	}
}

static void test_narrow_and_wide_reads_return_register_bytes(void **state)
{
	struct fixture *f = *state;
	uint64_t v;

	wr(f, LAPIC_REG_ID, 0x05000000);
	wr(f, LAPIC_REG_ICR_HI, 0x12000000);
	wr(f, LAPIC_REG_ICR_LO, 0x300); /* delivery mode 3: stored, not sent */
	assert_int_equal(lapic_mmio_read(&f->a, LAPIC_REG_ID + 3, 1, f->now, &v), 0);
	assert_int_equal(v, 0x05);
	assert_int_equal(lapic_mmio_read(&f->a, LAPIC_REG_ID + 2, 2, f->now, &v), 0);
	assert_int_equal(v, 0x0500);
	assert_int_equal(lapic_mmio_read(&f->a, LAPIC_REG_VERSION + 1, 2, f->now, &v), 0);
	assert_int_equal(v, 0x0600);
	assert_int_equal(lapic_mmio_read(&f->a, LAPIC_REG_ICR_LO, 8, f->now, &v), 0);
	assert_int_equal(v, 0x300); /* bytes 4-7 of a slot read 0 */
	assert_int_equal(lapic_mmio_read(&f->a, LAPIC_REG_ICR_LO + 12, 8, f->now, &v), 0);
	assert_int_equal(v, 0x12000000ull << 32); /* straddles into ICR high */
	assert_int_equal(lapic_mmio_read(&f->a, LAPIC_REG_VERSION + 5, 1, f->now, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(esr(f), 0);
}

static void test_narrow_or_unaligned_writes_are_ignored(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(lapic_mmio_write(&f->a, LAPIC_REG_TPR, 1, f->now, 0x50), 0);
	assert_int_equal(lapic_mmio_write(&f->a, LAPIC_REG_TPR, 2, f->now, 0x50), 0);
	assert_int_equal(lapic_mmio_write(&f->a, LAPIC_REG_TPR, 8, f->now, 0x50), 0);
	assert_int_equal(lapic_mmio_write(&f->a, LAPIC_REG_TPR + 4, 4, f->now, 0x50), 0);
	assert_int_equal(lapic_mmio_write(&f->a, LAPIC_REG_TPR + 1, 4, f->now, 0x50), 0);
	assert_int_equal(rd(f, LAPIC_REG_TPR), 0);
	assert_int_equal(esr(f), 0);
}

static void test_mmio_bad_size_or_outside_page_is_einval(void **state)
{
	struct fixture *f = *state;
	static const struct {
		uint32_t off;
		unsigned int size;
	} bad[] = { { 0x80, 0 }, { 0x80, 9 }, { 0x80, 16 }, { 4096, 1 }, { 4094, 4 }, { 4092, 8 } };
	uint64_t v;

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(lapic_mmio_read(&f->a, bad[i].off, bad[i].size, f->now, &v),
				 -EINVAL);
		assert_int_equal(lapic_mmio_write(&f->a, bad[i].off, bad[i].size, f->now, 0),
				 -EINVAL);
	}
	assert_int_equal(lapic_mmio_read(&f->a, 4092, 4, f->now, &v), 0);
}

/* Odd widths (a 6-byte SGDT, a 3-byte piece of something wider) read bytes and write nothing. */
static void test_odd_width_accesses_are_served(void **state)
{
	struct fixture *f = *state;
	uint64_t v;

	wr(f, LAPIC_REG_TPR, 0x5a);
	assert_int_equal(lapic_mmio_read(&f->a, LAPIC_REG_TPR, 3, f->now, &v), 0);
	assert_int_equal(v, 0x5a);
	assert_int_equal(lapic_mmio_read(&f->a, LAPIC_REG_VERSION, 6, f->now, &v), 0);
	assert_int_equal(v, LAPIC_VERSION);
	assert_int_equal(lapic_mmio_write(&f->a, LAPIC_REG_TPR, 6, f->now, 0x10), 0);
	assert_int_equal(lapic_mmio_write(&f->a, LAPIC_REG_TPR, 3, f->now, 0x10), 0);
	assert_int_equal(rd(f, LAPIC_REG_TPR), 0x5a);
}

static void test_mmio_reads_all_ones_when_disabled(void **state)
{
	struct fixture *f = *state;
	uint64_t v;

	assert_int_equal(lapic_set_apic_base(&f->a, LAPIC_BASE_DEFAULT, MAXPHY), 0);
	assert_int_equal(rd(f, LAPIC_REG_ID), 0xffffffff);
	assert_int_equal(lapic_mmio_read(&f->a, LAPIC_REG_TPR, 1, f->now, &v), 0);
	assert_int_equal(v, 0xff);
	assert_int_equal(lapic_mmio_read(&f->a, LAPIC_REG_TPR, 8, f->now, &v), 0);
	assert_true(v == UINT64_MAX);
}

static void test_mmio_in_x2apic_mode_reads_ones_and_ignores_writes(void **state)
{
	struct fixture *f = *state;

	to_x2apic(f);
	assert_int_equal(rd(f, LAPIC_REG_ID), 0xffffffff);
	wr(f, LAPIC_REG_TPR, 0x50);
	wr(f, 0x3a0, 0);
	assert_int_equal(mrd(f, MSR(TPR)), 0);
	mwr(f, MSR(ESR), 0);
	assert_int_equal(mrd(f, MSR(ESR)), 0); /* no illegal register address either */
}

/* ---- x2APIC MSRs --------------------------------------------------------------------------- */

static void test_msrs_gp_outside_x2apic_mode(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(mrd_ret(f, MSR(ID)), -EINVAL);
	assert_int_equal(mwr_ret(f, MSR(TPR), 0), -EINVAL);
	assert_int_equal(lapic_set_apic_base(&f->a, LAPIC_BASE_DEFAULT, MAXPHY), 0);
	assert_int_equal(mrd_ret(f, MSR(VERSION)), -EINVAL);
	assert_int_equal(mwr_ret(f, MSR(EOI), 0), -EINVAL);
}

static void test_x2apic_id_is_the_full_id_and_read_only(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(lapic_init(&f->a, 0x12345, true, TSC_KHZ, &recording_ops, f), 0);
	assert_int_equal(rd(f, LAPIC_REG_ID), 0x45000000);
	to_x2apic(f);
	assert_int_equal(mrd(f, MSR(ID)), 0x12345);
	assert_int_equal(mwr_ret(f, MSR(ID), 0x12345), -EINVAL);
}

static void test_x2apic_ldr_is_derived_from_the_id(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(lapic_init(&f->a, 0x23, true, TSC_KHZ, &recording_ops, f), 0);
	to_x2apic(f);
	assert_int_equal(mrd(f, MSR(LDR)), 0x00020008);
	assert_int_equal(mwr_ret(f, MSR(LDR), 0x00020008), -EINVAL);
}

static void test_x2apic_msrs_that_do_not_exist_gp(void **state)
{
	struct fixture *f = *state;
	static const uint32_t none[] = { 0x800, 0x801, 0x804, 0x807, 0x809, 0x80c,
					 0x80e, 0x829, 0x82e, 0x831, 0x83a, 0x83d,
					 0x840, 0x8ff, 0x7ff, 0x900, 0x1b,  0x6e0 };

	to_x2apic(f);
	for (unsigned int i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		assert_int_equal(mrd_ret(f, none[i]), -EINVAL);
		assert_int_equal(mwr_ret(f, none[i], 0), -EINVAL);
	}
}

static void test_x2apic_write_only_msrs_gp_on_read(void **state)
{
	struct fixture *f = *state;

	to_x2apic(f);
	assert_int_equal(mrd_ret(f, MSR(EOI)), -EINVAL);
	assert_int_equal(mrd_ret(f, MSR(SELF_IPI)), -EINVAL);
}

static void test_x2apic_read_only_msrs_gp_on_write(void **state)
{
	struct fixture *f = *state;
	static const uint32_t ro[] = { 0x802, 0x803, 0x80a, 0x80d, 0x839 };

	to_x2apic(f);
	for (unsigned int i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		assert_int_equal(mwr_ret(f, ro[i], 0), -EINVAL);
	for (uint32_t msr = 0x810; msr <= 0x827; msr++) {
		assert_int_equal(mrd(f, msr), 0);
		assert_int_equal(mwr_ret(f, msr, 0), -EINVAL);
	}
}

static void test_x2apic_reserved_bits_gp(void **state)
{
	struct fixture *f = *state;
	static const struct {
		uint32_t msr;
		uint64_t val;
	} bad[] = {
		{ MSR(TPR), 0x100 },
		{ MSR(TPR), 1ull << 40 },
		{ MSR(SVR), 0x400 },
		{ MSR(SVR), 0x1000 }, /* EOI-broadcast suppression is not offered */
		{ MSR(LVT_TIMER), 0x80000 },
		{ MSR(LVT_TIMER), 0x100 }, /* the timer has no delivery mode */
		{ MSR(LVT_CMCI), 0x800 },
		{ MSR(LVT_THERMAL), 0x20000 },
		{ MSR(LVT_PMI), 0x2000 },
		{ MSR(LVT_LINT0), 0x800 },
		{ MSR(LVT_LINT1), 0x20000 },
		{ MSR(LVT_ERROR), 0x700 },
		{ MSR(TIMER_DCR), 0x4 },
		{ MSR(TIMER_ICR), 1ull << 32 },
		{ MSR(SELF_IPI), 0x100 },
		{ MSR(ICR_LO), 1u << 13 },
		{ MSR(ICR_LO), 1u << 16 },
		{ MSR(ICR_LO), 1u << 17 },
		{ MSR(ICR_LO), 1u << 20 },
		{ MSR(ICR_LO), 1u << 31 },
	};

	to_x2apic(f);
	mwr(f, MSR(SVR), 0x1ff);
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bool readable = bad[i].msr != MSR(SELF_IPI);
		uint64_t before = readable ? mrd(f, bad[i].msr) : 0;

		assert_int_equal(mwr_ret(f, bad[i].msr, bad[i].val), -EINVAL);
		if (readable)
			assert_true(mrd(f, bad[i].msr) == before);
	}
	assert_int_equal(f->nr_ipis, 0);
	/* Read-only status bits are not reserved: written as 1, they are ignored. */
	mwr(f, MSR(LVT_TIMER), 0x11031);
	assert_int_equal(mrd(f, MSR(LVT_TIMER)), 0x10031);
	mwr(f, MSR(LVT_LINT0), 0x15700);
	assert_int_equal(mrd(f, MSR(LVT_LINT0)), 0x10700);
}

static void test_x2apic_eoi_and_esr_accept_only_zero(void **state)
{
	struct fixture *f = *state;

	to_x2apic(f);
	mwr(f, MSR(SVR), 0x1ff);
	deliver_and_ack(f, 0x40);
	assert_int_equal(mwr_ret(f, MSR(EOI), 1), -EINVAL);
	assert_int_equal(mrd(f, MSR(ISR) + 2), 1);
	mwr(f, MSR(EOI), 0);
	assert_int_equal(mrd(f, MSR(ISR) + 2), 0);
	assert_int_equal(mwr_ret(f, MSR(ESR), 0x40), -EINVAL);
	mwr(f, MSR(ESR), 0);
}

static void test_x2apic_registers_read_back(void **state)
{
	struct fixture *f = *state;
	static const struct {
		uint32_t msr;
		uint64_t val;
	} rw[] = {
		{ MSR(SVR), 0x3ff },
		{ MSR(TPR), 0xff },
		{ MSR(LVT_CMCI), 0x107ff },
		{ MSR(LVT_TIMER), 0x200ff },
		{ MSR(LVT_THERMAL), 0x7ff },
		{ MSR(LVT_PMI), 0x4ff },
		{ MSR(LVT_LINT0), 0x1a7ff },
		{ MSR(LVT_LINT1), 0x400 },
		{ MSR(LVT_ERROR), 0xfe },
		{ MSR(TIMER_DCR), 0xb },
		{ MSR(TIMER_ICR), 0xffffffff },
	};

	to_x2apic(f);
	for (unsigned int i = 0; i < sizeof(rw) / sizeof(rw[0]); i++) {
		mwr(f, rw[i].msr, rw[i].val);
		assert_true(mrd(f, rw[i].msr) == rw[i].val);
	}
	assert_int_equal(mrd(f, MSR(VERSION)), 0x00060014);
	assert_int_equal(mrd(f, MSR(PPR)), 0xff);
}

static void test_x2apic_icr_is_one_64bit_register(void **state)
{
	struct fixture *f = *state;

	to_x2apic(f);
	mwr(f, MSR(ICR_LO), 0x12345678ull << 32 | 0x4831);
	assert_true(mrd(f, MSR(ICR_LO)) == (0x12345678ull << 32 | 0x4831));
	assert_int_equal(f->nr_ipis, 1);
	assert_int_equal(f->ipis[0].dest, 0x12345678);
	assert_int_equal(f->ipis[0].vector, 0x31);
	assert_true(f->ipis[0].logical);
	assert_true(f->ipis[0].x2apic);
	/* Bit 12 (delivery status) is ignored rather than reserved, and reads 0. */
	mwr(f, MSR(ICR_LO), 0xffffffffull << 32 | 0x5032);
	assert_true(mrd(f, MSR(ICR_LO)) == (0xffffffffull << 32 | 0x4032));
	assert_int_equal(f->nr_ipis, 2);
	assert_int_equal(f->ipis[1].dest, 0xffffffff);
}

/* ---- IA32_APIC_BASE ------------------------------------------------------------------------ */

static void test_apic_base_reserved_bits_gp(void **state)
{
	struct fixture *f = *state;
	static const unsigned int rsvd[] = { 0, 1, 2, 3, 4, 5, 6, 7, 9, MAXPHY, 63 };

	for (unsigned int i = 0; i < sizeof(rsvd) / sizeof(rsvd[0]); i++)
		assert_int_equal(lapic_set_apic_base(&f->a, BASE_XAPIC | 1ull << rsvd[i], MAXPHY),
				 -EINVAL);
	assert_int_equal(lapic_set_apic_base(&f->a, BASE_XAPIC | 1ull << 36, 36), -EINVAL);
	/* Below MAXPHYADDR the bit is an address bit: moving the base is refused otherwise. */
	assert_int_equal(lapic_set_apic_base(&f->a, BASE_XAPIC | 1ull << 36, MAXPHY), -EOPNOTSUPP);
	assert_int_equal(lapic_apic_base(&f->a), 0xfee00900);
}

static void test_apic_base_invalid_transitions_gp(void **state)
{
	struct fixture *f = *state;
	uint64_t invalid = LAPIC_BASE_DEFAULT | LAPIC_BASE_EXTD;

	assert_int_equal(lapic_set_apic_base(&f->a, invalid, MAXPHY), -EINVAL);
	to_x2apic(f);
	assert_int_equal(lapic_set_apic_base(&f->a, invalid, MAXPHY), -EINVAL);
	assert_int_equal(lapic_set_apic_base(&f->a, BASE_XAPIC, MAXPHY), -EINVAL);
	assert_true(lapic_x2apic_mode(&f->a));
	assert_int_equal(lapic_set_apic_base(&f->a, LAPIC_BASE_DEFAULT, MAXPHY), 0);
	assert_int_equal(lapic_set_apic_base(&f->a, invalid, MAXPHY), -EINVAL);
	assert_int_equal(lapic_set_apic_base(&f->a, BASE_X2APIC, MAXPHY), -EINVAL);
	assert_int_equal(lapic_apic_base(&f->a), LAPIC_BASE_DEFAULT);
}

static void test_apic_base_relocation_is_refused(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(lapic_set_apic_base(&f->a, 0xfed00900, MAXPHY), -EOPNOTSUPP);
	assert_int_equal(lapic_set_apic_base(&f->a, 0xfed00000, MAXPHY), -EOPNOTSUPP);
	assert_int_equal(lapic_apic_base(&f->a), 0xfee00900);
	assert_int_equal(rd(f, LAPIC_REG_VERSION), LAPIC_VERSION);
}

static void test_apic_base_bsp_flag_is_writable(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(lapic_set_apic_base(&f->a, 0xfee00900, MAXPHY), 0);
	assert_int_equal(lapic_set_apic_base(&f->a, 0xfee00800, MAXPHY), 0);
	assert_int_equal(lapic_apic_base(&f->a), 0xfee00800);
}

static void test_apic_base_disable_returns_to_power_up_state(void **state)
{
	struct fixture *f = *state;

	enable(f);
	wr(f, LAPIC_REG_ID, 0x07000000);
	wr(f, LAPIC_REG_TPR, 0x20);
	wr(f, LAPIC_REG_LVT_TIMER, 0x20031);
	wr(f, LAPIC_REG_TIMER_ICR, 1000);
	deliver_and_ack(f, 0x50);
	assert_true(lapic_deliver_fixed(&f->a, 0x60, false));
	assert_int_equal(lapic_set_apic_base(&f->a, LAPIC_BASE_DEFAULT, MAXPHY), 0);
	assert_int_equal(lapic_pending_vector(&f->a), -1);
	assert_true(lapic_timer_deadline(&f->a) == UINT64_MAX);
	assert_int_equal(lapic_set_apic_base(&f->a, BASE_XAPIC, MAXPHY), 0);
	assert_int_equal(rd(f, LAPIC_REG_ID), ID << 24);
	assert_int_equal(rd(f, LAPIC_REG_SVR), 0xff);
	assert_int_equal(rd(f, LAPIC_REG_TPR), 0);
	assert_int_equal(rd(f, LAPIC_REG_LVT_TIMER), LAPIC_LVT_MASKED);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_ICR), 0);
	assert_true(vec_empty(f, LAPIC_REG_ISR));
	assert_true(vec_empty(f, LAPIC_REG_IRR));
	assert_int_equal(lapic_pending_vector(&f->a), -1);
}

static void test_apic_base_x2apic_to_xapic_through_disabled(void **state)
{
	struct fixture *f = *state;

	to_x2apic(f);
	mwr(f, MSR(TPR), 0x30);
	assert_int_equal(lapic_set_apic_base(&f->a, LAPIC_BASE_DEFAULT, MAXPHY), 0);
	assert_int_equal(lapic_set_apic_base(&f->a, BASE_XAPIC, MAXPHY), 0);
	assert_false(lapic_x2apic_mode(&f->a));
	assert_int_equal(rd(f, LAPIC_REG_ID), ID << 24);
	assert_int_equal(rd(f, LAPIC_REG_TPR), 0);
	assert_int_equal(rd(f, LAPIC_REG_LDR), 0);
}

/* 10.12.5.1: only the LDR, the written xAPIC ID and the ICR's high half are not preserved. */
static void test_apic_base_to_x2apic_keeps_most_registers(void **state)
{
	struct fixture *f = *state;

	enable(f);
	wr(f, LAPIC_REG_ID, 0x07000000);
	wr(f, LAPIC_REG_LDR, 0x55000000);
	wr(f, LAPIC_REG_TPR, 0x30);
	wr(f, LAPIC_REG_LVT_TIMER, 0x40);
	wr(f, LAPIC_REG_ICR_HI, 0x12000000);
	wr(f, LAPIC_REG_ICR_LO, 0x300);
	assert_true(lapic_deliver_fixed(&f->a, 0x70, false));
	to_x2apic(f);
	assert_int_equal(mrd(f, MSR(ID)), ID);
	assert_int_equal(mrd(f, MSR(LDR)), 1u << ID);
	assert_int_equal(mrd(f, MSR(ICR_LO)), 0x300);
	assert_int_equal(mrd(f, MSR(TPR)), 0x30);
	assert_int_equal(mrd(f, MSR(SVR)), 0x1ff);
	assert_int_equal(mrd(f, MSR(LVT_TIMER)), 0x40);
	assert_int_equal(lapic_pending_vector(&f->a), 0x70);
}

/* ---- priorities, acknowledge and EOI ------------------------------------------------------- */

static void test_pending_vector_is_the_highest_in_irr(void **state)
{
	struct fixture *f = *state;

	enable(f);
	assert_true(lapic_deliver_fixed(&f->a, 0x31, false));
	assert_true(lapic_deliver_fixed(&f->a, 0x85, false));
	assert_true(lapic_deliver_fixed(&f->a, 0x40, false));
	assert_true(vec_bit(f, LAPIC_REG_IRR, 0x31));
	assert_true(vec_bit(f, LAPIC_REG_IRR, 0x85));
	assert_int_equal(lapic_pending_vector(&f->a), 0x85);
	lapic_ack(&f->a, 0x85);
	assert_int_equal(lapic_pending_vector(&f->a), -1); /* 0x40 is of a lower class */
	wr(f, LAPIC_REG_EOI, 0);
	assert_int_equal(lapic_pending_vector(&f->a), 0x40);
}

static void test_tpr_holds_interrupts_of_its_class_and_below(void **state)
{
	struct fixture *f = *state;

	enable(f);
	wr(f, LAPIC_REG_TPR, 0x50);
	assert_true(lapic_deliver_fixed(&f->a, 0x5f, false));
	assert_int_equal(lapic_pending_vector(&f->a), -1);
	assert_true(lapic_deliver_fixed(&f->a, 0x60, false));
	assert_int_equal(lapic_pending_vector(&f->a), 0x60);
	wr(f, LAPIC_REG_TPR, 0x6f);
	assert_int_equal(lapic_pending_vector(&f->a), -1);
	wr(f, LAPIC_REG_TPR, 0x4f); /* the low nibble never holds anything */
	assert_int_equal(lapic_pending_vector(&f->a), 0x60);
}

static void test_ppr_follows_tpr_and_in_service_class(void **state)
{
	struct fixture *f = *state;

	enable(f);
	assert_int_equal(rd(f, LAPIC_REG_PPR), 0);
	deliver_and_ack(f, 0x85);
	assert_int_equal(rd(f, LAPIC_REG_PPR), 0x80);
	wr(f, LAPIC_REG_TPR, 0x3a);
	assert_int_equal(rd(f, LAPIC_REG_PPR), 0x80);
	wr(f, LAPIC_REG_TPR, 0x8f);
	assert_int_equal(rd(f, LAPIC_REG_PPR), 0x8f);
	wr(f, LAPIC_REG_TPR, 0x9a);
	assert_int_equal(rd(f, LAPIC_REG_PPR), 0x9a);
	wr(f, LAPIC_REG_TPR, 0);
	wr(f, LAPIC_REG_EOI, 0);
	assert_int_equal(rd(f, LAPIC_REG_PPR), 0);
}

static void test_in_service_class_holds_equal_and_lower(void **state)
{
	struct fixture *f = *state;

	enable(f);
	deliver_and_ack(f, 0x80);
	assert_true(lapic_deliver_fixed(&f->a, 0x8f, false));
	assert_true(lapic_deliver_fixed(&f->a, 0x70, false));
	assert_int_equal(lapic_pending_vector(&f->a), -1);
	assert_true(lapic_deliver_fixed(&f->a, 0x90, false));
	assert_int_equal(lapic_pending_vector(&f->a), 0x90);
}

static void test_ack_moves_irr_to_isr(void **state)
{
	struct fixture *f = *state;

	enable(f);
	assert_true(lapic_deliver_fixed(&f->a, 0xe1, false));
	assert_true(vec_bit(f, LAPIC_REG_IRR, 0xe1));
	assert_false(vec_bit(f, LAPIC_REG_ISR, 0xe1));
	lapic_ack(&f->a, 0xe1);
	assert_false(vec_bit(f, LAPIC_REG_IRR, 0xe1));
	assert_true(vec_bit(f, LAPIC_REG_ISR, 0xe1));
	lapic_ack(&f->a, 0x55); /* not pending: nothing happens */
	assert_false(vec_bit(f, LAPIC_REG_ISR, 0x55));
}

static void test_eoi_ends_the_highest_in_service_first(void **state)
{
	struct fixture *f = *state;

	enable(f);
	deliver_and_ack(f, 0x40);
	deliver_and_ack(f, 0x80); /* nested: a higher class interrupts the handler of 0x40 */
	assert_true(lapic_deliver_fixed(&f->a, 0x70, false));
	assert_int_equal(lapic_pending_vector(&f->a), -1);
	wr(f, LAPIC_REG_EOI, 0x12345678); /* any value in xAPIC mode */
	assert_false(vec_bit(f, LAPIC_REG_ISR, 0x80));
	assert_true(vec_bit(f, LAPIC_REG_ISR, 0x40));
	assert_int_equal(rd(f, LAPIC_REG_PPR), 0x40);
	assert_int_equal(lapic_pending_vector(&f->a), 0x70);
	wr(f, LAPIC_REG_EOI, 0);
	assert_true(vec_empty(f, LAPIC_REG_ISR));
	wr(f, LAPIC_REG_EOI, 0); /* without anything in service: harmless */
	assert_true(vec_empty(f, LAPIC_REG_ISR));
	assert_int_equal(lapic_pending_vector(&f->a), 0x70);
}

static void test_trigger_mode_sets_and_clears_tmr(void **state)
{
	struct fixture *f = *state;

	enable(f);
	assert_true(lapic_deliver_fixed(&f->a, 0x44, true));
	assert_true(vec_bit(f, LAPIC_REG_TMR, 0x44));
	lapic_ack(&f->a, 0x44);
	wr(f, LAPIC_REG_EOI, 0);
	assert_true(vec_bit(f, LAPIC_REG_TMR, 0x44)); /* EOI leaves TMR alone (10.8.4) */
	assert_true(lapic_deliver_fixed(&f->a, 0x44, false));
	assert_false(vec_bit(f, LAPIC_REG_TMR, 0x44));
}

static void test_same_vector_twice_is_one_interrupt(void **state)
{
	struct fixture *f = *state;

	enable(f);
	assert_true(lapic_deliver_fixed(&f->a, 0x44, false));
	assert_true(lapic_deliver_fixed(&f->a, 0x44, false));
	lapic_ack(&f->a, 0x44);
	assert_true(vec_empty(f, LAPIC_REG_IRR));
	assert_int_equal(lapic_pending_vector(&f->a), -1);
}

static void test_fixed_interrupts_refused_while_software_disabled(void **state)
{
	struct fixture *f = *state;

	assert_false(lapic_deliver_fixed(&f->a, 0x44, false));
	assert_true(vec_empty(f, LAPIC_REG_IRR));
	assert_int_equal(esr(f), 0);
}

static void test_pending_interrupts_held_across_software_disable(void **state)
{
	struct fixture *f = *state;

	enable(f);
	assert_true(lapic_deliver_fixed(&f->a, 0x44, false));
	wr(f, LAPIC_REG_SVR, 0xff);
	assert_int_equal(lapic_pending_vector(&f->a), 0x44);
	assert_false(lapic_deliver_fixed(&f->a, 0x45, false));
}

static void test_nothing_accepted_or_pending_when_hardware_disabled(void **state)
{
	struct fixture *f = *state;

	enable(f);
	assert_int_equal(lapic_set_apic_base(&f->a, LAPIC_BASE_DEFAULT, MAXPHY), 0);
	assert_false(lapic_deliver_fixed(&f->a, 0x44, false));
	assert_int_equal(lapic_pending_vector(&f->a), -1);
}

static void test_illegal_vector_sets_receive_illegal_vector(void **state)
{
	struct fixture *f = *state;

	enable(f);
	for (unsigned int v = 0; v < 16; v++)
		assert_false(lapic_deliver_fixed(&f->a, (uint8_t)v, false));
	assert_true(vec_empty(f, LAPIC_REG_IRR));
	assert_int_equal(lapic_pending_vector(&f->a), -1);
	assert_int_equal(esr(f), LAPIC_ESR_RECV_ILLEGAL_VECTOR);
	assert_true(lapic_deliver_fixed(&f->a, 16, false));
}

static void test_esr_write_latches_errors(void **state)
{
	struct fixture *f = *state;

	enable(f);
	lapic_deliver_fixed(&f->a, 5, false);
	assert_int_equal(rd(f, LAPIC_REG_ESR), 0); /* not latched yet */
	wr(f, LAPIC_REG_ESR, 0xffffffff);
	assert_int_equal(rd(f, LAPIC_REG_ESR), LAPIC_ESR_RECV_ILLEGAL_VECTOR);
	assert_int_equal(rd(f, LAPIC_REG_ESR), LAPIC_ESR_RECV_ILLEGAL_VECTOR);
	wr(f, LAPIC_REG_ESR, 0); /* back-to-back writes clear it */
	assert_int_equal(rd(f, LAPIC_REG_ESR), 0);
}

static void test_lvt_error_signals_errors(void **state)
{
	struct fixture *f = *state;

	enable(f);
	lapic_deliver_fixed(&f->a, 3, false);
	assert_int_equal(lapic_pending_vector(&f->a), -1); /* masked: recorded only */
	wr(f, LAPIC_REG_LVT_ERROR, 0xe0);
	lapic_deliver_fixed(&f->a, 3, false);
	assert_int_equal(lapic_pending_vector(&f->a), 0xe0);
	assert_int_equal(esr(f), LAPIC_ESR_RECV_ILLEGAL_VECTOR);
	rd(f, 0x3a0);
	assert_true(vec_bit(f, LAPIC_REG_IRR, 0xe0));
	assert_int_equal(esr(f), LAPIC_ESR_ILLEGAL_REG_ADDRESS);
}

static void test_illegal_lvt_error_vector_does_not_loop(void **state)
{
	struct fixture *f = *state;

	enable(f);
	wr(f, LAPIC_REG_LVT_ERROR, 0x05);
	rd(f, 0x3a0);
	assert_true(vec_empty(f, LAPIC_REG_IRR));
	assert_int_equal(esr(f), LAPIC_ESR_ILLEGAL_REG_ADDRESS | LAPIC_ESR_RECV_ILLEGAL_VECTOR);
}

/* ---- timer --------------------------------------------------------------------------------- */

static void test_one_shot_fires_once(void **state)
{
	struct fixture *f = *state;

	timer_setup(f, LAPIC_TIMER_ONESHOT);
	wr(f, LAPIC_REG_TIMER_ICR, 1000);
	assert_true(lapic_timer_deadline(&f->a) == T0 + 1000);
	assert_false(lapic_timer_expire(&f->a, T0 + 999));
	assert_int_equal(lapic_pending_vector(&f->a), -1);
	assert_true(lapic_timer_expire(&f->a, T0 + 1000));
	assert_int_equal(lapic_pending_vector(&f->a), 0x31);
	assert_true(lapic_timer_deadline(&f->a) == UINT64_MAX);
	lapic_ack(&f->a, 0x31);
	assert_false(lapic_timer_expire(&f->a, T0 + 5000));
	assert_true(vec_empty(f, LAPIC_REG_IRR));
	at(f, 5000);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_CCR), 0);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_ICR), 1000);
}

static void test_one_shot_current_count_counts_down(void **state)
{
	struct fixture *f = *state;

	timer_setup(f, LAPIC_TIMER_ONESHOT);
	wr(f, LAPIC_REG_TIMER_DCR, 0); /* divide by 2 */
	wr(f, LAPIC_REG_TIMER_ICR, 1000);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_CCR), 1000);
	at(f, 500);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_CCR), 750);
	at(f, 1999);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_CCR), 0);
	assert_int_equal(lapic_pending_vector(&f->a), -1);
	at(f, 2000);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_CCR), 0);
	assert_int_equal(lapic_pending_vector(&f->a), 0x31);
}

static void test_divide_configuration_values(void **state)
{
	struct fixture *f = *state;
	static const struct {
		uint32_t dcr, divider;
	} divs[] = { { 0x0, 2 },  { 0x1, 4 },  { 0x2, 8 },   { 0x3, 16 },
		     { 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 } };

	timer_setup(f, LAPIC_TIMER_ONESHOT);
	for (unsigned int i = 0; i < sizeof(divs) / sizeof(divs[0]); i++) {
		wr(f, LAPIC_REG_TIMER_DCR, divs[i].dcr);
		wr(f, LAPIC_REG_TIMER_ICR, 10);
		assert_true(lapic_timer_deadline(&f->a) == T0 + 10 * divs[i].divider);
	}
}

static void test_zero_initial_count_stops_the_timer(void **state)
{
	struct fixture *f = *state;

	timer_setup(f, LAPIC_TIMER_PERIODIC);
	wr(f, LAPIC_REG_TIMER_ICR, 1000);
	at(f, 300);
	wr(f, LAPIC_REG_TIMER_ICR, 0);
	assert_true(lapic_timer_deadline(&f->a) == UINT64_MAX);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_CCR), 0);
	assert_false(lapic_timer_expire(&f->a, T0 + 10000));
	assert_int_equal(lapic_pending_vector(&f->a), -1);
}

static void test_rewriting_initial_count_restarts(void **state)
{
	struct fixture *f = *state;

	timer_setup(f, LAPIC_TIMER_ONESHOT);
	wr(f, LAPIC_REG_TIMER_ICR, 1000);
	at(f, 600);
	wr(f, LAPIC_REG_TIMER_ICR, 1000);
	assert_true(lapic_timer_deadline(&f->a) == T0 + 1600);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_CCR), 1000);
}

static void test_masked_timer_expires_silently(void **state)
{
	struct fixture *f = *state;

	timer_setup(f, LAPIC_LVT_MASKED);
	wr(f, LAPIC_REG_TIMER_ICR, 1000);
	assert_true(lapic_timer_deadline(&f->a) == UINT64_MAX); /* nothing to wake up for */
	at(f, 500);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_CCR), 500);
	at(f, 1500);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_CCR), 0);
	wr(f, LAPIC_REG_LVT_TIMER, 0x31);
	assert_int_equal(lapic_pending_vector(&f->a), -1);
	assert_false(lapic_timer_expire(&f->a, T0 + 5000));
}

static void test_periodic_rearms_from_the_previous_deadline(void **state)
{
	struct fixture *f = *state;

	timer_setup(f, LAPIC_TIMER_PERIODIC);
	wr(f, LAPIC_REG_TIMER_ICR, 1000);
	assert_true(lapic_timer_expire(&f->a, T0 + 1300)); /* 300 late */
	assert_int_equal(lapic_pending_vector(&f->a), 0x31);
	assert_true(lapic_timer_deadline(&f->a) == T0 + 2000);
	at(f, 1300);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_CCR), 700);
	at(f, 2250);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_CCR), 750);
	assert_true(lapic_timer_deadline(&f->a) == T0 + 3000);
}

static void test_periodic_catch_up_delivers_once_and_skips(void **state)
{
	struct fixture *f = *state;

	timer_setup(f, LAPIC_TIMER_PERIODIC);
	wr(f, LAPIC_REG_TIMER_ICR, 1000);
	assert_true(lapic_timer_expire(&f->a, T0 + 5500));
	assert_false(lapic_timer_expire(&f->a, T0 + 5500));
	assert_true(lapic_timer_deadline(&f->a) == T0 + 6000);
	lapic_ack(&f->a, 0x31);
	assert_true(vec_empty(f, LAPIC_REG_IRR));
}

static void test_tsc_rate_conversion(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(lapic_init(&f->a, ID, true, 2500000, &recording_ops, f), 0); /* 2.5 GHz */
	enable(f);
	wr(f, LAPIC_REG_LVT_TIMER, 0x31);
	wr(f, LAPIC_REG_TIMER_DCR, 0); /* divide by 2: 1000 counts are 2000 ns */
	wr(f, LAPIC_REG_TIMER_ICR, 1000);
	assert_true(lapic_timer_deadline(&f->a) == T0 + 5000);
	at(f, 2500);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_CCR), 500);
	/* A slow TSC: 3 kHz. One count is a third of a tick, rounded up to one. */
	assert_int_equal(lapic_init(&f->a, ID, true, 3, &recording_ops, f), 0);
	enable(f);
	wr(f, LAPIC_REG_LVT_TIMER, 0x31);
	wr(f, LAPIC_REG_TIMER_DCR, 0xb);
	wr(f, LAPIC_REG_TIMER_ICR, 1);
	assert_true(lapic_timer_deadline(&f->a) == f->now + 1);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_CCR), 1);
}

static void test_largest_count_does_not_overflow(void **state)
{
	struct fixture *f = *state;
	uint32_t khz = LAPIC_TSC_KHZ_LIMIT - 1;
	unsigned __int128 ns = (unsigned __int128)0xffffffff * 128;
	uint64_t ticks = (uint64_t)((ns * khz + 999999) / 1000000);

	assert_int_equal(lapic_init(&f->a, ID, true, khz, &recording_ops, f), 0);
	enable(f);
	wr(f, LAPIC_REG_LVT_TIMER, LAPIC_TIMER_PERIODIC | 0x31);
	wr(f, LAPIC_REG_TIMER_DCR, 0xa);
	wr(f, LAPIC_REG_TIMER_ICR, 0xffffffff);
	assert_true(lapic_timer_deadline(&f->a) == T0 + ticks);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_CCR), 0xffffffff);
	at(f, ticks / 2);
	assert_in_range(rd(f, LAPIC_REG_TIMER_CCR), 0x7fffffff, 0x80000000);
	assert_true(lapic_timer_expire(&f->a, T0 + 3 * ticks + 7));
	assert_true(lapic_timer_deadline(&f->a) == T0 + 4 * ticks);
}

static void test_tsc_deadline_fires_at_the_msr_value(void **state)
{
	struct fixture *f = *state;

	timer_setup(f, LAPIC_TIMER_TSC_DEADLINE);
	lapic_tsc_deadline_write(&f->a, f->now, T0 + 5000);
	assert_true(lapic_tsc_deadline_read(&f->a, f->now) == T0 + 5000);
	assert_true(lapic_timer_deadline(&f->a) == T0 + 5000);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_CCR), 0);
	assert_false(lapic_timer_expire(&f->a, T0 + 4999));
	assert_true(lapic_timer_expire(&f->a, T0 + 5000));
	assert_int_equal(lapic_pending_vector(&f->a), 0x31);
	assert_true(lapic_tsc_deadline_read(&f->a, T0 + 5000) == 0);
	assert_true(lapic_timer_deadline(&f->a) == UINT64_MAX);
}

static void test_tsc_deadline_msr_read_after_the_deadline_is_zero(void **state)
{
	struct fixture *f = *state;

	timer_setup(f, LAPIC_TIMER_TSC_DEADLINE);
	lapic_tsc_deadline_write(&f->a, f->now, T0 + 5000);
	assert_true(lapic_tsc_deadline_read(&f->a, T0 + 6000) == 0);
	assert_int_equal(lapic_pending_vector(&f->a), 0x31);
}

static void test_tsc_deadline_zero_disarms(void **state)
{
	struct fixture *f = *state;

	timer_setup(f, LAPIC_TIMER_TSC_DEADLINE);
	lapic_tsc_deadline_write(&f->a, f->now, T0 + 5000);
	lapic_tsc_deadline_write(&f->a, T0 + 100, 0);
	assert_true(lapic_tsc_deadline_read(&f->a, T0 + 100) == 0);
	assert_true(lapic_timer_deadline(&f->a) == UINT64_MAX);
	assert_false(lapic_timer_expire(&f->a, T0 + 10000));
	assert_int_equal(lapic_pending_vector(&f->a), -1);
}

static void test_tsc_deadline_in_the_past_fires_at_once(void **state)
{
	struct fixture *f = *state;

	timer_setup(f, LAPIC_TIMER_TSC_DEADLINE);
	lapic_tsc_deadline_write(&f->a, f->now, T0 - 1);
	assert_int_equal(lapic_pending_vector(&f->a), 0x31);
	assert_true(lapic_tsc_deadline_read(&f->a, f->now) == 0);
	lapic_tsc_deadline_write(&f->a, f->now, UINT64_MAX); /* never: but it reads back */
	assert_true(lapic_tsc_deadline_read(&f->a, f->now) == UINT64_MAX);
}

static void test_tsc_deadline_msr_ignored_in_other_modes(void **state)
{
	struct fixture *f = *state;

	timer_setup(f, LAPIC_TIMER_ONESHOT);
	lapic_tsc_deadline_write(&f->a, f->now, T0 + 5000);
	assert_true(lapic_tsc_deadline_read(&f->a, f->now) == 0);
	assert_true(lapic_timer_deadline(&f->a) == UINT64_MAX);
	wr(f, LAPIC_REG_TIMER_ICR, 1000);
	lapic_tsc_deadline_write(&f->a, f->now, T0 + 5000);
	assert_true(lapic_tsc_deadline_read(&f->a, f->now) == 0);
	assert_true(lapic_timer_deadline(&f->a) == T0 + 1000);
}

static void test_initial_count_ignored_in_tsc_deadline_mode(void **state)
{
	struct fixture *f = *state;

	timer_setup(f, LAPIC_TIMER_TSC_DEADLINE);
	wr(f, LAPIC_REG_TIMER_ICR, 1000);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_ICR), 0);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_CCR), 0);
	assert_true(lapic_timer_deadline(&f->a) == UINT64_MAX);
}

static void test_entering_tsc_deadline_mode_disarms(void **state)
{
	struct fixture *f = *state;

	timer_setup(f, LAPIC_TIMER_ONESHOT);
	wr(f, LAPIC_REG_TIMER_ICR, 1000);
	at(f, 100);
	wr(f, LAPIC_REG_LVT_TIMER, LAPIC_TIMER_TSC_DEADLINE | 0x31);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_ICR), 0);
	assert_true(lapic_timer_deadline(&f->a) == UINT64_MAX);
	assert_true(lapic_tsc_deadline_read(&f->a, f->now) == 0);
	assert_false(lapic_timer_expire(&f->a, T0 + 5000));
	assert_int_equal(lapic_pending_vector(&f->a), -1);
}

static void test_leaving_tsc_deadline_mode_disarms(void **state)
{
	struct fixture *f = *state;

	timer_setup(f, LAPIC_TIMER_TSC_DEADLINE);
	lapic_tsc_deadline_write(&f->a, f->now, T0 + 5000);
	wr(f, LAPIC_REG_LVT_TIMER, LAPIC_TIMER_PERIODIC | 0x31);
	assert_true(lapic_timer_deadline(&f->a) == UINT64_MAX);
	assert_false(lapic_timer_expire(&f->a, T0 + 5000));
	wr(f, LAPIC_REG_LVT_TIMER, LAPIC_TIMER_TSC_DEADLINE | 0x31);
	assert_true(lapic_tsc_deadline_read(&f->a, f->now) == 0); /* not re-armed */
	assert_int_equal(lapic_pending_vector(&f->a), -1);
}

static void test_one_shot_to_periodic_keeps_counting(void **state)
{
	struct fixture *f = *state;

	timer_setup(f, LAPIC_TIMER_ONESHOT);
	wr(f, LAPIC_REG_TIMER_ICR, 1000);
	at(f, 300);
	wr(f, LAPIC_REG_LVT_TIMER, LAPIC_TIMER_PERIODIC | 0x31);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_CCR), 700);
	assert_true(lapic_timer_expire(&f->a, T0 + 1000));
	assert_true(lapic_timer_deadline(&f->a) == T0 + 2000);
	at(f, 1500);
	wr(f, LAPIC_REG_LVT_TIMER, LAPIC_TIMER_ONESHOT | 0x31);
	assert_true(lapic_timer_expire(&f->a, T0 + 2000));
	assert_true(lapic_timer_deadline(&f->a) == UINT64_MAX);
}

static void test_divide_change_rescales_the_running_count(void **state)
{
	struct fixture *f = *state;

	timer_setup(f, LAPIC_TIMER_PERIODIC);
	wr(f, LAPIC_REG_TIMER_ICR, 1000);
	at(f, 400);
	wr(f, LAPIC_REG_TIMER_DCR, 0); /* divide by 2: the 600 counts left take 1200 ns */
	assert_int_equal(rd(f, LAPIC_REG_TIMER_CCR), 600);
	assert_true(lapic_timer_deadline(&f->a) == T0 + 1600);
	assert_true(lapic_timer_expire(&f->a, T0 + 1600));
	assert_true(lapic_timer_deadline(&f->a) == T0 + 3600);
}

static void test_register_access_catches_up_with_the_timer(void **state)
{
	struct fixture *f = *state;

	timer_setup(f, LAPIC_TIMER_ONESHOT);
	wr(f, LAPIC_REG_TIMER_ICR, 1000);
	at(f, 2000); /* the caller was late: the guest's next access sees the interrupt */
	assert_true(vec_bit(f, LAPIC_REG_IRR, 0x31));
	assert_true(lapic_timer_deadline(&f->a) == UINT64_MAX);
}

static void test_software_disable_silences_the_timer(void **state)
{
	struct fixture *f = *state;

	timer_setup(f, LAPIC_TIMER_PERIODIC);
	wr(f, LAPIC_REG_TIMER_ICR, 1000);
	wr(f, LAPIC_REG_SVR, 0xff);
	assert_true(lapic_timer_deadline(&f->a) == UINT64_MAX);
	at(f, 2500);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_CCR), 500); /* still counting */
	assert_int_equal(lapic_pending_vector(&f->a), -1);
}

static void test_timer_with_illegal_vector_sets_error(void **state)
{
	struct fixture *f = *state;

	enable(f);
	wr(f, LAPIC_REG_LVT_TIMER, 0x0e);
	wr(f, LAPIC_REG_TIMER_ICR, 10);
	assert_true(lapic_timer_expire(&f->a, T0 + 100));
	assert_true(vec_empty(f, LAPIC_REG_IRR));
	assert_int_equal(esr(f), LAPIC_ESR_RECV_ILLEGAL_VECTOR);
}

static void test_reserved_timer_mode_runs_no_timer(void **state)
{
	struct fixture *f = *state;

	timer_setup(f, LAPIC_LVT_TIMER_MODE);
	wr(f, LAPIC_REG_TIMER_ICR, 1000);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_ICR), 1000);
	assert_int_equal(rd(f, LAPIC_REG_TIMER_CCR), 0);
	assert_true(lapic_timer_deadline(&f->a) == UINT64_MAX);
}

static void test_x2apic_timer_registers(void **state)
{
	struct fixture *f = *state;

	to_x2apic(f);
	mwr(f, MSR(SVR), 0x1ff);
	mwr(f, MSR(LVT_TIMER), 0x31);
	mwr(f, MSR(TIMER_DCR), 0xb);
	mwr(f, MSR(TIMER_ICR), 1000);
	at(f, 250);
	assert_int_equal(mrd(f, MSR(TIMER_CCR)), 750);
	at(f, 1000);
	assert_int_equal(mrd(f, MSR(IRR) + 1), 1u << (0x31 - 32));
}

/* ---- IPIs ---------------------------------------------------------------------------------- */

static void test_xapic_icr_sends_on_the_low_half(void **state)
{
	struct fixture *f = *state;

	wr(f, LAPIC_REG_ICR_HI, 0x02000000);
	assert_int_equal(f->nr_ipis, 0);
	wr(f, LAPIC_REG_ICR_LO, 0x4031);
	assert_int_equal(f->nr_ipis, 1);
	assert_int_equal(f->ipis[0].dest, 2);
	assert_int_equal(f->ipis[0].vector, 0x31);
	assert_int_equal(f->ipis[0].delivery_mode, LAPIC_DM_FIXED);
	assert_int_equal(f->ipis[0].shorthand, LAPIC_DEST_NONE);
	assert_false(f->ipis[0].logical);
	assert_true(f->ipis[0].level);
	assert_false(f->ipis[0].trigger_level);
	assert_false(f->ipis[0].x2apic);
	assert_int_equal(rd(f, LAPIC_REG_ICR_LO), 0x4031);
}

static void test_icr_decodes_each_delivery_mode(void **state)
{
	struct fixture *f = *state;
	static const uint8_t dms[] = { LAPIC_DM_FIXED, LAPIC_DM_LOWEST, LAPIC_DM_SMI,
				       LAPIC_DM_NMI,   LAPIC_DM_INIT,	LAPIC_DM_STARTUP };

	wr(f, LAPIC_REG_ICR_HI, 0xff000000);
	for (unsigned int i = 0; i < sizeof(dms) / sizeof(dms[0]); i++) {
		wr(f, LAPIC_REG_ICR_LO, 0x4000u | dms[i] << 8 | 0x9a);
		assert_int_equal(f->nr_ipis, i + 1);
		assert_int_equal(f->ipis[i].delivery_mode, dms[i]);
		assert_int_equal(f->ipis[i].vector, 0x9a);
		assert_int_equal(f->ipis[i].dest, 0xff);
	}
}

static void test_icr_decodes_shorthands_and_destination_mode(void **state)
{
	struct fixture *f = *state;

	for (unsigned int sh = 0; sh < 4; sh++)
		wr(f, LAPIC_REG_ICR_LO, sh << 18 | (sh & 1) << 11 | (sh & 2) << 14 | 0x40);
	assert_int_equal(f->nr_ipis, 4);
	for (unsigned int sh = 0; sh < 4; sh++) {
		assert_int_equal(f->ipis[sh].shorthand, sh);
		assert_int_equal(f->ipis[sh].logical, sh & 1);
		assert_int_equal(f->ipis[sh].trigger_level, !!(sh & 2));
		assert_false(f->ipis[sh].level);
	}
}

static void test_reserved_delivery_modes_are_not_sent(void **state)
{
	struct fixture *f = *state;

	wr(f, LAPIC_REG_ICR_LO, 0x4340);
	wr(f, LAPIC_REG_ICR_LO, 0x4740);
	assert_int_equal(f->nr_ipis, 0);
	assert_int_equal(esr(f), 0);
}

static void test_init_level_deassert_is_not_sent(void **state)
{
	struct fixture *f = *state;

	wr(f, LAPIC_REG_ICR_LO, 0x8500 | 2u << 18); /* level 0, trigger 1: Linux's de-assert */
	assert_int_equal(f->nr_ipis, 0);
	wr(f, LAPIC_REG_ICR_LO, 0xc500);
	wr(f, LAPIC_REG_ICR_LO, 0x0500);
	assert_int_equal(f->nr_ipis, 2);
	assert_int_equal(f->ipis[1].delivery_mode, LAPIC_DM_INIT);
}

static void test_icr_illegal_vector_sets_send_illegal_vector(void **state)
{
	struct fixture *f = *state;

	wr(f, LAPIC_REG_ICR_LO, 0x400f);
	wr(f, LAPIC_REG_ICR_LO, 0x410f);
	assert_int_equal(f->nr_ipis, 0);
	assert_int_equal(esr(f), LAPIC_ESR_SEND_ILLEGAL_VECTOR);
	wr(f, LAPIC_REG_ICR_LO, 0x4400); /* NMI: the vector is ignored */
	wr(f, LAPIC_REG_ICR_LO, 0x4608); /* start-up at page 8 */
	assert_int_equal(f->nr_ipis, 2);
	assert_int_equal(f->ipis[1].vector, 8);
	assert_int_equal(esr(f), 0);
}

static void test_ipis_are_sent_while_software_disabled(void **state)
{
	struct fixture *f = *state;

	wr(f, LAPIC_REG_ICR_LO, 0x4031);
	assert_int_equal(f->nr_ipis, 1);
}

static void test_ipi_without_ops_is_dropped(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(lapic_init(&f->a, ID, true, TSC_KHZ, NULL, NULL), 0);
	wr(f, LAPIC_REG_ICR_LO, 0x4031);
	assert_int_equal(rd(f, LAPIC_REG_ICR_LO), 0x4031);
}

static void test_self_ipi_msr(void **state)
{
	struct fixture *f = *state;

	to_x2apic(f);
	mwr(f, MSR(SELF_IPI), 0x55);
	assert_int_equal(f->nr_ipis, 1);
	assert_int_equal(f->ipis[0].vector, 0x55);
	assert_int_equal(f->ipis[0].delivery_mode, LAPIC_DM_FIXED);
	assert_int_equal(f->ipis[0].shorthand, LAPIC_DEST_SELF);
	assert_true(f->ipis[0].x2apic);
	mwr(f, MSR(SELF_IPI), 0x0f);
	assert_int_equal(f->nr_ipis, 1);
	mwr(f, MSR(ESR), 0);
	assert_int_equal(mrd(f, MSR(ESR)), LAPIC_ESR_SEND_ILLEGAL_VECTOR);
}

static void test_self_ipi_routed_back_is_pending(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(lapic_init(&f->a, ID, true, TSC_KHZ, &loop_back_ops, f), 0);
	enable(f);
	wr(f, LAPIC_REG_ICR_LO, LAPIC_DEST_SELF << 18 | 0x4066);
	assert_int_equal(lapic_pending_vector(&f->a), 0x66);
	lapic_ack(&f->a, 0x66);
	wr(f, LAPIC_REG_ICR_HI, ID << 24);
	wr(f, LAPIC_REG_ICR_LO, 0x4077);
	assert_int_equal(lapic_pending_vector(&f->a), 0x77);
	wr(f, LAPIC_REG_ICR_LO, LAPIC_DEST_ALL_EXCL_SELF << 18 | 0x4088);
	assert_int_equal(lapic_pending_vector(&f->a), 0x77);
}

/* ---- destination matching ------------------------------------------------------------------ */

static bool match(struct fixture *f, uint32_t dest, bool logical, bool is_self)
{
	struct lapic_ipi ipi = { .dest = dest, .logical = logical };

	return lapic_match_dest(&f->a, &ipi, is_self);
}

static void test_match_shorthands(void **state)
{
	struct fixture *f = *state;
	struct lapic_ipi ipi = { .dest = 0x77 };

	ipi.shorthand = LAPIC_DEST_SELF;
	assert_true(lapic_match_dest(&f->a, &ipi, true));
	assert_false(lapic_match_dest(&f->a, &ipi, false));
	ipi.shorthand = LAPIC_DEST_ALL_INCL_SELF;
	assert_true(lapic_match_dest(&f->a, &ipi, true));
	assert_true(lapic_match_dest(&f->a, &ipi, false));
	ipi.shorthand = LAPIC_DEST_ALL_EXCL_SELF;
	assert_false(lapic_match_dest(&f->a, &ipi, true));
	assert_true(lapic_match_dest(&f->a, &ipi, false));
}

static void test_match_physical_xapic(void **state)
{
	struct fixture *f = *state;

	assert_true(match(f, ID, false, false));
	assert_false(match(f, ID + 1, false, false));
	assert_true(match(f, 0xff, false, false));
	wr(f, LAPIC_REG_ID, 0x07000000); /* addressing follows the written ID */
	assert_true(match(f, 7, false, false));
	assert_false(match(f, ID, false, false));
}

static void test_match_physical_x2apic(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(lapic_init(&f->a, 0x123, true, TSC_KHZ, &recording_ops, f), 0);
	to_x2apic(f);
	assert_true(match(f, 0x123, false, false));
	assert_false(match(f, 0x23, false, false));
	assert_false(match(f, 0xff, false, false));
	assert_true(match(f, 0xffffffff, false, false));
}

static void test_match_logical_flat(void **state)
{
	struct fixture *f = *state;

	wr(f, LAPIC_REG_LDR, 0x04000000);
	assert_true(match(f, 0x04, true, false));
	assert_true(match(f, 0x0c, true, false));
	assert_false(match(f, 0x03, true, false));
	assert_true(match(f, 0xff, true, false));
	assert_false(match(f, ID, true, false)); /* the physical ID plays no part */
}

static void test_match_logical_cluster(void **state)
{
	struct fixture *f = *state;

	wr(f, LAPIC_REG_DFR, 0x0fffffff);
	wr(f, LAPIC_REG_LDR, 0x32000000); /* cluster 3, member bit 1 */
	assert_true(match(f, 0x32, true, false));
	assert_true(match(f, 0x3f, true, false));
	assert_false(match(f, 0x31, true, false));
	assert_false(match(f, 0x22, true, false));
	assert_true(match(f, 0xff, true, false));
	wr(f, LAPIC_REG_DFR, 0x5fffffff); /* an undefined model: only broadcast */
	assert_false(match(f, 0x32, true, false));
	assert_true(match(f, 0xff, true, false));
}

static void test_match_logical_x2apic_cluster(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(lapic_init(&f->a, 0x23, true, TSC_KHZ, &recording_ops, f), 0);
	to_x2apic(f);
	assert_true(match(f, 0x00020008, true, false));
	assert_true(match(f, 0x0002000c, true, false));
	assert_false(match(f, 0x00020004, true, false));
	assert_false(match(f, 0x00010008, true, false));
	assert_true(match(f, 0xffffffff, true, false));
}

static void test_match_mixed_modes_follow_kvm(void **state)
{
	struct fixture *f = *state;

	/* An xAPIC-mode receiver whose x2APIC ID does not fit in 8 bits. */
	assert_int_equal(lapic_init(&f->a, 0x105, true, TSC_KHZ, &recording_ops, f), 0);
	assert_true(match(f, 0x105, false, false));
	assert_true(match(f, 0x05, false, false));
	assert_false(match(f, 0xffffffff, false, false)); /* no aliasing to 0xff */
	/* An x2APIC-mode receiver does not take an xAPIC broadcast. */
	to_x2apic(f);
	assert_false(match(f, 0xff, false, false));
	assert_false(match(f, 0x05, false, false));
}

static void test_match_nothing_when_hardware_disabled(void **state)
{
	struct fixture *f = *state;
	struct lapic_ipi all = { .shorthand = LAPIC_DEST_ALL_INCL_SELF };

	assert_int_equal(lapic_set_apic_base(&f->a, LAPIC_BASE_DEFAULT, MAXPHY), 0);
	assert_false(lapic_match_dest(&f->a, &all, true));
	assert_false(match(f, 0xff, false, false));
	assert_false(match(f, ID, false, false));
}

static void test_pic_interrupts_need_lint0_in_extint_mode(void **state)
{
	struct fixture *f = *state;

	assert_false(lapic_accepts_pic_intr(&f->a)); /* LINT0 masked at power-up */
	enable(f);
	wr(f, LAPIC_REG_LVT_LINT0, LAPIC_DM_EXTINT << 8);
	assert_true(lapic_accepts_pic_intr(&f->a));
	wr(f, LAPIC_REG_LVT_LINT0, LAPIC_DM_NMI << 8);
	assert_false(lapic_accepts_pic_intr(&f->a));
	assert_int_equal(lapic_set_apic_base(&f->a, LAPIC_BASE_DEFAULT, MAXPHY), 0);
	assert_true(lapic_accepts_pic_intr(&f->a));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_power_up_state),
		T(test_application_processor_has_no_bsp_flag),
		T(test_init_rejects_unusable_tsc_rates),
		T(test_init_signal_keeps_id_and_apic_base),
		T(test_init_signal_in_x2apic_mode_stays_x2apic),
		T(test_init_signal_when_disabled_stays_disabled),
		T(test_xapic_id_is_writable),
		T(test_read_only_registers_ignore_writes),
		T(test_register_write_masks),
		T(test_lvt_unmask_ignored_while_software_disabled),
		T(test_software_disable_masks_every_lvt),
		T(test_icr_low_reads_idle_without_reserved_bits),
		T(test_eoi_register_reads_zero),
		T(test_reserved_offsets_read_zero_and_set_illegal_register_address),
		T(test_narrow_and_wide_reads_return_register_bytes),
		T(test_narrow_or_unaligned_writes_are_ignored),
		T(test_mmio_bad_size_or_outside_page_is_einval),
		T(test_odd_width_accesses_are_served),
		T(test_mmio_reads_all_ones_when_disabled),
		T(test_mmio_in_x2apic_mode_reads_ones_and_ignores_writes),
		T(test_msrs_gp_outside_x2apic_mode),
		T(test_x2apic_id_is_the_full_id_and_read_only),
		T(test_x2apic_ldr_is_derived_from_the_id),
		T(test_x2apic_msrs_that_do_not_exist_gp),
		T(test_x2apic_write_only_msrs_gp_on_read),
		T(test_x2apic_read_only_msrs_gp_on_write),
		T(test_x2apic_reserved_bits_gp),
		T(test_x2apic_eoi_and_esr_accept_only_zero),
		T(test_x2apic_registers_read_back),
		T(test_x2apic_icr_is_one_64bit_register),
		T(test_apic_base_reserved_bits_gp),
		T(test_apic_base_invalid_transitions_gp),
		T(test_apic_base_relocation_is_refused),
		T(test_apic_base_bsp_flag_is_writable),
		T(test_apic_base_disable_returns_to_power_up_state),
		T(test_apic_base_x2apic_to_xapic_through_disabled),
		T(test_apic_base_to_x2apic_keeps_most_registers),
		T(test_pending_vector_is_the_highest_in_irr),
		T(test_tpr_holds_interrupts_of_its_class_and_below),
		T(test_ppr_follows_tpr_and_in_service_class),
		T(test_in_service_class_holds_equal_and_lower),
		T(test_ack_moves_irr_to_isr),
		T(test_eoi_ends_the_highest_in_service_first),
		T(test_trigger_mode_sets_and_clears_tmr),
		T(test_same_vector_twice_is_one_interrupt),
		T(test_fixed_interrupts_refused_while_software_disabled),
		T(test_pending_interrupts_held_across_software_disable),
		T(test_nothing_accepted_or_pending_when_hardware_disabled),
		T(test_illegal_vector_sets_receive_illegal_vector),
		T(test_esr_write_latches_errors),
		T(test_lvt_error_signals_errors),
		T(test_illegal_lvt_error_vector_does_not_loop),
		T(test_one_shot_fires_once),
		T(test_one_shot_current_count_counts_down),
		T(test_divide_configuration_values),
		T(test_zero_initial_count_stops_the_timer),
		T(test_rewriting_initial_count_restarts),
		T(test_masked_timer_expires_silently),
		T(test_periodic_rearms_from_the_previous_deadline),
		T(test_periodic_catch_up_delivers_once_and_skips),
		T(test_tsc_rate_conversion),
		T(test_largest_count_does_not_overflow),
		T(test_tsc_deadline_fires_at_the_msr_value),
		T(test_tsc_deadline_msr_read_after_the_deadline_is_zero),
		T(test_tsc_deadline_zero_disarms),
		T(test_tsc_deadline_in_the_past_fires_at_once),
		T(test_tsc_deadline_msr_ignored_in_other_modes),
		T(test_initial_count_ignored_in_tsc_deadline_mode),
		T(test_entering_tsc_deadline_mode_disarms),
		T(test_leaving_tsc_deadline_mode_disarms),
		T(test_one_shot_to_periodic_keeps_counting),
		T(test_divide_change_rescales_the_running_count),
		T(test_register_access_catches_up_with_the_timer),
		T(test_software_disable_silences_the_timer),
		T(test_timer_with_illegal_vector_sets_error),
		T(test_reserved_timer_mode_runs_no_timer),
		T(test_x2apic_timer_registers),
		T(test_xapic_icr_sends_on_the_low_half),
		T(test_icr_decodes_each_delivery_mode),
		T(test_icr_decodes_shorthands_and_destination_mode),
		T(test_reserved_delivery_modes_are_not_sent),
		T(test_init_level_deassert_is_not_sent),
		T(test_icr_illegal_vector_sets_send_illegal_vector),
		T(test_ipis_are_sent_while_software_disabled),
		T(test_ipi_without_ops_is_dropped),
		T(test_self_ipi_msr),
		T(test_self_ipi_routed_back_is_pending),
		T(test_match_shorthands),
		T(test_match_physical_xapic),
		T(test_match_physical_x2apic),
		T(test_match_logical_flat),
		T(test_match_logical_cluster),
		T(test_match_logical_x2apic_cluster),
		T(test_match_mixed_modes_follow_kvm),
		T(test_match_nothing_when_hardware_disabled),
		T(test_pic_interrupts_need_lint0_in_extint_mode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
