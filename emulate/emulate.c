// SPDX-License-Identifier: MIT
/*
 * The emulator's entry points and its on-demand register file: a register is fetched through
 * ops->read_gpr the first time it is read (regs_valid), and written back through
 * ops->write_gpr at the end only if the instruction modified it (regs_dirty).
 */
#include "emulate/internal.h"

static inline void writeback(struct emul_ctxt *ctxt)
{
	uint32_t dirty = ctxt->regs_dirty;

	while (dirty) {
		unsigned int reg = (unsigned int)__builtin_ctz(dirty);

		dirty &= dirty - 1;
		ctxt->ops->write_gpr(ctxt, reg, *emul_reg_slot(ctxt, reg));
	}
	ctxt->regs_dirty = 0;
}

void emul_writeback(struct emul_ctxt *ctxt)
{
	writeback(ctxt);
}

static inline int execute(struct emul_ctxt *ctxt)
{
	int rc = emul_exec_insn(ctxt);

	/* An instruction that fails leaves no trace, except the completed iterations of a
	 * REP string instruction (RIP stays on it). */
	if (rc != EMUL_OK && !(ctxt->insn->op.flags & EMUL_F_STRING)) {
		ctxt->regs_valid &= ~ctxt->regs_dirty;
		ctxt->regs_dirty = 0;
	}
	if (rc != EMUL_OK)
		ctxt->regs_dirty &= ~(1u << EMUL_REG_RIP);
	writeback(ctxt);
	if (rc == EMUL_FAULT)
		ctxt->ops->inject_fault(ctxt, &ctxt->fault);
	return rc;
}

int emul_execute(struct emul_ctxt *ctxt)
{
	return execute(ctxt);
}

/* The usual full 15-byte fetch compares as two overlapping quadwords. */
static bool same_bytes(const uint8_t *a, const uint8_t *b, unsigned int len)
{
	uint64_t a0, a1, b0, b1;

	if (len != 15)
		return !__builtin_memcmp(a, b, len);
	__builtin_memcpy(&a0, a, 8);
	__builtin_memcpy(&b0, b, 8);
	__builtin_memcpy(&a1, a + 7, 8);
	__builtin_memcpy(&b1, b + 7, 8);
	return a0 == b0 && a1 == b1;
}

/* Decode (or find in the decode cache) and execute the len bytes at CS:RIP; fetch_rc says why
 * the fetch stopped short of 15 bytes, with its fault in ctxt->fault. */
static int run(struct emul_ctxt *ctxt, const uint8_t *buf, unsigned int len, int fetch_rc)
{
	struct emul_decode_cache *c = ctxt->decode_cache;
	struct emul_fault pending;
	int rc;

	if (!len) {
		rc = fetch_rc;
		goto failed;
	}
	if (c && c->valid && c->mode == ctxt->mode && c->insn.nbytes == len &&
	    same_bytes(c->insn.bytes, buf, len)) {
		ctxt->insn = &c->insn;
		return execute(ctxt);
	}
	pending = ctxt->fault;
	rc = emul_decode(ctxt, buf, len);
	if (c && rc == EMUL_OK) {
		c->mode = ctxt->mode;
		c->insn = *ctxt->insn;
		c->valid = true;
	}
	if (rc == EMUL_TRUNCATED) {
		rc = fetch_rc;
		ctxt->fault = pending;
	}
	if (rc == EMUL_OK)
		return execute(ctxt);
failed:
	if (rc == EMUL_FAULT)
		ctxt->ops->inject_fault(ctxt, &ctxt->fault);
	return rc == EMUL_OK ? EMUL_ERROR : rc;
}

int emul_run(struct emul_ctxt *ctxt)
{
	uint8_t buf[15];
	unsigned int len;
	int fetch_rc = emul_fetch(ctxt, buf, &len);

	return run(ctxt, buf, len, fetch_rc);
}

int emul_run_fetched(struct emul_ctxt *ctxt, const uint8_t bytes[15])
{
	return run(ctxt, bytes, 15, EMUL_OK);
}

const char *emul_result_name(int result)
{
	static const char *const names[] = {
		[EMUL_OK] = "ok",
		[EMUL_FAULT] = "fault",
		[EMUL_UNSUPPORTED] = "unsupported",
		[EMUL_TRUNCATED] = "truncated",
		[EMUL_ERROR] = "error",
		[EMUL_MMIO] = "mmio",
	};

	if (result < 0 || (unsigned int)result >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[result];
}

bool emul_insn_is_string(const struct emul_insn *insn)
{
	return insn->op.flags & EMUL_F_STRING;
}
