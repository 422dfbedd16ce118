// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/config.h"
#include "core/errno.h"

#define MAX_DIAGS 32

static struct plinth_config cfg;
static char diags[MAX_DIAGS][512];
static int ndiags;

static void collect(void *ctx, const struct config_diag *d)
{
	assert_ptr_equal(ctx, &ndiags);
	if (ndiags < MAX_DIAGS)
		config_diag_format(d, diags[ndiags], sizeof(diags[0]));
	ndiags++;
}

static int setup(void **state)
{
	config_defaults(&cfg);
	ndiags = 0;
	memset(diags, 0, sizeof(diags));
	return 0;
}

static int parse(const char *text)
{
	return config_parse(&cfg, text, strlen(text), "plinth.cfg", collect, &ndiags);
}

static int parse_cmdline(const char *cmdline)
{
	return config_parse_cmdline(&cfg, cmdline, collect, &ndiags);
}

/* The text parses with exactly one error, whose formatted diag is want. */
static void expect_one_error(const char *text, const char *want)
{
	setup(NULL);
	int errors = parse(text);

	if (errors != 1 || ndiags != 1 || strcmp(diags[0], want) != 0)
		fail_msg("input:\n%s\nwant 1 error: %s\ngot %d: %s | %s", text, want, errors,
			 diags[0], diags[1]);
}

static void expect_cmdline_error(const char *cmdline, const char *want)
{
	setup(NULL);
	int errors = parse_cmdline(cmdline);

	if (errors != 1 || ndiags != 1 || strcmp(diags[0], want) != 0)
		fail_msg("cmdline '%s'\nwant: %s\ngot %d: %s", cmdline, want, errors, diags[0]);
}

static void test_defaults(void **state)
{
	assert_true(cfg.console.enabled);
	assert_int_equal(cfg.console.port, 0x3f8);
	assert_int_equal(cfg.console.baud, 115200);
	assert_int_equal(cfg.loglevel, LOG_INFO);
	assert_string_equal(cfg.selftest, "");
	assert_int_equal(cfg.nguests, 0);

	assert_int_equal(parse("[guest g]\nimage = g.bin\n"), 0);
	struct guest_config *g = &cfg.guests[0];
	assert_string_equal(g->name, "g");
	assert_int_equal(g->line, 1);
	assert_int_equal(g->image_line, 2);
	assert_int_equal(g->format, GUEST_FORMAT_FLAT);
	assert_int_equal(g->memory_bytes, 16 << 20);
	assert_int_equal(g->load_gpa, 0x100000);
	assert_int_equal(g->entry_gpa, 0x100000);
	assert_false(g->entry_set);
	assert_int_equal(g->mode_bits, 64);
	assert_string_equal(g->cmdline, "");
	assert_int_equal(g->nmodules, 0);
	assert_int_equal(g->cpu_mask, 1);
	assert_false(g->control);
}

/* Reads the example block out of docs/config.md, so the documentation cannot go stale. */
static char *docs_example(void)
{
	static const char *const paths[] = { "docs/config.md", "../docs/config.md",
					     "../../docs/config.md" };
	static char text[16384];
	FILE *f = NULL;
	size_t n;

	for (size_t i = 0; i < 3 && !f; i++)
		f = fopen(paths[i], "r");
	if (!f)
		fail_msg("docs/config.md not found (run the test from the repository root)");
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';

	char *start = strstr(text, "<!-- example");
	assert_non_null(start);
	start = strstr(start, "```ini\n");
	assert_non_null(start);
	start += strlen("```ini\n");
	char *end = strstr(start, "```");
	assert_non_null(end);
	*end = '\0';
	return start;
}

static void test_docs_example_parses(void **state)
{
	assert_int_equal(parse(docs_example()), 0);
	assert_int_equal(cfg.console.port, 0x3f8);
	assert_int_equal(cfg.console.baud, 115200);
	assert_int_equal(cfg.nguests, 2);

	const struct guest_config *hello = &cfg.guests[0], *lx = &cfg.guests[1];
	assert_string_equal(hello->name, "hello");
	assert_string_equal(hello->image, "guests/hello.bin");
	assert_int_equal(hello->memory_bytes, 16 << 20);
	assert_int_equal(hello->cpu_mask, 1 << 1);
	assert_string_equal(hello->cmdline, "verbose # not a comment");

	assert_string_equal(lx->name, "linux");
	assert_int_equal(lx->format, GUEST_FORMAT_MULTIBOOT2);
	assert_int_equal(lx->memory_bytes, 512ull << 20);
	assert_int_equal(lx->nmodules, 2);
	assert_string_equal(lx->modules[0].path, "linux/initrd.img");
	assert_string_equal(lx->modules[0].args, "rdinit=/sbin/init");
	assert_string_equal(lx->modules[1].path, "linux/extra.img");
	assert_string_equal(lx->modules[1].args, "");
	assert_int_equal(lx->cpu_mask, 0xc);
	assert_true(lx->control);
}

static void test_every_key(void **state)
{
	const char *text = "[plinth]\r\n"
			   "console = 0x2e8,9600\r\n"
			   "loglevel = 3\r\n"
			   "\r\n"
			   "[guest a-1_B]\r\n"
			   "image = dir/a.bin\r\n"
			   "format = flat\r\n"
			   "memory = 0x200000\r\n"
			   "load = 4096\r\n"
			   "entry = 0x1234\r\n"
			   "mode = 16\r\n"
			   "cmdline = quiet  debug=1#x\r\n"
			   "module = m/one.bin  a b  c\r\n"
			   "cpus = 0,2, 5 - 7 ,63\r\n"
			   "control = true\r\n"
			   "child_memory = 64M\r\n"
			   "[guest mb]\n"
			   "image = mb.elf\n"
			   "format = multiboot\n"
			   "memory = 1G\n"
			   "control = 0";

	assert_int_equal(parse(text), 0);
	assert_true(cfg.console.enabled);
	assert_int_equal(cfg.console.port, 0x2e8);
	assert_int_equal(cfg.console.baud, 9600);
	assert_int_equal(cfg.loglevel, LOG_DEBUG);

	const struct guest_config *a = &cfg.guests[0], *mb = &cfg.guests[1];
	assert_string_equal(a->name, "a-1_B");
	assert_string_equal(a->image, "dir/a.bin");
	assert_int_equal(a->memory_bytes, 0x200000);
	assert_int_equal(a->load_gpa, 4096);
	assert_int_equal(a->entry_gpa, 0x1234);
	assert_true(a->entry_set);
	assert_int_equal(a->mode_bits, 16);
	assert_string_equal(a->cmdline, "quiet  debug=1#x");
	assert_int_equal(a->nmodules, 1);
	assert_string_equal(a->modules[0].path, "m/one.bin");
	assert_string_equal(a->modules[0].args, "a b  c");
	assert_int_equal(a->modules[0].line, 13);
	assert_int_equal(a->cpu_mask, (1ull << 0) | (1ull << 2) | (7ull << 5) | (1ull << 63));
	assert_true(a->control);
	assert_int_equal(a->child_memory_bytes, 64ull << 20);

	assert_int_equal(mb->format, GUEST_FORMAT_MULTIBOOT);
	assert_int_equal(mb->child_memory_bytes, 0);
	assert_int_equal(mb->memory_bytes, 1ull << 30);
	assert_false(mb->control);
	assert_int_equal(cfg.nguests, 2);

	setup(NULL);
	assert_int_equal(parse("[plinth]\nconsole = none\nloglevel = warn\n"
			       "[guest x]\nimage=x\nformat=multiboot2\nmode = 32 # ignored?\n"),
			 1); /* mode is flat-only */
	assert_false(cfg.console.enabled);
	assert_int_equal(cfg.loglevel, LOG_WARN);
	assert_int_equal(cfg.guests[0].format, GUEST_FORMAT_MULTIBOOT2);
}

static void test_quotes_comments_and_spacing(void **state)
{
	const char *text = "# leading comment\n"
			   "   # indented comment\n"
			   "\t[ guest  q ]   # comment after header\n"
			   "\timage\t=\t\"q.bin\"   # comment after quotes\n"
			   "cmdline = \"  keep \\\"spaces\\\" and \\\\ # here  \"\n"
			   "module = \"m.bin  x # y\"\n";

	assert_int_equal(parse(text), 0);
	assert_string_equal(cfg.guests[0].name, "q");
	assert_string_equal(cfg.guests[0].image, "q.bin");
	assert_string_equal(cfg.guests[0].cmdline, "  keep \"spaces\" and \\ # here  ");
	assert_string_equal(cfg.guests[0].modules[0].args, "x # y");
}

static void test_text_is_bounded_by_len(void **state)
{
	/* Not NUL-terminated: everything after len must be ignored. */
	const char text[] = "[guest g]\nimage = g.bin\nmemory = 32M\nGARBAGE";

	assert_int_equal(
		config_parse(&cfg, text, strlen(text) - strlen("GARBAGE"), "f", collect, &ndiags),
		0);
	assert_int_equal(cfg.guests[0].memory_bytes, 32 << 20);

	setup(NULL);
	/* len ends the text at "memory = 3". */
	assert_int_equal(config_parse(&cfg, "[guest g]\nimage = g.bin\nmemory = 32M", 34, "f",
				      collect, &ndiags),
			 1);
	assert_string_equal(diags[0], "f:3: [guest g] key 'memory': memory size out of range "
				      "(expected 64K to 64G)");
}

static void test_long_lines_and_nul(void **state)
{
	char text[2200];

	/* A line of exactly 1024 characters is fine, 1025 is not. */
	strcpy(text, "[guest g]\nimage = g.bin\ncmdline = ");
	size_t head = strlen(text), line_start = strlen("[guest g]\nimage = g.bin\n");
	memset(text + head, 'c', 1024 - (head - line_start));
	text[line_start + 1024] = '\0';
	assert_int_equal(parse(text), 1); /* cmdline is longer than 511 characters */
	assert_string_equal(diags[0],
			    "plinth.cfg:3: [guest g] key 'cmdline': value too long (at most 511 "
			    "characters)");
	strcat(text, "c\n");
	setup(NULL);
	assert_int_equal(parse(text), 1);
	assert_string_equal(diags[0], "plinth.cfg:3: [guest g] line longer than 1024 characters");
	assert_string_equal(cfg.guests[0].cmdline, "");

	setup(NULL);
	const char nul[] = "[guest g]\nimage = g\0.bin\n";
	assert_int_equal(config_parse(&cfg, nul, sizeof(nul) - 1, "plinth.cfg", collect, &ndiags),
			 2);
	assert_string_equal(diags[0], "plinth.cfg:2: [guest g] NUL byte in line");
	assert_string_equal(diags[1], "plinth.cfg:1: [guest g] missing required key 'image'");
}

static void test_values_are_never_truncated(void **state)
{
	char text[1100], value[600];

	memset(value, 'a', 511);
	value[511] = '\0';
	snprintf(text, sizeof(text), "[guest g]\nimage = g\ncmdline = %s\n", value);
	assert_int_equal(parse(text), 0);
	assert_int_equal(strlen(cfg.guests[0].cmdline), 511);

	memset(value, 'p', 127);
	value[127] = '\0';
	setup(NULL);
	snprintf(text, sizeof(text), "[guest g]\nimage = %s\n", value);
	assert_int_equal(parse(text), 0);
	strcat(value, "p");
	setup(NULL);
	snprintf(text, sizeof(text), "[guest g]\nimage = %s\n", value);
	assert_int_equal(parse(text), 1);
	assert_string_equal(diags[0],
			    "plinth.cfg:2: [guest g] key 'image': path too long (at most 127 "
			    "characters)");
}

static void test_section_errors(void **state)
{
	expect_one_error("[plinth]\n\n[foo]\nbar = 1\n",
			 "plinth.cfg:3: unknown section 'foo' (expected plinth or guest NAME)");
	expect_one_error("[guest a\n",
			 "plinth.cfg:1: expected ']' at the end of the section header");
	expect_one_error("[plinth] x\n", "plinth.cfg:1: unexpected text after the section header");
	expect_one_error(
		"[guest a.b]\nimage = x\n",
		"plinth.cfg:1: invalid guest name 'a.b' (expected 1 to 31 letters, digits, "
		"'_' or '-')");
	expect_one_error("[guest]\n", "plinth.cfg:1: invalid guest name '' (expected 1 to 31 "
				      "letters, digits, '_' or '-')");
	expect_one_error("[guest aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\n",
			 "plinth.cfg:1: invalid guest name 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' "
			 "(expected 1 to 31 letters, digits, '_' or '-')");
	expect_one_error("[guest a]\nimage = a\n\n[guest a]\nimage = b\n",
			 "plinth.cfg:4: duplicate guest name 'a' (first on line 1)");
	expect_one_error("[guest a]\nmemory = 2M\n",
			 "plinth.cfg:1: [guest a] missing required key 'image'");
	expect_one_error("image = a\n[guest a]\nimage = a\n",
			 "plinth.cfg:1: key 'image': outside any section (expected [plinth] or "
			 "[guest NAME] before it)");
	expect_one_error(
		"[plinth]\nwhat is this\n",
		"plinth.cfg:2: [plinth] expected 'key = value', '[section]' or '# comment'");
	expect_one_error(
		"[plinth]\n= 3\n",
		"plinth.cfg:2: [plinth] expected 'key = value', '[section]' or '# comment'");
}

static void test_too_many_guests(void **state)
{
	char text[4096];
	size_t pos = 0;

	for (int i = 0; i <= CONFIG_MAX_GUESTS; i++)
		pos += snprintf(text + pos, sizeof(text) - pos, "[guest g%d]\nimage = g\n", i);
	assert_int_equal(parse(text), 1);
	assert_string_equal(diags[0], "plinth.cfg:33: too many guests (at most 16)");
	assert_int_equal(cfg.nguests, CONFIG_MAX_GUESTS);
}

static void test_key_errors(void **state)
{
	expect_one_error("[plinth]\ncolour = red\n",
			 "plinth.cfg:2: [plinth] key 'colour': unknown key (expected one of "
			 "console, loglevel)");
	expect_one_error(
		"[guest g]\nimage = g\nselftest = gp\n",
		"plinth.cfg:3: [guest g] key 'selftest': unknown key (expected one of "
		"image, format, memory, load, entry, mode, cmdline, module, cpus, control, "
		"child_memory)");
	expect_one_error("[guest g]\nimage = g\nmemory = 2M\nmemory = 4M\n",
			 "plinth.cfg:4: [guest g] key 'memory': set twice (first on line 3)");
	expect_one_error("[plinth]\nloglevel = info\n[plinth]\nloglevel = info\n",
			 "plinth.cfg:4: [plinth] key 'loglevel': set twice (first on line 2)");
	expect_one_error("[guest g]\nimage = \"g\n",
			 "plinth.cfg:2: [guest g] key 'image': unterminated quote");
	expect_one_error("[guest g]\nimage = g\ncmdline = \"a\\nb\"\n",
			 "plinth.cfg:3: [guest g] key 'cmdline': unknown escape in quoted value "
			 "(expected \\\" or \\\\)");
	expect_one_error("[guest g]\nimage = \"g\" x\n",
			 "plinth.cfg:2: [guest g] key 'image': unexpected text after the closing "
			 "quote");
}

static void test_plinth_value_errors(void **state)
{
	expect_one_error("[plinth]\nconsole = com5\n",
			 "plinth.cfg:2: [plinth] key 'console': invalid console 'com5' (expected "
			 "none, com1 to com4 or a port, then optionally ,BAUD)");
	expect_one_error("[plinth]\nconsole = 0x80\n",
			 "plinth.cfg:2: [plinth] key 'console': port out of range (expected 0x100 "
			 "to 0xfff8)");
	expect_one_error("[plinth]\nconsole = 0xfff9\n",
			 "plinth.cfg:2: [plinth] key 'console': port out of range (expected 0x100 "
			 "to 0xfff8)");
	expect_one_error("[plinth]\nconsole = com1,9601\n",
			 "plinth.cfg:2: [plinth] key 'console': invalid baud rate '9601' (expected "
			 "a divisor of 115200 from 50 to 115200)");
	expect_one_error("[plinth]\nconsole = com1,\n",
			 "plinth.cfg:2: [plinth] key 'console': invalid baud rate '' (expected "
			 "a divisor of 115200 from 50 to 115200)");
	expect_one_error(
		"[plinth]\nloglevel = loud\n",
		"plinth.cfg:2: [plinth] key 'loglevel': invalid log level 'loud' (expected "
		"error, warn, info, debug or 0 to 3)");
	/* A rejected value keeps the default. */
	assert_int_equal(cfg.loglevel, LOG_INFO);
}

#define G "[guest g]\nimage = g\n"

static void test_guest_value_errors(void **state)
{
	expect_one_error("[guest g]\nimage = ../etc/passwd\n",
			 "plinth.cfg:2: [guest g] key 'image': invalid path '../etc/passwd' "
			 "(expected a relative path of letters, digits, '.', '_', '-' and '/', "
			 "without '..')");
	expect_one_error(
		G "format = elf\n",
		"plinth.cfg:3: [guest g] key 'format': invalid format 'elf' (expected flat, "
		"multiboot or multiboot2)");
	expect_one_error(G "memory = 12Q\n",
			 "plinth.cfg:3: [guest g] key 'memory': invalid size '12Q' (expected a "
			 "number with optional K, M or G)");
	expect_one_error(G "memory = 99999999999999999999\n",
			 "plinth.cfg:3: [guest g] key 'memory': value out of range");
	expect_one_error(G "memory = 0x4000000000000000K\n",
			 "plinth.cfg:3: [guest g] key 'memory': value out of range");
	expect_one_error(G "memory = 32K\n",
			 "plinth.cfg:3: [guest g] key 'memory': memory size out of range (expected "
			 "64K to 64G)");
	expect_one_error(G "memory = 65G\n",
			 "plinth.cfg:3: [guest g] key 'memory': memory size out of range (expected "
			 "64K to 64G)");
	expect_one_error(
		G "memory = 65537K\n",
		"plinth.cfg:3: [guest g] key 'memory': memory size is not a multiple of 4K");
	expect_one_error(
		G "memory = 512K\n",
		"plinth.cfg:3: [guest g] key 'memory': memory size 0x80000 is not above the "
		"default load address 0x100000 (set load)");
	expect_one_error(G "load = 0x10000000\n",
			 "plinth.cfg:3: [guest g] key 'load': load address 0x10000000 is not below "
			 "the memory size 0x1000000");
	expect_one_error(G "load = -1\n",
			 "plinth.cfg:3: [guest g] key 'load': invalid address '-1' (expected a "
			 "decimal or 0x hex number)");
	expect_one_error(G "entry = 0x1ffffffffffffffff\n",
			 "plinth.cfg:3: [guest g] key 'entry': value out of range");
	expect_one_error(G "entry = 16M\n",
			 "plinth.cfg:3: [guest g] key 'entry': invalid address '16M' (expected a "
			 "decimal or 0x hex number)");
	expect_one_error(
		G "entry = 0x1000000\n",
		"plinth.cfg:3: [guest g] key 'entry': entry address 0x1000000 is not below "
		"the memory size 0x1000000");
	expect_one_error(G "mode = 8\n",
			 "plinth.cfg:3: [guest g] key 'mode': invalid mode '8' (expected 16, 32 or "
			 "64)");
	expect_one_error("[guest g]\nload = 0x2000\nimage = g\nformat = multiboot2\n",
			 "plinth.cfg:2: [guest g] key 'load': only valid with format = flat (this "
			 "guest is multiboot2)");
	expect_one_error(
		G "module =\n",
		"plinth.cfg:3: [guest g] key 'module': missing module path (expected 'path "
		"[arguments]')");
	expect_one_error(
		G "module = /abs.bin\n",
		"plinth.cfg:3: [guest g] key 'module': invalid path '/abs.bin' (expected a "
		"relative path of letters, digits, '.', '_', '-' and '/', without '..')");
	expect_one_error(
		G "module = m " /* 128 characters of arguments */
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		"plinth.cfg:3: [guest g] key 'module': module arguments too long (at most 127 "
		"characters)");
	expect_one_error(G "module=a\nmodule=a\nmodule=a\nmodule=a\nmodule=a\nmodule=a\nmodule=a\n"
			   "module=a\nmodule=a\n",
			 "plinth.cfg:11: [guest g] key 'module': too many modules (at most 8)");
	expect_one_error(G "cpus = 1-\n",
			 "plinth.cfg:3: [guest g] key 'cpus': invalid CPU list '1-' (expected CPU "
			 "numbers and ranges like 0,2,4-7)");
	expect_one_error(G "cpus = 3-1\n",
			 "plinth.cfg:3: [guest g] key 'cpus': invalid CPU list '3-1' (expected CPU "
			 "numbers and ranges like 0,2,4-7)");
	expect_one_error(G "cpus = 0,\n",
			 "plinth.cfg:3: [guest g] key 'cpus': invalid CPU list '0,' (expected CPU "
			 "numbers and ranges like 0,2,4-7)");
	expect_one_error(
		G "cpus = 0-64\n",
		"plinth.cfg:3: [guest g] key 'cpus': CPU 64 out of range (expected 0 to 63)");
	expect_one_error(
		G "child_memory = 1M\ncontrol = no\n",
		"plinth.cfg:3: [guest g] key 'child_memory': only valid with control = yes "
		"(only a control guest has child VMs)");
	expect_one_error(G "control = yes\nchild_memory = 65G\n",
			 "plinth.cfg:4: [guest g] key 'child_memory': child memory out of range "
			 "(expected 0 to 64G)");
	expect_one_error(
		G "control = yes\nchild_memory = 5000\n",
		"plinth.cfg:4: [guest g] key 'child_memory': child memory is not a multiple "
		"of 4K");
	expect_one_error(G "control = maybe\n",
			 "plinth.cfg:3: [guest g] key 'control': invalid boolean 'maybe' (expected "
			 "yes, no, true, false, 1 or 0)");
	expect_one_error(
		G "cmdline = \"\x1b[31m"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n"
		  "format = \x1b[2J\n",
		"plinth.cfg:4: [guest g] key 'format': invalid format '?[2J' (expected flat, "
		"multiboot or multiboot2)");
	expect_one_error(
		G "format = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		"plinth.cfg:3: [guest g] key 'format': invalid format "
		"'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' (expected flat, multiboot or "
		"multiboot2)");
}

static void test_all_errors_reported_in_order(void **state)
{
	const char *text = "[plinth]\n"
			   "loglevel = 7\n"
			   "[guest a]\n"
			   "memory = big\n"
			   "[guest b]\n"
			   "image = b\n"
			   "cpus = 99\n";

	assert_int_equal(parse(text), 4);
	assert_int_equal(ndiags, 4);
	assert_string_equal(diags[0],
			    "plinth.cfg:2: [plinth] key 'loglevel': invalid log level '7' "
			    "(expected error, warn, info, debug or 0 to 3)");
	assert_string_equal(diags[1], "plinth.cfg:4: [guest a] key 'memory': invalid size 'big' "
				      "(expected a number with optional K, M or G)");
	assert_string_equal(diags[2], "plinth.cfg:3: [guest a] missing required key 'image'");
	assert_string_equal(
		diags[3],
		"plinth.cfg:7: [guest b] key 'cpus': CPU 99 out of range (expected 0 to 63)");
}

static void test_cmdline(void **state)
{
	assert_int_equal(parse_cmdline("  console=com2,57600\tloglevel=debug\nselftest=gp  "), 0);
	assert_int_equal(cfg.console.port, 0x2f8);
	assert_int_equal(cfg.console.baud, 57600);
	assert_int_equal(cfg.loglevel, LOG_DEBUG);
	assert_string_equal(cfg.selftest, "gp");
	assert_int_equal(parse_cmdline(""), 0);
	assert_int_equal(config_parse_cmdline(&cfg, NULL, collect, &ndiags), 0);

	setup(NULL);
	assert_int_equal(parse_cmdline("console=\"com3\" selftest=none"), 0);
	assert_int_equal(cfg.console.port, 0x3e8);
	assert_string_equal(cfg.selftest, "");

	expect_cmdline_error("bar=1", "command line: option 'bar': unknown option (expected one of "
				      "console, loglevel, selftest)");
	expect_cmdline_error("console", "command line: option 'console': expected key=value");
	expect_cmdline_error("=x", "command line: option '=x': expected key=value");
	expect_cmdline_error("selftest=df",
			     "command line: option 'selftest': invalid selftest 'df' (expected "
			     "pagefault, gp, ud, vmentry, phantom-cpu, console-stall or none)");
	expect_cmdline_error("loglevel=1 loglevel=2", "command line: option 'loglevel': set twice");
	expect_cmdline_error("console=\"com1",
			     "command line: option 'console': unterminated quote");
	expect_cmdline_error("console=\"com1\"x",
			     "command line: option 'console': unexpected text after the closing "
			     "quote");
	expect_cmdline_error("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1",
			     "command line: option 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...': unknown "
			     "option (expected one of console, loglevel, selftest)");
	/* The command line overrides the file. */
	setup(NULL);
	assert_int_equal(parse("[plinth]\nconsole = com1\n"), 0);
	assert_int_equal(parse_cmdline("console=none"), 0);
	assert_false(cfg.console.enabled);
}

static void test_console_values(void **state)
{
	static const struct {
		const char *s;
		int err;
		uint16_t port;
		uint32_t baud;
	} cases[] = {
		{ "com1", 0, 0x3f8, 115200 },	    { "com2", 0, 0x2f8, 115200 },
		{ "com3", 0, 0x3e8, 115200 },	    { "com4,50", 0, 0x2e8, 50 },
		{ "0x3f8,38400", 0, 0x3f8, 38400 }, { "1016", 0, 0x3f8, 115200 },
		{ "0x100", 0, 0x100, 115200 },	    { "0xfff8,115200", 0, 0xfff8, 115200 },
		{ "0xff", -ERANGE, 0, 0 },	    { "com1,115201", -EINVAL, 0, 0 },
		{ "com1,49", -EINVAL, 0, 0 },	    { "com1,7", -EINVAL, 0, 0 },
		{ "COM1", -EINVAL, 0, 0 },	    { "", -EINVAL, 0, 0 },
		{ "none,9600", -EINVAL, 0, 0 },	    { "com1,9600,1", -EINVAL, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct console_config c = { 0 };
		int err = config_parse_console(cases[i].s, &c);

		if (err != cases[i].err)
			fail_msg("console '%s': %d, want %d", cases[i].s, err, cases[i].err);
		if (err == 0) {
			assert_true(c.enabled);
			assert_int_equal(c.port, cases[i].port);
			assert_int_equal(c.baud, cases[i].baud);
		}
	}
	struct console_config c = { .enabled = true };
	assert_int_equal(config_parse_console("none", &c), 0);
	assert_false(c.enabled);
}

static void test_sizes(void **state)
{
	static const struct {
		const char *s;
		int err;
		uint64_t v;
	} cases[] = {
		{ "0", 0, 0 },
		{ "4096", 0, 4096 },
		{ "0x1000", 0, 4096 },
		{ "64K", 0, 65536 },
		{ "64k", 0, 65536 },
		{ "16M", 0, 16 << 20 },
		{ "2G", 0, 2ull << 30 },
		{ "0x10M", 0, 16 << 20 },
		{ "007", 0, 7 },
		{ "18446744073709551615", 0, UINT64_MAX },
		{ "18446744073709551616", -ERANGE, 0 },
		{ "17179869184G", -ERANGE, 0 },
		{ "", -EINVAL, 0 },
		{ "K", -EINVAL, 0 },
		{ "0x", -EINVAL, 0 },
		{ "1 M", -EINVAL, 0 },
		{ "1MB", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "1T", -EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;
		int err = config_parse_size(cases[i].s, &v);

		if (err != cases[i].err || (err == 0 && v != cases[i].v))
			fail_msg("size '%s': %d %llu", cases[i].s, err, (unsigned long long)v);
		if (err)
			assert_int_equal(v, 12345); /* untouched on failure */
	}
}

static void test_paths(void **state)
{
	static const char *const good[] = { "a",   "a.bin",    "dir/sub/file-1_2.elf", "..a", "a..",
					    "./a", "a/.hidden" };
	static const char *const bad[] = { "",	   "/abs", "..",  "../a", "a/..", "a/../b",
					   "a//b", "a/",   "a b", "a\\b", "ä",	  "a:b" };

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!config_path_ok(good[i]))
			fail_msg("'%s' refused", good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (config_path_ok(bad[i]))
			fail_msg("'%s' accepted", bad[i]);
	}
	assert_false(config_path_ok(NULL));
}

static void test_diag_format(void **state)
{
	struct config_diag d = {
		.file = "plinth.cfg", .line = 12, .section = "guest hello", .key = "colour"
	};
	char buf[128];

	strcpy(d.msg, "unknown key");
	assert_int_equal(config_diag_format(&d, buf, sizeof(buf)), 54);
	assert_string_equal(buf, "plinth.cfg:12: [guest hello] key 'colour': unknown key");
	/* Truncation returns the full length and keeps the buffer terminated. */
	assert_int_equal(config_diag_format(&d, buf, 10), 54);
	assert_string_equal(buf, "plinth.cf");
	assert_int_equal(config_diag_format(&d, NULL, 0), 54);

	d.section = NULL;
	d.key = NULL;
	config_diag_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "plinth.cfg:12: unknown key");
	d.file = NULL;
	d.line = 0;
	config_diag_format(&d, buf, sizeof(buf));
	assert_string_equal(buf, "unknown key");
	assert_string_equal(guest_format_name(GUEST_FORMAT_MULTIBOOT2), "multiboot2");
	assert_string_equal(guest_format_name((enum guest_format)7), "unknown");
}

static void test_no_report_callback(void **state)
{
	assert_int_equal(config_parse(&cfg, "[x]\n[y]\n", 8, "f", NULL, NULL), 2);
	assert_int_equal(config_parse_cmdline(&cfg, "a b", NULL, NULL), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, setup),
		cmocka_unit_test_setup(test_docs_example_parses, setup),
		cmocka_unit_test_setup(test_every_key, setup),
		cmocka_unit_test_setup(test_quotes_comments_and_spacing, setup),
		cmocka_unit_test_setup(test_text_is_bounded_by_len, setup),
		cmocka_unit_test_setup(test_long_lines_and_nul, setup),
		cmocka_unit_test_setup(test_values_are_never_truncated, setup),
		cmocka_unit_test_setup(test_section_errors, setup),
		cmocka_unit_test_setup(test_too_many_guests, setup),
		cmocka_unit_test_setup(test_key_errors, setup),
		cmocka_unit_test_setup(test_plinth_value_errors, setup),
		cmocka_unit_test_setup(test_guest_value_errors, setup),
		cmocka_unit_test_setup(test_all_errors_reported_in_order, setup),
		cmocka_unit_test_setup(test_cmdline, setup),
		cmocka_unit_test_setup(test_console_values, setup),
		cmocka_unit_test_setup(test_sizes, setup),
		cmocka_unit_test_setup(test_paths, setup),
		cmocka_unit_test_setup(test_diag_format, setup),
		cmocka_unit_test_setup(test_no_report_callback, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
