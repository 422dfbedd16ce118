// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: decode and execute one instruction with fake ops. The input chooses the
 * mode, where the instruction sits (possibly at the end of a page followed by a #PF page), the
 * registers, segment limits and the memory contents. Whatever the input, the emulator must
 * return a result without a sanitizer report, never execute an instruction it called
 * unsupported, and call read_gpr/write_gpr at most once per register.
 *
 * Input: [0] config, [1] instruction length, then 15 instruction bytes, 18 registers of 8
 * bytes, then memory. Missing bytes read as zero.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/emulate_fake_ops.h"

#define CODE_GPA 0x10000ull
#define DATA_GPA 0x20000ull
#define DATA_LEN 0x2000ull

static uint8_t code_page[4096];
static uint8_t data_mem[DATA_LEN];

static uint64_t take(const uint8_t **p, size_t *left, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++) {
		uint8_t b = 0;

		if (*left) {
			b = **p;
			(*p)++;
			(*left)--;
		}
		v |= (uint64_t)b << (8 * i);
	}
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum emul_mode modes[8] = {
		EMUL_MODE_PROT64, EMUL_MODE_PROT64, EMUL_MODE_PROT64, EMUL_MODE_PROT32,
		EMUL_MODE_PROT32, EMUL_MODE_PROT16, EMUL_MODE_REAL,   EMUL_MODE_VM86,
	};
	const uint8_t *p = data;
	size_t left = size;
	unsigned int cfg = (unsigned int)take(&p, &left, 1);
	unsigned int len = (unsigned int)take(&p, &left, 1) % 16;
	uint8_t insn[15];
	struct fake_vcpu v;
	struct emul_ctxt ctxt;
	uint64_t rip_off;
	int rc;

	for (unsigned int i = 0; i < 15; i++)
		insn[i] = (uint8_t)take(&p, &left, 1);
	memset(&v, 0, sizeof(v));
	for (unsigned int i = 0; i < EMUL_NR_REGS; i++)
		v.regs[i] = take(&p, &left, 8);
	/* Near the data region most of the time, so that accesses hit something. */
	if (cfg & 0x40)
		for (unsigned int i = 0; i < 16; i++)
			v.regs[i] = DATA_GPA + (v.regs[i] & (DATA_LEN - 1));
	memset(data_mem, 0, sizeof(data_mem));
	memcpy(data_mem, p, left < DATA_LEN ? left : DATA_LEN);
	for (unsigned int i = 0; i < 16; i++) {
		v.xmm[i].q[0] = v.regs[i] * 3;
		v.xmm[i].q[1] = ~v.regs[i];
	}

	/* The instruction at the start of the code page or right at its end. */
	memset(code_page, 0x90, sizeof(code_page));
	rip_off = (cfg & 0x08) ? sizeof(code_page) - len : 0;
	memcpy(code_page + rip_off, insn, len);
	fake_flat_segments(&v, true);
	if (cfg & 0x20) {
		/* 16-bit style segments with small limits. */
		for (unsigned int i = 0; i < 6; i++) {
			v.seg[i].limit = 0xffff;
			v.seg[i].attr &= ~EMUL_SEGATTR_DB;
		}
		v.seg[EMUL_SEG_DS].limit = (uint32_t)(v.regs[EMUL_REG_RFLAGS] >> 32);
		v.seg[EMUL_SEG_ES].attr =
			(v.seg[EMUL_SEG_ES].attr & ~0xfu) | (cfg & 0x4 ? 0x7 : 0x1);
	}
	v.cpl = cfg & 0x80 ? 3 : 0;
	fake_add_region(&v, CODE_GPA, sizeof(code_page), code_page, false);
	fake_add_region(&v, DATA_GPA, DATA_LEN / 2, data_mem, false);
	fake_add_region(&v, DATA_GPA + DATA_LEN / 2, DATA_LEN / 2, data_mem + DATA_LEN / 2, true);
	if (cfg & 0x10) {
		/* The page after the code is not present. */
		v.pf_lo = CODE_GPA + sizeof(code_page);
		v.pf_hi = v.pf_lo + 4096;
	}
	v.regs[EMUL_REG_RIP] = CODE_GPA + rip_off;
	v.regs[EMUL_REG_RFLAGS] = (v.regs[EMUL_REG_RFLAGS] & 0xcd5) | 2;
	if (modes[cfg & 7] != EMUL_MODE_PROT64) {
		/* CS base such that CS:IP is the code page. */
		v.seg[EMUL_SEG_CS].base = CODE_GPA;
		v.regs[EMUL_REG_RIP] = rip_off;
	}

	emul_init(&ctxt, &fake_ops, &v, modes[cfg & 7]);
	ctxt.rep_batch = 16;
	rc = emul_run(&ctxt);
	if (rc != EMUL_OK && rc != EMUL_FAULT && rc != EMUL_UNSUPPORTED && rc != EMUL_ERROR)
		abort();
	for (unsigned int i = 0; i < EMUL_NR_REGS; i++)
		if (v.read_calls[i] > 1 || v.write_calls[i] > 1)
			abort();
	/* Unsupported means nothing happened. */
	if (rc == EMUL_UNSUPPORTED && (v.writes || v.mmio_writes || v.npio || v.injected))
		abort();
	if (rc == EMUL_FAULT && v.injected != 1)
		abort();
	return 0;
}
