// SPDX-License-Identifier: MIT
/*
 * The executor: resolve the decoded operands, fetch what the row says is read, run the class
 * handler, write the destination. Registers come from the on-demand cache (emul_reg_read), so
 * an instruction fetches exactly the registers it uses.
 */
#include "emulate/internal.h"

#define REP_BATCH_DEFAULT 1024

struct exec_state {
	struct emul_operand dst, src, src2;
	bool no_write; /* the handler decided the destination is not written */
	bool rip_hold; /* REP not finished: RIP stays on the instruction */
};

typedef int (*exec_fn)(struct emul_ctxt *ctxt, struct exec_state *st);

/* GPR n as an operand of size bytes; AH..BH when hi8. */
static uint64_t gpr_read(struct emul_ctxt *ctxt, unsigned int n, unsigned int size, bool hi8)
{
	uint64_t v = emul_reg_read(ctxt, n);

	if (hi8)
		return (v >> 8) & 0xff;
	return v & emul_mask(size);
}

/* 32-bit writes zero-extend; 8- and 16-bit writes merge into the 64-bit register, so they
 * fetch it first (SDM Vol. 1 3.4.1.1). */
static void gpr_write(struct emul_ctxt *ctxt, unsigned int n, unsigned int size, bool hi8,
		      uint64_t val)
{
	uint64_t old;

	if (size >= 4) {
		emul_reg_write(ctxt, n, val & emul_mask(size));
		return;
	}
	old = emul_reg_read(ctxt, n);
	if (hi8)
		emul_reg_write(ctxt, n, (old & ~0xff00ull) | ((val & 0xff) << 8));
	else
		emul_reg_write(ctxt, n, (old & ~emul_mask(size)) | (val & emul_mask(size)));
}

/* An address register (rSI, rDI, rCX of string instructions) at the address size. */
static uint64_t addr_reg_read(struct emul_ctxt *ctxt, unsigned int n)
{
	return emul_reg_read(ctxt, n) & emul_ad_mask(ctxt);
}

static void addr_reg_write(struct emul_ctxt *ctxt, unsigned int n, uint64_t val)
{
	gpr_write(ctxt, n, ctxt->insn->ad_bytes, false, val);
}

static uint64_t flags_read(struct emul_ctxt *ctxt)
{
	return emul_reg_read(ctxt, EMUL_REG_RFLAGS);
}

static void flags_write(struct emul_ctxt *ctxt, uint64_t f)
{
	emul_reg_write(ctxt, EMUL_REG_RFLAGS, f);
}

/* The ModRM memory operand's offset: base + index * scale + disp at the address size. */
static uint64_t modrm_ea(struct emul_ctxt *ctxt)
{
	const struct emul_insn *insn = ctxt->insn;
	uint64_t ea = (uint64_t)insn->disp;

	if (insn->rip_relative)
		ea += emul_reg_read(ctxt, EMUL_REG_RIP) + insn->len;
	if (insn->base >= 0)
		ea += emul_reg_read(ctxt, insn->base);
	if (insn->index >= 0)
		ea += emul_reg_read(ctxt, insn->index) * insn->scale;
	return ea & emul_ad_mask(ctxt);
}

/* The decoder fixed everything but the address of a memory operand, which needs registers. */
static inline void resolve(struct emul_ctxt *ctxt, const struct emul_opd *pre,
			   struct emul_operand *op)
{
	if (pre->type == OPT_NONE) {
		/* Most instructions have no second source: nothing reads more of it. */
		op->type = OPT_NONE;
		op->size = 0;
		op->val = 0;
		return;
	}
	op->type = pre->type;
	op->size = pre->size;
	op->reg = pre->reg;
	op->hi8 = pre->hi8;
	op->seg = pre->seg;
	op->val = pre->val;
	op->xmm.q[0] = op->xmm.q[1] = 0;
	if (pre->addr == EMUL_ADDR_MODRM)
		op->ea = modrm_ea(ctxt);
	else if (pre->addr == EMUL_ADDR_MOFFS)
		op->ea = (uint64_t)ctxt->insn->disp & emul_ad_mask(ctxt);
	else
		op->ea = 0;
}

static int fetch(struct emul_ctxt *ctxt, struct emul_operand *op)
{
	int rc;

	switch (op->type) {
	case OPT_REG:
		op->val = gpr_read(ctxt, op->reg, op->size, op->hi8);
		break;
	case OPT_MEM:
		if (op->size == 16) {
			rc = emul_mem_read(ctxt, op->seg, op->ea, &op->xmm, 16);
			op->val = op->xmm.q[0];
			return rc;
		}
		op->val = 0;
		rc = emul_mem_read(ctxt, op->seg, op->ea, &op->val, op->size);
		op->xmm.q[0] = op->val;
		op->xmm.q[1] = 0;
		return rc;
	case OPT_XMM:
		ctxt->ops->read_xmm(ctxt, op->reg, &op->xmm);
		op->val = op->xmm.q[0] & emul_mask(op->size);
		break;
	default:
		break;
	}
	return EMUL_OK;
}

/* Immediates are resolved already, and most instructions have no second source. */
static inline int fetch_opd(struct emul_ctxt *ctxt, struct emul_operand *op)
{
	if (op->type == OPT_NONE || op->type == OPT_IMM)
		return EMUL_OK;
	return fetch(ctxt, op);
}

static int store(struct emul_ctxt *ctxt, struct emul_operand *op)
{
	switch (op->type) {
	case OPT_REG:
		gpr_write(ctxt, op->reg, op->size, op->hi8, op->val);
		break;
	case OPT_MEM:
		if (op->size == 16)
			return emul_mem_write(ctxt, op->seg, op->ea, &op->xmm, 16);
		return emul_mem_write(ctxt, op->seg, op->ea, &op->val, op->size);
	case OPT_XMM:
		/* Moves of fewer than 16 bytes into an XMM register zero the rest. */
		if (op->size < 16) {
			op->xmm.q[0] = op->val & emul_mask(op->size);
			op->xmm.q[1] = 0;
		}
		ctxt->ops->write_xmm(ctxt, op->reg, &op->xmm);
		break;
	default:
		break;
	}
	return EMUL_OK;
}

static int ex_mov(struct emul_ctxt *ctxt, struct exec_state *st)
{
	st->dst.val = st->src.val;
	st->dst.xmm = st->src.xmm;
	return EMUL_OK;
}

static int ex_movsx(struct emul_ctxt *ctxt, struct exec_state *st)
{
	st->dst.val = emul_sext(st->src.val, st->src.size);
	return EMUL_OK;
}

static int ex_movbe(struct emul_ctxt *ctxt, struct exec_state *st)
{
	uint64_t v = st->src.val;

	if (st->src.size == 2)
		st->dst.val = __builtin_bswap16((uint16_t)v);
	else if (st->src.size == 4)
		st->dst.val = __builtin_bswap32((uint32_t)v);
	else
		st->dst.val = __builtin_bswap64(v);
	return EMUL_OK;
}

static int ex_lea(struct emul_ctxt *ctxt, struct exec_state *st)
{
	st->dst.val = st->src.ea;
	return EMUL_OK;
}

static int ex_alu(struct emul_ctxt *ctxt, struct exec_state *st)
{
	uint64_t f = flags_read(ctxt);

	st->dst.val = emul_alu(ctxt->insn->op.sub, st->dst.val, st->src.val, st->dst.size, &f);
	flags_write(ctxt, f);
	if (ctxt->insn->op.sub == ALU_AND || ctxt->insn->op.sub == ALU_OR ||
	    ctxt->insn->op.sub == ALU_XOR)
		ctxt->flags_undefined = EFL_AF;
	return EMUL_OK;
}

static int ex_inc(struct emul_ctxt *ctxt, struct exec_state *st)
{
	uint64_t f = flags_read(ctxt);

	st->dst.val = emul_incdec(ctxt->insn->op.exec == EX_DEC, st->dst.val, st->dst.size, &f);
	flags_write(ctxt, f);
	return EMUL_OK;
}

static int ex_not(struct emul_ctxt *ctxt, struct exec_state *st)
{
	st->dst.val = ~st->dst.val;
	return EMUL_OK;
}

static int ex_neg(struct emul_ctxt *ctxt, struct exec_state *st)
{
	uint64_t f = flags_read(ctxt);

	st->dst.val = emul_neg(st->dst.val, st->dst.size, &f);
	flags_write(ctxt, f);
	return EMUL_OK;
}

static void set_cf_of(struct emul_ctxt *ctxt, bool on)
{
	uint64_t f = flags_read(ctxt) & ~(uint64_t)(EFL_CF | EFL_OF);

	flags_write(ctxt, f | (on ? EFL_CF | EFL_OF : 0));
	ctxt->flags_undefined = EFL_SF | EFL_ZF | EFL_AF | EFL_PF;
}

/* The implicit RDX:RAX (AH:AL for bytes) of MUL, IMUL, DIV, IDIV. */
static void acc_pair_read(struct emul_ctxt *ctxt, unsigned int size, uint64_t *hi, uint64_t *lo)
{
	if (size == 1) {
		uint64_t ax = gpr_read(ctxt, EMUL_REG_RAX, 2, false);

		*hi = ax >> 8;
		*lo = ax & 0xff;
	} else {
		*lo = gpr_read(ctxt, EMUL_REG_RAX, size, false);
		*hi = gpr_read(ctxt, EMUL_REG_RDX, size, false);
	}
}

static void acc_pair_write(struct emul_ctxt *ctxt, unsigned int size, uint64_t hi, uint64_t lo)
{
	if (size == 1) {
		gpr_write(ctxt, EMUL_REG_RAX, 2, false, ((hi & 0xff) << 8) | (lo & 0xff));
	} else {
		gpr_write(ctxt, EMUL_REG_RAX, size, false, lo);
		gpr_write(ctxt, EMUL_REG_RDX, size, false, hi);
	}
}

static int ex_mul(struct emul_ctxt *ctxt, struct exec_state *st)
{
	unsigned int size = st->src.size, bits = size * 8;
	bool sign = ctxt->insn->op.exec == EX_IMUL1;
	uint64_t a = size == 1 ? gpr_read(ctxt, EMUL_REG_RAX, 1, false) :
				 gpr_read(ctxt, EMUL_REG_RAX, size, false);
	uint64_t b = st->src.val, hi, lo;

	if (sign) {
		__int128 p = (__int128)(int64_t)emul_sext(a, size) * (int64_t)emul_sext(b, size);

		lo = (uint64_t)p & emul_mask(size);
		hi = size == 8 ? (uint64_t)(p >> 64) : ((uint64_t)p >> bits) & emul_mask(size);
		set_cf_of(ctxt, (__int128)(int64_t)emul_sext(lo, size) != p);
	} else {
		unsigned __int128 p = (unsigned __int128)a * b;

		lo = (uint64_t)p & emul_mask(size);
		hi = size == 8 ? (uint64_t)(p >> 64) : ((uint64_t)p >> bits) & emul_mask(size);
		set_cf_of(ctxt, hi != 0);
	}
	acc_pair_write(ctxt, size, hi, lo);
	return EMUL_OK;
}

/* (hi:lo) / d with hi < d: the quotient fits in 64 bits. Shift-subtract, so that the
 * hypervisor needs no 128-bit division from libgcc. */
static uint64_t udiv128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *rem)
{
	uint64_t q = 0;

	for (int i = 63; i >= 0; i--) {
		bool carry = hi >> 63;

		hi = (hi << 1) | ((lo >> i) & 1);
		q <<= 1;
		if (carry || hi >= d) {
			hi -= d;
			q |= 1;
		}
	}
	*rem = hi;
	return q;
}

static int ex_div(struct emul_ctxt *ctxt, struct exec_state *st)
{
	unsigned int size = st->src.size, bits = size * 8;
	uint64_t m = emul_mask(size), hi, lo, d = st->src.val & m, q, r;

	ctxt->flags_undefined = EFL_STATUS;
	acc_pair_read(ctxt, size, &hi, &lo);
	if (ctxt->insn->op.exec == EX_DIV) {
		if (!d || hi >= d)
			return emul_raise(ctxt, EMUL_VEC_DE, false, 0);
		if (size == 8) {
			q = udiv128(hi, lo, d, &r);
		} else {
			uint64_t n = (hi << bits) | lo;

			q = n / d;
			r = n % d;
		}
	} else {
		/* Signed: divide magnitudes, then check the quotient fits (SDM Vol. 2A, IDIV). */
		bool nneg, dneg = emul_sext(d, size) >> 63;
		uint64_t dabs = dneg ? -emul_sext(d, size) : d, nhi, nlo;

		if (!d)
			return emul_raise(ctxt, EMUL_VEC_DE, false, 0);
		if (size == 8) {
			nhi = hi;
			nlo = lo;
		} else {
			nlo = emul_sext((hi << bits) | lo, size * 2);
			nhi = (int64_t)nlo < 0 ? ~0ull : 0;
		}
		nneg = nhi >> 63;
		if (nneg) {
			nlo = -nlo;
			nhi = ~nhi + !nlo;
		}
		if (nhi >= dabs)
			return emul_raise(ctxt, EMUL_VEC_DE, false, 0);
		q = udiv128(nhi, nlo, dabs, &r);
		if (q > (1ull << (bits - 1)) - (nneg == dneg))
			return emul_raise(ctxt, EMUL_VEC_DE, false, 0);
		if (nneg != dneg)
			q = -q;
		if (nneg)
			r = -r;
	}
	acc_pair_write(ctxt, size, r & m, q & m);
	return EMUL_OK;
}

static int ex_imul(struct emul_ctxt *ctxt, struct exec_state *st)
{
	unsigned int size = st->dst.size;
	uint64_t a = st->src2.type ? st->src.val : st->dst.val;
	uint64_t b = st->src2.type ? st->src2.val : st->src.val;
	__int128 p = (__int128)(int64_t)emul_sext(a, size) * (int64_t)emul_sext(b, size);
	uint64_t res = (uint64_t)p & emul_mask(size);

	set_cf_of(ctxt, (__int128)(int64_t)emul_sext(res, size) != p);
	st->dst.val = res;
	return EMUL_OK;
}

static int ex_shift(struct emul_ctxt *ctxt, struct exec_state *st)
{
	uint64_t f = flags_read(ctxt);
	uint32_t undef;
	unsigned int count = (unsigned int)st->src.val & (st->dst.size == 8 ? 63 : 31);

	st->dst.val = emul_shift(ctxt->insn->op.sub, st->dst.val, count, st->dst.size, &f, &undef);
	ctxt->flags_undefined = undef;
	if (!count) {
		/* No flag changes; the destination is still written (a 32-bit register is
		 * zero-extended). */
		return EMUL_OK;
	}
	flags_write(ctxt, f);
	return EMUL_OK;
}

static int ex_shld(struct emul_ctxt *ctxt, struct exec_state *st)
{
	uint64_t f = flags_read(ctxt);
	uint32_t undef;
	unsigned int count = (unsigned int)st->src2.val & (st->dst.size == 8 ? 63 : 31);

	st->dst.val = emul_shld(ctxt->insn->op.exec == EX_SHRD, st->dst.val, st->src.val, count,
				st->dst.size, &f, &undef);
	ctxt->flags_undefined = undef;
	if (count)
		flags_write(ctxt, f);
	return EMUL_OK;
}

/* BT, BTS, BTR, BTC. A register bit offset with a memory operand already moved dst.ea. */
static int ex_bt(struct emul_ctxt *ctxt, struct exec_state *st)
{
	unsigned int bit = st->src.val & (st->dst.size * 8 - 1);
	uint64_t f = flags_read(ctxt) & ~(uint64_t)EFL_CF;

	if ((st->dst.val >> bit) & 1)
		f |= EFL_CF;
	flags_write(ctxt, f);
	ctxt->flags_undefined = EFL_OF | EFL_SF | EFL_AF | EFL_PF;
	switch (ctxt->insn->op.sub) {
	case 1:
		st->dst.val |= 1ull << bit;
		break;
	case 2:
		st->dst.val &= ~(1ull << bit);
		break;
	case 3:
		st->dst.val ^= 1ull << bit;
		break;
	}
	return EMUL_OK;
}

static int ex_xchg(struct emul_ctxt *ctxt, struct exec_state *st)
{
	uint64_t old = st->dst.val;

	st->dst.val = st->src.val;
	gpr_write(ctxt, st->src.reg, st->src.size, st->src.hi8, old);
	return EMUL_OK;
}

static int ex_xadd(struct emul_ctxt *ctxt, struct exec_state *st)
{
	uint64_t f = flags_read(ctxt), old = st->dst.val;

	st->dst.val = emul_alu(ALU_ADD, old, st->src.val, st->dst.size, &f);
	flags_write(ctxt, f);
	gpr_write(ctxt, st->src.reg, st->src.size, st->src.hi8, old);
	return EMUL_OK;
}

/* On failure CMPXCHG writes a memory destination back unchanged, as the processor's locked
 * cycle does (SDM Vol. 2A); a register destination is left alone (not even zero-extended). */
static int ex_cmpxchg(struct emul_ctxt *ctxt, struct exec_state *st)
{
	unsigned int size = st->dst.size;
	uint64_t f = flags_read(ctxt), acc = gpr_read(ctxt, EMUL_REG_RAX, size, false);

	emul_alu(ALU_CMP, acc, st->dst.val, size, &f);
	flags_write(ctxt, f);
	if (f & EFL_ZF) {
		st->dst.val = st->src.val;
	} else {
		gpr_write(ctxt, EMUL_REG_RAX, size, false, st->dst.val);
		st->no_write = st->dst.type == OPT_REG;
	}
	return EMUL_OK;
}

static int ex_cmpxchg8b(struct emul_ctxt *ctxt, struct exec_state *st)
{
	unsigned int half = (ctxt->insn->rex & 8) ? 8 : 4;
	uint64_t m = emul_mask(half), f, mem[2] = { 0, 0 }, cmp[2];
	int rc;

	if (half == 8 && (st->dst.ea & 15))
		return emul_raise(ctxt, EMUL_VEC_GP, true, 0);
	rc = emul_mem_read(ctxt, st->dst.seg, st->dst.ea, mem, half * 2);
	if (rc)
		return rc;
	if (half == 4) {
		mem[1] = mem[0] >> 32;
		mem[0] &= m;
	}
	cmp[0] = gpr_read(ctxt, EMUL_REG_RAX, half, false);
	cmp[1] = gpr_read(ctxt, EMUL_REG_RDX, half, false);
	f = flags_read(ctxt) & ~(uint64_t)EFL_ZF;
	if (cmp[0] == mem[0] && cmp[1] == mem[1]) {
		f |= EFL_ZF;
		mem[0] = gpr_read(ctxt, EMUL_REG_RBX, half, false);
		mem[1] = gpr_read(ctxt, EMUL_REG_RCX, half, false);
	} else {
		gpr_write(ctxt, EMUL_REG_RAX, half, false, mem[0]);
		gpr_write(ctxt, EMUL_REG_RDX, half, false, mem[1]);
	}
	flags_write(ctxt, f);
	if (half == 4)
		mem[0] |= mem[1] << 32;
	return emul_mem_write(ctxt, st->dst.seg, st->dst.ea, mem, half * 2);
}

static int ex_setcc(struct emul_ctxt *ctxt, struct exec_state *st)
{
	st->dst.val = emul_cond(ctxt->insn->op.sub, flags_read(ctxt));
	return EMUL_OK;
}

/* CMOVcc reads its source even when the condition is false; a false 32-bit CMOV in 64-bit
 * mode still zero-extends the destination (SDM Vol. 2A, CMOVcc). */
static int ex_cmovcc(struct emul_ctxt *ctxt, struct exec_state *st)
{
	if (emul_cond(ctxt->insn->op.sub, flags_read(ctxt)))
		st->dst.val = st->src.val;
	else if (st->dst.size == 4 && ctxt->mode == EMUL_MODE_PROT64)
		st->dst.val = gpr_read(ctxt, st->dst.reg, 4, false);
	else
		st->no_write = true;
	return EMUL_OK;
}

static unsigned int stack_bytes(struct emul_ctxt *ctxt)
{
	struct emul_segment ss;

	if (ctxt->mode == EMUL_MODE_PROT64)
		return 8;
	ctxt->ops->get_segment(ctxt, EMUL_SEG_SS, &ss);
	return (ss.attr & EMUL_SEGATTR_DB) ? 4 : 2;
}

static int ex_push(struct emul_ctxt *ctxt, struct exec_state *st)
{
	unsigned int sp_bytes = stack_bytes(ctxt), size = ctxt->insn->op_bytes;
	uint64_t sp = emul_reg_read(ctxt, EMUL_REG_RSP) - size, v = st->src.val;
	int rc;

	sp &= emul_mask(sp_bytes);
	rc = emul_mem_write(ctxt, EMUL_SEG_SS, sp, &v, size);
	if (rc)
		return rc;
	gpr_write(ctxt, EMUL_REG_RSP, sp_bytes, false, sp);
	return EMUL_OK;
}

/* POP: a memory destination addressed through rSP uses the incremented rSP (SDM Vol. 2B). */
static int ex_pop(struct emul_ctxt *ctxt, struct exec_state *st)
{
	unsigned int sp_bytes = stack_bytes(ctxt), size = ctxt->insn->op_bytes;
	uint64_t sp = emul_reg_read(ctxt, EMUL_REG_RSP) & emul_mask(sp_bytes), v = 0;
	int rc;

	rc = emul_mem_read(ctxt, EMUL_SEG_SS, sp, &v, size);
	if (rc)
		return rc;
	gpr_write(ctxt, EMUL_REG_RSP, sp_bytes, false, sp + size);
	if (st->dst.type == OPT_MEM)
		st->dst.ea = modrm_ea(ctxt);
	st->dst.val = v;
	return EMUL_OK;
}

static int ex_in(struct emul_ctxt *ctxt, struct exec_state *st)
{
	uint32_t v = 0;
	int rc = ctxt->ops->pio_in(ctxt, (uint16_t)st->src.val, st->dst.size, &v);

	st->dst.val = v;
	return rc;
}

static int ex_out(struct emul_ctxt *ctxt, struct exec_state *st)
{
	return ctxt->ops->pio_out(ctxt, (uint16_t)st->dst.val, st->src.size, (uint32_t)st->src.val);
}

/* One iteration of a string instruction. */
static int string_step(struct emul_ctxt *ctxt, unsigned int size, int64_t step)
{
	const struct emul_insn *insn = ctxt->insn;
	unsigned int src_seg =
		insn->seg_override != EMUL_SEG_NONE ? insn->seg_override : EMUL_SEG_DS;
	unsigned int exec = insn->op.exec;
	uint64_t a = 0, b = 0, f;
	uint32_t port_val = 0;
	int rc = EMUL_OK;

	switch (exec) {
	case EX_MOVS:
		rc = emul_mem_read(ctxt, src_seg, addr_reg_read(ctxt, EMUL_REG_RSI), &a, size);
		if (!rc)
			rc = emul_mem_write(ctxt, EMUL_SEG_ES, addr_reg_read(ctxt, EMUL_REG_RDI),
					    &a, size);
		break;
	case EX_STOS:
		a = gpr_read(ctxt, EMUL_REG_RAX, size, false);
		rc = emul_mem_write(ctxt, EMUL_SEG_ES, addr_reg_read(ctxt, EMUL_REG_RDI), &a, size);
		break;
	case EX_LODS:
		rc = emul_mem_read(ctxt, src_seg, addr_reg_read(ctxt, EMUL_REG_RSI), &a, size);
		if (!rc)
			gpr_write(ctxt, EMUL_REG_RAX, size, false, a);
		break;
	case EX_CMPS:
	case EX_SCAS:
		if (exec == EX_CMPS)
			rc = emul_mem_read(ctxt, src_seg, addr_reg_read(ctxt, EMUL_REG_RSI), &a,
					   size);
		else
			a = gpr_read(ctxt, EMUL_REG_RAX, size, false);
		if (!rc)
			rc = emul_mem_read(ctxt, EMUL_SEG_ES, addr_reg_read(ctxt, EMUL_REG_RDI), &b,
					   size);
		if (!rc) {
			f = flags_read(ctxt);
			emul_alu(ALU_CMP, a, b, size, &f);
			flags_write(ctxt, f);
		}
		break;
	case EX_INS:
		rc = ctxt->ops->pio_in(ctxt, (uint16_t)gpr_read(ctxt, EMUL_REG_RDX, 2, false), size,
				       &port_val);
		a = port_val;
		if (!rc)
			rc = emul_mem_write(ctxt, EMUL_SEG_ES, addr_reg_read(ctxt, EMUL_REG_RDI),
					    &a, size);
		break;
	default: /* OUTS */
		rc = emul_mem_read(ctxt, src_seg, addr_reg_read(ctxt, EMUL_REG_RSI), &a, size);
		if (!rc)
			rc = ctxt->ops->pio_out(ctxt,
						(uint16_t)gpr_read(ctxt, EMUL_REG_RDX, 2, false),
						size, (uint32_t)a);
		break;
	}
	if (rc)
		return rc;
	if (exec == EX_MOVS || exec == EX_LODS || exec == EX_CMPS || exec == EX_OUTS)
		addr_reg_write(ctxt, EMUL_REG_RSI, addr_reg_read(ctxt, EMUL_REG_RSI) + step);
	if (exec != EX_LODS && exec != EX_OUTS)
		addr_reg_write(ctxt, EMUL_REG_RDI, addr_reg_read(ctxt, EMUL_REG_RDI) + step);
	return EMUL_OK;
}

/* REP with a zero count, 32-bit address size, 64-bit mode: the processor still writes ECX
 * (zero-extending RCX) and, for the fast-string MOVS and STOS, ESI/EDI too (measured on Intel
 * cores by test_emulate). */
static void string_touch_regs(struct emul_ctxt *ctxt)
{
	unsigned int exec = ctxt->insn->op.exec;

	addr_reg_write(ctxt, EMUL_REG_RCX, 0);
	if (exec == EX_MOVS)
		addr_reg_write(ctxt, EMUL_REG_RSI, addr_reg_read(ctxt, EMUL_REG_RSI));
	if (exec == EX_MOVS || exec == EX_STOS)
		addr_reg_write(ctxt, EMUL_REG_RDI, addr_reg_read(ctxt, EMUL_REG_RDI));
}

/*
 * MOVS, STOS, LODS, CMPS, SCAS, INS, OUTS with or without REP. The registers are updated after
 * every iteration, so a fault leaves them as the processor would: the completed iterations
 * done, RIP on the instruction. A long REP runs rep_batch iterations per call and leaves RIP
 * on the instruction, as an interrupt window between iterations would.
 */
static int ex_string(struct emul_ctxt *ctxt, struct exec_state *st)
{
	const struct emul_insn *insn = ctxt->insn;
	unsigned int size = insn->op.flags & EMUL_F_BYTE ? 1 : insn->op_bytes;
	unsigned int batch = ctxt->rep_batch ? ctxt->rep_batch : REP_BATCH_DEFAULT;
	bool rep = insn->rep != 0;
	uint64_t count = 0;
	int64_t step;
	int rc;

	if (insn->op.exec == EX_INS || insn->op.exec == EX_OUTS)
		size = size > 4 ? 4 : size;
	if (rep) {
		count = addr_reg_read(ctxt, EMUL_REG_RCX);
		if (!count) {
			if (ctxt->mode == EMUL_MODE_PROT64 && insn->ad_bytes == 4)
				string_touch_regs(ctxt);
			return EMUL_OK;
		}
	}
	step = (flags_read(ctxt) & EFL_DF) ? -(int64_t)size : (int64_t)size;
	for (unsigned int i = 0;; i++) {
		rc = string_step(ctxt, size, step);
		if (rc)
			return rc;
		if (!rep)
			return EMUL_OK;
		addr_reg_write(ctxt, EMUL_REG_RCX, --count);
		if (!count)
			return EMUL_OK;
		if (insn->op.flags & EMUL_F_REPCOND) {
			bool zf = flags_read(ctxt) & EFL_ZF;

			if ((insn->rep == 0xf3 && !zf) || (insn->rep == 0xf2 && zf))
				return EMUL_OK;
		}
		if (i + 1 >= batch) {
			st->rip_hold = true;
			return EMUL_OK;
		}
	}
}

static const exec_fn exec_table[EX_NR] = {
	[EX_MOV] = ex_mov,	   [EX_MOVSX] = ex_movsx,
	[EX_MOVBE] = ex_movbe,	   [EX_LEA] = ex_lea,
	[EX_ALU] = ex_alu,	   [EX_INC] = ex_inc,
	[EX_DEC] = ex_inc,	   [EX_NOT] = ex_not,
	[EX_NEG] = ex_neg,	   [EX_MUL] = ex_mul,
	[EX_IMUL1] = ex_mul,	   [EX_DIV] = ex_div,
	[EX_IDIV] = ex_div,	   [EX_IMUL] = ex_imul,
	[EX_SHIFT] = ex_shift,	   [EX_SHLD] = ex_shld,
	[EX_SHRD] = ex_shld,	   [EX_BT] = ex_bt,
	[EX_XCHG] = ex_xchg,	   [EX_XADD] = ex_xadd,
	[EX_CMPXCHG] = ex_cmpxchg, [EX_CMPXCHG8B] = ex_cmpxchg8b,
	[EX_MOVS] = ex_string,	   [EX_STOS] = ex_string,
	[EX_LODS] = ex_string,	   [EX_CMPS] = ex_string,
	[EX_SCAS] = ex_string,	   [EX_INS] = ex_string,
	[EX_OUTS] = ex_string,	   [EX_IN] = ex_in,
	[EX_OUT] = ex_out,	   [EX_PUSH] = ex_push,
	[EX_POP] = ex_pop,	   [EX_SETCC] = ex_setcc,
	[EX_CMOVCC] = ex_cmovcc,
};

/* A memory destination that will be written is read with write access, so that a
 * read-modify-write faults before its read reaches a device. */
static int fetch_dst(struct emul_ctxt *ctxt, struct exec_state *st)
{
	struct emul_operand *op = &st->dst;

	if (op->type == OPT_MEM && !(ctxt->insn->op.flags & EMUL_F_NOWRITE)) {
		op->val = 0;
		return emul_mem_read_rmw(ctxt, op->seg, op->ea, &op->val, op->size);
	}
	return fetch(ctxt, op);
}

int emul_exec_insn(struct emul_ctxt *ctxt)
{
	const struct emul_insn *insn = ctxt->insn;
	uint32_t flags = insn->op.flags;
	struct exec_state st;
	uint64_t rip_mask;
	int rc;

	st.no_write = st.rip_hold = false;
	ctxt->flags_undefined = 0;
	resolve(ctxt, &insn->opd[0], &st.dst);
	resolve(ctxt, &insn->opd[1], &st.src);
	resolve(ctxt, &insn->opd[2], &st.src2);

	if (!(flags & EMUL_F_NOSRC)) {
		if (!(flags & EMUL_F_ADDR)) {
			rc = fetch_opd(ctxt, &st.src);
			if (rc)
				return rc;
		}
		rc = fetch_opd(ctxt, &st.src2);
		if (rc)
			return rc;
		if ((flags & EMUL_F_BITOFF) && st.dst.type == OPT_MEM) {
			/* The bit offset is signed and selects the operand-sized word
			 * (SDM Vol. 1 3.4.2.1, bit string addressing). */
			int64_t off = (int64_t)emul_sext(st.src.val, st.src.size);
			unsigned int shift = st.dst.size == 8 ? 6 : st.dst.size == 4 ? 5 : 4;

			st.dst.ea = (st.dst.ea + (uint64_t)((off >> shift) * st.dst.size)) &
				    emul_ad_mask(ctxt);
		}
		if (!(flags & EMUL_F_MOV)) {
			rc = fetch_dst(ctxt, &st);
			if (rc)
				return rc;
		}
	}

	rc = exec_table[insn->op.exec](ctxt, &st);
	if (rc)
		return rc;
	if (!(flags & (EMUL_F_NOWRITE | EMUL_F_NOSRC)) && !st.no_write) {
		rc = store(ctxt, &st.dst);
		if (rc)
			return rc;
	}
	if (!st.rip_hold) {
		rip_mask = ctxt->mode == EMUL_MODE_PROT64 ? ~0ull :
			   ctxt->mode == EMUL_MODE_PROT32 ? 0xffffffffull :
							    0xffffull;
		emul_reg_write(ctxt, EMUL_REG_RIP,
			       (emul_reg_read(ctxt, EMUL_REG_RIP) + insn->len) & rip_mask);
	}
	return EMUL_OK;
}
