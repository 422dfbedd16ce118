// SPDX-License-Identifier: MIT
/*
 * QEMU test builds only: the runtime itself, in 32- and 64-bit builds. printf/snprintf
 * conversions against expected text, the string functions, CPUID and RDTSC, fw_cfg, and the
 * exception path (a handler that resumes after UD2 and INT3, and a #GP with an error code).
 */
#include <stdbool.h>
#include "lib/check.h"
#include "lib/cpu.h"
#include "lib/entry.h"
#include "lib/fw_cfg.h"
#include "lib/string.h"
#include "lib/trap.h"

static struct checks c = { .name = "libtest" };
static unsigned int next_id = 1;
static char buf[128];
static const char *volatile null_string; /* volatile: keeps gcc from warning about it */

#define EXPECT_FMT(want, ...)                                                              \
	do {                                                                               \
		int n = snprintf(buf, sizeof(buf), __VA_ARGS__);                           \
		check(&c, next_id++, strcmp(buf, want) == 0 && n == (int)strlen(want),     \
		      "snprintf(%s) = \"%s\" (expected \"%s\")", #__VA_ARGS__, buf, want); \
	} while (0)

static void printf_checks(void)
{
	EXPECT_FMT("0", "%d", 0);
	EXPECT_FMT("-42", "%d", -42);
	EXPECT_FMT("-2147483648", "%d", (int)0x80000000u);
	EXPECT_FMT("4294967295", "%u", 4294967295u);
	EXPECT_FMT("deadbeef", "%x", 0xdeadbeefu);
	EXPECT_FMT("ABC", "%X", 0xabcu);
	EXPECT_FMT("00001234", "%08x", 0x1234u);
	EXPECT_FMT("-0042", "%05d", -42);
	EXPECT_FMT("42    |", "%-6d|", 42);
	EXPECT_FMT("   ab|ab   |", "%5s|%-5s|", "ab", "ab");
	EXPECT_FMT("abc", "%.3s", "abcdef");
	EXPECT_FMT("z", "%c", 'z');
	EXPECT_FMT("12345678", "%lx", 0x12345678ul);
	EXPECT_FMT("123456789abcdef0", "%llx", 0x123456789abcdef0ull);
	EXPECT_FMT("18446744073709551615", "%llu", 18446744073709551615ull);
	EXPECT_FMT("-9223372036854775808", "%lld", (long long)(-9223372036854775807ll - 1));
	EXPECT_FMT("0000000000000abc", "%016llx", 0xabcull);
	EXPECT_FMT("   7", "%*d", 4, 7);
	EXPECT_FMT("100%", "%d%%", 100);
	EXPECT_FMT("0x1000", "%p", (void *)0x1000);
	EXPECT_FMT("123", "%zu", (size_t)123);
	EXPECT_FMT("(null)", "%s", null_string);

	int n = snprintf(buf, 4, "abcdef");

	check(&c, next_id++, n == 6 && strcmp(buf, "abc") == 0,
	      "snprintf into 4 bytes returns %d, \"%s\" (expected 6, \"abc\")", n, buf);
	n = printf("libtest: printf to COM1 %s %d 0x%llx\n", "works:", -1, 0xfedcba9876543210ull);
	check(&c, next_id++, n == 53, "printf returned %d (expected 53)", n);
}

static void string_checks(void)
{
	char a[16];

	memset(a, 'x', sizeof(a));
	memcpy(a, "hello", 6);
	memmove(a + 1, a, 5);
	check(&c, next_id++,
	      memcmp(a, "hhello", 6) == 0 && strlen("hello") == 5 && strcmp("ab", "ac") < 0 &&
		      strncmp("abc", "abd", 2) == 0 && a[7] == 'x',
	      "memset, memcpy, memmove, memcmp, strlen, strcmp, strncmp");
}

static void cpu_checks(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	char vendor[13];

	memcpy(vendor, &r.ebx, 4);
	memcpy(vendor + 4, &r.edx, 4);
	memcpy(vendor + 8, &r.ecx, 4);
	vendor[12] = '\0';
	uint64_t t0 = rdtsc(), t1 = rdtsc();

	check(&c, next_id++, r.eax >= 1 && t1 > t0,
	      "cpuid: vendor \"%s\", max leaf 0x%x; rdtsc %llu then %llu", vendor, r.eax,
	      (unsigned long long)t0, (unsigned long long)t1);
	check(&c, next_id++, fw_cfg_present(), "fw_cfg signature; RAM %llu MiB, %u CPU(s)",
	      (unsigned long long)(fw_cfg_read_u64(FW_CFG_RAM_SIZE) >> 20),
	      fw_cfg_read_u16(FW_CFG_NB_CPUS));
}

static unsigned int seen_ud, seen_bp, seen_gp;
static uintptr_t gp_error;

static void on_trap(struct trap_frame *f)
{
	switch (f->vector) {
	case TRAP_UD:
		seen_ud++;
		f->ip += 2; /* ud2 */
		break;
	case TRAP_BP:
		seen_bp++; /* a trap: ip is already past int3 */
		break;
	case TRAP_GP:
		seen_gp++;
		gp_error = f->error_code;
		f->ip += 2; /* mov ds, ax */
		break;
	}
}

static void trap_checks(void)
{
	trap_init();
	trap_set_handler(TRAP_UD, on_trap);
	trap_set_handler(TRAP_BP, on_trap);
	trap_set_handler(TRAP_GP, on_trap);
	for (int i = 0; i < 3; i++)
		__asm__ volatile("ud2");
	__asm__ volatile("int3");
	/* Selector 0x28 lies beyond the runtime's three-entry GDT: #GP with error code 0x28. */
	__asm__ volatile("mov %0, %%ds" : : "a"(0x28) : "memory");
	check(&c, next_id++, seen_ud == 3 && seen_bp == 1 && seen_gp == 1 && gp_error == 0x28,
	      "exceptions: %u #UD, %u #BP, %u #GP with error code 0x%lx (expected 3, 1, 1, 0x28)",
	      seen_ud, seen_bp, seen_gp, (unsigned long)gp_error);
}

int main(void)
{
	printf("libtest: %u-bit build\n", (unsigned int)sizeof(void *) * 8);
	printf_checks();
	string_checks();
	cpu_checks();
	trap_checks();
	return (int)checks_done(&c);
}
