// SPDX-License-Identifier: MIT
/*
 * Two local APICs (drivers/vdev/lapic.c) wired to each other, under a stream of guest and
 * platform operations with time going forward. Input: a 17-byte header (start TSC, 8 bytes; the
 * two x2APIC IDs, 4 bytes each; a byte: bit 0 makes APIC 0 the BSP, bits 1-3 pick the TSC rate),
 * then 12-byte records:
 *   op:   bits 0-3 the operation (see the switch), bit 4 which APIC
 *   time: advance the TSC by (time & 31) << shifts[time >> 5] first
 *   addr: 2 bytes little-endian, val: 8 bytes little-endian, the operands (MMIO sizes 1-8 come
 *         from val's low 3 bits for reads, its top 3 bits for raw writes)
 * IPIs are routed between the two as the header of lapic.h says (INIT resets the target).
 * Checked after every step, on both APICs: no crash or sanitizer report; IRR/ISR/TMR never hold
 * vectors 0-15; the pending vector is the highest IRR vector and above the PPR's class (as
 * recomputed here); IA32_APIC_BASE is never in the invalid state nor moved; the x2APIC LDR is
 * derived from the ID; ESR holds only bits 5-7; a software-disabled APIC has every LVT masked;
 * an armed timer's deadline is after the last time the APIC was brought up to date; reads
 * return only size bytes, all ones outside xAPIC mode; TMCCT never exceeds TMICT; every IPI sent
 * is one the model promises to send.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/vdev/lapic.h"
#include "core/errno.h"

#define HEADER_LEN 17
#define RECORD_LEN 12
#define NR_APICS   2

static struct lapic apics[NR_APICS];
static uint64_t synced[NR_APICS]; /* the TSC of the last call that caught the timer up */

static const uint32_t tsc_khz[8] = { 1, 3, 1000, 999999, 1000000, 2500000, 3000001, 8388607 };
static const unsigned int shifts[8] = { 0, 4, 8, 12, 16, 20, 30, 42 };

static uint64_t get_le(const uint8_t *p, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void check_at(bool ok, int line)
{
	if (ok)
		return;
	fprintf(stderr, "fuzz_lapic.c:%d: check failed\n", line);
	abort();
}
#define check(ok) check_at(ok, __LINE__)

static bool test_vec(const uint32_t *bits, unsigned int v)
{
	return bits[v / 32] & 1u << (v % 32);
}

static int highest(const uint32_t *bits)
{
	for (int v = 255; v >= 0; v--) {
		if (test_vec(bits, (unsigned int)v))
			return v;
	}
	return -1;
}

static void check_ipi(const struct lapic_ipi *ipi)
{
	unsigned int dm = ipi->delivery_mode;

	check(dm != 3 && dm != LAPIC_DM_EXTINT);
	check(!(dm == LAPIC_DM_INIT && !ipi->level && ipi->trigger_level));
	check(!((dm == LAPIC_DM_FIXED || dm == LAPIC_DM_LOWEST) && ipi->vector < 16));
	check(ipi->x2apic || ipi->dest <= 0xff);
	check(ipi->shorthand <= LAPIC_DEST_ALL_EXCL_SELF);
}

static void route_ipi(void *ctx, const struct lapic_ipi *ipi)
{
	unsigned int from = (unsigned int)(uintptr_t)ctx;

	check_ipi(ipi);
	for (unsigned int i = 0; i < NR_APICS; i++) {
		if (!lapic_match_dest(&apics[i], ipi, i == from))
			continue;
		if (ipi->delivery_mode == LAPIC_DM_FIXED || ipi->delivery_mode == LAPIC_DM_LOWEST) {
			lapic_deliver_fixed(&apics[i], ipi->vector, false);
			if (ipi->delivery_mode == LAPIC_DM_LOWEST)
				break;
		} else if (ipi->delivery_mode == LAPIC_DM_INIT) {
			lapic_init_signal(&apics[i]);
		}
	}
}

static const struct lapic_ops ops = { .send_ipi = route_ipi };

static void check_apic(const struct lapic *a, uint64_t synced_tsc)
{
	uint64_t mode = a->apic_base & (LAPIC_BASE_EN | LAPIC_BASE_EXTD);
	int isrv = highest(a->isr), irrv = highest(a->irr), v = lapic_pending_vector(a);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;
	uint32_t ppr = (a->tpr & 0xf0u) >= isr_class ? a->tpr : isr_class;
	uint64_t deadline = lapic_timer_deadline(a);

	check(!(a->irr[0] & 0xffff) && !(a->isr[0] & 0xffff) && !(a->tmr[0] & 0xffff));
	check(mode != LAPIC_BASE_EXTD);
	check((a->apic_base & ~0xfffull) == LAPIC_BASE_DEFAULT);
	check(!lapic_x2apic_mode(a) || a->ldr == ((a->id >> 4) << 16 | 1u << (a->id & 0xf)));
	check(!((a->esr | a->esr_pending) & ~0xe0u));
	if (!(a->svr & LAPIC_SVR_APIC_ENABLED)) {
		for (unsigned int i = 0; i < LAPIC_NR_LVT; i++)
			check(a->lvt[i] & LAPIC_LVT_MASKED);
	}
	if (!(a->apic_base & LAPIC_BASE_EN) || irrv < 0 || ((uint32_t)irrv & 0xf0) <= (ppr & 0xf0))
		check(v == -1);
	else
		check(v == irrv && v >= 16);
	check(deadline == UINT64_MAX || deadline == a->timer_deadline_tsc);
	check(!a->timer_armed || a->timer_deadline_tsc > synced_tsc);
	check(a->timer_armed || deadline == UINT64_MAX);
}

static void mmio_read(struct lapic *a, uint16_t addr, uint64_t val, uint64_t now)
{
	uint32_t offset = addr & 0xfff;
	unsigned int size = (unsigned int)(val & 7) + 1;
	uint64_t got = 0x5a5a5a5a5a5a5a5aull;
	int ret = lapic_mmio_read(a, offset, size, now, &got);
	bool in_page = offset + size <= LAPIC_MMIO_BYTES;

	check(ret == (in_page ? 0 : -EINVAL));
	if (ret)
		return;
	check(size == 8 || got >> (8 * size) == 0);
	if ((a->apic_base & (LAPIC_BASE_EN | LAPIC_BASE_EXTD)) != LAPIC_BASE_EN)
		check(got == (size == 8 ? UINT64_MAX : (1ull << (8 * size)) - 1));
	else if (offset == LAPIC_REG_TIMER_CCR && size == 4)
		check(got <= a->timer_initial);
}

static uint32_t msr_number(uint16_t addr)
{
	return addr & 0x200 ? 0x700u + (addr & 0x1ff) : 0x800u + (addr & 0xff);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t now;
	uint32_t ids[NR_APICS], khz;
	bool bsp;

	if (size < HEADER_LEN)
		return 0;
	now = get_le(data, 8);
	ids[0] = (uint32_t)get_le(data + 8, 4);
	ids[1] = (uint32_t)get_le(data + 12, 4);
	bsp = data[16] & 1;
	khz = tsc_khz[(data[16] >> 1) & 7];
	for (unsigned int i = 0; i < NR_APICS; i++) {
		check(lapic_init(&apics[i], ids[i], bsp && i == 0, khz, &ops,
				 (void *)(uintptr_t)i) == 0);
		synced[i] = now;
	}

	for (size_t at = HEADER_LEN; at + RECORD_LEN <= size; at += RECORD_LEN) {
		const uint8_t *rec = data + at;
		unsigned int which = rec[0] >> 4 & 1;
		struct lapic *a = &apics[which];
		uint64_t adv = (uint64_t)(rec[1] & 31) << shifts[rec[1] >> 5];
		uint16_t addr = (uint16_t)get_le(rec + 2, 2);
		uint64_t val = get_le(rec + 4, 8), got;
		bool timed = true;
		int v;

		now = add_overflows_u64(now, adv) ? UINT64_MAX : now + adv;
		switch (rec[0] & 15) {
		case 0:
			mmio_read(a, addr, val, now);
			break;
		case 1: /* an aligned register write, as guests do them */
			check(lapic_mmio_write(a, (addr & 0x3fu) << 4, 4, now, val) == 0);
			break;
		case 2:
			check(lapic_mmio_write(a, addr & 0xfff, (unsigned int)(val >> 61) + 1, now,
					       val) ==
			      ((addr & 0xfff) + (val >> 61) + 1 <= LAPIC_MMIO_BYTES ? 0 : -EINVAL));
			break;
		case 3:
			if (lapic_msr_read(a, msr_number(addr), now, &got) == 0) {
				check(lapic_x2apic_mode(a));
				check(msr_number(addr) == LAPIC_REG_TO_MSR(LAPIC_REG_ICR_LO) ||
				      got <= UINT32_MAX);
			}
			break;
		case 4:
			if (lapic_msr_write(a, msr_number(addr), now, val) == 0)
				check(lapic_x2apic_mode(a));
			break;
		case 5: {
			uint64_t base = addr & 0x800 ? val : LAPIC_BASE_DEFAULT | (val & 0xfff);
			uint64_t before = lapic_apic_base(a);

			if (lapic_set_apic_base(a, base, 32 + (addr & 31)))
				check(lapic_apic_base(a) == before);
			else
				check(lapic_apic_base(a) == base);
			timed = false;
			break;
		}
		case 6:
			if (lapic_deliver_fixed(a, (uint8_t)addr, addr & 0x100))
				check(test_vec(a->irr, addr & 0xff));
			timed = false;
			break;
		case 7: /* the CPU takes what is offered */
			v = lapic_pending_vector(a);
			if (v >= 0) {
				lapic_ack(a, (uint8_t)v);
				check(test_vec(a->isr, (unsigned int)v) &&
				      !test_vec(a->irr, (unsigned int)v));
			}
			timed = false;
			break;
		case 8:
			lapic_ack(a, (uint8_t)addr);
			timed = false;
			break;
		case 9:
			if (lapic_x2apic_mode(a))
				check(lapic_msr_write(a, LAPIC_REG_TO_MSR(LAPIC_REG_EOI), now, 0) ==
				      0);
			else
				check(lapic_mmio_write(a, LAPIC_REG_EOI, 4, now, 0) == 0);
			break;
		case 10:
			lapic_timer_expire(a, now);
			check(lapic_timer_deadline(a) == UINT64_MAX ||
			      lapic_timer_deadline(a) > now);
			break;
		case 11:
			lapic_tsc_deadline_write(a, now, addr & 1 ? val : now + (val & 0xffffff));
			break;
		case 12:
			got = lapic_tsc_deadline_read(a, now);
			check(!got || got > now);
			break;
		case 13:
			lapic_init_signal(a);
			timed = false;
			break;
		case 14: {
			struct lapic_ipi ipi = { .dest = (uint32_t)val,
						 .vector = (uint8_t)addr,
						 .delivery_mode = LAPIC_DM_FIXED,
						 .shorthand = (uint8_t)(addr >> 8 & 3),
						 .logical = addr & 0x400,
						 .x2apic = addr & 0x800 };
			bool all = lapic_match_dest(a, &(struct lapic_ipi){ .shorthand = 2 }, true);

			check(all == !!(a->apic_base & LAPIC_BASE_EN));
			check(lapic_accepts_pic_intr(a) ==
			      (!all || (a->lvt[LAPIC_LVT_LINT0] & 0x10700) == 0x700));
			check(all || !lapic_match_dest(a, &ipi, addr & 0x1000));
			timed = false;
			break;
		}
		default:
			check(lapic_init(a, ids[which], bsp && which == 0, khz, &ops,
					 (void *)(uintptr_t)which) == 0);
			synced[which] = now;
			timed = false;
			break;
		}
		if (timed)
			synced[which] = now;
		for (unsigned int i = 0; i < NR_APICS; i++)
			check_apic(&apics[i], synced[i]);
	}
	return 0;
}
