// SPDX-License-Identifier: MIT
/*
 * make bench, host half of the emulator's figures: nanoseconds per emulated MMIO store and load
 * (emul_init + fetch + decode + execute + write-back, with ops as lean as plinth's: registers
 * in an array, identity paging, RAM in a buffer, a 64 KiB MMIO RAM like pc-testdev), beside
 * Zydis decoding the same bytes and nothing else, measured in the same run. Built -O2 without
 * sanitizers; the figures are wall-clock on this machine and only their ratio is a target.
 *
 *   emul_bench            the table (one row per instruction form, then the store/load means)
 *   emul_bench --iters N  N emulations per form and round (default 200000)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <Zydis/Zydis.h>

#include "emulate/emulate.h"

#define RAM_BYTES  (64u * 1024)
#define MMIO_GPA   0xff000000ull
#define MMIO_BYTES (64u * 1024)
#define CODE_GPA   0x1000ull
#define ROUNDS	   5

struct bench_vcpu {
	uint64_t regs[EMUL_NR_REGS];
	uint8_t ram[RAM_BYTES];
	uint8_t mmio[MMIO_BYTES];
};

static uint64_t op_read_gpr(struct emul_ctxt *ctxt, unsigned int reg)
{
	return ((struct bench_vcpu *)ctxt->opaque)->regs[reg];
}

static void op_write_gpr(struct emul_ctxt *ctxt, unsigned int reg, uint64_t val)
{
	((struct bench_vcpu *)ctxt->opaque)->regs[reg] = val;
}

static int op_translate(struct emul_ctxt *ctxt, uint64_t la, unsigned int access, uint64_t *gpa,
			struct emul_fault *fault)
{
	*gpa = la;
	return EMUL_OK;
}

static int op_read_phys(struct emul_ctxt *ctxt, uint64_t gpa, void *buf, unsigned int len)
{
	struct bench_vcpu *v = ctxt->opaque;

	if (gpa >= RAM_BYTES || len > RAM_BYTES - gpa)
		return EMUL_MMIO;
	memcpy(buf, v->ram + gpa, len);
	return EMUL_OK;
}

static int op_write_phys(struct emul_ctxt *ctxt, uint64_t gpa, const void *buf, unsigned int len)
{
	struct bench_vcpu *v = ctxt->opaque;

	if (gpa >= RAM_BYTES || len > RAM_BYTES - gpa)
		return EMUL_MMIO;
	memcpy(v->ram + gpa, buf, len);
	return EMUL_OK;
}

static int op_mmio_read(struct emul_ctxt *ctxt, uint64_t gpa, void *buf, unsigned int len)
{
	struct bench_vcpu *v = ctxt->opaque;

	if (gpa < MMIO_GPA || gpa - MMIO_GPA >= MMIO_BYTES || len > MMIO_BYTES - (gpa - MMIO_GPA))
		return EMUL_ERROR;
	memcpy(buf, v->mmio + (gpa - MMIO_GPA), len);
	return EMUL_OK;
}

static int op_mmio_write(struct emul_ctxt *ctxt, uint64_t gpa, const void *buf, unsigned int len)
{
	struct bench_vcpu *v = ctxt->opaque;

	if (gpa < MMIO_GPA || gpa - MMIO_GPA >= MMIO_BYTES || len > MMIO_BYTES - (gpa - MMIO_GPA))
		return EMUL_ERROR;
	memcpy(v->mmio + (gpa - MMIO_GPA), buf, len);
	return EMUL_OK;
}

static void op_inject_fault(struct emul_ctxt *ctxt, const struct emul_fault *fault)
{
	fprintf(stderr, "emul_bench: unexpected fault %u\n", fault->vector);
	exit(1);
}

static const struct emul_ops bench_ops = {
	.read_gpr = op_read_gpr,
	.write_gpr = op_write_gpr,
	.translate = op_translate,
	.read_phys = op_read_phys,
	.write_phys = op_write_phys,
	.mmio_read = op_mmio_read,
	.mmio_write = op_mmio_write,
	.inject_fault = op_inject_fault,
};

/* What compilers and drivers emit for register accesses (readl/writel and friends). RSI, RDI
 * and RBX point into the MMIO window. */
struct form {
	const char *name;
	bool store;
	uint8_t len;
	uint8_t bytes[15];
};

static const struct form forms[] = {
	{ "mov dword [rsi], imm32", true, 6, { 0xc7, 0x06, 0x5a, 0x5a, 0x5a, 0x5a } },
	{ "mov [rsi], eax", true, 2, { 0x89, 0x06 } },
	{ "mov [rdi+rcx*4+8], rax", true, 5, { 0x48, 0x89, 0x44, 0x8f, 0x08 } },
	{ "mov word [rbx+0x10], dx", true, 4, { 0x66, 0x89, 0x53, 0x10 } },
	{ "mov byte [rsi+1], 0x7f", true, 4, { 0xc6, 0x46, 0x01, 0x7f } },
	{ "mov eax, [rsi]", false, 2, { 0x8b, 0x06 } },
	{ "mov rax, [rdi+rcx*4+8]", false, 5, { 0x48, 0x8b, 0x44, 0x8f, 0x08 } },
	{ "movzx eax, word [rbx+2]", false, 4, { 0x0f, 0xb7, 0x43, 0x02 } },
	{ "movzx ecx, byte [rsi+3]", false, 4, { 0x0f, 0xb6, 0x4e, 0x03 } },
	{ "mov eax, [moffs64]", false, 9, { 0xa1, 0x00, 0x03, 0x00, 0xff, 0, 0, 0, 0 } },
};

#define NFORMS (sizeof(forms) / sizeof(forms[0]))

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void reset_regs(struct bench_vcpu *v, const struct form *f)
{
	memset(v->regs, 0, sizeof(v->regs));
	v->regs[EMUL_REG_RSI] = MMIO_GPA;
	v->regs[EMUL_REG_RDI] = MMIO_GPA + 0x100;
	v->regs[EMUL_REG_RBX] = MMIO_GPA + 0x200;
	v->regs[EMUL_REG_RCX] = 3;
	v->regs[EMUL_REG_RAX] = 0x1122334455667788ull;
	v->regs[EMUL_REG_RDX] = 0xbeef;
	v->regs[EMUL_REG_RIP] = CODE_GPA;
	v->regs[EMUL_REG_RFLAGS] = 0x2;
}

/* Best-of-ROUNDS nanoseconds per emulation of form f; with cache, every run after the first
 * reuses the decode (plinth keeps one per vCPU: a driver's loop repeats its instructions). */
static double time_emul(struct bench_vcpu *v, const struct form *f, unsigned long iters, bool cache)
{
	struct emul_decode_cache dc = { 0 };
	double best = 1e30;

	memcpy(v->ram + CODE_GPA, f->bytes, f->len);
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_ns();

		for (unsigned long i = 0; i < iters; i++) {
			struct emul_ctxt ctxt;

			v->regs[EMUL_REG_RIP] = CODE_GPA;
			int rc;

			emul_init(&ctxt, &bench_ops, v, EMUL_MODE_PROT64);
			if (cache)
				ctxt.decode_cache = &dc;
			rc = emul_run(&ctxt);
			if (rc != EMUL_OK) {
				fprintf(stderr, "emul_bench: %s: %s\n", f->name,
					emul_result_name(rc));
				exit(1);
			}
		}
		double ns = (now_ns() - t0) / (double)iters;

		if (ns < best)
			best = ns;
	}
	if (v->regs[EMUL_REG_RIP] != CODE_GPA + f->len) {
		fprintf(stderr, "emul_bench: %s: RIP not advanced\n", f->name);
		exit(1);
	}
	return best;
}

/* Best-of-ROUNDS nanoseconds for Zydis to decode the same bytes: instruction and operands
 * (full) or the instruction alone. */
static double time_zydis(const struct form *f, unsigned long iters, bool full)
{
	ZydisDecoder dec;
	ZydisDecodedInstruction insn;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	double best = 1e30;

	ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
	for (int r = 0; r < ROUNDS; r++) {
		double t0 = now_ns();

		for (unsigned long i = 0; i < iters; i++) {
			ZyanStatus st =
				full ? ZydisDecoderDecodeFull(&dec, f->bytes, f->len, &insn, ops) :
				       ZydisDecoderDecodeInstruction(&dec, NULL, f->bytes, f->len,
								     &insn);

			if (!ZYAN_SUCCESS(st) || insn.length != f->len) {
				fprintf(stderr, "emul_bench: Zydis refused %s\n", f->name);
				exit(1);
			}
			__asm__ volatile("" : : "r"(&insn), "r"(ops) : "memory");
		}
		double ns = (now_ns() - t0) / (double)iters;

		if (ns < best)
			best = ns;
	}
	return best;
}

int main(int argc, char **argv)
{
	unsigned long iters = 200000;
	static struct bench_vcpu v;
	double sum_e[2] = { 0, 0 }, sum_c[2] = { 0, 0 }, sum_z[2] = { 0, 0 }, sum_zi[2] = { 0, 0 };
	unsigned int n[2] = { 0, 0 };

	if (argc == 3 && !strcmp(argv[1], "--iters"))
		iters = strtoul(argv[2], NULL, 0);
	if (!iters) {
		fprintf(stderr, "usage: emul_bench [--iters N]\n");
		return 2;
	}
	printf("| MMIO instruction (64-bit) | emulated, ns | emulated, decode cached, ns | Zydis "
	       "decode, ns | Zydis decode without operands, ns | emulated / Zydis decode |\n");
	printf("|---|---:|---:|---:|---:|---:|\n");
	for (unsigned int i = 0; i < NFORMS; i++) {
		const struct form *f = &forms[i];

		reset_regs(&v, f);
		double e = time_emul(&v, f, iters, false);
		double c = time_emul(&v, f, iters, true);
		double z = time_zydis(f, iters, true);
		double zi = time_zydis(f, iters, false);

		printf("| %s | %.1f | %.1f | %.1f | %.1f | %.2f |\n", f->name, e, c, z, zi, e / z);
		sum_e[f->store] += e;
		sum_c[f->store] += c;
		sum_z[f->store] += z;
		sum_zi[f->store] += zi;
		n[f->store]++;
	}
	for (int s = 1; s >= 0; s--)
		printf("| **mean, %s** | %.1f | %.1f | %.1f | %.1f | %.2f |\n",
		       s ? "stores" : "loads", sum_e[s] / n[s], sum_c[s] / n[s], sum_z[s] / n[s],
		       sum_zi[s] / n[s], sum_e[s] / sum_z[s]);
	return 0;
}
