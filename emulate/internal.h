/* SPDX-License-Identifier: MIT */
/* What decode.c, exec.c, alu.c and mem.c share; not part of the emulator's interface. */
#ifndef PLINTH_EMULATE_INTERNAL_H
#define PLINTH_EMULATE_INTERNAL_H

#include "emulate/emulate.h"

/* Row flags (struct emul_opcode.flags). */
#define EMUL_F_MODRM   (1u << 0) /* a ModRM byte follows the opcode */
#define EMUL_F_BYTE    (1u << 1) /* "v"-sized operands are bytes */
#define EMUL_F_GROUP   (1u << 2) /* the row is chosen by ModRM.reg in group table .group */
#define EMUL_F_PREFIX  (1u << 3) /* the row is chosen by the mandatory prefix (none/66/F3/F2) */
#define EMUL_F_LOCK    (1u << 4) /* LOCK is allowed when the destination is memory */
#define EMUL_F_MOV     (1u << 5) /* the destination is written without being read */
#define EMUL_F_NOWRITE (1u << 6) /* the destination is read only (CMP, TEST, BT) */
#define EMUL_F_INV64   (1u << 7) /* not encodable in 64-bit mode */
#define EMUL_F_ONLY64  (1u << 8) /* only in 64-bit mode */
#define EMUL_F_DEF64   (1u << 9) /* operand size defaults to 64 bits in 64-bit mode (stack) */
#define EMUL_F_STRING  (1u << 10) /* string instruction: F2/F3 mean REP */
#define EMUL_F_REPCOND (1u << 11) /* CMPS/SCAS: REPE/REPNE test ZF */
#define EMUL_F_ALIGN16 (1u << 12) /* the memory operand must be 16-byte aligned (#GP) */
#define EMUL_F_ADDR    (1u << 13) /* the memory operand is an address, never accessed (LEA) */
#define EMUL_F_BITOFF  (1u << 14) /* BT*: a register bit offset moves the memory operand */
#define EMUL_F_NOSRC   (1u << 15) /* the executor fetches the operands itself */
#define EMUL_F_NO16    (1u << 16) /* a 16-bit operand size is not supported */

/* Operand kinds (low 5 bits of an operand descriptor). */
enum {
	EMUL_OPK_NONE,
	EMUL_OPK_REG, /* GPR in ModRM.reg */
	EMUL_OPK_RM, /* GPR or memory in ModRM.rm */
	EMUL_OPK_MEM, /* memory in ModRM.rm; mod == 3 is #UD */
	EMUL_OPK_ACC, /* AL, AX, EAX, RAX */
	EMUL_OPK_OPCREG, /* GPR in the low 3 opcode bits (+ REX.B) */
	EMUL_OPK_IMM, /* immediate, sign-extended to the operand size */
	EMUL_OPK_IMMU, /* immediate, zero-extended */
	EMUL_OPK_MOFFS, /* memory at an address-sized absolute offset */
	EMUL_OPK_ONE, /* the constant 1 */
	EMUL_OPK_CL,
	EMUL_OPK_DX,
	EMUL_OPK_SI, /* seg:rSI */
	EMUL_OPK_DI, /* ES:rDI */
	EMUL_OPK_XREG, /* XMM in ModRM.reg */
	EMUL_OPK_XRM, /* XMM or memory in ModRM.rm */
};

/* Operand sizes (high 3 bits of an operand descriptor). */
enum {
	EMUL_SZ_V, /* operand size (1 with EMUL_F_BYTE) */
	EMUL_SZ_B,
	EMUL_SZ_W,
	EMUL_SZ_D,
	EMUL_SZ_Q,
	EMUL_SZ_O, /* 16 bytes */
	EMUL_SZ_Z, /* min(operand size, 4) (1 with EMUL_F_BYTE) */
	EMUL_SZ_Y, /* 8 with REX.W, else 4 */
};

#define EMUL_OPD(kind, size) ((uint8_t)((kind) | ((size) << 5)))
#define EMUL_OPD_KIND(d)     ((d)&31)
#define EMUL_OPD_SIZE(d)     ((d) >> 5)

/* Executor classes (struct emul_opcode.exec); 0 means not implemented. */
enum emul_exec {
	EX_NONE,
	EX_MOV,
	EX_MOVSX,
	EX_MOVBE,
	EX_LEA,
	EX_ALU,
	EX_INC,
	EX_DEC,
	EX_NOT,
	EX_NEG,
	EX_MUL,
	EX_IMUL1,
	EX_DIV,
	EX_IDIV,
	EX_IMUL,
	EX_SHIFT,
	EX_SHLD,
	EX_SHRD,
	EX_BT,
	EX_XCHG,
	EX_XADD,
	EX_CMPXCHG,
	EX_CMPXCHG8B,
	EX_MOVS,
	EX_STOS,
	EX_LODS,
	EX_CMPS,
	EX_SCAS,
	EX_INS,
	EX_OUTS,
	EX_IN,
	EX_OUT,
	EX_PUSH,
	EX_POP,
	EX_SETCC,
	EX_CMOVCC,
	EX_NR
};

/* ALU operations (sub of EX_ALU), in the opcode order 00..3F and group 1. */
enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

/* RFLAGS bits. */
#define EFL_CF	   (1u << 0)
#define EFL_PF	   (1u << 2)
#define EFL_AF	   (1u << 4)
#define EFL_ZF	   (1u << 6)
#define EFL_SF	   (1u << 7)
#define EFL_TF	   (1u << 8)
#define EFL_IF	   (1u << 9)
#define EFL_DF	   (1u << 10)
#define EFL_OF	   (1u << 11)
#define EFL_IOPL   (3u << 12)
#define EFL_AC	   (1u << 18)
#define EFL_VM	   (1u << 17)
#define EFL_STATUS (EFL_CF | EFL_PF | EFL_AF | EFL_ZF | EFL_SF | EFL_OF)

/* A resolved operand. */
enum { OPT_NONE, OPT_REG, OPT_MEM, OPT_IMM, OPT_XMM };

struct emul_operand {
	uint8_t type;
	uint8_t size; /* bytes */
	uint8_t reg; /* GPR or XMM number */
	bool hi8; /* AH, CH, DH, BH */
	uint8_t seg;
	uint64_t ea; /* offset within seg, already truncated to the address size */
	uint64_t val;
	struct emul_xmm xmm; /* 16-byte values (SSE, CMPXCHG16B) */
};

/* alu.c: arithmetic with the flags the hardware computes. flags holds RFLAGS in and out. */
uint64_t emul_alu(unsigned int op, uint64_t dst, uint64_t src, unsigned int size, uint64_t *flags);
uint64_t emul_incdec(bool dec, uint64_t dst, unsigned int size, uint64_t *flags);
uint64_t emul_neg(uint64_t dst, unsigned int size, uint64_t *flags);
uint64_t emul_shift(unsigned int op, uint64_t dst, unsigned int count, unsigned int size,
		    uint64_t *flags, uint32_t *undef);
uint64_t emul_shld(bool right, uint64_t dst, uint64_t src, unsigned int count, unsigned int size,
		   uint64_t *flags, uint32_t *undef);
bool emul_cond(unsigned int cc, uint64_t flags);
void emul_set_szp(uint64_t res, unsigned int size, uint64_t *flags);
static inline uint64_t emul_mask(unsigned int size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static inline uint64_t emul_sext(uint64_t v, unsigned int size)
{
	unsigned int sh = 64 - size * 8;

	return size >= 8 ? v : (uint64_t)((int64_t)(v << sh) >> sh);
}

/* mem.c: linear addresses (segmentation, canonical form) and page-split accesses. */
int emul_mem_read(struct emul_ctxt *ctxt, unsigned int seg, uint64_t ea, void *buf,
		  unsigned int size);
int emul_mem_read_rmw(struct emul_ctxt *ctxt, unsigned int seg, uint64_t ea, void *buf,
		      unsigned int size);
int emul_mem_write(struct emul_ctxt *ctxt, unsigned int seg, uint64_t ea, const void *buf,
		   unsigned int size);
int emul_fetch(struct emul_ctxt *ctxt, uint8_t *buf, unsigned int *len);
int emul_raise(struct emul_ctxt *ctxt, uint8_t vector, bool has_error, uint32_t error_code);

/* The size in bytes of operand descriptor d of the decoded instruction. */
static inline unsigned int emul_opd_size(const struct emul_insn *insn, uint8_t d)
{
	bool byte = insn->op.flags & EMUL_F_BYTE;

	switch (EMUL_OPD_SIZE(d)) {
	case EMUL_SZ_V:
		return byte ? 1 : insn->op_bytes;
	case EMUL_SZ_B:
		return 1;
	case EMUL_SZ_W:
		return 2;
	case EMUL_SZ_D:
		return 4;
	case EMUL_SZ_Q:
		return 8;
	case EMUL_SZ_O:
		return 16;
	case EMUL_SZ_Z:
		return byte ? 1 : (insn->op_bytes > 4 ? 4 : insn->op_bytes);
	default:
		return (insn->rex & 8) ? 8 : 4;
	}
}

/* exec.c */
int emul_exec_insn(struct emul_ctxt *ctxt);

static inline uint64_t emul_ad_mask(const struct emul_ctxt *ctxt)
{
	return ctxt->insn->ad_bytes == 8 ? ~0ull : (1ull << (ctxt->insn->ad_bytes * 8)) - 1;
}

#endif
