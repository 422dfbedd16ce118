// SPDX-License-Identifier: MIT
/*
 * Arithmetic and the status flags, computed as the SDM's operation sections define them
 * (Vol. 2, per instruction). Where the SDM leaves a flag undefined the functions report it in
 * *undef (or the caller does) and compute what current Intel cores do where that is known.
 */
#include "emulate/internal.h"

static unsigned int msb(uint64_t v, unsigned int size)
{
	return (v >> (size * 8 - 1)) & 1;
}

/* PF: set when the low byte has an even number of ones. */
static bool parity_even(uint64_t v)
{
	uint8_t b = (uint8_t)v;

	b ^= b >> 4;
	return !((0x6996 >> (b & 0xf)) & 1);
}

void emul_set_szp(uint64_t res, unsigned int size, uint64_t *flags)
{
	uint64_t f = *flags & ~(uint64_t)(EFL_SF | EFL_ZF | EFL_PF);

	res &= emul_mask(size);
	if (!res)
		f |= EFL_ZF;
	if (msb(res, size))
		f |= EFL_SF;
	if (parity_even(res))
		f |= EFL_PF;
	*flags = f;
}

static void set_flag(uint64_t *flags, uint32_t bit, bool on)
{
	if (on)
		*flags |= bit;
	else
		*flags &= ~(uint64_t)bit;
}

uint64_t emul_alu(unsigned int op, uint64_t a, uint64_t b, unsigned int size, uint64_t *flags)
{
	uint64_t m = emul_mask(size), res, cin = *flags & EFL_CF;
	bool cf = false, of = false;

	a &= m;
	b &= m;
	switch (op) {
	case ALU_ADD:
	case ALU_ADC:
		if (op == ALU_ADD)
			cin = 0;
		res = (a + b + cin) & m;
		cf = cin ? res <= a : res < a;
		of = msb((a ^ res) & (b ^ res), size);
		break;
	case ALU_SUB:
	case ALU_SBB:
	case ALU_CMP:
		if (op != ALU_SBB)
			cin = 0;
		res = (a - b - cin) & m;
		cf = cin ? a <= b : a < b;
		of = msb((a ^ b) & (a ^ res), size);
		break;
	case ALU_AND:
		res = a & b;
		break;
	case ALU_OR:
		res = a | b;
		break;
	default:
		res = a ^ b;
		break;
	}
	set_flag(flags, EFL_CF, cf);
	set_flag(flags, EFL_OF, of);
	/* AF is undefined after AND, OR, XOR, TEST; Intel cores clear it. */
	set_flag(flags, EFL_AF,
		 op != ALU_AND && op != ALU_OR && op != ALU_XOR && ((a ^ b ^ res) & 0x10));
	emul_set_szp(res, size, flags);
	return res;
}

uint64_t emul_incdec(bool dec, uint64_t a, unsigned int size, uint64_t *flags)
{
	uint64_t m = emul_mask(size), res;

	a &= m;
	res = (dec ? a - 1 : a + 1) & m;
	set_flag(flags, EFL_OF, dec ? a == (m >> 1) + 1 : res == (m >> 1) + 1);
	set_flag(flags, EFL_AF, (a ^ res) & 0x10);
	emul_set_szp(res, size, flags);
	return res;
}

uint64_t emul_neg(uint64_t a, unsigned int size, uint64_t *flags)
{
	uint64_t m = emul_mask(size), res;

	a &= m;
	res = (0 - a) & m;
	set_flag(flags, EFL_CF, a != 0);
	set_flag(flags, EFL_OF, a == (m >> 1) + 1);
	set_flag(flags, EFL_AF, (a ^ res) & 0x10);
	emul_set_szp(res, size, flags);
	return res;
}

/* Group 2: ROL ROR RCL RCR SHL SHR SAL SAR (ModRM.reg order). */
uint64_t emul_shift(unsigned int op, uint64_t a, unsigned int count, unsigned int size,
		    uint64_t *flags, uint32_t *undef)
{
	unsigned int bits = size * 8, t;
	uint64_t m = emul_mask(size), res = a & m, c;
	bool cf, of;

	a &= m;
	count &= size == 8 ? 63 : 31;
	*undef = 0;
	if (!count)
		return a;
	switch (op) {
	case 0: /* ROL */
		t = count % bits;
		res = t ? ((a << t) | (a >> (bits - t))) & m : a;
		cf = res & 1;
		of = msb(res, size) ^ cf;
		break;
	case 1: /* ROR */
		t = count % bits;
		res = t ? ((a >> t) | (a << (bits - t))) & m : a;
		cf = msb(res, size);
		of = msb(res, size) ^ ((res >> (bits - 2)) & 1);
		break;
	case 2: /* RCL: rotate through CF, a (bits + 1)-bit rotate */
		t = size == 1 ? count % 9 : size == 2 ? count % 17 : count;
		c = *flags & EFL_CF;
		for (unsigned int i = 0; i < t; i++) {
			uint64_t out = msb(res, size);

			res = ((res << 1) | c) & m;
			c = out;
		}
		cf = c;
		of = msb(res, size) ^ cf;
		break;
	case 3: /* RCR */
		t = size == 1 ? count % 9 : size == 2 ? count % 17 : count;
		c = *flags & EFL_CF;
		of = msb(a, size) ^ c;
		for (unsigned int i = 0; i < t; i++) {
			uint64_t out = res & 1;

			res = (res >> 1) | (c << (bits - 1));
			c = out;
		}
		cf = c;
		break;
	case 4: /* SHL */
	case 6: /* SAL */
		res = count < bits ? (a << count) & m : 0;
		cf = count <= bits ? (a >> (bits - count)) & 1 : 0;
		of = msb(res, size) ^ cf;
		if (count >= bits)
			*undef |= EFL_CF;
		break;
	case 5: /* SHR */
		res = count < bits ? a >> count : 0;
		cf = count <= bits ? (a >> (count - 1)) & 1 : 0;
		of = msb(a, size);
		if (count >= bits)
			*undef |= EFL_CF;
		break;
	default: { /* SAR */
		int64_t s = (int64_t)emul_sext(a, size);

		res = (uint64_t)(s >> count) & m;
		cf = (s >> (count - 1)) & 1;
		of = false;
		break;
	}
	}
	set_flag(flags, EFL_CF, cf);
	set_flag(flags, EFL_OF, of);
	if (count != 1)
		*undef |= EFL_OF;
	if (op >= 4) {
		emul_set_szp(res, size, flags);
		*undef |= EFL_AF;
	}
	return res;
}

/* SHLD/SHRD. A 16-bit count above 16 is undefined; Intel cores shift the 48-bit
 * dst:src:dst (SHLD) or dst:src:dst read from the other end (SHRD), which is what we do. */
uint64_t emul_shld(bool right, uint64_t a, uint64_t b, unsigned int count, unsigned int size,
		   uint64_t *flags, uint32_t *undef)
{
	unsigned int bits = size * 8;
	uint64_t m = emul_mask(size), res;
	bool cf;

	a &= m;
	b &= m;
	count &= size == 8 ? 63 : 31;
	*undef = 0;
	if (!count)
		return a;
	if (size == 2) {
		if (!right) {
			uint64_t t = (a << 48) | (b << 32) | (a << 16);

			res = (t << count) >> 48;
			cf = ((t << (count - 1)) >> 63) & 1;
		} else {
			uint64_t t = a | (b << 16) | (a << 32);

			res = (t >> count) & m;
			cf = (t >> (count - 1)) & 1;
		}
		if (count > 16)
			*undef |= EFL_STATUS;
	} else if (!right) {
		res = ((a << count) | (b >> (bits - count))) & m;
		cf = (a >> (bits - count)) & 1;
	} else {
		res = ((a >> count) | (b << (bits - count))) & m;
		cf = (a >> (count - 1)) & 1;
	}
	set_flag(flags, EFL_CF, cf);
	set_flag(flags, EFL_OF, msb(res ^ a, size));
	emul_set_szp(res, size, flags);
	*undef |= EFL_AF;
	if (count != 1)
		*undef |= EFL_OF;
	return res;
}

bool emul_cond(unsigned int cc, uint64_t f)
{
	bool r;

	switch (cc >> 1) {
	case 0:
		r = f & EFL_OF;
		break;
	case 1:
		r = f & EFL_CF;
		break;
	case 2:
		r = f & EFL_ZF;
		break;
	case 3:
		r = f & (EFL_CF | EFL_ZF);
		break;
	case 4:
		r = f & EFL_SF;
		break;
	case 5:
		r = f & EFL_PF;
		break;
	case 6:
		r = !(f & EFL_SF) != !(f & EFL_OF);
		break;
	default:
		r = (f & EFL_ZF) || !(f & EFL_SF) != !(f & EFL_OF);
		break;
	}
	return r ^ (cc & 1);
}
