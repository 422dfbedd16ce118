/* SPDX-License-Identifier: MIT */
/*
 * Zydis as the reference decoder for the emulator's tests: machine modes, register mapping,
 * the mnemonic each emulator row must decode as, and operand-by-operand comparison.
 */
#ifndef PLINTH_TESTS_EMULATE_ZYDIS_H
#define PLINTH_TESTS_EMULATE_ZYDIS_H

#include <stdio.h>
#include <Zydis/Zydis.h>

#include "emulate/internal.h"

static inline void zydis_init(ZydisDecoder *d, enum emul_mode mode)
{
	switch (mode) {
	case EMUL_MODE_PROT64:
		ZydisDecoderInit(d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
		break;
	case EMUL_MODE_PROT32:
		ZydisDecoderInit(d, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
		break;
	case EMUL_MODE_PROT16:
		ZydisDecoderInit(d, ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16);
		break;
	default:
		ZydisDecoderInit(d, ZYDIS_MACHINE_MODE_REAL_16, ZYDIS_STACK_WIDTH_16);
		break;
	}
}

/* The Zydis register for GPR n of size bytes (hi8: AH..BH). */
static inline ZydisRegister zydis_gpr(unsigned int n, unsigned int size, bool hi8)
{
	if (size == 1)
		return hi8 ? ZYDIS_REGISTER_AH + n : ZYDIS_REGISTER_AL + (n < 4 ? n : n + 4);
	if (size == 2)
		return ZYDIS_REGISTER_AX + n;
	if (size == 4)
		return ZYDIS_REGISTER_EAX + n;
	return ZYDIS_REGISTER_RAX + n;
}

/* GPR number (0..15) of a Zydis register of any width, or -1. */
static inline int zydis_gpr_number(ZydisRegister r)
{
	if (r >= ZYDIS_REGISTER_AL && r <= ZYDIS_REGISTER_BL)
		return r - ZYDIS_REGISTER_AL;
	if (r >= ZYDIS_REGISTER_AH && r <= ZYDIS_REGISTER_BH)
		return r - ZYDIS_REGISTER_AH;
	if (r >= ZYDIS_REGISTER_SPL && r <= ZYDIS_REGISTER_R15B)
		return r - ZYDIS_REGISTER_SPL + 4;
	if (r >= ZYDIS_REGISTER_AX && r <= ZYDIS_REGISTER_R15W)
		return r - ZYDIS_REGISTER_AX;
	if (r >= ZYDIS_REGISTER_EAX && r <= ZYDIS_REGISTER_R15D)
		return r - ZYDIS_REGISTER_EAX;
	if (r >= ZYDIS_REGISTER_RAX && r <= ZYDIS_REGISTER_R15)
		return r - ZYDIS_REGISTER_RAX;
	return -1;
}

static inline unsigned int zydis_gpr_width(ZydisRegister r)
{
	if (r >= ZYDIS_REGISTER_AL && r <= ZYDIS_REGISTER_R15B)
		return 1;
	if (r >= ZYDIS_REGISTER_AX && r <= ZYDIS_REGISTER_R15W)
		return 2;
	if (r >= ZYDIS_REGISTER_EAX && r <= ZYDIS_REGISTER_R15D)
		return 4;
	return 8;
}

static const ZydisMnemonic zydis_cc_set[16] = {
	ZYDIS_MNEMONIC_SETO, ZYDIS_MNEMONIC_SETNO, ZYDIS_MNEMONIC_SETB,	 ZYDIS_MNEMONIC_SETNB,
	ZYDIS_MNEMONIC_SETZ, ZYDIS_MNEMONIC_SETNZ, ZYDIS_MNEMONIC_SETBE, ZYDIS_MNEMONIC_SETNBE,
	ZYDIS_MNEMONIC_SETS, ZYDIS_MNEMONIC_SETNS, ZYDIS_MNEMONIC_SETP,	 ZYDIS_MNEMONIC_SETNP,
	ZYDIS_MNEMONIC_SETL, ZYDIS_MNEMONIC_SETNL, ZYDIS_MNEMONIC_SETLE, ZYDIS_MNEMONIC_SETNLE,
};

static const ZydisMnemonic zydis_cc_cmov[16] = {
	ZYDIS_MNEMONIC_CMOVO, ZYDIS_MNEMONIC_CMOVNO, ZYDIS_MNEMONIC_CMOVB,  ZYDIS_MNEMONIC_CMOVNB,
	ZYDIS_MNEMONIC_CMOVZ, ZYDIS_MNEMONIC_CMOVNZ, ZYDIS_MNEMONIC_CMOVBE, ZYDIS_MNEMONIC_CMOVNBE,
	ZYDIS_MNEMONIC_CMOVS, ZYDIS_MNEMONIC_CMOVNS, ZYDIS_MNEMONIC_CMOVP,  ZYDIS_MNEMONIC_CMOVNP,
	ZYDIS_MNEMONIC_CMOVL, ZYDIS_MNEMONIC_CMOVNL, ZYDIS_MNEMONIC_CMOVLE, ZYDIS_MNEMONIC_CMOVNLE,
};

/* The mnemonic Zydis must report for an instruction the emulator decoded. */
static inline ZydisMnemonic zydis_expected_mnemonic(const struct emul_insn *insn)
{
	static const ZydisMnemonic alu[8] = { ZYDIS_MNEMONIC_ADD, ZYDIS_MNEMONIC_OR,
					      ZYDIS_MNEMONIC_ADC, ZYDIS_MNEMONIC_SBB,
					      ZYDIS_MNEMONIC_AND, ZYDIS_MNEMONIC_SUB,
					      ZYDIS_MNEMONIC_XOR, ZYDIS_MNEMONIC_CMP };
	static const ZydisMnemonic shift[8] = { ZYDIS_MNEMONIC_ROL, ZYDIS_MNEMONIC_ROR,
						ZYDIS_MNEMONIC_RCL, ZYDIS_MNEMONIC_RCR,
						ZYDIS_MNEMONIC_SHL, ZYDIS_MNEMONIC_SHR,
						ZYDIS_MNEMONIC_SHL, ZYDIS_MNEMONIC_SAR };
	static const ZydisMnemonic bt[4] = { ZYDIS_MNEMONIC_BT, ZYDIS_MNEMONIC_BTS,
					     ZYDIS_MNEMONIC_BTR, ZYDIS_MNEMONIC_BTC };
	unsigned int sz = (insn->op.flags & EMUL_F_BYTE) ? 1 : insn->op_bytes;
	unsigned int sub = insn->op.sub;
	uint16_t key = (uint16_t)((insn->map << 8) | insn->opcode);
	bool p66 = insn->mandatory == 0x66;

	switch (insn->op.exec) {
	case EX_MOV:
		switch (key) {
		case 0x1b6:
		case 0x1b7:
			return ZYDIS_MNEMONIC_MOVZX;
		case 0x110:
		case 0x111:
			return p66 ? ZYDIS_MNEMONIC_MOVUPD : ZYDIS_MNEMONIC_MOVUPS;
		case 0x128:
		case 0x129:
			return p66 ? ZYDIS_MNEMONIC_MOVAPD : ZYDIS_MNEMONIC_MOVAPS;
		case 0x12b:
			return p66 ? ZYDIS_MNEMONIC_MOVNTPD : ZYDIS_MNEMONIC_MOVNTPS;
		case 0x16e:
			return (insn->rex & 8) ? ZYDIS_MNEMONIC_MOVQ : ZYDIS_MNEMONIC_MOVD;
		case 0x17e:
			return p66 && !(insn->rex & 8) ? ZYDIS_MNEMONIC_MOVD : ZYDIS_MNEMONIC_MOVQ;
		case 0x16f:
		case 0x17f:
			return p66 ? ZYDIS_MNEMONIC_MOVDQA : ZYDIS_MNEMONIC_MOVDQU;
		case 0x1d6:
			return ZYDIS_MNEMONIC_MOVQ;
		case 0x1e7:
			return ZYDIS_MNEMONIC_MOVNTDQ;
		case 0x1c3:
			return ZYDIS_MNEMONIC_MOVNTI;
		case 0x22a:
			return ZYDIS_MNEMONIC_MOVNTDQA;
		}
		return ZYDIS_MNEMONIC_MOV;
	case EX_MOVSX:
		return insn->opcode == 0x63 ? ZYDIS_MNEMONIC_MOVSXD : ZYDIS_MNEMONIC_MOVSX;
	case EX_MOVBE:
		return ZYDIS_MNEMONIC_MOVBE;
	case EX_LEA:
		return ZYDIS_MNEMONIC_LEA;
	case EX_ALU:
		if ((insn->op.flags & EMUL_F_NOWRITE) && sub == ALU_AND)
			return ZYDIS_MNEMONIC_TEST;
		return alu[sub];
	case EX_INC:
		return ZYDIS_MNEMONIC_INC;
	case EX_DEC:
		return ZYDIS_MNEMONIC_DEC;
	case EX_NOT:
		return ZYDIS_MNEMONIC_NOT;
	case EX_NEG:
		return ZYDIS_MNEMONIC_NEG;
	case EX_MUL:
		return ZYDIS_MNEMONIC_MUL;
	case EX_IMUL1:
	case EX_IMUL:
		return ZYDIS_MNEMONIC_IMUL;
	case EX_DIV:
		return ZYDIS_MNEMONIC_DIV;
	case EX_IDIV:
		return ZYDIS_MNEMONIC_IDIV;
	case EX_SHIFT:
		return shift[sub];
	case EX_SHLD:
		return ZYDIS_MNEMONIC_SHLD;
	case EX_SHRD:
		return ZYDIS_MNEMONIC_SHRD;
	case EX_BT:
		return bt[sub];
	case EX_XCHG:
		return ZYDIS_MNEMONIC_XCHG;
	case EX_XADD:
		return ZYDIS_MNEMONIC_XADD;
	case EX_CMPXCHG:
		return ZYDIS_MNEMONIC_CMPXCHG;
	case EX_CMPXCHG8B:
		return (insn->rex & 8) ? ZYDIS_MNEMONIC_CMPXCHG16B : ZYDIS_MNEMONIC_CMPXCHG8B;
	case EX_MOVS:
		return sz == 1 ? ZYDIS_MNEMONIC_MOVSB :
		       sz == 2 ? ZYDIS_MNEMONIC_MOVSW :
		       sz == 4 ? ZYDIS_MNEMONIC_MOVSD :
				 ZYDIS_MNEMONIC_MOVSQ;
	case EX_STOS:
		return sz == 1 ? ZYDIS_MNEMONIC_STOSB :
		       sz == 2 ? ZYDIS_MNEMONIC_STOSW :
		       sz == 4 ? ZYDIS_MNEMONIC_STOSD :
				 ZYDIS_MNEMONIC_STOSQ;
	case EX_LODS:
		return sz == 1 ? ZYDIS_MNEMONIC_LODSB :
		       sz == 2 ? ZYDIS_MNEMONIC_LODSW :
		       sz == 4 ? ZYDIS_MNEMONIC_LODSD :
				 ZYDIS_MNEMONIC_LODSQ;
	case EX_CMPS:
		return sz == 1 ? ZYDIS_MNEMONIC_CMPSB :
		       sz == 2 ? ZYDIS_MNEMONIC_CMPSW :
		       sz == 4 ? ZYDIS_MNEMONIC_CMPSD :
				 ZYDIS_MNEMONIC_CMPSQ;
	case EX_SCAS:
		return sz == 1 ? ZYDIS_MNEMONIC_SCASB :
		       sz == 2 ? ZYDIS_MNEMONIC_SCASW :
		       sz == 4 ? ZYDIS_MNEMONIC_SCASD :
				 ZYDIS_MNEMONIC_SCASQ;
	case EX_INS:
		return sz == 1 ? ZYDIS_MNEMONIC_INSB :
		       sz == 2 ? ZYDIS_MNEMONIC_INSW :
				 ZYDIS_MNEMONIC_INSD;
	case EX_OUTS:
		return sz == 1 ? ZYDIS_MNEMONIC_OUTSB :
		       sz == 2 ? ZYDIS_MNEMONIC_OUTSW :
				 ZYDIS_MNEMONIC_OUTSD;
	case EX_IN:
		return ZYDIS_MNEMONIC_IN;
	case EX_OUT:
		return ZYDIS_MNEMONIC_OUT;
	case EX_PUSH:
		return ZYDIS_MNEMONIC_PUSH;
	case EX_POP:
		return ZYDIS_MNEMONIC_POP;
	case EX_SETCC:
		return zydis_cc_set[sub];
	case EX_CMOVCC:
		return zydis_cc_cmov[sub];
	}
	return ZYDIS_MNEMONIC_INVALID;
}

/* The register operand d of insn as a Zydis register (GPR or XMM), NONE if not a register. */
static inline ZydisRegister emul_opd_zydis_reg(const struct emul_insn *insn, uint8_t d)
{
	unsigned int size = emul_opd_size(insn, d), n;
	bool hi8;

	switch (EMUL_OPD_KIND(d)) {
	case EMUL_OPK_REG:
		n = insn->reg;
		break;
	case EMUL_OPK_RM:
		if (insn->mod != 3)
			return ZYDIS_REGISTER_NONE;
		n = insn->rm;
		break;
	case EMUL_OPK_ACC:
		n = 0;
		break;
	case EMUL_OPK_OPCREG:
		n = (insn->opcode & 7) | ((insn->rex & 1) << 3);
		break;
	case EMUL_OPK_CL:
		return ZYDIS_REGISTER_CL;
	case EMUL_OPK_DX:
		return ZYDIS_REGISTER_DX;
	case EMUL_OPK_XREG:
		return ZYDIS_REGISTER_XMM0 + insn->reg;
	case EMUL_OPK_XRM:
		return insn->mod == 3 ? ZYDIS_REGISTER_XMM0 + insn->rm : ZYDIS_REGISTER_NONE;
	default:
		return ZYDIS_REGISTER_NONE;
	}
	hi8 = size == 1 && !insn->rex && n >= 4 && n < 8;
	return zydis_gpr(hi8 ? n - 4 : n, size, hi8);
}

/*
 * Zydis 4.0 reads SIB base 101 with mod 00 as r13 (and no displacement) when REX.B and 67 are
 * both present; the processor says disp32 and no base (test_emulate runs such forms natively).
 */
static inline bool zydis_sib_quirk(const struct emul_insn *insn, enum emul_mode mode)
{
	return mode == EMUL_MODE_PROT64 && insn->ad_bytes == 4 && insn->has_modrm &&
	       insn->mod == 0 && insn->rm == 4 && (insn->sib & 7) == 5 && (insn->rex & 1);
}

/*
 * Compare a decoded instruction with Zydis' view of the same bytes. Returns NULL when they
 * agree, else a short reason.
 */
static inline const char *zydis_compare(const struct emul_insn *insn, enum emul_mode mode,
					const ZydisDecodedInstruction *zi,
					const ZydisDecodedOperand *zo)
{
	static char why[160];
	uint8_t desc[3] = { insn->op.dst, insn->op.src, insn->op.src2 };
	unsigned int zn = 0, ours = 0;
	uint64_t amask = insn->ad_bytes == 8 ? ~0ull : (1ull << (insn->ad_bytes * 8)) - 1;

	if (zi->length != insn->len) {
		snprintf(why, sizeof(why), "length %u, Zydis %u", insn->len, zi->length);
		return why;
	}
	if (zi->mnemonic != zydis_expected_mnemonic(insn)) {
		snprintf(why, sizeof(why), "mnemonic: Zydis says %s",
			 ZydisMnemonicGetString(zi->mnemonic));
		return why;
	}
	if (zi->address_width != insn->ad_bytes * 8) {
		snprintf(why, sizeof(why), "address size %u, Zydis %u", insn->ad_bytes * 8,
			 zi->address_width);
		return why;
	}
	for (unsigned int i = 0; i < 3; i++) {
		unsigned int k = EMUL_OPD_KIND(desc[i]);
		const ZydisDecodedOperand *z;

		if (k == EMUL_OPK_NONE)
			continue;
		if (zn >= zi->operand_count_visible) {
			snprintf(why, sizeof(why), "operand %u: Zydis has none", i);
			return why;
		}
		z = &zo[zn++];
		ours++;
		if (k == EMUL_OPK_IMM || k == EMUL_OPK_IMMU || k == EMUL_OPK_ONE) {
			uint64_t imm = k == EMUL_OPK_ONE ? 1 : insn->imm;
			uint64_t zm = z->size >= 64 ? ~0ull : (1ull << z->size) - 1;

			if (z->type != ZYDIS_OPERAND_TYPE_IMMEDIATE ||
			    (z->imm.value.u & zm) != (imm & zm)) {
				snprintf(why, sizeof(why),
					 "operand %u: immediate %#llx, Zydis %#llx", i,
					 (unsigned long long)insn->imm,
					 (unsigned long long)z->imm.value.u);
				return why;
			}
			continue;
		}
		if (emul_opd_zydis_reg(insn, desc[i]) != ZYDIS_REGISTER_NONE) {
			if (z->type != ZYDIS_OPERAND_TYPE_REGISTER ||
			    z->reg.value != emul_opd_zydis_reg(insn, desc[i])) {
				snprintf(why, sizeof(why), "operand %u: register %s, Zydis %s", i,
					 ZydisRegisterGetString(emul_opd_zydis_reg(insn, desc[i])),
					 ZydisRegisterGetString(z->reg.value));
				return why;
			}
			continue;
		}
		/* Memory. */
		if (z->type != ZYDIS_OPERAND_TYPE_MEMORY) {
			snprintf(why, sizeof(why), "operand %u: memory, Zydis type %d", i, z->type);
			return why;
		}
		{
			int zb = zydis_gpr_number(z->mem.base), zx = zydis_gpr_number(z->mem.index);
			bool zrip = z->mem.base == ZYDIS_REGISTER_RIP ||
				    z->mem.base == ZYDIS_REGISTER_EIP;
			uint64_t zdisp =
				z->mem.disp.has_displacement ? (uint64_t)z->mem.disp.value : 0;
			unsigned int want_bits = emul_opd_size(insn, desc[i]) * 8;

			if (zydis_sib_quirk(insn, mode) && zb == 13)
				zb = -1, zdisp = (uint64_t)insn->disp;
			if (zb != insn->base || zx != insn->index || zrip != insn->rip_relative ||
			    (zx >= 0 && z->mem.scale != insn->scale) ||
			    ((zdisp ^ (uint64_t)insn->disp) & amask)) {
				snprintf(why, sizeof(why),
					 "operand %u: [%d+%d*%u+%#llx] rip %d, Zydis "
					 "[%d+%d*%u+%#llx] rip %d",
					 i, insn->base, insn->index, insn->scale,
					 (unsigned long long)insn->disp, insn->rip_relative, zb, zx,
					 z->mem.scale, (unsigned long long)zdisp, zrip);
				return why;
			}
			if ((mode != EMUL_MODE_PROT64 || insn->seg >= EMUL_SEG_FS) &&
			    !(insn->op.flags & EMUL_F_ADDR) &&
			    z->mem.segment != (ZydisRegister)(ZYDIS_REGISTER_ES + insn->seg)) {
				snprintf(why, sizeof(why), "operand %u: segment %u, Zydis %s", i,
					 insn->seg, ZydisRegisterGetString(z->mem.segment));
				return why;
			}
			if (!(insn->op.flags & EMUL_F_ADDR) && insn->op.exec != EX_CMPXCHG8B &&
			    z->size != want_bits) {
				snprintf(why, sizeof(why), "operand %u: %u bits, Zydis %u", i,
					 want_bits, z->size);
				return why;
			}
		}
	}
	if (zn < zi->operand_count_visible) {
		snprintf(why, sizeof(why), "Zydis has more visible operands than our %u", ours);
		return why;
	}
	return NULL;
}

#endif
