/* SPDX-License-Identifier: MIT */
/*
 * A fake vCPU behind struct emul_ops for the emulator's tests and fuzzer: registers, XMM
 * registers and segments in arrays, guest memory as a few regions (RAM or MMIO) over plain
 * buffers, a linear range that translates to #PF, and a log of every op call. An access that
 * falls outside every region is counted in bad_access: the tests require it stays 0.
 */
#ifndef PLINTH_TESTS_EMULATE_FAKE_OPS_H
#define PLINTH_TESTS_EMULATE_FAKE_OPS_H

#include <string.h>

#include "emulate/emulate.h"

#define FAKE_MAX_REGIONS 4
#define FAKE_MAX_PIO	 64

struct fake_region {
	uint64_t base, size;
	uint8_t *mem;
	bool mmio;
};

struct fake_vcpu {
	uint64_t regs[EMUL_NR_REGS];
	struct emul_xmm xmm[16];
	struct emul_segment seg[6];
	unsigned int cpl;
	uint64_t cr[5];
	struct fake_region region[FAKE_MAX_REGIONS];
	unsigned int nregions;
	/* Linear addresses in [pf_lo, pf_hi) are not present: #PF. */
	uint64_t pf_lo, pf_hi;

	uint32_t reads, writes; /* registers fetched / written back (bit per reg) */
	unsigned int read_calls[EMUL_NR_REGS], write_calls[EMUL_NR_REGS];
	unsigned int mmio_reads, mmio_writes, bad_access, injected;
	unsigned int data_translates; /* translate calls other than fetches */
	unsigned int phys_reads, phys_writes; /* read_phys / write_phys calls */
	struct emul_fault fault;

	uint32_t pio_in_val;
	unsigned int npio;
	struct {
		bool out;
		uint16_t port;
		unsigned int len;
		uint32_t val;
	} pio[FAKE_MAX_PIO];
};

static inline struct fake_vcpu *fake_of(struct emul_ctxt *ctxt)
{
	return (struct fake_vcpu *)ctxt->opaque;
}

static uint64_t fake_read_gpr(struct emul_ctxt *ctxt, unsigned int reg)
{
	struct fake_vcpu *v = fake_of(ctxt);

	v->reads |= 1u << reg;
	v->read_calls[reg]++;
	return v->regs[reg];
}

static void fake_write_gpr(struct emul_ctxt *ctxt, unsigned int reg, uint64_t val)
{
	struct fake_vcpu *v = fake_of(ctxt);

	v->writes |= 1u << reg;
	v->write_calls[reg]++;
	v->regs[reg] = val;
}

static int fake_translate(struct emul_ctxt *ctxt, uint64_t la, unsigned int access, uint64_t *gpa,
			  struct emul_fault *fault)
{
	struct fake_vcpu *v = fake_of(ctxt);

	if (!(access & EMUL_ACC_FETCH))
		v->data_translates++;
	if (la >= v->pf_lo && la < v->pf_hi) {
		fault->vector = EMUL_VEC_PF;
		fault->error_code_valid = true;
		fault->error_code = ((access & EMUL_ACC_WRITE) ? 2 : 0) |
				    ((access & EMUL_ACC_FETCH) ? 16 : 0) | (v->cpl == 3 ? 4 : 0);
		fault->cr2 = la;
		return EMUL_FAULT;
	}
	*gpa = la;
	return EMUL_OK;
}

static struct fake_region *fake_find(struct fake_vcpu *v, uint64_t gpa, unsigned int len)
{
	for (unsigned int i = 0; i < v->nregions; i++) {
		struct fake_region *r = &v->region[i];

		if (gpa >= r->base && gpa - r->base <= r->size && len <= r->size - (gpa - r->base))
			return r;
	}
	return NULL;
}

static int fake_read_phys(struct emul_ctxt *ctxt, uint64_t gpa, void *buf, unsigned int len)
{
	struct fake_region *r = fake_find(fake_of(ctxt), gpa, len);

	fake_of(ctxt)->phys_reads++;
	if (!r || r->mmio)
		return EMUL_MMIO;
	memcpy(buf, r->mem + (gpa - r->base), len);
	return EMUL_OK;
}

static int fake_write_phys(struct emul_ctxt *ctxt, uint64_t gpa, const void *buf, unsigned int len)
{
	struct fake_region *r = fake_find(fake_of(ctxt), gpa, len);

	fake_of(ctxt)->phys_writes++;
	if (!r || r->mmio)
		return EMUL_MMIO;
	memcpy(r->mem + (gpa - r->base), buf, len);
	return EMUL_OK;
}

static int fake_mmio_read(struct emul_ctxt *ctxt, uint64_t gpa, void *buf, unsigned int len)
{
	struct fake_vcpu *v = fake_of(ctxt);
	struct fake_region *r = fake_find(v, gpa, len);

	if (len < 1 || len > 16)
		v->bad_access++;
	if (!r) {
		/* Nothing there: reads float high, as on a PC. */
		v->bad_access++;
		memset(buf, 0xff, len);
		return EMUL_OK;
	}
	v->mmio_reads++;
	memcpy(buf, r->mem + (gpa - r->base), len);
	return EMUL_OK;
}

static int fake_mmio_write(struct emul_ctxt *ctxt, uint64_t gpa, const void *buf, unsigned int len)
{
	struct fake_vcpu *v = fake_of(ctxt);
	struct fake_region *r = fake_find(v, gpa, len);

	if (len < 1 || len > 16)
		v->bad_access++;
	if (!r) {
		v->bad_access++;
		return EMUL_OK;
	}
	v->mmio_writes++;
	memcpy(r->mem + (gpa - r->base), buf, len);
	return EMUL_OK;
}

static void fake_log_pio(struct fake_vcpu *v, bool out, uint16_t port, unsigned int len,
			 uint32_t val)
{
	if (v->npio < FAKE_MAX_PIO) {
		v->pio[v->npio].out = out;
		v->pio[v->npio].port = port;
		v->pio[v->npio].len = len;
		v->pio[v->npio].val = val;
		v->npio++;
	}
}

static int fake_pio_in(struct emul_ctxt *ctxt, uint16_t port, unsigned int len, uint32_t *val)
{
	struct fake_vcpu *v = fake_of(ctxt);

	*val = v->pio_in_val & (len == 4 ? 0xffffffffu : (1u << (len * 8)) - 1);
	fake_log_pio(v, false, port, len, *val);
	v->pio_in_val += 0x01010101u;
	return EMUL_OK;
}

static int fake_pio_out(struct emul_ctxt *ctxt, uint16_t port, unsigned int len, uint32_t val)
{
	fake_log_pio(fake_of(ctxt), true, port, len, val);
	return EMUL_OK;
}

static void fake_get_segment(struct emul_ctxt *ctxt, unsigned int seg, struct emul_segment *s)
{
	*s = fake_of(ctxt)->seg[seg < 6 ? seg : 3];
}

static unsigned int fake_get_cpl(struct emul_ctxt *ctxt)
{
	return fake_of(ctxt)->cpl;
}

static uint64_t fake_get_cr(struct emul_ctxt *ctxt, unsigned int cr)
{
	return cr < 5 ? fake_of(ctxt)->cr[cr] : 0;
}

static void fake_read_xmm(struct emul_ctxt *ctxt, unsigned int n, struct emul_xmm *val)
{
	*val = fake_of(ctxt)->xmm[n & 15];
}

static void fake_write_xmm(struct emul_ctxt *ctxt, unsigned int n, const struct emul_xmm *val)
{
	fake_of(ctxt)->xmm[n & 15] = *val;
}

static void fake_inject_fault(struct emul_ctxt *ctxt, const struct emul_fault *fault)
{
	struct fake_vcpu *v = fake_of(ctxt);

	v->injected++;
	v->fault = *fault;
}

static const struct emul_ops fake_ops = {
	.read_gpr = fake_read_gpr,
	.write_gpr = fake_write_gpr,
	.translate = fake_translate,
	.read_phys = fake_read_phys,
	.write_phys = fake_write_phys,
	.mmio_read = fake_mmio_read,
	.mmio_write = fake_mmio_write,
	.pio_in = fake_pio_in,
	.pio_out = fake_pio_out,
	.get_segment = fake_get_segment,
	.get_cpl = fake_get_cpl,
	.get_cr = fake_get_cr,
	.read_xmm = fake_read_xmm,
	.write_xmm = fake_write_xmm,
	.inject_fault = fake_inject_fault,
};

/* Flat segments: base 0, 4 GiB limit, present, read/write data (CS: execute/read code). */
static inline void fake_flat_segments(struct fake_vcpu *v, bool db)
{
	for (unsigned int i = 0; i < 6; i++) {
		v->seg[i].base = 0;
		v->seg[i].limit = 0xffffffffu;
		v->seg[i].selector = (uint16_t)(i == EMUL_SEG_CS ? 0x8 : 0x10);
		v->seg[i].attr = (i == EMUL_SEG_CS ? 0xb : 0x3) | EMUL_SEGATTR_S | EMUL_SEGATTR_P |
				 (1u << 15) | (db ? EMUL_SEGATTR_DB : 0);
	}
}

static inline void fake_add_region(struct fake_vcpu *v, uint64_t base, uint64_t size, uint8_t *mem,
				   bool mmio)
{
	if (v->nregions < FAKE_MAX_REGIONS) {
		v->region[v->nregions].base = base;
		v->region[v->nregions].size = size;
		v->region[v->nregions].mem = mem;
		v->region[v->nregions].mmio = mmio;
		v->nregions++;
	}
}

#endif
