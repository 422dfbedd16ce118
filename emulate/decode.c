// SPDX-License-Identifier: MIT
/*
 * The decoder: one table row per opcode with operand-kind flags, group tables for ModRM.reg,
 * mandatory-prefix tables for the SSE moves (the shape of KVM's arch/x86/kvm/emulate.c).
 * A row whose exec is EX_NONE is an instruction the emulator does not implement: decoding
 * stops there and says so, so nothing outside the table is ever executed.
 */
#include "emulate/internal.h"

#define E    EMUL_OPD(EMUL_OPK_RM, EMUL_SZ_V)
#define Eb   EMUL_OPD(EMUL_OPK_RM, EMUL_SZ_B)
#define Ew   EMUL_OPD(EMUL_OPK_RM, EMUL_SZ_W)
#define Ez   EMUL_OPD(EMUL_OPK_RM, EMUL_SZ_Z)
#define Ey   EMUL_OPD(EMUL_OPK_RM, EMUL_SZ_Y)
#define Gv   EMUL_OPD(EMUL_OPK_REG, EMUL_SZ_V)
#define Gy   EMUL_OPD(EMUL_OPK_REG, EMUL_SZ_Y)
#define M    EMUL_OPD(EMUL_OPK_MEM, EMUL_SZ_V)
#define My   EMUL_OPD(EMUL_OPK_MEM, EMUL_SZ_Y)
#define Mo   EMUL_OPD(EMUL_OPK_MEM, EMUL_SZ_O)
#define Acc  EMUL_OPD(EMUL_OPK_ACC, EMUL_SZ_V)
#define AccZ EMUL_OPD(EMUL_OPK_ACC, EMUL_SZ_Z)
#define OpcR EMUL_OPD(EMUL_OPK_OPCREG, EMUL_SZ_V)
#define Iz   EMUL_OPD(EMUL_OPK_IMM, EMUL_SZ_Z)
#define Ib   EMUL_OPD(EMUL_OPK_IMM, EMUL_SZ_B)
#define Iv   EMUL_OPD(EMUL_OPK_IMM, EMUL_SZ_V)
#define Iub  EMUL_OPD(EMUL_OPK_IMMU, EMUL_SZ_B)
#define Mof  EMUL_OPD(EMUL_OPK_MOFFS, EMUL_SZ_V)
#define One  EMUL_OPD(EMUL_OPK_ONE, EMUL_SZ_B)
#define CL   EMUL_OPD(EMUL_OPK_CL, EMUL_SZ_B)
#define DX   EMUL_OPD(EMUL_OPK_DX, EMUL_SZ_W)
#define Vo   EMUL_OPD(EMUL_OPK_XREG, EMUL_SZ_O)
#define Vq   EMUL_OPD(EMUL_OPK_XREG, EMUL_SZ_Q)
#define Vy   EMUL_OPD(EMUL_OPK_XREG, EMUL_SZ_Y)
#define Wo   EMUL_OPD(EMUL_OPK_XRM, EMUL_SZ_O)
#define Wq   EMUL_OPD(EMUL_OPK_XRM, EMUL_SZ_Q)
#define __   0

#define F_MODRM	  EMUL_F_MODRM
#define F_BYTE	  EMUL_F_BYTE
#define F_LOCK	  EMUL_F_LOCK
#define F_MOV	  EMUL_F_MOV
#define F_NOWRITE EMUL_F_NOWRITE
#define F_INV64	  EMUL_F_INV64
#define F_ONLY64  EMUL_F_ONLY64
#define F_DEF64	  EMUL_F_DEF64
#define F_STRING  EMUL_F_STRING
#define F_REPCOND EMUL_F_REPCOND
#define F_ALIGN16 EMUL_F_ALIGN16

/* A row: flags, destination, source, second source, executor class, its parameter. */
#define I(fl, d, s, s2, ex, sb)                                                                \
	{                                                                                      \
		.flags = (fl), .dst = (d), .src = (s), .src2 = (s2), .exec = (ex), .sub = (sb) \
	}
/* A row chosen by ModRM.reg in group table g; the group row's operands win if it has any. */
#define G(fl, d, s, s2, g)                                                                    \
	{                                                                                     \
		.flags = (fl) | EMUL_F_GROUP | F_MODRM, .dst = (d), .src = (s), .src2 = (s2), \
		.group = (g)                                                                  \
	}
/* A row chosen by the mandatory prefix in prefix table p. */
#define P(fl, p)                                                      \
	{                                                             \
		.flags = (fl) | EMUL_F_PREFIX | F_MODRM, .group = (p) \
	}

/* The eight ALU operations of 00..3F: Eb,Gb  Ev,Gv  Gb,Eb  Gv,Ev  AL,Ib  rAX,Iz. */
#define ALU6(base, op, lk, wr)                                                      \
	[(base) + 0] = I(F_MODRM | F_BYTE | (lk) | (wr), E, Gv, __, EX_ALU, op),    \
		  [(base) + 1] = I(F_MODRM | (lk) | (wr), E, Gv, __, EX_ALU, op),   \
		  [(base) + 2] = I(F_MODRM | F_BYTE | (wr), Gv, E, __, EX_ALU, op), \
		  [(base) + 3] = I(F_MODRM | (wr), Gv, E, __, EX_ALU, op),          \
		  [(base) + 4] = I(F_BYTE | (wr), Acc, Iz, __, EX_ALU, op),         \
		  [(base) + 5] = I((wr), Acc, Iz, __, EX_ALU, op)
#define X8(x) x, x, x, x, x, x, x, x
#define CC16(base, fl, d, s, ex)                                                                \
	[(base) + 0] = I(fl, d, s, __, ex, 0), [(base) + 1] = I(fl, d, s, __, ex, 1),           \
		  [(base) + 2] = I(fl, d, s, __, ex, 2), [(base) + 3] = I(fl, d, s, __, ex, 3), \
		  [(base) + 4] = I(fl, d, s, __, ex, 4), [(base) + 5] = I(fl, d, s, __, ex, 5), \
		  [(base) + 6] = I(fl, d, s, __, ex, 6), [(base) + 7] = I(fl, d, s, __, ex, 7), \
		  [(base) + 8] = I(fl, d, s, __, ex, 8), [(base) + 9] = I(fl, d, s, __, ex, 9), \
		  [(base) + 10] = I(fl, d, s, __, ex, 10),                                      \
		  [(base) + 11] = I(fl, d, s, __, ex, 11),                                      \
		  [(base) + 12] = I(fl, d, s, __, ex, 12),                                      \
		  [(base) + 13] = I(fl, d, s, __, ex, 13),                                      \
		  [(base) + 14] = I(fl, d, s, __, ex, 14), [(base) + 15] = I(fl, d, s, __, ex, 15)

enum {
	GRP1, /* 80..83: ALU Eb/Ev, imm */
	GRP1A, /* 8F: POP Ev */
	GRP2, /* C0, C1, D0..D3: shifts and rotates */
	GRP3, /* F6, F7: TEST, NOT, NEG, MUL, IMUL, DIV, IDIV */
	GRP4, /* FE: INC, DEC Eb */
	GRP5, /* FF: INC, DEC, PUSH Ev */
	GRP8, /* 0F BA: BT, BTS, BTR, BTC Ev,Ib */
	GRP9, /* 0F C7: CMPXCHG8B/16B */
	GRP11, /* C6, C7: MOV Eb/Ev, imm */
	NR_GROUPS
};

static const struct emul_opcode group_table[NR_GROUPS][8] = {
	[GRP1] = {
		I(F_LOCK, __, __, __, EX_ALU, ALU_ADD), I(F_LOCK, __, __, __, EX_ALU, ALU_OR),
		I(F_LOCK, __, __, __, EX_ALU, ALU_ADC), I(F_LOCK, __, __, __, EX_ALU, ALU_SBB),
		I(F_LOCK, __, __, __, EX_ALU, ALU_AND), I(F_LOCK, __, __, __, EX_ALU, ALU_SUB),
		I(F_LOCK, __, __, __, EX_ALU, ALU_XOR), I(F_NOWRITE, __, __, __, EX_ALU, ALU_CMP),
	},
	[GRP1A] = {
		I(F_MOV | F_DEF64, E, __, __, EX_POP, 0),
	},
	[GRP2] = {
		I(0, __, __, __, EX_SHIFT, 0), I(0, __, __, __, EX_SHIFT, 1),
		I(0, __, __, __, EX_SHIFT, 2), I(0, __, __, __, EX_SHIFT, 3),
		I(0, __, __, __, EX_SHIFT, 4), I(0, __, __, __, EX_SHIFT, 5),
		I(0, __, __, __, EX_SHIFT, 6), I(0, __, __, __, EX_SHIFT, 7),
	},
	[GRP3] = {
		I(F_NOWRITE, E, Iz, __, EX_ALU, ALU_AND), I(F_NOWRITE, E, Iz, __, EX_ALU, ALU_AND),
		I(F_LOCK, E, __, __, EX_NOT, 0),	  I(F_LOCK, E, __, __, EX_NEG, 0),
		I(0, __, E, __, EX_MUL, 0),		  I(0, __, E, __, EX_IMUL1, 0),
		I(0, __, E, __, EX_DIV, 0),		  I(0, __, E, __, EX_IDIV, 0),
	},
	[GRP4] = {
		I(F_LOCK, E, __, __, EX_INC, 0), I(F_LOCK, E, __, __, EX_DEC, 0),
	},
	[GRP5] = {
		I(F_LOCK, E, __, __, EX_INC, 0), I(F_LOCK, E, __, __, EX_DEC, 0),
		[6] = I(F_DEF64, __, E, __, EX_PUSH, 0),
	},
	[GRP8] = {
		[4] = I(F_NOWRITE, __, __, __, EX_BT, 0), [5] = I(F_LOCK, __, __, __, EX_BT, 1),
		[6] = I(F_LOCK, __, __, __, EX_BT, 2),	  [7] = I(F_LOCK, __, __, __, EX_BT, 3),
	},
	[GRP9] = {
		[1] = I(F_LOCK | EMUL_F_NOSRC, M, __, __, EX_CMPXCHG8B, 0),
	},
	[GRP11] = {
		I(F_MOV, E, Iz, __, EX_MOV, 0),
	},
};

enum {
	PFX_0F10,
	PFX_0F11,
	PFX_0F28,
	PFX_0F29,
	PFX_0F2B,
	PFX_0F6E,
	PFX_0F6F,
	PFX_0F7E,
	PFX_0F7F,
	PFX_0FC3,
	PFX_0FD6,
	PFX_0FE7,
	PFX_0F38F0,
	PFX_0F38F1,
	PFX_0F382A,
	NR_PREFIX_TABLES
};

/* Indexed by the mandatory prefix: none, 66, F3, F2. */
static const struct emul_opcode prefix_table[NR_PREFIX_TABLES][4] = {
	[PFX_0F10] = { I(F_MOV, Vo, Wo, __, EX_MOV, 0), I(F_MOV, Vo, Wo, __, EX_MOV, 0) },
	[PFX_0F11] = { I(F_MOV, Wo, Vo, __, EX_MOV, 0), I(F_MOV, Wo, Vo, __, EX_MOV, 0) },
	[PFX_0F28] = { I(F_MOV | F_ALIGN16, Vo, Wo, __, EX_MOV, 0),
		       I(F_MOV | F_ALIGN16, Vo, Wo, __, EX_MOV, 0) },
	[PFX_0F29] = { I(F_MOV | F_ALIGN16, Wo, Vo, __, EX_MOV, 0),
		       I(F_MOV | F_ALIGN16, Wo, Vo, __, EX_MOV, 0) },
	[PFX_0F2B] = { I(F_MOV | F_ALIGN16, Mo, Vo, __, EX_MOV, 0),
		       I(F_MOV | F_ALIGN16, Mo, Vo, __, EX_MOV, 0) },
	[PFX_0F6E] = { [1] = I(F_MOV, Vy, Ey, __, EX_MOV, 0) },
	[PFX_0F6F] = { [1] = I(F_MOV | F_ALIGN16, Vo, Wo, __, EX_MOV, 0),
		       [2] = I(F_MOV, Vo, Wo, __, EX_MOV, 0) },
	[PFX_0F7E] = { [1] = I(F_MOV, Ey, Vy, __, EX_MOV, 0),
		       [2] = I(F_MOV, Vq, Wq, __, EX_MOV, 0) },
	[PFX_0F7F] = { [1] = I(F_MOV | F_ALIGN16, Wo, Vo, __, EX_MOV, 0),
		       [2] = I(F_MOV, Wo, Vo, __, EX_MOV, 0) },
	[PFX_0FC3] = { [0] = I(F_MOV, My, Gy, __, EX_MOV, 0) },
	[PFX_0FD6] = { [1] = I(F_MOV, Wq, Vq, __, EX_MOV, 0) },
	[PFX_0FE7] = { [1] = I(F_MOV | F_ALIGN16, Mo, Vo, __, EX_MOV, 0) },
	[PFX_0F38F0] = { I(F_MOV, Gv, M, __, EX_MOVBE, 0), I(F_MOV, Gv, M, __, EX_MOVBE, 0) },
	[PFX_0F38F1] = { I(F_MOV, M, Gv, __, EX_MOVBE, 0), I(F_MOV, M, Gv, __, EX_MOVBE, 0) },
	[PFX_0F382A] = { [1] = I(F_MOV | F_ALIGN16, Vo, Mo, __, EX_MOV, 0) },
};

static const struct emul_opcode onebyte_table[256] = {
	ALU6(0x00, ALU_ADD, F_LOCK, 0),
	ALU6(0x08, ALU_OR, F_LOCK, 0),
	ALU6(0x10, ALU_ADC, F_LOCK, 0),
	ALU6(0x18, ALU_SBB, F_LOCK, 0),
	ALU6(0x20, ALU_AND, F_LOCK, 0),
	ALU6(0x28, ALU_SUB, F_LOCK, 0),
	ALU6(0x30, ALU_XOR, F_LOCK, 0),
	ALU6(0x38, ALU_CMP, 0, F_NOWRITE),
	[0x91 ... 0x97] = I(0, OpcR, Acc, __, EX_XCHG, 0),
	[0x50 ... 0x57] = I(F_DEF64, __, OpcR, __, EX_PUSH, 0),
	[0x58 ... 0x5f] = I(F_DEF64 | F_MOV, OpcR, __, __, EX_POP, 0),
	/* 66 63: Intel and AMD disagree on the source size; left out. */
	[0x63] = I(F_MODRM | F_ONLY64 | F_MOV | EMUL_F_NO16, Gv, Ez, __, EX_MOVSX, 0),
	[0x68] = I(F_DEF64, __, Iz, __, EX_PUSH, 0),
	[0x69] = I(F_MODRM | F_MOV, Gv, E, Iz, EX_IMUL, 0),
	[0x6a] = I(F_DEF64, __, Ib, __, EX_PUSH, 0),
	[0x6b] = I(F_MODRM | F_MOV, Gv, E, Ib, EX_IMUL, 0),
	[0x6c] = I(F_BYTE | F_STRING | EMUL_F_NOSRC, __, __, __, EX_INS, 0),
	[0x6d] = I(F_STRING | EMUL_F_NOSRC, __, __, __, EX_INS, 0),
	[0x6e] = I(F_BYTE | F_STRING | EMUL_F_NOSRC, __, __, __, EX_OUTS, 0),
	[0x6f] = I(F_STRING | EMUL_F_NOSRC, __, __, __, EX_OUTS, 0),
	[0x80] = G(F_BYTE, E, Iz, __, GRP1),
	[0x81] = G(0, E, Iz, __, GRP1),
	[0x82] = G(F_BYTE | F_INV64, E, Iz, __, GRP1),
	[0x83] = G(0, E, Ib, __, GRP1),
	[0x84] = I(F_MODRM | F_BYTE | F_NOWRITE, E, Gv, __, EX_ALU, ALU_AND),
	[0x85] = I(F_MODRM | F_NOWRITE, E, Gv, __, EX_ALU, ALU_AND),
	[0x86] = I(F_MODRM | F_BYTE | F_LOCK, E, Gv, __, EX_XCHG, 0),
	[0x87] = I(F_MODRM | F_LOCK, E, Gv, __, EX_XCHG, 0),
	[0x88] = I(F_MODRM | F_BYTE | F_MOV, E, Gv, __, EX_MOV, 0),
	[0x89] = I(F_MODRM | F_MOV, E, Gv, __, EX_MOV, 0),
	[0x8a] = I(F_MODRM | F_BYTE | F_MOV, Gv, E, __, EX_MOV, 0),
	[0x8b] = I(F_MODRM | F_MOV, Gv, E, __, EX_MOV, 0),
	[0x8d] = I(F_MODRM | F_MOV | EMUL_F_ADDR, Gv, M, __, EX_LEA, 0),
	[0x8f] = G(0, __, __, __, GRP1A),
	[0xa0] = I(F_BYTE | F_MOV, Acc, Mof, __, EX_MOV, 0),
	[0xa1] = I(F_MOV, Acc, Mof, __, EX_MOV, 0),
	[0xa2] = I(F_BYTE | F_MOV, Mof, Acc, __, EX_MOV, 0),
	[0xa3] = I(F_MOV, Mof, Acc, __, EX_MOV, 0),
	[0xa4] = I(F_BYTE | F_STRING | EMUL_F_NOSRC, __, __, __, EX_MOVS, 0),
	[0xa5] = I(F_STRING | EMUL_F_NOSRC, __, __, __, EX_MOVS, 0),
	[0xa6] = I(F_BYTE | F_STRING | F_REPCOND | EMUL_F_NOSRC, __, __, __, EX_CMPS, 0),
	[0xa7] = I(F_STRING | F_REPCOND | EMUL_F_NOSRC, __, __, __, EX_CMPS, 0),
	[0xa8] = I(F_BYTE | F_NOWRITE, Acc, Iz, __, EX_ALU, ALU_AND),
	[0xa9] = I(F_NOWRITE, Acc, Iz, __, EX_ALU, ALU_AND),
	[0xaa] = I(F_BYTE | F_STRING | EMUL_F_NOSRC, __, __, __, EX_STOS, 0),
	[0xab] = I(F_STRING | EMUL_F_NOSRC, __, __, __, EX_STOS, 0),
	[0xac] = I(F_BYTE | F_STRING | EMUL_F_NOSRC, __, __, __, EX_LODS, 0),
	[0xad] = I(F_STRING | EMUL_F_NOSRC, __, __, __, EX_LODS, 0),
	[0xae] = I(F_BYTE | F_STRING | F_REPCOND | EMUL_F_NOSRC, __, __, __, EX_SCAS, 0),
	[0xaf] = I(F_STRING | F_REPCOND | EMUL_F_NOSRC, __, __, __, EX_SCAS, 0),
	[0xb0 ... 0xb7] = I(F_BYTE | F_MOV, OpcR, Iv, __, EX_MOV, 0),
	[0xb8 ... 0xbf] = I(F_MOV, OpcR, Iv, __, EX_MOV, 0),
	[0xc0] = G(F_BYTE, E, Iub, __, GRP2),
	[0xc1] = G(0, E, Iub, __, GRP2),
	[0xc6] = G(F_BYTE, __, __, __, GRP11),
	[0xc7] = G(0, __, __, __, GRP11),
	[0xd0] = G(F_BYTE, E, One, __, GRP2),
	[0xd1] = G(0, E, One, __, GRP2),
	[0xd2] = G(F_BYTE, E, CL, __, GRP2),
	[0xd3] = G(0, E, CL, __, GRP2),
	[0xe4] = I(F_BYTE | F_MOV, AccZ, Iub, __, EX_IN, 0),
	[0xe5] = I(F_MOV, AccZ, Iub, __, EX_IN, 0),
	[0xe6] = I(F_BYTE | F_NOWRITE, Iub, AccZ, __, EX_OUT, 0),
	[0xe7] = I(F_NOWRITE, Iub, AccZ, __, EX_OUT, 0),
	[0xec] = I(F_BYTE | F_MOV, AccZ, DX, __, EX_IN, 0),
	[0xed] = I(F_MOV, AccZ, DX, __, EX_IN, 0),
	[0xee] = I(F_BYTE | F_NOWRITE, DX, AccZ, __, EX_OUT, 0),
	[0xef] = I(F_NOWRITE, DX, AccZ, __, EX_OUT, 0),
	[0xf6] = G(F_BYTE, __, __, __, GRP3),
	[0xf7] = G(0, __, __, __, GRP3),
	[0xfe] = G(F_BYTE, __, __, __, GRP4),
	[0xff] = G(0, __, __, __, GRP5),
};

static const struct emul_opcode twobyte_table[256] = {
	[0x10] = P(0, PFX_0F10),
	[0x11] = P(0, PFX_0F11),
	[0x28] = P(0, PFX_0F28),
	[0x29] = P(0, PFX_0F29),
	[0x2b] = P(0, PFX_0F2B),
	CC16(0x40, F_MODRM | F_MOV, Gv, E, EX_CMOVCC),
	[0x6e] = P(0, PFX_0F6E),
	[0x6f] = P(0, PFX_0F6F),
	[0x7e] = P(0, PFX_0F7E),
	[0x7f] = P(0, PFX_0F7F),
	CC16(0x90, F_MODRM | F_MOV, Eb, __, EX_SETCC),
	[0xa3] = I(F_MODRM | F_NOWRITE | EMUL_F_BITOFF, E, Gv, __, EX_BT, 0),
	[0xa4] = I(F_MODRM, E, Gv, Iub, EX_SHLD, 0),
	[0xa5] = I(F_MODRM, E, Gv, CL, EX_SHLD, 0),
	[0xab] = I(F_MODRM | F_LOCK | EMUL_F_BITOFF, E, Gv, __, EX_BT, 1),
	[0xac] = I(F_MODRM, E, Gv, Iub, EX_SHRD, 0),
	[0xad] = I(F_MODRM, E, Gv, CL, EX_SHRD, 0),
	[0xaf] = I(F_MODRM, Gv, E, __, EX_IMUL, 0),
	[0xb0] = I(F_MODRM | F_BYTE | F_LOCK, E, Gv, __, EX_CMPXCHG, 0),
	[0xb1] = I(F_MODRM | F_LOCK, E, Gv, __, EX_CMPXCHG, 0),
	[0xb3] = I(F_MODRM | F_LOCK | EMUL_F_BITOFF, E, Gv, __, EX_BT, 2),
	[0xb6] = I(F_MODRM | F_MOV, Gv, Eb, __, EX_MOV, 0),
	[0xb7] = I(F_MODRM | F_MOV, Gv, Ew, __, EX_MOV, 0),
	[0xba] = G(0, E, Iub, __, GRP8),
	[0xbb] = I(F_MODRM | F_LOCK | EMUL_F_BITOFF, E, Gv, __, EX_BT, 3),
	[0xbe] = I(F_MODRM | F_MOV, Gv, Eb, __, EX_MOVSX, 0),
	[0xbf] = I(F_MODRM | F_MOV, Gv, Ew, __, EX_MOVSX, 0),
	[0xc0] = I(F_MODRM | F_BYTE | F_LOCK, E, Gv, __, EX_XADD, 0),
	[0xc1] = I(F_MODRM | F_LOCK, E, Gv, __, EX_XADD, 0),
	[0xc3] = P(0, PFX_0FC3),
	[0xc7] = G(0, __, __, __, GRP9),
	[0xd6] = P(0, PFX_0FD6),
	[0xe7] = P(0, PFX_0FE7),
};

static const struct emul_opcode map0f38_table[256] = {
	[0x2a] = P(0, PFX_0F382A),
	[0xf0] = P(0, PFX_0F38F0),
	[0xf1] = P(0, PFX_0F38F1),
};

static const struct emul_opcode *const map_tables[3] = {
	onebyte_table,
	twobyte_table,
	map0f38_table,
};

static int decode_fault(struct emul_ctxt *ctxt, uint8_t vector)
{
	ctxt->fault.vector = vector;
	ctxt->fault.error_code_valid = vector == EMUL_VEC_GP;
	ctxt->fault.error_code = 0;
	ctxt->fault.cr2 = 0;
	return EMUL_FAULT;
}

/* The next byte, or the reason there is none: past 15 bytes is #GP (SDM Vol. 2A 2.3.11). */
#define NEXT_BYTE(b)                                                                         \
	do {                                                                                 \
		if (pos >= avail)                                                            \
			return pos >= 15 ? decode_fault(ctxt, EMUL_VEC_GP) : EMUL_TRUNCATED; \
		(b) = insn->bytes[pos++];                                                    \
	} while (0)

/* n = 1, 2, 4 or 8 little-endian bytes; fixed-size copies compile to single loads. */
static uint64_t read_le(const uint8_t *p, unsigned int n)
{
	uint8_t b8;
	uint16_t b16;
	uint32_t b32;
	uint64_t b64;

	switch (n) {
	case 1:
		__builtin_memcpy(&b8, p, 1);
		return b8;
	case 2:
		__builtin_memcpy(&b16, p, 2);
		return b16;
	case 4:
		__builtin_memcpy(&b32, p, 4);
		return b32;
	default:
		__builtin_memcpy(&b64, p, 8);
		return b64;
	}
}

static void set_gpr_operand(const struct emul_insn *insn, struct emul_opd *op, unsigned int n)
{
	op->type = OPT_REG;
	op->reg = n;
	/* Without REX, byte registers 4..7 are AH, CH, DH, BH. */
	if (op->size == 1 && !insn->rex && n >= 4 && n < 8) {
		op->reg = n - 4;
		op->hi8 = true;
	}
}

/* What the executor needs of operand descriptor d, fixed once here (and kept by the decode
 * cache) rather than worked out on every execution. */
static void decode_operand(const struct emul_insn *insn, uint8_t d, struct emul_opd *op)
{
	*op = (struct emul_opd){ .type = OPT_NONE };
	if (EMUL_OPD_KIND(d) == EMUL_OPK_NONE)
		return;
	op->size = (uint8_t)emul_opd_size(insn, d);
	switch (EMUL_OPD_KIND(d)) {
	case EMUL_OPK_REG:
		set_gpr_operand(insn, op, insn->reg);
		break;
	case EMUL_OPK_RM:
	case EMUL_OPK_MEM:
	case EMUL_OPK_XRM:
		if (insn->mod == 3) {
			if (EMUL_OPD_KIND(d) == EMUL_OPK_XRM) {
				op->type = OPT_XMM;
				op->reg = insn->rm;
			} else {
				set_gpr_operand(insn, op, insn->rm);
			}
			break;
		}
		op->type = OPT_MEM;
		op->seg = insn->seg;
		op->addr = EMUL_ADDR_MODRM;
		break;
	case EMUL_OPK_ACC:
		set_gpr_operand(insn, op, EMUL_REG_RAX);
		break;
	case EMUL_OPK_OPCREG:
		set_gpr_operand(insn, op, (insn->opcode & 7) | ((insn->rex & 1) << 3));
		break;
	case EMUL_OPK_IMM:
	case EMUL_OPK_IMMU:
		op->type = OPT_IMM;
		op->val = insn->imm;
		break;
	case EMUL_OPK_MOFFS:
		op->type = OPT_MEM;
		op->seg = insn->seg;
		op->addr = EMUL_ADDR_MOFFS;
		break;
	case EMUL_OPK_ONE:
		op->type = OPT_IMM;
		op->val = 1;
		break;
	case EMUL_OPK_CL:
		op->size = 1;
		set_gpr_operand(insn, op, EMUL_REG_RCX);
		break;
	case EMUL_OPK_DX:
		op->size = 2;
		set_gpr_operand(insn, op, EMUL_REG_RDX);
		break;
	case EMUL_OPK_XREG:
		op->type = OPT_XMM;
		op->reg = insn->reg;
		break;
	}
}

static bool opd_is_mem(const struct emul_insn *insn, uint8_t d)
{
	unsigned int k = EMUL_OPD_KIND(d);

	if (k == EMUL_OPK_MOFFS || k == EMUL_OPK_MEM)
		return true;
	return (k == EMUL_OPK_RM || k == EMUL_OPK_XRM) && insn->mod != 3;
}

int emul_decode(struct emul_ctxt *ctxt, const uint8_t *bytes, unsigned int len)
{
	static const int8_t base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };
	static const int8_t index16[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };
	struct emul_insn *insn = ctxt->insn;
	bool mode64 = ctxt->mode == EMUL_MODE_PROT64;
	unsigned int avail = len < 15 ? len : 15, pos = 0, disp_bytes = 0;
	const struct emul_opcode *row;
	uint8_t b, rex = 0;
	uint32_t flags;

	__builtin_memset(insn, 0, sizeof(*insn));
	__builtin_memcpy(insn->bytes, bytes, avail);
	insn->nbytes = avail;
	insn->seg_override = EMUL_SEG_NONE;
	insn->base = insn->index = -1;

	/* Legacy prefixes in any order; a REX counts only right before the opcode. */
	for (;;) {
		NEXT_BYTE(b);
		switch (b) {
		case 0x66:
			insn->opsize_prefix = true;
			break;
		case 0x67:
			insn->adsize_prefix = true;
			break;
		case 0xf0:
			insn->lock = true;
			break;
		case 0xf2:
		case 0xf3:
			insn->rep = b;
			break;
		case 0x26:
		case 0x2e:
		case 0x36:
		case 0x3e:
			/* ES, CS, SS, DS overrides are ignored in 64-bit mode. */
			if (!mode64)
				insn->seg_override = (b >> 3) & 3;
			break;
		case 0x64:
		case 0x65:
			insn->seg_override = b - 0x60;
			break;
		default:
			if (mode64 && (b & 0xf0) == 0x40) {
				rex = b;
				continue;
			}
			goto opcode;
		}
		rex = 0;
	}

opcode:
	insn->rex = rex;
	if (b == 0x0f) {
		NEXT_BYTE(b);
		insn->map = 1;
		if (b == 0x38 || b == 0x3a) {
			insn->map = b == 0x38 ? 2 : 3;
			NEXT_BYTE(b);
		}
	}
	insn->opcode = b;
	if (insn->map == 3)
		return EMUL_UNSUPPORTED;
	row = &map_tables[insn->map][b];
	flags = row->flags;
	insn->op = *row;

	if (flags & EMUL_F_MODRM) {
		NEXT_BYTE(insn->modrm);
		insn->has_modrm = true;
		insn->mod = insn->modrm >> 6;
		insn->reg = ((insn->modrm >> 3) & 7) | ((rex & 4) << 1);
		insn->rm = insn->modrm & 7;
	}
	if (flags & EMUL_F_GROUP) {
		const struct emul_opcode *g = &group_table[row->group][(insn->modrm >> 3) & 7];

		insn->op.flags |= g->flags;
		insn->op.exec = g->exec;
		insn->op.sub = g->sub;
		if (g->dst | g->src | g->src2) {
			insn->op.dst = g->dst;
			insn->op.src = g->src;
			insn->op.src2 = g->src2;
		}
	} else if (flags & EMUL_F_PREFIX) {
		unsigned int idx = insn->rep == 0xf3 ? 2 :
				   insn->rep == 0xf2 ? 3 :
						       insn->opsize_prefix;

		insn->mandatory = idx == 2 ? 0xf3 : idx == 3 ? 0xf2 : idx ? 0x66 : 0;
		insn->op = prefix_table[row->group][idx];
		insn->op.flags |= flags & ~EMUL_F_PREFIX;
	}
	flags = insn->op.flags;
	if (insn->op.exec == EX_NONE)
		return EMUL_UNSUPPORTED;
	if ((flags & EMUL_F_INV64) && mode64)
		return EMUL_UNSUPPORTED;
	if ((flags & EMUL_F_ONLY64) && !mode64)
		return EMUL_UNSUPPORTED;

	if (mode64) {
		if (rex & 8)
			insn->op_bytes = 8;
		else
			insn->op_bytes = insn->opsize_prefix ? 2 : (flags & EMUL_F_DEF64) ? 8 : 4;
		insn->ad_bytes = insn->adsize_prefix ? 4 : 8;
	} else {
		unsigned int def = ctxt->mode == EMUL_MODE_PROT32 ? 4 : 2;

		insn->op_bytes = insn->opsize_prefix ? 6 - def : def;
		insn->ad_bytes = insn->adsize_prefix ? 6 - def : def;
	}
	if ((flags & EMUL_F_NO16) && insn->op_bytes == 2)
		return EMUL_UNSUPPORTED;

	if ((flags & EMUL_F_MODRM) && insn->mod != 3) {
		insn->has_mem = true;
		insn->seg = EMUL_SEG_DS;
		if (insn->ad_bytes == 2) {
			insn->base = base16[insn->rm];
			insn->index = index16[insn->rm];
			insn->scale = insn->index >= 0;
			if (insn->mod == 0 && insn->rm == 6) {
				insn->base = -1;
				disp_bytes = 2;
			} else {
				disp_bytes = insn->mod == 1 ? 1 : insn->mod == 2 ? 2 : 0;
			}
			if (insn->base == 5)
				insn->seg = EMUL_SEG_SS;
		} else {
			unsigned int base = insn->rm;

			if (insn->rm == 4) {
				NEXT_BYTE(insn->sib);
				insn->index = ((insn->sib >> 3) & 7) | ((rex & 2) << 2);
				if (insn->index == 4)
					insn->index = -1;
				else
					insn->scale = 1 << (insn->sib >> 6);
				base = insn->sib & 7;
			}
			if (base == 5 && insn->mod == 0) {
				disp_bytes = 4;
				insn->rip_relative = mode64 && insn->rm == 5;
			} else {
				insn->base = base | ((rex & 1) << 3);
				disp_bytes = insn->mod == 1 ? 1 : insn->mod == 2 ? 4 : 0;
			}
			if (insn->base == 4 || insn->base == 5)
				insn->seg = EMUL_SEG_SS;
		}
		if (disp_bytes) {
			if (pos + disp_bytes > avail)
				return pos + disp_bytes > 15 ? decode_fault(ctxt, EMUL_VEC_GP) :
							       EMUL_TRUNCATED;
			insn->disp = (int64_t)emul_sext(read_le(&insn->bytes[pos], disp_bytes),
							disp_bytes);
			pos += disp_bytes;
		}
	} else if (flags & EMUL_F_MODRM) {
		insn->rm |= (rex & 1) << 3;
	}

	/* Immediates and moffs, in operand order (at most one per row here). */
	for (unsigned int i = 0; i < 3; i++) {
		uint8_t d = i == 0 ? insn->op.dst : i == 1 ? insn->op.src : insn->op.src2;
		unsigned int k = EMUL_OPD_KIND(d), n;

		if (k == EMUL_OPK_MEM && insn->mod == 3)
			return decode_fault(ctxt, EMUL_VEC_UD);
		if (k == EMUL_OPK_MOFFS) {
			n = insn->ad_bytes;
			insn->has_mem = true;
			insn->seg = EMUL_SEG_DS;
		} else if (k == EMUL_OPK_IMM || k == EMUL_OPK_IMMU) {
			n = emul_opd_size(insn, d);
		} else {
			continue;
		}
		if (pos + n > avail)
			return pos + n > 15 ? decode_fault(ctxt, EMUL_VEC_GP) : EMUL_TRUNCATED;
		if (k == EMUL_OPK_MOFFS) {
			insn->disp = (int64_t)read_le(&insn->bytes[pos], n);
		} else {
			insn->imm = read_le(&insn->bytes[pos], n);
			if (k == EMUL_OPK_IMM)
				insn->imm = emul_sext(insn->imm, n);
			insn->imm_bytes = n;
		}
		pos += n;
	}
	if (insn->has_mem && insn->seg_override != EMUL_SEG_NONE)
		insn->seg = insn->seg_override;
	insn->len = pos;

	/* LOCK is #UD unless the row allows it and its destination is memory (SDM Vol. 2A,
	 * LOCK). */
	if (insn->lock && !((flags & EMUL_F_LOCK) && opd_is_mem(insn, insn->op.dst)))
		return decode_fault(ctxt, EMUL_VEC_UD);
	decode_operand(insn, insn->op.dst, &insn->opd[0]);
	decode_operand(insn, insn->op.src, &insn->opd[1]);
	decode_operand(insn, insn->op.src2, &insn->opd[2]);
	return EMUL_OK;
}
