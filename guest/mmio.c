// SPDX-License-Identifier: MIT
/*
 * MMIO through plinth's instruction emulator (flat, 64-bit). Every instruction class that can
 * touch MMIO runs twice: on a RAM buffer, executed by the CPU, and on QEMU pc-testdev's MMIO
 * RAM at 0xff000000, where each access exits and plinth emulates the instruction. Memory,
 * register and flag results must agree. Runs unchanged on QEMU with -device pc-testdev.
 */
#include <stdint.h>
#include "lib/check.h"
#include "lib/entry.h"
#include "lib/printf.h"

#define TESTDEV_IOMEM 0xff000000ul
#define FLAGS_ALL     0x8d5ul /* OF SF ZF AF PF CF */
#define FLAGS_CF      0x001ul
#define FLAGS_NONE    0ul

struct result {
	uint64_t mem[2], reg, flags;
};

/* One case: an instruction with its memory operand at (%[m]) and a register operand. */
struct mcase {
	const char *what;
	void (*run)(volatile uint64_t *p, uint64_t *reg, uint64_t *flags);
	uint64_t mem, reg;
	uint64_t flags_checked; /* flags the architecture defines for this instruction */
};

#define CASE(fn, body)                                                                 \
	static void fn(volatile uint64_t *p, uint64_t *reg, uint64_t *flags)           \
	{                                                                              \
		uint64_t r = *reg, f;                                                  \
		__asm__ volatile(body "\n\tpushfq\n\tpopq %[f]"                        \
				 : [r] "+r"(r), [f] "=r"(f)                            \
				 : [m] "r"(p)                                          \
				 : "memory", "cc", "rax", "rcx", "rdx", "rsi", "rdi"); \
		*reg = r;                                                              \
		*flags = f;                                                            \
	}

CASE(st8, "movb %b[r], (%[m])")
CASE(st16, "movw %w[r], (%[m])")
CASE(st32, "movl %k[r], (%[m])")
CASE(st64, "movq %[r], (%[m])")
CASE(ld8, "movb (%[m]), %b[r]")
CASE(ld32, "movl (%[m]), %k[r]")
CASE(ld64, "movq (%[m]), %[r]")
CASE(stimm, "movl $0x5a5aa5a5, 4(%[m])")
CASE(movzx, "movzbl 1(%[m]), %k[r]")
CASE(movsx, "movswq 2(%[m]), %[r]")
CASE(movsxd, "movslq (%[m]), %[r]")
CASE(add, "addq %[r], (%[m])")
CASE(adc, "stc\n\tadcl %k[r], (%[m])")
CASE(sub, "subw %w[r], (%[m])")
CASE(sbb, "stc\n\tsbbq (%[m]), %[r]")
CASE(and_, "andq %[r], (%[m])")
CASE(or_, "orb $0x81, (%[m])")
CASE(xor_, "xorl (%[m]), %k[r]")
CASE(cmp, "cmpq %[r], (%[m])")
CASE(test, "testl %k[r], (%[m])")
CASE(inc, "incq (%[m])")
CASE(dec, "decw (%[m])")
CASE(not_, "notl (%[m])")
CASE(neg, "negq (%[m])")
CASE(shl, "shlq $5, (%[m])")
CASE(sar, "sarl $3, (%[m])")
CASE(rol, "rolw $4, (%[m])")
CASE(bt, "btq %[r], (%[m])")
CASE(bts, "btsl $17, (%[m])")
CASE(btr, "btrq %[r], (%[m])")
CASE(btc, "btcw $3, (%[m])")
CASE(xchg, "xchgq %[r], (%[m])")
CASE(xadd, "lock xaddl %k[r], (%[m])")
CASE(cmpxchg, "movq (%[m]), %%rax\n\tlock cmpxchgq %[r], (%[m])")
CASE(setcc, "cmpq $1, %[r]\n\tsetb (%[m])")
CASE(cmov, "cmpq $0, %[r]\n\tcmovneq (%[m]), %[r]")
CASE(pushpop, "pushq (%[m])\n\tpopq 8(%[m])")
CASE(mul, "movq %[r], %%rax\n\tmulq (%[m])\n\tmovq %%rdx, %[r]")
CASE(div, "xorl %%edx, %%edx\n\tmovq %[r], %%rax\n\tdivl (%[m])\n\tmovq %%rax, %[r]")
CASE(movbe, "movbeq (%[m]), %[r]")
CASE(movnti, "movntiq %[r], 8(%[m])")
CASE(sse, "movdqu (%[m]), %%xmm3\n\tmovdqu %%xmm3, 16(%[m])\n\tmovq %%xmm3, %[r]")
CASE(repstos, "movq %[m], %%rdi\n\tmovq %[r], %%rax\n\tmovl $3, %%ecx\n\tcld\n\trep stosq")
CASE(repmovs, "movq %[m], %%rsi\n\tleaq 8(%[m]), %%rdi\n\tmovl $8, %%ecx\n\tcld\n\trep movsb")
CASE(lods, "movq %[m], %%rsi\n\tcld\n\tlodsl\n\tmovq %%rax, %[r]")
CASE(scas, "movq %[m], %%rdi\n\tmovq %[r], %%rax\n\tcld\n\tscasq\n\tsete %b[r]")

static const struct mcase cases[] = {
	{ "mov m8, r8", st8, 0x1111111111111111, 0xab, FLAGS_NONE },
	{ "mov m16, r16", st16, 0x1111111111111111, 0xabcd, FLAGS_NONE },
	{ "mov m32, r32", st32, 0x1111111111111111, 0xdeadbeef, FLAGS_NONE },
	{ "mov m64, r64", st64, 0, 0x0123456789abcdef, FLAGS_NONE },
	{ "mov r8, m8", ld8, 0x77, 0xffffffffffffff00, FLAGS_NONE },
	{ "mov r32, m32 (zero-extends)", ld32, 0x8000000012345678, ~0ull, FLAGS_NONE },
	{ "mov r64, m64", ld64, 0xfedcba9876543210, 0, FLAGS_NONE },
	{ "mov m32, imm32", stimm, 0, 0, FLAGS_NONE },
	{ "movzx r32, m8", movzx, 0xff80, 0, FLAGS_NONE },
	{ "movsx r64, m16", movsx, 0x80010000, 0, FLAGS_NONE },
	{ "movsxd r64, m32", movsxd, 0x80000001, 0, FLAGS_NONE },
	{ "add m64, r64", add, 0x7fffffffffffffff, 1, FLAGS_ALL },
	{ "adc m32, r32", adc, 0xfffffffe, 1, FLAGS_ALL },
	{ "sub m16, r16", sub, 0x8000, 1, FLAGS_ALL },
	{ "sbb r64, m64", sbb, 5, 5, FLAGS_ALL },
	{ "and m64, r64", and_, 0xf0f0f0f0f0f0f0f0, 0x0ff00ff00ff00ff0, FLAGS_ALL & ~0x10ul },
	{ "or m8, imm8", or_, 0x1234, 0, FLAGS_ALL & ~0x10ul },
	{ "xor r32, m32", xor_, 0xffff0000, 0x0000ffff, FLAGS_ALL & ~0x10ul },
	{ "cmp m64, r64", cmp, 3, 5, FLAGS_ALL },
	{ "test m32, r32", test, 0x80000000, 0x80000001, FLAGS_ALL & ~0x10ul },
	{ "inc m64", inc, ~0ull, 0, FLAGS_ALL & ~FLAGS_CF },
	{ "dec m16", dec, 0x8000, 0, FLAGS_ALL & ~FLAGS_CF },
	{ "not m32", not_, 0x0f0f0f0f, 0, FLAGS_NONE },
	{ "neg m64", neg, 1, 0, FLAGS_ALL },
	{ "shl m64, 5", shl, 0x0c00000000000001, 0, FLAGS_CF | 0xc4 },
	{ "sar m32, 3", sar, 0x80000017, 0, FLAGS_CF | 0xc4 },
	{ "rol m16, 4", rol, 0xf00f, 0, FLAGS_CF },
	{ "bt m64, r64", bt, 0x100, 8, FLAGS_CF },
	{ "bts m32, 17", bts, 0, 0, FLAGS_CF },
	{ "btr m64, r64 (bit 63)", btr, ~0ull, 63, FLAGS_CF },
	{ "btc m16, 3", btc, 8, 0, FLAGS_CF },
	{ "xchg m64, r64", xchg, 0x1111, 0x2222, FLAGS_NONE },
	{ "lock xadd m32, r32", xadd, 40, 2, FLAGS_ALL },
	{ "lock cmpxchg m64, r64", cmpxchg, 0x55, 0x66, FLAGS_ALL },
	{ "setb m8", setcc, 0xffff, 0, FLAGS_NONE },
	{ "cmovne r64, m64", cmov, 0x4242, 1, FLAGS_NONE },
	{ "push m64; pop m64", pushpop, 0x1234567890, 0, FLAGS_NONE },
	{ "mul m64", mul, 0x100000000, 0x300000000, FLAGS_CF | 0x800 },
	{ "div m32", div, 7, 100, FLAGS_NONE },
	{ "movbe r64, m64", movbe, 0x0102030405060708, 0, FLAGS_NONE },
	{ "movnti m64, r64", movnti, 0, 0xcafe, FLAGS_NONE },
	{ "movdqu xmm, m128; movdqu m128, xmm", sse, 0x8877665544332211, 0, FLAGS_NONE },
	{ "rep stosq (3)", repstos, 0, 0xabababababababab, FLAGS_NONE },
	{ "rep movsb (8)", repmovs, 0x0807060504030201, 0, FLAGS_NONE },
	{ "lodsd", lods, 0x99999999aaaaaaaa, 0, FLAGS_NONE },
	{ "scasq", scas, 0x31337, 0x31337, FLAGS_ALL },
};

/* 32 bytes of operand: the cases touch at most (%[m]) .. 31(%[m]). */
static uint64_t ram[4] __attribute__((aligned(16)));

static void run_on(volatile uint64_t *p, const struct mcase *c, struct result *r)
{
	for (unsigned int i = 0; i < 4; i++)
		p[i] = i ? 0x1010101010101010ull * i : c->mem;
	r->reg = c->reg;
	c->run(p, &r->reg, &r->flags);
	r->mem[0] = p[0] ^ p[1];
	r->mem[1] = p[2] ^ (p[3] << 1);
	r->flags &= c->flags_checked;
}

static void enable_sse(void)
{
	uint64_t cr0, cr4;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("mov %0, %%cr0" : : "r"((cr0 & ~0x4ul) | 0x2ul)); /* EM off, MP on */
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4 | (3ul << 9))); /* OSFXSR, OSXMMEXCPT */
}

int main(void)
{
	struct checks c = { .name = "mmio" };
	volatile uint64_t *mmio = (volatile uint64_t *)TESTDEV_IOMEM;
	uint32_t port;

	enable_sse();
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct result want, got;

		run_on(ram, &cases[i], &want);
		run_on(mmio, &cases[i], &got);
		check(&c, i + 1,
		      want.mem[0] == got.mem[0] && want.mem[1] == got.mem[1] &&
			      want.reg == got.reg && want.flags == got.flags,
		      "%s: memory %llx/%llx reg %llx flags %llx (RAM: %llx/%llx %llx %llx)",
		      cases[i].what, (unsigned long long)got.mem[0], (unsigned long long)got.mem[1],
		      (unsigned long long)got.reg, (unsigned long long)got.flags,
		      (unsigned long long)want.mem[0], (unsigned long long)want.mem[1],
		      (unsigned long long)want.reg, (unsigned long long)want.flags);
	}
	__asm__ volatile("outl %0, $0xe0" : : "a"(0xc0ffee11u));
	__asm__ volatile("inl $0xe0, %0" : "=a"(port));
	check(&c, 100, port == 0xc0ffee11u, "pc-testdev port 0xe0 reads back 0x%x", port);
	return (int)checks_done(&c);
}
