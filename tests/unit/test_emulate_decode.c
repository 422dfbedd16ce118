// SPDX-License-Identifier: MIT
/*
 * The emulator's decoder against Zydis: on random bytes (biased towards the supported opcodes
 * and prefixes) in every mode, and on the .text of the binaries on this machine. For each
 * instruction the emulator accepts, Zydis must decode the same length, mnemonic and operands;
 * for each one Zydis decodes that the emulator does not support, the emulator must say
 * "unsupported"; what Zydis rejects, the emulator must never accept. Truncating an accepted
 * instruction anywhere must give EMUL_TRUNCATED.
 */
#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/emulate_zydis.h"

#include "tests/unit/test_rng.h"

static const char *mode_name(enum emul_mode m)
{
	static const char *const n[] = { "real", "vm86", "prot16", "prot32", "prot64" };

	return n[m];
}

struct stats {
	unsigned long total, zydis_ok, ours_ok, unsupported, faults, failures;
	unsigned long by_exec[EX_NR];
};

static void hexdump(char *out, const uint8_t *b, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		sprintf(out + 3 * i, "%02x ", b[i]);
}

static void report(struct stats *st, enum emul_mode mode, const uint8_t *b, unsigned int n,
		   const char *fmt, ...)
{
	char hex[64];
	va_list ap;

	st->failures++;
	if (st->failures > 25)
		return;
	hexdump(hex, b, n > 15 ? 15 : n);
	fprintf(stderr, "decode mismatch [%s] %s: ", mode_name(mode), hex);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Decode bytes[0..len) with both and check they agree. */
static void check_one(struct stats *st, const ZydisDecoder *zd, enum emul_mode mode,
		      const uint8_t *bytes, unsigned int len)
{
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];
	struct emul_ctxt ctxt;
	bool zok;
	int rc;

	emul_init(&ctxt, NULL, NULL, mode);
	st->total++;
	zok = ZYAN_SUCCESS(ZydisDecoderDecodeFull(zd, bytes, len, &zi, zo));
	rc = emul_decode(&ctxt, bytes, len);
	st->zydis_ok += zok;
	if (rc == EMUL_OK) {
		const char *why;

		st->ours_ok++;
		st->by_exec[ctxt.insn->op.exec]++;
		if (!zok) {
			report(st, mode, bytes, len, "emulator accepts what Zydis rejects");
			return;
		}
		why = zydis_compare(ctxt.insn, mode, &zi, zo);
		if (why) {
			report(st, mode, bytes, len, "%s (Zydis: %s)", why,
			       ZydisMnemonicGetString(zi.mnemonic));
			return;
		}
		/* Every truncation of an accepted instruction is "truncated". */
		for (unsigned int cut = 0; cut < ctxt.insn->len; cut++) {
			struct emul_ctxt c2;

			emul_init(&c2, NULL, NULL, mode);
			rc = emul_decode(&c2, bytes, cut);
			if (rc != EMUL_TRUNCATED) {
				report(st, mode, bytes, len, "cut at %u: %s", cut,
				       emul_result_name(rc));
				return;
			}
		}
		return;
	}
	if (rc == EMUL_UNSUPPORTED) {
		st->unsupported++;
		if (zok && getenv("EMUL_TEST_GAPS"))
			printf("gap %s %s %02x %02x %02x %02x\n", mode_name(mode),
			       ZydisMnemonicGetString(zi.mnemonic), bytes[0], bytes[1], bytes[2],
			       bytes[3]);
		return;
	}
	if (rc == EMUL_TRUNCATED) {
		if (zok)
			report(st, mode, bytes, len, "truncated, Zydis decodes %u bytes (%s)",
			       zi.length, ZydisMnemonicGetString(zi.mnemonic));
		return;
	}
	if (rc == EMUL_FAULT) {
		st->faults++;
		if (zok)
			report(st, mode, bytes, len, "fault %u, Zydis decodes %s",
			       ctxt.fault.vector, ZydisMnemonicGetString(zi.mnemonic));
		return;
	}
	report(st, mode, bytes, len, "unexpected result %d", rc);
}

static const uint8_t interesting_1byte[] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x11, 0x18, 0x19,
	0x20, 0x21, 0x23, 0x28, 0x29, 0x2b, 0x30, 0x31, 0x38, 0x39, 0x3a, 0x3b, 0x3d, 0x50,
	0x58, 0x5f, 0x63, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f, 0x80, 0x81, 0x82,
	0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0x90,
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad,
	0xae, 0xaf, 0xb0, 0xb8, 0xbf, 0xc0, 0xc1, 0xc4, 0xc5, 0xc6, 0xc7, 0xd0, 0xd1, 0xd2,
	0xd3, 0xe4, 0xe5, 0xe6, 0xe7, 0xec, 0xed, 0xee, 0xef, 0xf6, 0xf7, 0xfe, 0xff, 0x62,
};

static const uint8_t interesting_0f[] = {
	0x10, 0x11, 0x12, 0x13, 0x28, 0x29, 0x2b, 0x40, 0x44, 0x4f, 0x6e, 0x6f, 0x7e,
	0x7f, 0x90, 0x94, 0x9f, 0xa3, 0xa4, 0xa5, 0xab, 0xac, 0xad, 0xaf, 0xb0, 0xb1,
	0xb3, 0xb6, 0xb7, 0xb8, 0xba, 0xbb, 0xbc, 0xbe, 0xbf, 0xc0, 0xc1, 0xc3, 0xc7,
	0xd6, 0xe7, 0x18, 0x1f, 0xae, 0x0d, 0x00, 0x01, 0x20, 0x22,
};

static const uint8_t prefixes[] = {
	0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65
};

static unsigned int random_insn(uint8_t *b, enum emul_mode mode)
{
	unsigned int n = 0, np = (unsigned int)(rnd() % 8);

	if (np > 4)
		np = 0;
	if (rnd() % 64 == 0)
		np = 8 + (unsigned int)(rnd() % 10); /* long prefix runs */
	for (unsigned int i = 0; i < np && n < 15; i++)
		b[n++] = prefixes[rnd() % sizeof(prefixes)];
	if (mode == EMUL_MODE_PROT64 && rnd() % 2 && n < 15)
		b[n++] = 0x40 | (rnd() & 15);
	if (n < 15) {
		switch (rnd() % 6) {
		case 0:
		case 1:
			b[n++] = interesting_1byte[rnd() % sizeof(interesting_1byte)];
			break;
		case 2:
			b[n++] = 0x0f;
			if (n < 15)
				b[n++] = interesting_0f[rnd() % sizeof(interesting_0f)];
			break;
		case 3:
			b[n++] = 0x0f;
			if (n < 15)
				b[n++] = 0x38;
			if (n < 15)
				b[n++] = (uint8_t)(rnd() % 4 ? 0xf0 | (rnd() & 1) : rnd());
			break;
		default:
			break;
		}
	}
	while (n < 15)
		b[n++] = (uint8_t)rnd();
	return 15;
}

static void run_random(enum emul_mode mode, unsigned long iters)
{
	ZydisDecoder zd;
	struct stats st = { 0 };
	uint8_t b[15];

	zydis_init(&zd, mode);
	for (unsigned long i = 0; i < iters; i++) {
		unsigned int len = random_insn(b, mode);

		/* Sometimes a short buffer, as at the end of a page. */
		if (rnd() % 8 == 0)
			len = (unsigned int)(rnd() % 16);
		check_one(&st, &zd, mode, b, len);
	}
	printf("random [%s]: %lu buffers, Zydis decodes %lu, emulator accepts %lu, "
	       "unsupported %lu, #UD/#GP %lu, mismatches %lu\n",
	       mode_name(mode), st.total, st.zydis_ok, st.ours_ok, st.unsupported, st.faults,
	       st.failures);
	for (unsigned int e = 1; e < EX_NR; e++)
		if (!st.by_exec[e] && mode == EMUL_MODE_PROT64)
			printf("  note: executor class %u never hit\n", e);
	assert_int_equal(st.failures, 0);
}

static void test_random_64(void **state)
{
	run_random(EMUL_MODE_PROT64, 400000);
}

static void test_random_32(void **state)
{
	run_random(EMUL_MODE_PROT32, 200000);
}

static void test_random_16(void **state)
{
	run_random(EMUL_MODE_PROT16, 100000);
}

static void test_random_real(void **state)
{
	run_random(EMUL_MODE_REAL, 100000);
}

/* The .text section of an ELF64 file, mapped; NULL if none. */
static const uint8_t *elf_text(const char *path, size_t *len, void **map, size_t *map_len)
{
	struct stat sb;
	const Elf64_Ehdr *eh;
	const Elf64_Shdr *sh;
	const char *names;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || sb.st_size < (off_t)sizeof(*eh)) {
		close(fd);
		return NULL;
	}
	*map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (*map == MAP_FAILED)
		return NULL;
	*map_len = (size_t)sb.st_size;
	eh = *map;
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_machine != EM_X86_64 || eh->e_shoff == 0 || eh->e_shstrndx >= eh->e_shnum ||
	    eh->e_shoff + (uint64_t)eh->e_shnum * sizeof(*sh) > *map_len)
		goto none;
	sh = (const Elf64_Shdr *)((const uint8_t *)*map + eh->e_shoff);
	if (sh[eh->e_shstrndx].sh_offset >= *map_len)
		goto none;
	names = (const char *)*map + sh[eh->e_shstrndx].sh_offset;
	for (unsigned int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_name >= sh[eh->e_shstrndx].sh_size)
			continue;
		if (strcmp(names + sh[i].sh_name, ".text") || sh[i].sh_type != SHT_PROGBITS)
			continue;
		if (sh[i].sh_offset + sh[i].sh_size > *map_len)
			goto none;
		*len = sh[i].sh_size;
		return (const uint8_t *)*map + sh[i].sh_offset;
	}
none:
	munmap(*map, *map_len);
	return NULL;
}

/* Linear sweep of the .text of binaries on this machine, in 64-bit mode (as compiled) and,
 * as more varied input, in 32-bit mode. */
static void test_binaries(void **state)
{
	static const char *const dirs[] = { "/usr/bin", "/usr/lib/x86_64-linux-gnu" };
	size_t budget = 6u << 20, done = 0;
	unsigned int files = 0;
	ZydisDecoder z64, z32;
	struct stats st64 = { 0 }, st32 = { 0 };

	zydis_init(&z64, EMUL_MODE_PROT64);
	zydis_init(&z32, EMUL_MODE_PROT32);
	for (unsigned int d = 0; d < 2 && done < budget; d++) {
		DIR *dir = opendir(dirs[d]);
		struct dirent *de;
		char path[512];

		if (!dir)
			continue;
		/* Sorted by readdir order is not deterministic; take names by a fixed filter
		 * instead: every file whose name hash picks it, up to the byte budget. */
		while ((de = readdir(dir)) && done < budget) {
			const uint8_t *text;
			size_t len, map_len;
			void *map;
			unsigned int h = 0;

			for (const char *c = de->d_name; *c; c++)
				h = h * 31 + (unsigned char)*c;
			if (h % 7)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dirs[d], de->d_name);
			text = elf_text(path, &len, &map, &map_len);
			if (!text)
				continue;
			if (len > 512u << 10)
				len = 512u << 10;
			files++;
			for (size_t off = 0; off < len;) {
				ZydisDecodedInstruction zi;
				unsigned int n = len - off < 15 ? (unsigned int)(len - off) : 15;

				check_one(&st64, &z64, EMUL_MODE_PROT64, text + off, n);
				if (off % 5 == 0)
					check_one(&st32, &z32, EMUL_MODE_PROT32, text + off, n);
				if (ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&z64, NULL,
									       text + off, n, &zi)))
					off += zi.length;
				else
					off++;
			}
			done += len;
			munmap(map, map_len);
		}
		closedir(dir);
	}
	printf("binaries: %u files, %zu bytes of .text\n", files, done);
	printf("  64-bit: %lu instructions, Zydis decodes %lu, emulator accepts %lu, "
	       "unsupported %lu, mismatches %lu\n",
	       st64.total, st64.zydis_ok, st64.ours_ok, st64.unsupported, st64.failures);
	printf("  32-bit: %lu instructions, Zydis decodes %lu, emulator accepts %lu, "
	       "unsupported %lu, mismatches %lu\n",
	       st32.total, st32.zydis_ok, st32.ours_ok, st32.unsupported, st32.failures);
	assert_true(files > 0);
	assert_int_equal(st64.failures + st32.failures, 0);
}

/* Hand-picked encodings, including the corner cases of the prefix and ModRM rules. */
static void test_corner_cases(void **state)
{
	static const struct {
		enum emul_mode mode;
		uint8_t len;
		uint8_t b[16];
		int rc;
		uint8_t insn_len;
	} cases[] = {
		/* mov [rbx+rcx*4], eax */
		{ EMUL_MODE_PROT64, 3, { 0x89, 0x04, 0x8b }, EMUL_OK, 3 },
		/* REX before a legacy prefix is ignored: 48 66 89 03 is mov [rbx], ax */
		{ EMUL_MODE_PROT64, 4, { 0x48, 0x66, 0x89, 0x03 }, EMUL_OK, 4 },
		/* 14 prefixes + opcode + modrm = 16 bytes: #GP */
		{ EMUL_MODE_PROT64,
		  16,
		  { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		    0x66, 0x89, 0x03 },
		  EMUL_FAULT,
		  0 },
		/* exactly 15 bytes is fine: 13 prefixes + 89 03 */
		{ EMUL_MODE_PROT64,
		  15,
		  { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		    0x89, 0x03 },
		  EMUL_OK,
		  15 },
		/* lock mov: #UD */
		{ EMUL_MODE_PROT64, 3, { 0xf0, 0x89, 0x03 }, EMUL_FAULT, 0 },
		/* lock add to a register: #UD */
		{ EMUL_MODE_PROT64, 3, { 0xf0, 0x01, 0xc3 }, EMUL_FAULT, 0 },
		/* cmpxchg8b with a register operand: #UD */
		{ EMUL_MODE_PROT64, 3, { 0x0f, 0xc7, 0xc8 }, EMUL_FAULT, 0 },
		/* mov rax, imm64 */
		{ EMUL_MODE_PROT64, 10, { 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8 }, EMUL_OK, 10 },
		/* mov al, [moffs64] */
		{ EMUL_MODE_PROT64, 9, { 0xa0, 1, 2, 3, 4, 5, 6, 7, 8 }, EMUL_OK, 9 },
		/* 16-bit: mov [bx+si+0x1234], ax */
		{ EMUL_MODE_PROT16, 4, { 0x89, 0x80, 0x34, 0x12 }, EMUL_OK, 4 },
		/* real mode: 67 switches to 32-bit addressing, SIB follows */
		{ EMUL_MODE_REAL, 4, { 0x67, 0x89, 0x04, 0x8b }, EMUL_OK, 4 },
		/* a truncated SIB */
		{ EMUL_MODE_PROT64, 2, { 0x89, 0x04 }, EMUL_TRUNCATED, 0 },
		/* AVX (VEX) moves are not supported */
		{ EMUL_MODE_PROT64, 4, { 0xc5, 0xfa, 0x6f, 0x03 }, EMUL_UNSUPPORTED, 0 },
		/* x87 is not supported */
		{ EMUL_MODE_PROT64, 2, { 0xd9, 0x03 }, EMUL_UNSUPPORTED, 0 },
		/* MOVSXD does not exist outside 64-bit mode (ARPL) */
		{ EMUL_MODE_PROT32, 2, { 0x63, 0x03 }, EMUL_UNSUPPORTED, 0 },
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct emul_ctxt ctxt;
		int rc;

		emul_init(&ctxt, NULL, NULL, cases[i].mode);
		rc = emul_decode(&ctxt, cases[i].b, cases[i].len);
		if (rc != cases[i].rc)
			fprintf(stderr, "case %u: %s, want %s\n", i, emul_result_name(rc),
				emul_result_name(cases[i].rc));
		assert_int_equal(rc, cases[i].rc);
		if (rc == EMUL_OK)
			assert_int_equal(ctxt.insn->len, cases[i].insn_len);
	}
}

int main(void)
{
	const char *seed = getenv("EMUL_TEST_SEED");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corner_cases), cmocka_unit_test(test_random_64),
		cmocka_unit_test(test_random_32),    cmocka_unit_test(test_random_16),
		cmocka_unit_test(test_random_real),  cmocka_unit_test(test_binaries),
	};

	rng_state = seed ? strtoull(seed, NULL, 0) : 0x706c696e7468ull;
	printf("test_emulate_decode: seed %#llx (set EMUL_TEST_SEED to change)\n",
	       (unsigned long long)rng_state);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
