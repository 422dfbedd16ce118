// SPDX-License-Identifier: MIT
/*
 * The emulator's entry points and its on-demand register file: a register is fetched through
 * ops->read_gpr the first time it is read (regs_valid), and written back through
 * ops->write_gpr at the end only if the instruction modified it (regs_dirty).
 */
#include "emulate/internal.h"

void emul_init(struct emul_ctxt *ctxt, const struct emul_ops *ops, void *opaque,
	       enum emul_mode mode)
{
	ctxt->ops = ops;
	ctxt->opaque = opaque;
	ctxt->mode = mode;
	ctxt->regs_valid = 0;
	ctxt->regs_dirty = 0;
	ctxt->rep_batch = 0;
	ctxt->flags_undefined = 0;
	ctxt->insn.len = 0;
	ctxt->insn.nbytes = 0;
}

static uint64_t *reg_slot(struct emul_ctxt *ctxt, unsigned int reg)
{
	if (reg < EMUL_NR_GPRS)
		return &ctxt->_regs[reg];
	return reg == EMUL_REG_RIP ? &ctxt->rip : &ctxt->rflags;
}

uint64_t emul_reg_read(struct emul_ctxt *ctxt, unsigned int reg)
{
	uint64_t *slot = reg_slot(ctxt, reg);

	if (!(ctxt->regs_valid & (1u << reg))) {
		*slot = ctxt->ops->read_gpr(ctxt, reg);
		ctxt->regs_valid |= 1u << reg;
	}
	return *slot;
}

void emul_reg_write(struct emul_ctxt *ctxt, unsigned int reg, uint64_t val)
{
	*reg_slot(ctxt, reg) = val;
	ctxt->regs_valid |= 1u << reg;
	ctxt->regs_dirty |= 1u << reg;
}

void emul_writeback(struct emul_ctxt *ctxt)
{
	uint32_t dirty = ctxt->regs_dirty;

	while (dirty) {
		unsigned int reg = (unsigned int)__builtin_ctz(dirty);

		dirty &= dirty - 1;
		ctxt->ops->write_gpr(ctxt, reg, *reg_slot(ctxt, reg));
	}
	ctxt->regs_dirty = 0;
}

int emul_execute(struct emul_ctxt *ctxt)
{
	int rc = emul_exec_insn(ctxt);

	/* An instruction that fails leaves no trace, except the completed iterations of a
	 * REP string instruction (RIP stays on it). */
	if (rc != EMUL_OK && !(ctxt->insn.op.flags & EMUL_F_STRING)) {
		ctxt->regs_valid &= ~ctxt->regs_dirty;
		ctxt->regs_dirty = 0;
	}
	if (rc != EMUL_OK)
		ctxt->regs_dirty &= ~(1u << EMUL_REG_RIP);
	emul_writeback(ctxt);
	if (rc == EMUL_FAULT)
		ctxt->ops->inject_fault(ctxt, &ctxt->fault);
	return rc;
}

int emul_run(struct emul_ctxt *ctxt)
{
	uint8_t buf[15];
	unsigned int len;
	int fetch_rc, rc;

	fetch_rc = emul_fetch(ctxt, buf, &len);
	if (!len) {
		rc = fetch_rc;
	} else {
		struct emul_fault pending = ctxt->fault;

		rc = emul_decode(ctxt, buf, len);
		if (rc == EMUL_TRUNCATED) {
			rc = fetch_rc;
			ctxt->fault = pending;
		}
		if (rc == EMUL_OK)
			return emul_execute(ctxt);
	}
	if (rc == EMUL_FAULT)
		ctxt->ops->inject_fault(ctxt, &ctxt->fault);
	return rc == EMUL_OK ? EMUL_ERROR : rc;
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
