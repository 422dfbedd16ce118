// SPDX-License-Identifier: MIT
/*
 * The emulator against the host CPU. Every instruction form the decoder accepts (enumerated
 * from its own tables: opcode x mandatory prefix x ModRM.reg group) is generated with random
 * prefixes, ModRM/SIB/displacement and immediates, random registers, flags, XMM registers and
 * memory; it runs natively in an RWX page and through the emulator with fake ops whose "MMIO"
 * is a copy of the same buffer. GPRs, RIP, RFLAGS (the defined flags), XMM registers and memory
 * must agree, faults too (#DE, #GP for misalignment). For each run the registers the emulator
 * fetched and wrote back must be those Zydis says the instruction reads and writes.
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/emulate_fake_ops.h"
#include "tests/unit/emulate_zydis.h"

#define DATA_BASE 0x20000000ull
#define DATA_SIZE 0x4000ull
#define CODE_BASE 0x30000000ull
#define INSN_ADDR (CODE_BASE + 0x100)

struct native_state {
	uint64_t regs[16];
	uint64_t rip;
	uint64_t rflags;
	struct emul_xmm xmm[16];
};

_Static_assert(offsetof(struct native_state, rflags) == 136, "asm offsets");
_Static_assert(offsetof(struct native_state, xmm) == 144, "asm offsets");

void native_run(struct native_state *s);
void native_return(void);

/* Load every GPR, RFLAGS and XMM register from *s, jump to the instruction, which jumps back to
 * native_return, store them all into *s. */
__asm__(".text\n"
	".globl native_run\n"
	"native_run:\n"
	"push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n"
	"mov %rsp, saved_rsp(%rip)\n"
	"mov %rdi, saved_state(%rip)\n"
	"movdqu 144(%rdi), %xmm0\n movdqu 160(%rdi), %xmm1\n movdqu 176(%rdi), %xmm2\n"
	"movdqu 192(%rdi), %xmm3\n movdqu 208(%rdi), %xmm4\n movdqu 224(%rdi), %xmm5\n"
	"movdqu 240(%rdi), %xmm6\n movdqu 256(%rdi), %xmm7\n movdqu 272(%rdi), %xmm8\n"
	"movdqu 288(%rdi), %xmm9\n movdqu 304(%rdi), %xmm10\n movdqu 320(%rdi), %xmm11\n"
	"movdqu 336(%rdi), %xmm12\n movdqu 352(%rdi), %xmm13\n movdqu 368(%rdi), %xmm14\n"
	"movdqu 384(%rdi), %xmm15\n"
	"pushq 136(%rdi)\n popfq\n"
	"mov 0(%rdi), %rax\n mov 8(%rdi), %rcx\n mov 16(%rdi), %rdx\n mov 24(%rdi), %rbx\n"
	"mov 32(%rdi), %rsp\n mov 40(%rdi), %rbp\n mov 48(%rdi), %rsi\n mov 64(%rdi), %r8\n"
	"mov 72(%rdi), %r9\n mov 80(%rdi), %r10\n mov 88(%rdi), %r11\n mov 96(%rdi), %r12\n"
	"mov 104(%rdi), %r13\n mov 112(%rdi), %r14\n mov 120(%rdi), %r15\n"
	"mov 56(%rdi), %rdi\n"
	"jmp *insn_target(%rip)\n"
	".globl native_return\n"
	"native_return:\n"
	"mov %rdi, tmp_rdi(%rip)\n"
	"mov saved_state(%rip), %rdi\n"
	"mov %rax, 0(%rdi)\n mov %rcx, 8(%rdi)\n mov %rdx, 16(%rdi)\n mov %rbx, 24(%rdi)\n"
	"mov %rsp, 32(%rdi)\n mov %rbp, 40(%rdi)\n mov %rsi, 48(%rdi)\n mov %r8, 64(%rdi)\n"
	"mov %r9, 72(%rdi)\n mov %r10, 80(%rdi)\n mov %r11, 88(%rdi)\n mov %r12, 96(%rdi)\n"
	"mov %r13, 104(%rdi)\n mov %r14, 112(%rdi)\n mov %r15, 120(%rdi)\n"
	"mov tmp_rdi(%rip), %rax\n mov %rax, 56(%rdi)\n"
	"mov saved_rsp(%rip), %rsp\n"
	"pushfq\n pop %rax\n mov %rax, 136(%rdi)\n cld\n"
	"movdqu %xmm0, 144(%rdi)\n movdqu %xmm1, 160(%rdi)\n movdqu %xmm2, 176(%rdi)\n"
	"movdqu %xmm3, 192(%rdi)\n movdqu %xmm4, 208(%rdi)\n movdqu %xmm5, 224(%rdi)\n"
	"movdqu %xmm6, 240(%rdi)\n movdqu %xmm7, 256(%rdi)\n movdqu %xmm8, 272(%rdi)\n"
	"movdqu %xmm9, 288(%rdi)\n movdqu %xmm10, 304(%rdi)\n movdqu %xmm11, 320(%rdi)\n"
	"movdqu %xmm12, 336(%rdi)\n movdqu %xmm13, 352(%rdi)\n movdqu %xmm14, 368(%rdi)\n"
	"movdqu %xmm15, 384(%rdi)\n"
	"pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
	"ret\n"
	".data\n"
	".balign 8\n"
	"saved_rsp: .quad 0\n"
	"saved_state: .quad 0\n"
	"tmp_rdi: .quad 0\n"
	"insn_target: .quad 0x30000100\n"
	".text\n");

#include "tests/unit/test_rng.h"

static uint8_t *data_native, *data_emul, *code;
static uint64_t fs_base, gs_base;
static sigjmp_buf fault_jmp;
static volatile int native_signal;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	native_signal = sig;
	siglongjmp(fault_jmp, 1);
}

static int setup(void **state)
{
	static uint8_t altstack[64 << 10];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	void *p;

	/* Guard pages on either side of the data buffer catch a wild native access. */
	p = mmap((void *)(DATA_BASE - 0x1000), DATA_SIZE + 0x2000, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	assert_true(p == (void *)(DATA_BASE - 0x1000));
	assert_int_equal(mprotect((void *)DATA_BASE, DATA_SIZE, PROT_READ | PROT_WRITE), 0);
	data_native = (uint8_t *)DATA_BASE;
	data_emul = malloc(DATA_SIZE);
	p = mmap((void *)CODE_BASE, 0x1000, PROT_READ | PROT_WRITE | PROT_EXEC,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	assert_true(p == (void *)CODE_BASE);
	code = p;
	syscall(SYS_arch_prctl, ARCH_GET_FS, &fs_base);
	syscall(SYS_arch_prctl, ARCH_GET_GS, &gs_base);

	sigaltstack(&ss, NULL);
	return 0;
}

/* cmocka installs its own handlers around each test: ours go in inside the test. */
static void catch_native_faults(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
}

/* One form: the opcode bytes with a mandatory prefix and, for groups, ModRM.reg. */
struct form {
	uint8_t mandatory; /* 0, 0x66, 0xf2, 0xf3 */
	uint8_t map; /* 0, 1 (0F), 2 (0F 38) */
	uint8_t opcode;
	int8_t digit; /* ModRM.reg for group rows, else -1 */
	struct emul_opcode op;
};

#define MAX_FORMS 512
static struct form forms[MAX_FORMS];
static unsigned int nforms;

static unsigned int emit_opcode(uint8_t *b, const struct form *f)
{
	unsigned int n = 0;

	if (f->map >= 1)
		b[n++] = 0x0f;
	if (f->map == 2)
		b[n++] = 0x38;
	b[n++] = f->opcode;
	return n;
}

/* Every (map, opcode, mandatory prefix, group digit) the decoder accepts in 64-bit mode. */
static void enumerate_forms(void)
{
	static const uint8_t mand[4] = { 0, 0x66, 0xf3, 0xf2 };

	nforms = 0;
	for (unsigned int map = 0; map < 3; map++)
		for (unsigned int opc = 0; opc < 256; opc++)
			for (unsigned int p = 0; p < 4; p++)
				for (int digit = 0; digit < 8; digit++) {
					uint8_t b[16] = { 0 };
					unsigned int n = 0;
					struct emul_ctxt ctxt;
					struct form f = { .mandatory = mand[p],
							  .map = (uint8_t)map,
							  .opcode = (uint8_t)opc,
							  .digit = -1 };

					if (mand[p])
						b[n++] = mand[p];
					n += emit_opcode(b + n, &f);
					b[n++] = (uint8_t)(0x04 | (digit << 3)); /* mod 0, SIB */
					b[n++] = 0x24;
					emul_init(&ctxt, NULL, NULL, EMUL_MODE_PROT64);
					if (emul_decode(&ctxt, b, 15) != EMUL_OK ||
					    ctxt.insn->opcode != opc || ctxt.insn->map != map)
						continue;
					/* 66 and F2/F3 on rows that are not prefix-selected are
					 * ordinary prefixes: keep only the no-prefix form. */
					if (mand[p] && ctxt.insn->mandatory != mand[p])
						continue;
					if (ctxt.insn->op.flags & EMUL_F_GROUP)
						f.digit = (int8_t)digit;
					f.op = ctxt.insn->op;
					if (nforms && !memcmp(&forms[nforms - 1], &f, sizeof(f)))
						continue;
					assert_true(nforms < MAX_FORMS);
					forms[nforms++] = f;
					if (!(ctxt.insn->op.flags & EMUL_F_GROUP))
						break;
				}
}

static bool is_port_io(const struct form *f)
{
	unsigned int e = f->op.exec;

	return e == EX_IN || e == EX_OUT || e == EX_INS || e == EX_OUTS;
}

/* Random instruction bytes for form f; returns the buffer length (15). */
static unsigned int gen_bytes(uint8_t *b, const struct form *f)
{
	static const uint8_t segs[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };
	unsigned int n = 0;

	if (rnd() % 4 == 0)
		b[n++] = segs[rnd() % sizeof(segs)];
	if (!f->mandatory && rnd() % 3 == 0)
		b[n++] = 0x66;
	if (rnd() % 6 == 0)
		b[n++] = 0x67;
	if ((f->op.flags & EMUL_F_LOCK) && rnd() % 3 == 0)
		b[n++] = 0xf0;
	if ((f->op.flags & EMUL_F_STRING) && rnd() % 2)
		b[n++] = rnd() % 2 ? 0xf3 : 0xf2;
	if (f->mandatory)
		b[n++] = f->mandatory;
	if (rnd() % 2)
		b[n++] = 0x40 | (rnd() & 15);
	n += emit_opcode(b + n, f);
	if (f->op.flags & EMUL_F_MODRM) {
		uint8_t modrm = (uint8_t)rnd();

		if (f->digit >= 0)
			modrm = (uint8_t)((modrm & 0xc7) | (f->digit << 3));
		b[n++] = modrm;
	}
	while (n < 15)
		b[n++] = (uint8_t)rnd();
	return 15;
}

static void put_le(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Multiplicative inverse of an odd a modulo 2^64. */
static uint64_t inverse(uint64_t a)
{
	uint64_t x = a;

	for (int i = 0; i < 6; i++)
		x *= 2 - a * x;
	return x;
}

struct sample {
	uint8_t bytes[15];
	unsigned int len;
	struct native_state in;
	uint64_t target; /* linear address of the memory operand */
};

/*
 * Point the memory operand into the data buffer: solve the base (or index) register, or patch
 * the displacement of absolute, RIP-relative and moffs forms. Returns false if impossible.
 */
static bool place_memory(struct sample *s, struct emul_insn *insn)
{
	uint64_t amask = insn->ad_bytes == 8 ? ~0ull : 0xffffffffull;
	uint64_t seg_base = insn->seg == EMUL_SEG_FS ? fs_base :
			    insn->seg == EMUL_SEG_GS ? gs_base :
						       0;
	uint64_t align =
		(insn->op.flags & EMUL_F_ALIGN16) || insn->op.exec == EX_CMPXCHG8B ? 16 : 1;
	uint64_t target = DATA_BASE + 0x1000 + (rnd() % 0x1800);
	uint64_t want;

	if (rnd() % 16)
		target &= ~(align - 1);
	if (seg_base && (((target - seg_base) & amask) + seg_base != target))
		return false;
	want = (target - seg_base) & amask;
	if (insn->op.exec == EX_LEA)
		return true;
	if (insn->rip_relative || (insn->base < 0 && insn->index < 0)) {
		unsigned int dlen = insn->base < 0 && insn->index < 0 && !insn->rip_relative &&
						    !insn->has_modrm ?
					    insn->ad_bytes :
					    4;
		unsigned int off = insn->len - insn->imm_bytes - dlen;
		uint64_t disp = insn->rip_relative ? want - (INSN_ADDR + insn->len) : want;

		if (insn->rip_relative && insn->ad_bytes == 4)
			disp = (want - (INSN_ADDR + insn->len)) & 0xffffffffull;
		if (dlen == 4 && insn->ad_bytes == 8 && (int64_t)disp != (int32_t)disp)
			return false;
		put_le(s->bytes + off, disp, dlen);
		s->target = target;
		return true;
	}
	want = (want - (uint64_t)insn->disp) & amask;
	if (insn->base >= 0 && insn->index >= 0 && insn->base == insn->index) {
		uint64_t k = 1 + insn->scale;

		if (!(k & 1)) {
			if (want & 1)
				want--, target--;
			s->in.regs[insn->base] = want / 2;
		} else {
			s->in.regs[insn->base] = (want * inverse(k)) & amask;
		}
	} else if (insn->base >= 0) {
		uint64_t idx = insn->index >= 0 ? s->in.regs[insn->index] : 0;

		s->in.regs[insn->base] = want - idx * insn->scale;
	} else {
		uint64_t r = want % insn->scale;

		want -= r;
		target -= r;
		s->in.regs[insn->index] = want / insn->scale;
	}
	if (insn->ad_bytes == 4)
		for (int r = 0; r < 16; r++)
			if (r == insn->base || r == insn->index)
				s->in.regs[r] = (s->in.regs[r] & 0xffffffffull) | (rnd() << 32);
	s->target = target;
	return true;
}

static void random_state(struct native_state *st)
{
	static const uint64_t flag_bits = EFL_STATUS | EFL_DF;

	for (int i = 0; i < 16; i++) {
		switch (rnd() % 4) {
		case 0:
			st->regs[i] = rnd() & 0xff;
			break;
		case 1:
			st->regs[i] = (uint64_t)(int64_t)(int32_t)rnd();
			break;
		default:
			st->regs[i] = rnd();
			break;
		}
	}
	for (int i = 0; i < 16; i++) {
		st->xmm[i].q[0] = rnd();
		st->xmm[i].q[1] = rnd();
	}
	st->rflags = 0x202 | (rnd() & flag_bits);
	st->rip = INSN_ADDR;
	st->regs[EMUL_REG_RSP] = DATA_BASE + 0x3000 + (rnd() % 0x400) * 8;
}

static void fill_data(void)
{
	bool small = rnd() % 3 == 0;

	for (uint64_t i = 0; i < DATA_SIZE; i += 8) {
		uint64_t v = rnd();

		if (small)
			v &= 0x0101010101010101ull;
		memcpy(data_native + i, &v, 8);
	}
	memcpy(data_emul, data_native, DATA_SIZE);
}

struct totals {
	unsigned long runs, skipped, native_faults, undefined_flag_diffs, failures;
};

static void dump_fail(struct totals *t, const struct sample *s, const char *fmt, ...)
{
	va_list ap;

	t->failures++;
	if (t->failures > 300)
		return;
	fprintf(stderr, "MISMATCH ");
	for (unsigned int i = 0; i < s->len; i++)
		fprintf(stderr, "%02x ", s->bytes[i]);
	fprintf(stderr, ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Registers Zydis says the instruction reads / writes (conditionally or not). A write of an 8-
 * or 16-bit register is also a read: the emulator writes back whole registers. */
struct reg_sets {
	uint32_t read, read_maybe, write, write_maybe;
};

static struct reg_sets zydis_reg_sets(const struct emul_insn *insn,
				      const ZydisDecodedInstruction *zi,
				      const ZydisDecodedOperand *zo)
{
	struct reg_sets r = { 0 };

	for (unsigned int i = 0; i < zi->operand_count; i++) {
		const ZydisDecodedOperand *o = &zo[i];

		if (o->type == ZYDIS_OPERAND_TYPE_REGISTER) {
			int n = zydis_gpr_number(o->reg.value);
			uint32_t bit;

			if (n < 0)
				continue;
			bit = 1u << n;
			if (o->actions & ZYDIS_OPERAND_ACTION_READ)
				r.read |= bit;
			if (o->actions & ZYDIS_OPERAND_ACTION_CONDREAD)
				r.read_maybe |= bit;
			if (o->actions & ZYDIS_OPERAND_ACTION_WRITE) {
				r.write |= bit;
				if (zydis_gpr_width(o->reg.value) < 4)
					r.read |= bit;
			}
			if (o->actions & ZYDIS_OPERAND_ACTION_CONDWRITE) {
				r.write_maybe |= bit;
				if (zydis_gpr_width(o->reg.value) < 4)
					r.read_maybe |= bit;
			}
		} else if (o->type == ZYDIS_OPERAND_TYPE_MEMORY) {
			int b = zydis_gpr_number(o->mem.base), x = zydis_gpr_number(o->mem.index);

			if (b >= 0 && !(b == 13 && zydis_sib_quirk(insn, EMUL_MODE_PROT64)))
				r.read |= 1u << b;
			if (x >= 0)
				r.read |= 1u << x;
		}
	}
	r.read_maybe |= r.read;
	r.write_maybe |= r.write;
	return r;
}

static void run_sample(struct totals *t, struct sample *s, const struct emul_insn *insn,
		       const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *zo)
{
	struct fake_vcpu v;
	struct emul_ctxt ctxt;
	struct native_state out = s->in;
	uint32_t defined, undefined = zi->cpu_flags ? zi->cpu_flags->undefined : 0;
	struct reg_sets rs;
	int rc;

	memcpy(code + 0x100, s->bytes, s->len);
	code[0x100 + s->len] = 0xff; /* jmp *0(%rip) */
	code[0x100 + s->len + 1] = 0x25;
	memset(code + 0x100 + s->len + 2, 0, 4);
	{
		uint64_t ret = (uint64_t)(uintptr_t)native_return;

		memcpy(code + 0x100 + s->len + 6, &ret, 8);
	}

	/* The emulator first: it also tells whether the accesses stay in the buffer. */
	memset(&v, 0, sizeof(v));
	memcpy(v.regs, s->in.regs, sizeof(s->in.regs));
	v.regs[EMUL_REG_RIP] = INSN_ADDR;
	v.regs[EMUL_REG_RFLAGS] = s->in.rflags;
	memcpy(v.xmm, s->in.xmm, sizeof(v.xmm));
	fake_flat_segments(&v, true);
	v.seg[EMUL_SEG_FS].base = fs_base;
	v.seg[EMUL_SEG_GS].base = gs_base;
	fake_add_region(&v, CODE_BASE, 0x1000, code, false);
	fake_add_region(&v, DATA_BASE, DATA_SIZE, data_emul, rnd() % 2);
	emul_init(&ctxt, &fake_ops, &v, EMUL_MODE_PROT64);
	rc = emul_run(&ctxt);
	if (v.bad_access) {
		/* Registers that are both address and operand can point anywhere. */
		t->skipped++;
		return;
	}
	if (rc != EMUL_OK && rc != EMUL_FAULT) {
		dump_fail(t, s, "emulator: %s", emul_result_name(rc));
		return;
	}

	/* Then the CPU. */
	native_signal = 0;
	if (!sigsetjmp(fault_jmp, 1))
		native_run(&out);
	t->runs++;

	if (native_signal) {
		/* Linux: #DE is SIGFPE, #GP SIGSEGV, #SS SIGBUS. */
		uint8_t want = native_signal == SIGFPE ? EMUL_VEC_DE :
			       native_signal == SIGBUS ? EMUL_VEC_SS :
							 EMUL_VEC_GP;

		t->native_faults++;
		if (rc != EMUL_FAULT || v.fault.vector != want || v.injected != 1)
			dump_fail(t, s, "CPU raised signal %d, emulator %s (vector %u)",
				  native_signal, emul_result_name(rc), v.fault.vector);
		if (memcmp(data_native, data_emul, DATA_SIZE))
			dump_fail(t, s, "memory differs after a fault");
		return;
	}
	if (rc != EMUL_OK) {
		dump_fail(t, s, "emulator fault %u, CPU ran", v.fault.vector);
		return;
	}
	for (int i = 0; i < 16; i++)
		if (out.regs[i] != v.regs[i])
			dump_fail(t, s, "reg %d: cpu %#llx emul %#llx (in %#llx)", i,
				  (unsigned long long)out.regs[i], (unsigned long long)v.regs[i],
				  (unsigned long long)s->in.regs[i]);
	if (v.regs[EMUL_REG_RIP] != INSN_ADDR + s->len)
		dump_fail(t, s, "rip %#llx", (unsigned long long)v.regs[EMUL_REG_RIP]);
	defined = (EFL_STATUS | EFL_DF) & ~undefined;
	if ((out.rflags ^ v.regs[EMUL_REG_RFLAGS]) & defined)
		dump_fail(t, s, "rflags: cpu %#llx emul %#llx (in %#llx, undefined %#x)",
			  (unsigned long long)out.rflags,
			  (unsigned long long)v.regs[EMUL_REG_RFLAGS],
			  (unsigned long long)s->in.rflags, undefined);
	if ((out.rflags ^ v.regs[EMUL_REG_RFLAGS]) & undefined & EFL_STATUS)
		t->undefined_flag_diffs++;
	if (memcmp(out.xmm, v.xmm, sizeof(v.xmm)))
		dump_fail(t, s, "xmm registers differ");
	if (memcmp(data_native, data_emul, DATA_SIZE)) {
		for (uint64_t i = 0; i < DATA_SIZE; i++)
			if (data_native[i] != data_emul[i]) {
				dump_fail(t, s, "memory at +%#llx: cpu %02x emul %02x",
					  (unsigned long long)i, data_native[i], data_emul[i]);
				break;
			}
	}

	/* On-demand registers: fetched = read, written back = written. */
	rs = zydis_reg_sets(insn, zi, zo);
	/* Zydis 4.0 leaves out that CMPS and SCAS advance rSI/rDI (the CPU does, as checked
	 * above). */
	if (insn->op.exec == EX_CMPS)
		rs.write |= 1u << EMUL_REG_RSI;
	if (insn->op.exec == EX_CMPS || insn->op.exec == EX_SCAS)
		rs.write |= 1u << EMUL_REG_RDI;
	/* CMPXCHG8B/16B needs ECX:EBX only when the comparison succeeds (SDM's operation). */
	if (insn->op.exec == EX_CMPXCHG8B)
		rs.read &= ~((1u << EMUL_REG_RBX) | (1u << EMUL_REG_RCX));
	/* A false 32-bit CMOVcc still writes (zero-extends) its destination, so it reads it. */
	if (insn->op.exec == EX_CMOVCC && insn->op_bytes == 4) {
		rs.read_maybe |= 1u << insn->reg;
		rs.write |= 1u << insn->reg;
	}
	rs.write_maybe |= rs.write;
	if ((insn->op.flags & EMUL_F_STRING) && insn->rep &&
	    !(s->in.regs[EMUL_REG_RCX] & (insn->ad_bytes == 8 ? ~0ull : 0xffffffffull))) {
		/* REP with nothing to do: only the count is certain to be read. */
		rs.read &= 1u << EMUL_REG_RCX;
		rs.write = 0;
	}
	if ((v.reads & 0xffff & rs.read) != rs.read || (v.reads & 0xffff & ~rs.read_maybe))
		dump_fail(t, s, "fetched %#x, Zydis reads %#x (maybe %#x)", v.reads & 0xffff,
			  rs.read, rs.read_maybe);
	if ((v.writes & 0xffff & rs.write) != rs.write || (v.writes & 0xffff & ~rs.write_maybe))
		dump_fail(t, s, "wrote back %#x, Zydis writes %#x (maybe %#x)", v.writes & 0xffff,
			  rs.write, rs.write_maybe);
	for (int i = 0; i < EMUL_NR_REGS; i++)
		if (v.read_calls[i] > 1 || v.write_calls[i] > 1)
			dump_fail(t, s, "register %d fetched %u times, written %u times", i,
				  v.read_calls[i], v.write_calls[i]);
	if (zi->cpu_flags && !zi->cpu_flags->tested && !zi->cpu_flags->modified &&
	    !(insn->op.flags & EMUL_F_STRING) && (v.reads & (1u << EMUL_REG_RFLAGS)))
		dump_fail(t, s, "RFLAGS fetched by an instruction that does not use it");
}

/* Fix the registers the instruction's semantics constrain. */
static void constrain(struct sample *s, const struct emul_insn *insn)
{
	uint64_t *r = s->in.regs;
	unsigned int e = insn->op.exec;

	if (insn->op.flags & EMUL_F_STRING) {
		uint64_t amask = insn->ad_bytes == 8 ? ~0ull : 0xffffffffull;

		r[EMUL_REG_RSI] = ((DATA_BASE + 0x1000 + rnd() % 0x1000) & amask) |
				  (r[EMUL_REG_RSI] & ~amask);
		r[EMUL_REG_RDI] = ((DATA_BASE + 0x1800 + rnd() % 0x1000) & amask) |
				  (r[EMUL_REG_RDI] & ~amask);
		if (rnd() % 2)
			r[EMUL_REG_RDI] = r[EMUL_REG_RSI] + (rnd() % 4) * 8;
		r[EMUL_REG_RCX] = (rnd() % 7) | (r[EMUL_REG_RCX] & ~amask);
	}
	if ((e == EX_DIV || e == EX_IDIV) && rnd() % 4) {
		r[EMUL_REG_RDX] = e == EX_IDIV && (int64_t)r[EMUL_REG_RAX] < 0 ? ~0ull : 0;
		if (rnd() % 2)
			r[EMUL_REG_RAX] &= ~0xff00ull;
	}
	if ((insn->op.flags & EMUL_F_BITOFF) && !insn->imm_bytes && insn->reg < 16)
		r[insn->reg] = (uint64_t)((int64_t)(rnd() % 1024) - 512);
}

/* After memory is filled: make CMPXCHG succeed half of the time. */
static void constrain_after_fill(struct sample *s, const struct emul_insn *insn)
{
	uint64_t *r = s->in.regs;

	if (rnd() % 2)
		return;
	if (insn->op.exec == EX_CMPXCHG8B && s->target >= DATA_BASE &&
	    s->target + 16 <= DATA_BASE + DATA_SIZE) {
		unsigned int half = (insn->rex & 8) ? 8 : 4;
		uint64_t lo = 0, hi = 0;

		memcpy(&lo, data_native + (s->target - DATA_BASE), half);
		memcpy(&hi, data_native + (s->target - DATA_BASE) + half, half);
		r[EMUL_REG_RAX] = lo;
		r[EMUL_REG_RDX] = hi;
	} else if (insn->op.exec == EX_CMPXCHG && insn->mod != 3 && s->target >= DATA_BASE &&
		   s->target + 8 <= DATA_BASE + DATA_SIZE) {
		memcpy(&r[EMUL_REG_RAX], data_native + (s->target - DATA_BASE), 8);
	} else if (insn->op.exec == EX_CMPXCHG && insn->mod == 3) {
		r[EMUL_REG_RAX] = r[insn->rm];
	}
}

static void run_form(struct totals *t, const struct form *f, unsigned int samples, ZydisDecoder *zd)
{
	unsigned int done = 0, tries = 0;

	while (done < samples && tries < samples * 20) {
		struct sample s;
		struct emul_ctxt ctxt;
		ZydisDecodedInstruction zi;
		ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];

		tries++;
		memset(&s, 0, sizeof(s));
		gen_bytes(s.bytes, f);
		emul_init(&ctxt, NULL, NULL, EMUL_MODE_PROT64);
		if (emul_decode(&ctxt, s.bytes, 15) != EMUL_OK)
			continue;
		s.len = ctxt.insn->len;
		random_state(&s.in);
		constrain(&s, ctxt.insn);
		if (ctxt.insn->has_mem && !place_memory(&s, ctxt.insn))
			continue;
		/* The displacement may have been patched: decode again. */
		emul_init(&ctxt, NULL, NULL, EMUL_MODE_PROT64);
		if (emul_decode(&ctxt, s.bytes, s.len) != EMUL_OK ||
		    !ZYAN_SUCCESS(ZydisDecoderDecodeFull(zd, s.bytes, s.len, &zi, zo)))
			continue;
		fill_data();
		constrain_after_fill(&s, ctxt.insn);
		{
			unsigned long before = t->skipped;

			run_sample(t, &s, ctxt.insn, &zi, zo);
			if (t->skipped == before)
				done++;
		}
	}
	if (done < samples / 4) {
		fprintf(stderr, "form %02x/%02x/%02x/%d: only %u of %u samples ran\n", f->mandatory,
			f->map, f->opcode, f->digit, done, samples);
		t->failures++;
	}
}

static void test_differential(void **state)
{
	struct totals t = { 0 };
	unsigned int native_forms = 0;
	ZydisDecoder zd;

	zydis_init(&zd, EMUL_MODE_PROT64);
	catch_native_faults();
	enumerate_forms();
	for (unsigned int i = 0; i < nforms; i++) {
		if (is_port_io(&forms[i]))
			continue;
		native_forms++;
		run_form(&t, &forms[i], 300, &zd);
	}
	printf("differential: %u forms (%u run natively), %lu runs, %lu native faults, "
	       "%lu skipped, %lu runs with an undefined flag differing, %lu failures\n",
	       nforms, native_forms, t.runs, t.native_faults, t.skipped, t.undefined_flag_diffs,
	       t.failures);
	assert_int_equal(t.failures, 0);
}

/* ---- targeted cases, through emul_run with fake ops ---------------------------------------- */

static uint8_t t_code[4096], t_data[8192];

#define T_CODE 0x10000ull
#define T_DATA 0x40000ull

static void t_setup(struct fake_vcpu *v, struct emul_ctxt *ctxt, enum emul_mode mode,
		    const void *insn, unsigned int len, uint64_t rip_off)
{
	memset(v, 0, sizeof(*v));
	memset(t_code, 0x90, sizeof(t_code));
	memcpy(t_code + rip_off, insn, len);
	memset(t_data, 0x5a, sizeof(t_data));
	fake_flat_segments(v, mode != EMUL_MODE_PROT16 && mode != EMUL_MODE_REAL);
	fake_add_region(v, T_CODE, sizeof(t_code), t_code, false);
	fake_add_region(v, T_DATA, 4096, t_data, true); /* MMIO page */
	fake_add_region(v, T_DATA + 4096, 4096, t_data + 4096, false); /* RAM page */
	v->regs[EMUL_REG_RIP] = T_CODE + rip_off;
	v->regs[EMUL_REG_RFLAGS] = 0x202;
	emul_init(ctxt, &fake_ops, v, mode);
}

#define BIT(r) (1u << (r))

static void test_on_demand_example(void **state)
{
	static const uint8_t mov[] = { 0x89, 0x04, 0x8b }; /* mov [rbx+rcx*4], eax */
	struct fake_vcpu v;
	struct emul_ctxt ctxt;

	t_setup(&v, &ctxt, EMUL_MODE_PROT64, mov, sizeof(mov), 0);
	v.regs[EMUL_REG_RBX] = T_DATA + 0x100;
	v.regs[EMUL_REG_RCX] = 3;
	v.regs[EMUL_REG_RAX] = 0x1122334455667788ull;
	assert_int_equal(emul_run(&ctxt), EMUL_OK);
	assert_int_equal(v.reads, BIT(EMUL_REG_RAX) | BIT(EMUL_REG_RBX) | BIT(EMUL_REG_RCX) |
					  BIT(EMUL_REG_RIP));
	assert_int_equal(v.writes, BIT(EMUL_REG_RIP));
	assert_int_equal(v.regs[EMUL_REG_RIP], T_CODE + 3);
	assert_int_equal(v.mmio_writes, 1);
	assert_memory_equal(t_data + 0x10c, "\x88\x77\x66\x55", 4);
}

/* The exit hint (KVM's gpa_available): the CPU's translation of the exit's linear page replaces
 * the walk only for accesses its checks covered, and the exit's physical page goes straight to
 * the MMIO ops. */
/* t_setup for a two-byte instruction with RBX = rbx and the given exit hint. */
static void hint_setup(struct fake_vcpu *v, struct emul_ctxt *ctxt, const uint8_t insn[2],
		       struct emul_exit_hint hint, uint64_t rbx)
{
	t_setup(v, ctxt, EMUL_MODE_PROT64, insn, 2, 0);
	ctxt->hint = hint;
	v->regs[EMUL_REG_RBX] = rbx;
}

static void test_exit_hint(void **state)
{
	static const uint8_t store[] = { 0x89, 0x03 }; /* mov [rbx], eax */
	static const uint8_t load[] = { 0x8b, 0x03 }; /* mov eax, [rbx] */
	const struct emul_exit_hint page_only = { .mmio = true, .gpa_page = T_DATA >> 12 };
	const struct emul_exit_hint read_checked = {
		.mmio = true, .la_valid = true, .la_page = T_DATA >> 12, .gpa_page = T_DATA >> 12
	};
	struct fake_vcpu v;
	struct emul_ctxt ctxt;

	/* A write-checked hint: linear page 0x123 is the MMIO page, with no walk and no RAM
	 * op. The fake's own translation (identity) would have found nothing there. */
	hint_setup(&v, &ctxt, store,
		   (struct emul_exit_hint){ .mmio = true,
					    .la_valid = true,
					    .write = true,
					    .la_page = 0x123,
					    .gpa_page = T_DATA >> 12 },
		   (0x123ull << 12) | 0x10);
	v.regs[EMUL_REG_RAX] = 0x44332211;
	assert_int_equal(emul_run(&ctxt), EMUL_OK);
	assert_int_equal(v.data_translates, 0);
	assert_int_equal(v.phys_writes, 0);
	assert_int_equal(v.mmio_writes, 1);
	assert_int_equal(v.bad_access, 0);
	assert_memory_equal(t_data + 0x10, "\x11\x22\x33\x44", 4);

	/* A read-checked hint does not cover a write: the walk runs. It covers a read. */
	hint_setup(&v, &ctxt, store, read_checked, T_DATA + 0x10);
	assert_int_equal(emul_run(&ctxt), EMUL_OK);
	assert_int_equal(v.data_translates, 1);
	hint_setup(&v, &ctxt, load, read_checked, T_DATA + 0x10);
	assert_int_equal(emul_run(&ctxt), EMUL_OK);
	assert_int_equal(v.data_translates, 0);
	assert_int_equal(v.mmio_reads, 1);
	assert_int_equal(v.regs[EMUL_REG_RAX], 0x5a5a5a5a);

	/* No linear hint: the walk runs, and the known MMIO page skips read_phys. Other pages
	 * still ask read_phys first. */
	hint_setup(&v, &ctxt, load, page_only, T_DATA + 0x10);
	assert_int_equal(emul_run(&ctxt), EMUL_OK);
	assert_int_equal(v.data_translates, 1);
	assert_int_equal(v.phys_reads, 1); /* the instruction fetch alone */
	hint_setup(&v, &ctxt, load, page_only, T_DATA + 4096 + 0x10); /* the RAM page */
	assert_int_equal(emul_run(&ctxt), EMUL_OK);
	assert_int_equal(v.phys_reads, 2);
	assert_int_equal(v.mmio_reads, 0);
}

/* Code the caller fetched: executed as given with no fetch through the ops, and a preset RIP
 * is not read again. */
static void test_run_fetched(void **state)
{
	static const uint8_t mov[15] = { 0x89, 0x03 }; /* mov [rbx], eax; then zeros */
	struct fake_vcpu v;
	struct emul_ctxt ctxt;

	t_setup(&v, &ctxt, EMUL_MODE_PROT64, "\x90", 1, 0); /* memory holds a NOP */
	emul_reg_preset(&ctxt, EMUL_REG_RIP, T_CODE);
	v.regs[EMUL_REG_RBX] = T_DATA + 0x20;
	v.regs[EMUL_REG_RAX] = 0x01020304;
	assert_int_equal(emul_run_fetched(&ctxt, mov), EMUL_OK);
	assert_int_equal(v.phys_reads, 0);
	assert_int_equal(v.mmio_writes, 1);
	assert_memory_equal(t_data + 0x20, "\x04\x03\x02\x01", 4);
	assert_int_equal(v.reads, BIT(EMUL_REG_RAX) | BIT(EMUL_REG_RBX));
	assert_int_equal(v.writes, BIT(EMUL_REG_RIP));
	assert_int_equal(v.regs[EMUL_REG_RIP], T_CODE + 2);
}

/* The decode cache: same mode and bytes reuse the last decode; any other byte or mode decodes
 * afresh; only successful decodes are kept. */
static void test_decode_cache(void **state)
{
	static const uint8_t mov[] = { 0x89, 0x04, 0x8b }; /* mov [rbx+rcx*4], eax */
	static const uint8_t add[] = { 0x01, 0x04, 0x8b }; /* add [rbx+rcx*4], eax */
	static const uint8_t dec_mov[] = { 0x48, 0x89, 0x04, 0x8b }; /* REX.W mov / dec eax; mov */
	static const uint8_t ud[] = { 0x0f, 0x0b }; /* ud2: unsupported */
	struct emul_decode_cache cache = { 0 };
	struct fake_vcpu v;
	struct emul_ctxt ctxt;

	t_setup(&v, &ctxt, EMUL_MODE_PROT64, mov, sizeof(mov), 0);
	ctxt.decode_cache = &cache;
	v.regs[EMUL_REG_RBX] = T_DATA + 0x100;
	v.regs[EMUL_REG_RAX] = 7;
	assert_int_equal(emul_run(&ctxt), EMUL_OK);
	assert_true(cache.valid);
	assert_int_equal(cache.insn.len, 3);

	/* A hit uses the kept decode: proven by a doctored length, which the executor obeys. */
	cache.insn.len = 1;
	t_setup(&v, &ctxt, EMUL_MODE_PROT64, mov, sizeof(mov), 0);
	ctxt.decode_cache = &cache;
	v.regs[EMUL_REG_RBX] = T_DATA + 0x100;
	assert_int_equal(emul_run(&ctxt), EMUL_OK);
	assert_int_equal(v.regs[EMUL_REG_RIP], T_CODE + 1);
	cache.insn.len = 3;

	/* One byte differs: decoded afresh (an ADD, which reads memory first). */
	t_setup(&v, &ctxt, EMUL_MODE_PROT64, add, sizeof(add), 0);
	ctxt.decode_cache = &cache;
	v.regs[EMUL_REG_RBX] = T_DATA + 0x100;
	v.regs[EMUL_REG_RAX] = 1;
	assert_int_equal(emul_run(&ctxt), EMUL_OK);
	assert_int_equal(v.regs[EMUL_REG_RIP], T_CODE + 3);
	assert_int_equal(v.mmio_reads, 1);
	assert_memory_equal(t_data + 0x100, "\x5b\x5a\x5a\x5a", 4);

	/* The same bytes in another mode: 0x48 is a REX prefix in 64-bit mode, DEC EAX in
	 * 32-bit mode. */
	t_setup(&v, &ctxt, EMUL_MODE_PROT64, dec_mov, sizeof(dec_mov), 0);
	ctxt.decode_cache = &cache;
	v.regs[EMUL_REG_RBX] = T_DATA + 0x100;
	assert_int_equal(emul_run(&ctxt), EMUL_OK);
	assert_int_equal(v.regs[EMUL_REG_RIP], T_CODE + 4);
	t_setup(&v, &ctxt, EMUL_MODE_PROT32, dec_mov, sizeof(dec_mov), 0);
	ctxt.decode_cache = &cache;
	assert_int_equal(emul_run(&ctxt), EMUL_UNSUPPORTED); /* DEC r32 is not an MMIO form */
	assert_int_equal(cache.mode, EMUL_MODE_PROT64); /* refused decodes are not kept */

	t_setup(&v, &ctxt, EMUL_MODE_PROT64, ud, sizeof(ud), 0);
	ctxt.decode_cache = &cache;
	assert_int_equal(emul_run(&ctxt), EMUL_UNSUPPORTED);
	assert_int_equal(cache.insn.bytes[0], 0x48);
}

static void test_port_io(void **state)
{
	static const uint8_t in_dx[] = { 0xec }; /* in al, dx */
	static const uint8_t out_imm[] = { 0xe7, 0x80 }; /* out 0x80, eax */
	static const uint8_t rep_outsb[] = { 0xf3, 0x6e }; /* rep outsb */
	static const uint8_t rep_insw[] = { 0xf3, 0x66, 0x6d }; /* rep insw */
	struct fake_vcpu v;
	struct emul_ctxt ctxt;

	t_setup(&v, &ctxt, EMUL_MODE_PROT64, in_dx, sizeof(in_dx), 0);
	v.regs[EMUL_REG_RDX] = 0x3f8;
	v.regs[EMUL_REG_RAX] = 0xffffffffffffff00ull;
	v.pio_in_val = 0x41;
	assert_int_equal(emul_run(&ctxt), EMUL_OK);
	assert_int_equal(v.npio, 1);
	assert_false(v.pio[0].out);
	assert_int_equal(v.pio[0].port, 0x3f8);
	assert_int_equal(v.pio[0].len, 1);
	assert_int_equal(v.regs[EMUL_REG_RAX], 0xffffffffffffff41ull);

	t_setup(&v, &ctxt, EMUL_MODE_PROT64, out_imm, sizeof(out_imm), 0);
	v.regs[EMUL_REG_RAX] = 0x1234567887654321ull;
	assert_int_equal(emul_run(&ctxt), EMUL_OK);
	assert_int_equal(v.npio, 1);
	assert_true(v.pio[0].out);
	assert_int_equal(v.pio[0].port, 0x80);
	assert_int_equal(v.pio[0].len, 4);
	assert_int_equal(v.pio[0].val, 0x87654321u);
	assert_int_equal(v.writes, BIT(EMUL_REG_RIP));

	t_setup(&v, &ctxt, EMUL_MODE_PROT64, rep_outsb, sizeof(rep_outsb), 0);
	memcpy(t_data + 0x20, "abc", 3);
	v.regs[EMUL_REG_RSI] = T_DATA + 0x20;
	v.regs[EMUL_REG_RCX] = 3;
	v.regs[EMUL_REG_RDX] = 0xe9;
	assert_int_equal(emul_run(&ctxt), EMUL_OK);
	assert_int_equal(v.npio, 3);
	assert_int_equal(v.pio[2].val, 'c');
	assert_int_equal(v.regs[EMUL_REG_RCX], 0);
	assert_int_equal(v.regs[EMUL_REG_RSI], T_DATA + 0x23);

	t_setup(&v, &ctxt, EMUL_MODE_PROT64, rep_insw, sizeof(rep_insw), 0);
	v.regs[EMUL_REG_RDI] = T_DATA + 0x40;
	v.regs[EMUL_REG_RCX] = 2;
	v.regs[EMUL_REG_RFLAGS] |= EFL_DF;
	v.pio_in_val = 0x0201;
	assert_int_equal(emul_run(&ctxt), EMUL_OK);
	assert_int_equal(v.npio, 2);
	assert_int_equal(v.regs[EMUL_REG_RDI], T_DATA + 0x3c);
	assert_memory_equal(t_data + 0x3e, "\x02\x03", 2);
	assert_memory_equal(t_data + 0x40, "\x01\x02", 2);
}

/* A write across a page boundary whose second page faults writes nothing. */
static void test_page_cross_write_fault(void **state)
{
	static const uint8_t mov[] = { 0x48, 0x89, 0x08 }; /* mov [rax], rcx */
	struct fake_vcpu v;
	struct emul_ctxt ctxt;

	t_setup(&v, &ctxt, EMUL_MODE_PROT64, mov, sizeof(mov), 0);
	v.regs[EMUL_REG_RAX] = T_DATA + 4096 - 4;
	v.regs[EMUL_REG_RCX] = 0x0102030405060708ull;
	v.pf_lo = T_DATA + 4096;
	v.pf_hi = T_DATA + 8192;
	assert_int_equal(emul_run(&ctxt), EMUL_FAULT);
	assert_int_equal(v.injected, 1);
	assert_int_equal(v.fault.vector, EMUL_VEC_PF);
	assert_int_equal(v.fault.error_code, 2); /* write, supervisor, not present */
	assert_int_equal(v.fault.cr2, T_DATA + 4096);
	assert_int_equal(v.mmio_writes, 0);
	assert_int_equal(v.writes, 0);
	assert_memory_equal(t_data + 4092, "\x5a\x5a\x5a\x5a", 4);

	/* Without the fault the write is split over MMIO and RAM. */
	t_setup(&v, &ctxt, EMUL_MODE_PROT64, mov, sizeof(mov), 0);
	v.regs[EMUL_REG_RAX] = T_DATA + 4096 - 4;
	v.regs[EMUL_REG_RCX] = 0x0102030405060708ull;
	assert_int_equal(emul_run(&ctxt), EMUL_OK);
	assert_int_equal(v.mmio_writes, 1);
	assert_memory_equal(t_data + 4092, "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
}

/* An instruction cut by the end of a page whose next page is not present: #PF on fetch. */
static void test_fetch_page_end(void **state)
{
	static const uint8_t mov[] = {
		0x8b, 0x80, 0x00, 0x10, 0x00, 0x00
	}; /* mov eax, [rax+0x1000] */
	struct fake_vcpu v;
	struct emul_ctxt ctxt;

	t_setup(&v, &ctxt, EMUL_MODE_PROT64, mov, 3, 4096 - 3);
	v.pf_lo = T_CODE + 4096;
	v.pf_hi = T_CODE + 8192;
	v.cpl = 3;
	assert_int_equal(emul_run(&ctxt), EMUL_FAULT);
	assert_int_equal(v.fault.vector, EMUL_VEC_PF);
	assert_int_equal(v.fault.error_code, 16 | 4); /* fetch, user */
	assert_int_equal(v.fault.cr2, T_CODE + 4096);
	assert_int_equal(v.writes, 0);

	/* A complete instruction just before the page end does not touch the next page. */
	t_setup(&v, &ctxt, EMUL_MODE_PROT64, mov, sizeof(mov), 4096 - sizeof(mov));
	v.pf_lo = T_CODE + 4096;
	v.pf_hi = T_CODE + 8192;
	v.regs[EMUL_REG_RAX] = T_DATA - 0x1000 + 0x10;
	assert_int_equal(emul_run(&ctxt), EMUL_OK);
	assert_int_equal(v.regs[EMUL_REG_RAX], 0x5a5a5a5a);
}

static void test_noncanonical(void **state)
{
	static const uint8_t load[] = { 0x48, 0x8b, 0x03 }; /* mov rax, [rbx] */
	static const uint8_t load_bp[] = { 0x48, 0x8b, 0x45, 0x00 }; /* mov rax, [rbp+0] */
	struct fake_vcpu v;
	struct emul_ctxt ctxt;

	t_setup(&v, &ctxt, EMUL_MODE_PROT64, load, sizeof(load), 0);
	v.regs[EMUL_REG_RBX] = 0x0000800000000000ull;
	assert_int_equal(emul_run(&ctxt), EMUL_FAULT);
	assert_int_equal(v.fault.vector, EMUL_VEC_GP);
	assert_true(v.fault.error_code_valid);
	assert_int_equal(v.fault.error_code, 0);

	t_setup(&v, &ctxt, EMUL_MODE_PROT64, load_bp, sizeof(load_bp), 0);
	v.regs[EMUL_REG_RBP] = 0xfff0800000000000ull;
	assert_int_equal(emul_run(&ctxt), EMUL_FAULT);
	assert_int_equal(v.fault.vector, EMUL_VEC_SS);
}

static void test_unsupported(void **state)
{
	static const uint8_t fld[] = { 0xd9, 0x00 }; /* fld dword [rax] */
	static const uint8_t vmovdqu[] = { 0xc5, 0xfe, 0x6f, 0x00 }; /* vmovdqu ymm0, [rax] */
	struct fake_vcpu v;
	struct emul_ctxt ctxt;

	t_setup(&v, &ctxt, EMUL_MODE_PROT64, fld, sizeof(fld), 0);
	assert_int_equal(emul_run(&ctxt), EMUL_UNSUPPORTED);
	assert_int_equal(ctxt.insn->nbytes, 15);
	assert_memory_equal(ctxt.insn->bytes, fld, sizeof(fld));
	assert_int_equal(v.writes, 0);
	assert_int_equal(v.injected, 0);

	t_setup(&v, &ctxt, EMUL_MODE_PROT64, vmovdqu, sizeof(vmovdqu), 0);
	assert_int_equal(emul_run(&ctxt), EMUL_UNSUPPORTED);
	assert_int_equal(v.mmio_reads, 0);
}

static void test_prot32_segments(void **state)
{
	static const uint8_t store[] = { 0x89, 0x03 }; /* mov [ebx], eax */
	struct fake_vcpu v;
	struct emul_ctxt ctxt;

	t_setup(&v, &ctxt, EMUL_MODE_PROT32, store, sizeof(store), 0);
	v.seg[EMUL_SEG_DS].base = T_DATA;
	v.seg[EMUL_SEG_DS].limit = 0xfff;
	v.regs[EMUL_REG_RBX] = 0xffc;
	v.regs[EMUL_REG_RAX] = 0xdeadbeef;
	assert_int_equal(emul_run(&ctxt), EMUL_OK);
	assert_memory_equal(t_data + 0xffc, "\xef\xbe\xad\xde", 4);
	assert_int_equal(v.regs[EMUL_REG_RIP], T_CODE + 2);

	/* One byte past the limit. */
	t_setup(&v, &ctxt, EMUL_MODE_PROT32, store, sizeof(store), 0);
	v.seg[EMUL_SEG_DS].base = T_DATA;
	v.seg[EMUL_SEG_DS].limit = 0xfff;
	v.regs[EMUL_REG_RBX] = 0xffd;
	assert_int_equal(emul_run(&ctxt), EMUL_FAULT);
	assert_int_equal(v.fault.vector, EMUL_VEC_GP);
	assert_int_equal(v.mmio_writes, 0);

	/* A read-only data segment. */
	t_setup(&v, &ctxt, EMUL_MODE_PROT32, store, sizeof(store), 0);
	v.seg[EMUL_SEG_DS].attr &= ~2u;
	v.regs[EMUL_REG_RBX] = T_DATA;
	assert_int_equal(emul_run(&ctxt), EMUL_FAULT);
	assert_int_equal(v.fault.vector, EMUL_VEC_GP);
}

static void test_real_mode(void **state)
{
	static const uint8_t load[] = { 0x8b, 0x40, 0x02 }; /* mov ax, [bx+si+2] */
	struct fake_vcpu v;
	struct emul_ctxt ctxt;

	t_setup(&v, &ctxt, EMUL_MODE_REAL, load, sizeof(load), 0);
	for (int i = 0; i < 6; i++)
		v.seg[i].limit = 0xffff;
	v.seg[EMUL_SEG_CS].base = T_CODE;
	v.regs[EMUL_REG_RIP] = 0;
	v.seg[EMUL_SEG_DS].base = T_DATA;
	v.regs[EMUL_REG_RBX] = 0xabcd0010;
	v.regs[EMUL_REG_RSI] = 0xfffe; /* bx+si+2 wraps to 0x0010 */
	v.regs[EMUL_REG_RAX] = 0x1111111111111111ull;
	memcpy(t_data + 0x10, "\x34\x12", 2);
	assert_int_equal(emul_run(&ctxt), EMUL_OK);
	assert_int_equal(v.regs[EMUL_REG_RAX], 0x1111111111111234ull);
	assert_int_equal(v.regs[EMUL_REG_RIP], 3);
}

/* A long REP runs in batches; RIP stays on the instruction until RCX reaches 0. */
static void test_rep_batch_and_fault(void **state)
{
	static const uint8_t rep_stosb[] = { 0xf3, 0xaa };
	static const uint8_t rep_movsq[] = { 0xf3, 0x48, 0xa5 };
	struct fake_vcpu v;
	struct emul_ctxt ctxt;

	t_setup(&v, &ctxt, EMUL_MODE_PROT64, rep_stosb, sizeof(rep_stosb), 0);
	ctxt.rep_batch = 16;
	v.regs[EMUL_REG_RDI] = T_DATA;
	v.regs[EMUL_REG_RCX] = 100;
	v.regs[EMUL_REG_RAX] = 0x77;
	assert_int_equal(emul_run(&ctxt), EMUL_OK);
	assert_int_equal(v.regs[EMUL_REG_RCX], 84);
	assert_int_equal(v.regs[EMUL_REG_RDI], T_DATA + 16);
	assert_int_equal(v.regs[EMUL_REG_RIP], T_CODE);
	assert_int_equal(t_data[15], 0x77);
	assert_int_equal(t_data[16], 0x5a);

	/* The fourth quadword faults: three are done, RIP stays. */
	t_setup(&v, &ctxt, EMUL_MODE_PROT64, rep_movsq, sizeof(rep_movsq), 0);
	v.regs[EMUL_REG_RSI] = T_DATA + 4096;
	v.regs[EMUL_REG_RDI] = T_DATA + 4096 - 24;
	v.regs[EMUL_REG_RCX] = 10;
	v.pf_lo = T_DATA + 4096 + 24;
	v.pf_hi = T_DATA + 4096 + 32;
	assert_int_equal(emul_run(&ctxt), EMUL_FAULT);
	assert_int_equal(v.fault.vector, EMUL_VEC_PF);
	assert_int_equal(v.regs[EMUL_REG_RCX], 7);
	assert_int_equal(v.regs[EMUL_REG_RSI], T_DATA + 4096 + 24);
	assert_int_equal(v.regs[EMUL_REG_RIP], T_CODE);
	assert_false(v.writes & BIT(EMUL_REG_RIP));
}

static void test_divide_error(void **state)
{
	static const uint8_t div[] = { 0xf7, 0x33 }; /* div dword [rbx] */
	struct fake_vcpu v;
	struct emul_ctxt ctxt;

	t_setup(&v, &ctxt, EMUL_MODE_PROT64, div, sizeof(div), 0);
	v.regs[EMUL_REG_RBX] = T_DATA;
	memset(t_data, 0, 4);
	assert_int_equal(emul_run(&ctxt), EMUL_FAULT);
	assert_int_equal(v.fault.vector, EMUL_VEC_DE);
	assert_false(v.fault.error_code_valid);
	assert_int_equal(v.writes, 0);
}

int main(void)
{
	const char *seed = getenv("EMUL_TEST_SEED");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_on_demand_example),
		cmocka_unit_test(test_decode_cache),
		cmocka_unit_test(test_exit_hint),
		cmocka_unit_test(test_run_fetched),
		cmocka_unit_test(test_port_io),
		cmocka_unit_test(test_page_cross_write_fault),
		cmocka_unit_test(test_fetch_page_end),
		cmocka_unit_test(test_noncanonical),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_prot32_segments),
		cmocka_unit_test(test_real_mode),
		cmocka_unit_test(test_rep_batch_and_fault),
		cmocka_unit_test(test_divide_error),
		cmocka_unit_test(test_differential),
	};

	rng_state = seed ? strtoull(seed, NULL, 0) : 0x706c696e7468ull;
	printf("test_emulate: seed %#llx (set EMUL_TEST_SEED to change)\n",
	       (unsigned long long)rng_state);
	return cmocka_run_group_tests(tests, setup, NULL);
}
