// SPDX-License-Identifier: MIT
/*
 * plinth.cfg and command-line parsing (docs/config.md is the user's side of this file).
 *
 * The parser copies one line at a time into a bounded buffer, cuts it into key and value in
 * place, and hands the value to the key's setter from a table. Setters validate completely and
 * only then store, so a rejected value leaves the default in place. Checks that need the whole
 * section (required keys, format-dependent keys, load address below memory size) run when the
 * section ends. Nothing here may read past len or write past a field: a fuzzer feeds it bytes.
 */
#include "core/config.h"
#include "core/compiler.h"
#include "core/errno.h"
#include "core/printf.h"
#include "core/string.h"

#define MEMORY_MIN_BYTES     (64 * KiB)
#define MEMORY_MAX_BYTES     (64 * GiB)
#define MEMORY_DEFAULT_BYTES (16 * MiB)
#define LOAD_DEFAULT_GPA     0x100000
#define CONSOLE_PORT_MIN     0x100
#define CONSOLE_PORT_MAX     0xfff8 /* the UART's 8 registers must fit below 0x10000 */
#define UART_BASE_BAUD	     115200 /* 1.8432 MHz / 16: the baud rate at divisor 1 */
#define UART_MIN_BAUD	     50
#define MAX_CPUS	     64
#define SHOW_MAX	     40 /* value characters quoted in a message */
#define MAX_KEYS	     16

enum section_kind {
	SEC_NONE, /* before the first section header */
	SEC_PLINTH,
	SEC_GUEST,
	SEC_IGNORED, /* a header that was reported: its keys are skipped, not reported again */
};

struct parser;

struct key_def {
	const char *name;
	int (*set)(struct parser *p, const char *value);
	bool repeatable;
	bool flat_only;
};

struct parser {
	struct plinth_config *cfg;
	const char *file;
	config_report_fn report;
	void *ctx;
	int errors;
	int line;
	enum section_kind sec;
	char sec_name[sizeof("guest ") + CONFIG_NAME_LEN];
	struct guest_config *guest; /* SEC_GUEST: the guest being filled */
	const char *key; /* the key being set, for the setters' messages */
	int plinth_key_line[MAX_KEYS]; /* first line of each [plinth] key (0: not set) */
	int guest_key_line[MAX_KEYS]; /* the same for the current guest section */
	char shown[SHOW_MAX + 4];
	char keybuf[CONFIG_NAME_LEN + 4];
	char buf[CONFIG_MAX_LINE + 1];
};

/* ---- reporting ------------------------------------------------------------------------- */

static void report(struct parser *p, int line, const char *key, const char *fmt, ...)
	__printf(4, 5);

static void report(struct parser *p, int line, const char *key, const char *fmt, ...)
{
	struct config_diag d = {
		.file = p->file,
		.line = line,
		.section = (p->sec == SEC_PLINTH || p->sec == SEC_GUEST) ? p->sec_name : NULL,
		.key = key,
	};
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(d.msg, sizeof(d.msg), fmt, ap);
	va_end(ap);
	p->errors++;
	if (p->report)
		p->report(p->ctx, &d);
}

/* An error about the value of the key being set. Returns -EINVAL for the setter to return. */
#define bad_value(p, ...) (report((p), (p)->line, (p)->key, __VA_ARGS__), -EINVAL)

/* A user's value as it may appear in a message: shortened, control bytes made visible. */
static const char *show(struct parser *p, const char *v)
{
	size_t i;

	for (i = 0; v[i] && i < SHOW_MAX; i++)
		p->shown[i] = (v[i] >= 0x20 && v[i] < 0x7f) ? v[i] : '?';
	p->shown[i] = '\0';
	if (v[i])
		strlcpy_pl(p->shown + i, "...", sizeof(p->shown) - i);
	return p->shown;
}

static size_t append(char *buf, size_t size, size_t pos, const char *fmt, ...) __printf(4, 5);

/* ksnprintf at buf + pos, tolerating pos >= size; returns the new total length. */
static size_t append(char *buf, size_t size, size_t pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(pos < size ? buf + pos : NULL, pos < size ? size - pos : 0, fmt, ap);
	va_end(ap);
	return pos + (n > 0 ? (size_t)n : 0);
}

int config_diag_format(const struct config_diag *d, char *buf, size_t size)
{
	size_t pos = 0;

	if (size)
		buf[0] = '\0';
	if (d->file)
		pos = append(buf, size, pos, "%s", d->file);
	if (d->line > 0)
		pos = append(buf, size, pos, ":%d", d->line);
	if (pos)
		pos = append(buf, size, pos, ": ");
	if (d->section)
		pos = append(buf, size, pos, "[%s] ", d->section);
	/* Without a line the key came from the command line, where it is called an option. */
	if (d->key)
		pos = append(buf, size, pos, "%s '%s': ", d->line > 0 ? "key" : "option", d->key);
	pos = append(buf, size, pos, "%s", d->msg);
	return pos > INT32_MAX ? INT32_MAX : (int)pos;
}

/* ---- values ------------------------------------------------------------------------------ */

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Boot loaders may pass line breaks in the command line too. */
static bool is_cmdline_space(char c)
{
	return is_space(c) || c == '\n' || c == '\r';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Scans a decimal or 0x-hex number at s, leaving *end after its digits. -EINVAL when there are
 * no digits, -ERANGE when it does not fit 64 bits (*end still skips all the digits).
 */
static int scan_u64(const char *s, const char **end, uint64_t *out)
{
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	unsigned int base = hex ? 16 : 10;
	bool overflow = false;
	uint64_t v = 0;
	const char *q = hex ? s + 2 : s;
	const char *first = q;
	int d;

	for (; (d = hex_value(*q)) >= 0 && (unsigned int)d < base; q++) {
		if (v > (UINT64_MAX - d) / base)
			overflow = true;
		v = v * base + d;
	}
	*end = q;
	if (q == first)
		return -EINVAL;
	if (overflow)
		return -ERANGE;
	*out = v;
	return 0;
}

/* A whole string that is one number. */
static int parse_u64(const char *s, uint64_t *out)
{
	const char *end;
	uint64_t v;
	int err = scan_u64(s, &end, &v);

	if (err)
		return *end ? -EINVAL : err;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int config_parse_size(const char *s, uint64_t *out)
{
	const char *end;
	unsigned int shift = 0;
	uint64_t v;
	int err = scan_u64(s, &end, &v);

	switch (*end) {
	case 'K':
	case 'k':
		shift = 10;
		break;
	case 'M':
	case 'm':
		shift = 20;
		break;
	case 'G':
	case 'g':
		shift = 30;
		break;
	}
	if (shift)
		end++;
	if (*end)
		return -EINVAL;
	if (err)
		return err;
	if (v > UINT64_MAX >> shift)
		return -ERANGE;
	*out = v << shift;
	return 0;
}

bool config_path_ok(const char *path)
{
	size_t comp = 0; /* length of the current component */

	if (!path || !path[0] || path[0] == '/')
		return false;
	for (const char *q = path;; q++) {
		char c = *q;

		if (c == '/' || c == '\0') {
			/* No empty components ("a//b", "a/"), no way up ("..") */
			if (comp == 0 || (comp == 2 && q[-1] == '.' && q[-2] == '.'))
				return false;
			if (c == '\0')
				return true;
			comp = 0;
			continue;
		}
		if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
		      c == '_' || c == '-'))
			return false;
		comp++;
	}
}

static const struct {
	const char *name;
	uint16_t port;
} com_ports[] = {
	{ "com1", 0x3f8 },
	{ "com2", 0x2f8 },
	{ "com3", 0x3e8 },
	{ "com4", 0x2e8 },
};

/* The port part of a console value: [s, s + len). */
static int parse_console_port(const char *s, size_t len, uint16_t *port)
{
	char num[24];
	uint64_t v;
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(com_ports); i++) {
		if (len == strlen(com_ports[i].name) && strncmp(s, com_ports[i].name, len) == 0) {
			*port = com_ports[i].port;
			return 0;
		}
	}
	if (len == 0 || len >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, len);
	num[len] = '\0';
	err = parse_u64(num, &v);
	if (err)
		return err;
	if (v < CONSOLE_PORT_MIN || v > CONSOLE_PORT_MAX)
		return -ERANGE;
	*port = (uint16_t)v;
	return 0;
}

/* The UART divides UART_BASE_BAUD by an integer divisor, so only its divisors are exact. */
static int parse_baud(const char *s, uint32_t *baud)
{
	uint64_t v;

	if (parse_u64(s, &v) || v < UART_MIN_BAUD || v > UART_BASE_BAUD || UART_BASE_BAUD % v)
		return -EINVAL;
	*baud = (uint32_t)v;
	return 0;
}

/* config_parse_console, telling which part failed (*in_baud) for the message. */
static int console_parse(const char *s, struct console_config *out, bool *in_baud)
{
	const char *comma = strchr(s, ',');
	size_t port_len = comma ? (size_t)(comma - s) : strlen(s);
	struct console_config c = { .enabled = true, .baud = UART_BASE_BAUD };
	int err;

	*in_baud = false;
	if (strcmp(s, "none") == 0) {
		*out = (struct console_config){ .enabled = false };
		return 0;
	}
	err = parse_console_port(s, port_len, &c.port);
	if (err)
		return err;
	if (comma) {
		*in_baud = true;
		err = parse_baud(comma + 1, &c.baud);
		if (err)
			return err;
	}
	*out = c;
	return 0;
}

int config_parse_console(const char *s, struct console_config *out)
{
	bool in_baud;

	return console_parse(s, out, &in_baud);
}

/* "0", "0,2", "1-3", "0, 4-7": bit n of *mask for CPU n. *bad is the CPU out of range. */
static int parse_cpus(const char *s, uint64_t *mask, uint64_t *bad)
{
	uint64_t m = 0;

	for (;;) {
		uint64_t lo, hi;
		int err;

		while (is_space(*s))
			s++;
		err = scan_u64(s, &s, &lo);
		if (err)
			return -EINVAL;
		hi = lo;
		while (is_space(*s))
			s++;
		if (*s == '-') {
			s++;
			while (is_space(*s))
				s++;
			if (scan_u64(s, &s, &hi))
				return -EINVAL;
			while (is_space(*s))
				s++;
		}
		if (lo >= MAX_CPUS || hi >= MAX_CPUS) {
			*bad = lo >= MAX_CPUS ? lo : hi;
			return -ERANGE;
		}
		if (lo > hi)
			return -EINVAL;
		for (uint64_t cpu = lo; cpu <= hi; cpu++)
			m |= BIT(cpu);
		if (*s == '\0')
			break;
		if (*s++ != ',')
			return -EINVAL;
	}
	*mask = m;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "1" };
	static const char *const no[] = { "no", "false", "0" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *const format_names[] = {
	[GUEST_FORMAT_FLAT] = "flat",
	[GUEST_FORMAT_MULTIBOOT] = "multiboot",
	[GUEST_FORMAT_MULTIBOOT2] = "multiboot2",
};

const char *guest_format_name(enum guest_format f)
{
	if ((unsigned int)f < ARRAY_SIZE(format_names))
		return format_names[f];
	return "unknown";
}

/* ---- setters ----------------------------------------------------------------------------- */

static int set_console(struct parser *p, const char *v)
{
	bool in_baud;
	int err = console_parse(v, &p->cfg->console, &in_baud);

	if (err == -ERANGE)
		return bad_value(p, "port out of range (expected 0x%x to 0x%x)", CONSOLE_PORT_MIN,
				 CONSOLE_PORT_MAX);
	if (err && in_baud)
		return bad_value(
			p, "invalid baud rate '%s' (expected a divisor of %d from %d to %d)",
			show(p, strchr(v, ',') + 1), UART_BASE_BAUD, UART_MIN_BAUD, UART_BASE_BAUD);
	if (err)
		return bad_value(p,
				 "invalid console '%s' (expected none, com1 to com4 or a port, "
				 "then optionally ,BAUD)",
				 show(p, v));
	return 0;
}

static int set_loglevel(struct parser *p, const char *v)
{
	if (log_level_parse(v, &p->cfg->loglevel))
		return bad_value(p,
				 "invalid log level '%s' (expected error, warn, info, debug or "
				 "0 to 3)",
				 show(p, v));
	return 0;
}

static int set_selftest(struct parser *p, const char *v)
{
	static const char *const tests[] = { "pagefault", "gp",		 "ud",
					     "vmentry",	  "phantom-cpu", "console-stall" };

	if (strcmp(v, "none") == 0) {
		p->cfg->selftest[0] = '\0';
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(tests); i++) {
		if (strcmp(v, tests[i]) == 0) {
			strlcpy_pl(p->cfg->selftest, v, sizeof(p->cfg->selftest));
			return 0;
		}
	}
	return bad_value(p,
			 "invalid selftest '%s' (expected pagefault, gp, ud, vmentry, phantom-cpu, "
			 "console-stall or none)",
			 show(p, v));
}

/* Checks a path for a field of CONFIG_PATH_LEN bytes. */
static int check_path(struct parser *p, const char *path)
{
	if (strlen(path) >= CONFIG_PATH_LEN)
		return bad_value(p, "path too long (at most %d characters)", CONFIG_PATH_LEN - 1);
	if (!config_path_ok(path))
		return bad_value(p,
				 "invalid path '%s' (expected a relative path of letters, digits, "
				 "'.', '_', '-' and '/', without '..')",
				 show(p, path));
	return 0;
}

static int set_image(struct parser *p, const char *v)
{
	if (check_path(p, v))
		return -EINVAL;
	strlcpy_pl(p->guest->image, v, sizeof(p->guest->image));
	p->guest->image_line = p->line;
	return 0;
}

static int set_format(struct parser *p, const char *v)
{
	for (size_t i = 0; i < ARRAY_SIZE(format_names); i++) {
		if (strcmp(v, format_names[i]) == 0) {
			p->guest->format = (enum guest_format)i;
			return 0;
		}
	}
	return bad_value(p, "invalid format '%s' (expected flat, multiboot or multiboot2)",
			 show(p, v));
}

/* A size with optional K, M, G: 0 and *bytes, or the error reported. */
static int parse_size_value(struct parser *p, const char *v, uint64_t *bytes)
{
	int err = config_parse_size(v, bytes);

	if (err == -ERANGE)
		return bad_value(p, "value out of range");
	if (err)
		return bad_value(p, "invalid size '%s' (expected a number with optional K, M or G)",
				 show(p, v));
	return 0;
}

static int set_memory(struct parser *p, const char *v)
{
	uint64_t bytes;
	int err = parse_size_value(p, v, &bytes);

	if (err)
		return err;
	if (bytes < MEMORY_MIN_BYTES || bytes > MEMORY_MAX_BYTES)
		return bad_value(p, "memory size out of range (expected 64K to 64G)");
	if (!IS_ALIGNED(bytes, PAGE_SIZE))
		return bad_value(p, "memory size is not a multiple of 4K");
	p->guest->memory_bytes = bytes;
	return 0;
}

static int parse_gpa(struct parser *p, const char *v, uint64_t *gpa)
{
	int err = parse_u64(v, gpa);

	if (err == -ERANGE)
		return bad_value(p, "value out of range");
	if (err)
		return bad_value(p, "invalid address '%s' (expected a decimal or 0x hex number)",
				 show(p, v));
	return 0;
}

static int set_load(struct parser *p, const char *v)
{
	return parse_gpa(p, v, &p->guest->load_gpa);
}

static int set_entry(struct parser *p, const char *v)
{
	if (parse_gpa(p, v, &p->guest->entry_gpa))
		return -EINVAL;
	p->guest->entry_set = true;
	return 0;
}

static int set_mode(struct parser *p, const char *v)
{
	static const char *const modes[] = { "16", "32", "64" };

	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		if (strcmp(v, modes[i]) == 0) {
			p->guest->mode_bits = 16 << i;
			return 0;
		}
	}
	return bad_value(p, "invalid mode '%s' (expected 16, 32 or 64)", show(p, v));
}

static int set_cmdline(struct parser *p, const char *v)
{
	if (strlen(v) >= CONFIG_CMDLINE_LEN)
		return bad_value(p, "value too long (at most %d characters)",
				 CONFIG_CMDLINE_LEN - 1);
	strlcpy_pl(p->guest->cmdline, v, sizeof(p->guest->cmdline));
	return 0;
}

/* "path [args...]": the path names the file, the rest is the module's own command line. */
static int set_module(struct parser *p, const char *v)
{
	struct guest_config *g = p->guest;
	struct guest_module_config *mod;
	size_t path_len = 0;
	const char *args;

	if (g->nmodules >= CONFIG_MAX_MODULES)
		return bad_value(p, "too many modules (at most %d)", CONFIG_MAX_MODULES);
	while (v[path_len] && !is_space(v[path_len]))
		path_len++;
	if (path_len == 0)
		return bad_value(p, "missing module path (expected 'path [arguments]')");
	if (path_len >= CONFIG_PATH_LEN)
		return bad_value(p, "path too long (at most %d characters)", CONFIG_PATH_LEN - 1);
	args = v + path_len;
	while (is_space(*args))
		args++;
	if (strlen(args) >= CONFIG_ARGS_LEN)
		return bad_value(p, "module arguments too long (at most %d characters)",
				 CONFIG_ARGS_LEN - 1);

	mod = &g->modules[g->nmodules];
	memcpy(mod->path, v, path_len);
	mod->path[path_len] = '\0';
	if (check_path(p, mod->path)) {
		mod->path[0] = '\0';
		return -EINVAL;
	}
	strlcpy_pl(mod->args, args, sizeof(mod->args));
	mod->line = p->line;
	g->nmodules++;
	return 0;
}

static int set_cpus(struct parser *p, const char *v)
{
	uint64_t bad_cpu = 0;
	int err = parse_cpus(v, &p->guest->cpu_mask, &bad_cpu);

	p->guest->cpus_line = p->line;
	if (err == -ERANGE)
		return bad_value(p, "CPU %llu out of range (expected 0 to %d)",
				 (unsigned long long)bad_cpu, MAX_CPUS - 1);
	if (err)
		return bad_value(p,
				 "invalid CPU list '%s' (expected CPU numbers and ranges like "
				 "0,2,4-7)",
				 show(p, v));
	return 0;
}

static int set_child_memory(struct parser *p, const char *v)
{
	uint64_t bytes;
	int err = parse_size_value(p, v, &bytes);

	if (err)
		return err;
	if (bytes > MEMORY_MAX_BYTES)
		return bad_value(p, "child memory out of range (expected 0 to 64G)");
	if (!IS_ALIGNED(bytes, PAGE_SIZE))
		return bad_value(p, "child memory is not a multiple of 4K");
	p->guest->child_memory_bytes = bytes;
	return 0;
}

static int set_control(struct parser *p, const char *v)
{
	if (parse_bool(v, &p->guest->control))
		return bad_value(p, "invalid boolean '%s' (expected yes, no, true, false, 1 or 0)",
				 show(p, v));
	return 0;
}

/* ---- key tables ---------------------------------------------------------------------------- */

enum { PK_CONSOLE, PK_LOGLEVEL, PK_SELFTEST, PK_COUNT };

static const struct key_def plinth_keys[PK_SELFTEST] = {
	[PK_CONSOLE] = { "console", set_console },
	[PK_LOGLEVEL] = { "loglevel", set_loglevel },
};

/* The command line takes the [plinth] keys and a debugging aid. */
static const struct key_def cmdline_keys[PK_COUNT] = {
	[PK_CONSOLE] = { "console", set_console },
	[PK_LOGLEVEL] = { "loglevel", set_loglevel },
	[PK_SELFTEST] = { "selftest", set_selftest },
};

enum {
	GK_IMAGE,
	GK_FORMAT,
	GK_MEMORY,
	GK_LOAD,
	GK_ENTRY,
	GK_MODE,
	GK_CMDLINE,
	GK_MODULE,
	GK_CPUS,
	GK_CONTROL,
	GK_CHILD_MEMORY,
	GK_COUNT
};

static const struct key_def guest_keys[GK_COUNT] = {
	[GK_IMAGE] = { "image", set_image },
	[GK_FORMAT] = { "format", set_format },
	[GK_MEMORY] = { "memory", set_memory },
	[GK_LOAD] = { "load", set_load, .flat_only = true },
	[GK_ENTRY] = { "entry", set_entry, .flat_only = true },
	[GK_MODE] = { "mode", set_mode, .flat_only = true },
	[GK_CMDLINE] = { "cmdline", set_cmdline },
	[GK_MODULE] = { "module", set_module, .repeatable = true },
	[GK_CPUS] = { "cpus", set_cpus },
	[GK_CONTROL] = { "control", set_control },
	[GK_CHILD_MEMORY] = { "child_memory", set_child_memory },
};

STATIC_ASSERT(GK_COUNT <= MAX_KEYS && PK_COUNT <= MAX_KEYS);

static int find_key(const struct key_def *keys, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(keys[i].name, key) == 0)
			return (int)i;
	}
	return -1;
}

static void report_unknown_key(struct parser *p, const char *key, const char *what,
			       const struct key_def *keys, size_t n)
{
	char list[120];
	size_t pos = 0;

	list[0] = '\0';
	for (size_t i = 0; i < n; i++)
		pos = append(list, sizeof(list), pos, "%s%s", i ? ", " : "", keys[i].name);
	report(p, p->line, key, "unknown %s (expected one of %s)", what, list);
}

/* Looks the key up, refuses a second setting, and runs its setter (none if value is NULL). */
static void set_key(struct parser *p, const struct key_def *keys, size_t n, int *key_line,
		    const char *key, const char *value, const char *what)
{
	int k = find_key(keys, n, key);

	/* A malformed value (reported already) still counts as the key being given. */
	if (!value) {
		if (k >= 0 && !key_line[k])
			key_line[k] = p->line > 0 ? p->line : -1;
		return;
	}
	if (k < 0) {
		report_unknown_key(p, key, what, keys, n);
		return;
	}
	p->key = keys[k].name;
	if (key_line[k] && !keys[k].repeatable) {
		if (key_line[k] > 0)
			report(p, p->line, p->key, "set twice (first on line %d)", key_line[k]);
		else
			report(p, p->line, p->key, "set twice");
		return;
	}
	/* The command line has no line numbers: -1 only marks the key as seen. */
	key_line[k] = p->line > 0 ? p->line : -1;
	keys[k].set(p, value);
}

/* ---- sections ---------------------------------------------------------------------------- */

static void guest_defaults(struct guest_config *g, const char *name, int line)
{
	memset(g, 0, sizeof(*g));
	strlcpy_pl(g->name, name, sizeof(g->name));
	g->line = line;
	g->format = GUEST_FORMAT_FLAT;
	g->memory_bytes = MEMORY_DEFAULT_BYTES;
	g->load_gpa = LOAD_DEFAULT_GPA;
	g->entry_gpa = LOAD_DEFAULT_GPA;
	g->mode_bits = 64;
	g->cpu_mask = 1;
}

/* Checks that need the whole section. */
static void finish_guest(struct parser *p)
{
	struct guest_config *g = p->guest;
	const int *kl = p->guest_key_line;

	/* An image key with a bad value was reported already: not "missing" as well. */
	if (!kl[GK_IMAGE])
		report(p, g->line, NULL, "missing required key 'image'");
	if (kl[GK_CHILD_MEMORY] && !g->control)
		report(p, kl[GK_CHILD_MEMORY], "child_memory",
		       "only valid with control = yes (only a control guest has child VMs)");
	if (g->format != GUEST_FORMAT_FLAT) {
		for (int k = 0; k < GK_COUNT; k++) {
			if (guest_keys[k].flat_only && kl[k])
				report(p, kl[k], guest_keys[k].name,
				       "only valid with format = flat (this guest is %s)",
				       guest_format_name(g->format));
		}
		return;
	}
	if (!g->entry_set)
		g->entry_gpa = g->load_gpa;
	if (g->load_gpa >= g->memory_bytes) {
		if (kl[GK_LOAD])
			report(p, kl[GK_LOAD], "load",
			       "load address 0x%llx is not below the memory "
			       "size 0x%llx",
			       (unsigned long long)g->load_gpa,
			       (unsigned long long)g->memory_bytes);
		else
			report(p, kl[GK_MEMORY], "memory",
			       "memory size 0x%llx is not above the "
			       "default load address 0x%llx (set load)",
			       (unsigned long long)g->memory_bytes,
			       (unsigned long long)g->load_gpa);
	} else if (g->entry_set && g->entry_gpa >= g->memory_bytes) {
		report(p, kl[GK_ENTRY], "entry",
		       "entry address 0x%llx is not below the memory size "
		       "0x%llx",
		       (unsigned long long)g->entry_gpa, (unsigned long long)g->memory_bytes);
	}
}

static void end_section(struct parser *p)
{
	if (p->sec == SEC_GUEST)
		finish_guest(p);
	p->sec = SEC_NONE;
	p->guest = NULL;
}

static bool guest_name_ok(const char *name)
{
	size_t n;

	for (n = 0; name[n]; n++) {
		char c = name[n];

		if (!(is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
		      c == '-'))
			return false;
	}
	return n >= 1 && n < CONFIG_NAME_LEN;
}

static void begin_guest(struct parser *p, const char *name)
{
	struct plinth_config *cfg = p->cfg;

	p->sec = SEC_IGNORED;
	if (!guest_name_ok(name)) {
		report(p, p->line, NULL,
		       "invalid guest name '%s' (expected 1 to %d letters, digits, "
		       "'_' or '-')",
		       show(p, name), CONFIG_NAME_LEN - 1);
		return;
	}
	for (unsigned int i = 0; i < cfg->nguests; i++) {
		if (strcmp(cfg->guests[i].name, name) == 0) {
			report(p, p->line, NULL, "duplicate guest name '%s' (first on line %d)",
			       name, cfg->guests[i].line);
			return;
		}
	}
	if (cfg->nguests >= CONFIG_MAX_GUESTS) {
		report(p, p->line, NULL, "too many guests (at most %d)", CONFIG_MAX_GUESTS);
		return;
	}
	p->guest = &cfg->guests[cfg->nguests++];
	guest_defaults(p->guest, name, p->line);
	memset(p->guest_key_line, 0, sizeof(p->guest_key_line));
	ksnprintf(p->sec_name, sizeof(p->sec_name), "guest %s", name);
	p->sec = SEC_GUEST;
}

/* Strips spaces and tabs from both ends of s in place. */
static char *trim(char *s)
{
	size_t n;

	while (is_space(*s))
		s++;
	n = strlen(s);
	while (n && is_space(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* "[plinth]" or "[guest NAME]", s pointing at the '['. */
static void parse_section(struct parser *p, char *s)
{
	char *close = strchr(s, ']');
	char *rest, *name;

	end_section(p);
	if (!close) {
		report(p, p->line, NULL, "expected ']' at the end of the section header");
		p->sec = SEC_IGNORED;
		return;
	}
	rest = trim(close + 1);
	if (*rest && *rest != '#') {
		report(p, p->line, NULL, "unexpected text after the section header");
		p->sec = SEC_IGNORED;
		return;
	}
	*close = '\0';
	name = trim(s + 1);
	if (strcmp(name, "plinth") == 0) {
		strlcpy_pl(p->sec_name, "plinth", sizeof(p->sec_name));
		p->sec = SEC_PLINTH;
	} else if (strncmp(name, "guest", 5) == 0 && (is_space(name[5]) || !name[5])) {
		begin_guest(p, trim(name + 5));
	} else {
		report(p, p->line, NULL, "unknown section '%s' (expected plinth or guest NAME)",
		       show(p, name));
		p->sec = SEC_IGNORED;
	}
}

/* ---- lines ------------------------------------------------------------------------------- */

static bool is_key_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/*
 * Unquotes the value starting at the '"' at s, in place. *end is set after the closing quote.
 * Returns NULL (after reporting) for an unterminated quote or an unknown escape.
 */
static char *unquote(struct parser *p, const char *key, char *s, char **end)
{
	char *w = s, *r = s + 1;

	for (; *r && *r != '"'; r++) {
		if (*r == '\\') {
			r++;
			if (*r != '"' && *r != '\\') {
				report(p, p->line, key,
				       "unknown escape in quoted value (expected "
				       "\\\" or \\\\)");
				return NULL;
			}
		}
		*w++ = *r;
	}
	if (*r != '"') {
		report(p, p->line, key, "unterminated quote");
		return NULL;
	}
	*w = '\0';
	*end = r + 1;
	return s;
}

/* The value after '=' in a file line: quoted, or up to a '#' that follows whitespace. */
static char *file_value(struct parser *p, const char *key, char *s)
{
	char *end;

	while (is_space(*s))
		s++;
	if (*s == '"') {
		if (!unquote(p, key, s, &end))
			return NULL;
		end = trim(end);
		if (*end && *end != '#') {
			report(p, p->line, key, "unexpected text after the closing quote");
			return NULL;
		}
		return s;
	}
	for (char *q = s; *q; q++) {
		if (*q == '#' && (q == s || is_space(q[-1]))) {
			*q = '\0';
			break;
		}
	}
	return trim(s);
}

static void set_file_key(struct parser *p, const char *key, const char *value)
{
	switch (p->sec) {
	case SEC_PLINTH:
		set_key(p, plinth_keys, ARRAY_SIZE(plinth_keys), p->plinth_key_line, key, value,
			"key");
		break;
	case SEC_GUEST:
		set_key(p, guest_keys, ARRAY_SIZE(guest_keys), p->guest_key_line, key, value,
			"key");
		break;
	case SEC_NONE:
		if (value)
			report(p, p->line, key,
			       "outside any section (expected [plinth] or [guest NAME] "
			       "before it)");
		break;
	case SEC_IGNORED:
		break;
	}
}

/* One line, NUL-terminated in p->buf, without its line ending. */
static void parse_line(struct parser *p)
{
	char *s = p->buf, *key, *key_end, *value;

	while (is_space(*s))
		s++;
	if (*s == '\0' || *s == '#')
		return;
	if (*s == '[') {
		parse_section(p, s);
		return;
	}
	key = s;
	while (is_key_char(*s))
		s++;
	key_end = s;
	while (is_space(*s))
		s++;
	if (key_end == key || *s != '=') {
		report(p, p->line, NULL, "expected 'key = value', '[section]' or '# comment'");
		return;
	}
	*key_end = '\0';
	value = file_value(p, key, s + 1);
	set_file_key(p, key, value);
}

static bool has_nul(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\0')
			return true;
	}
	return false;
}

int config_parse(struct plinth_config *cfg, const char *text, size_t len, const char *file,
		 config_report_fn report_fn, void *ctx)
{
	struct parser p = { .cfg = cfg, .file = file, .report = report_fn, .ctx = ctx };
	size_t pos = 0;

	while (pos < len) {
		size_t n = 0;

		while (pos + n < len && text[pos + n] != '\n')
			n++;
		p.line++;
		const char *line = text + pos;
		size_t line_len = n && line[n - 1] == '\r' ? n - 1 : n;

		pos += n + (pos + n < len); /* past the '\n', if there is one */
		if (line_len > CONFIG_MAX_LINE) {
			report(&p, p.line, NULL, "line longer than %d characters", CONFIG_MAX_LINE);
			continue;
		}
		if (has_nul(line, line_len)) {
			report(&p, p.line, NULL, "NUL byte in line");
			continue;
		}
		memcpy(p.buf, line, line_len);
		p.buf[line_len] = '\0';
		parse_line(&p);
	}
	end_section(&p);
	return p.errors;
}

/* ---- command line -------------------------------------------------------------------------- */

/* Copies the token [s, s + n) into p->keybuf for messages, shortened with "..." if need be. */
static const char *cmdline_key(struct parser *p, const char *s, size_t n)
{
	size_t keep = MIN(n, (size_t)CONFIG_NAME_LEN);

	memcpy(p->keybuf, s, keep);
	p->keybuf[keep] = '\0';
	for (size_t i = 0; i < keep; i++) {
		if (p->keybuf[i] < 0x20 || p->keybuf[i] >= 0x7f)
			p->keybuf[i] = '?';
	}
	if (keep < n)
		strlcpy_pl(p->keybuf + keep, "...", sizeof(p->keybuf) - keep);
	return p->keybuf;
}

/* One "key=value" token at s; returns where the next one may start. */
static const char *cmdline_option(struct parser *p, const char *s, int *key_line)
{
	const char *key = s, *v;
	size_t key_len, n;
	char *end;

	while (*s && *s != '=' && !is_cmdline_space(*s))
		s++;
	key_len = s - key;
	if (*s != '=' || key_len == 0) {
		while (*s && !is_cmdline_space(*s))
			s++;
		report(p, 0, cmdline_key(p, key, s - key), "expected key=value");
		return s;
	}
	v = ++s;
	/* A quoted value runs to its closing quote (unquote() refuses text after it), an
	 * unquoted one to the next space. */
	if (*v == '"') {
		for (s = v + 1; *s && *s != '"'; s += (s[0] == '\\' && s[1]) ? 2 : 1)
			;
	}
	while (*s && !is_cmdline_space(*s))
		s++;
	n = s - v;
	cmdline_key(p, key, key_len);
	if (n > CONFIG_MAX_LINE) {
		report(p, 0, p->keybuf, "value too long (at most %d characters)", CONFIG_MAX_LINE);
		return s;
	}
	memcpy(p->buf, v, n);
	p->buf[n] = '\0';
	if (p->buf[0] == '"') {
		if (!unquote(p, p->keybuf, p->buf, &end))
			return s;
		if (*end) {
			report(p, 0, p->keybuf, "unexpected text after the closing quote");
			return s;
		}
	}
	set_key(p, cmdline_keys, ARRAY_SIZE(cmdline_keys), key_line, p->keybuf, p->buf, "option");
	return s;
}

int config_parse_cmdline(struct plinth_config *cfg, const char *cmdline, config_report_fn report_fn,
			 void *ctx)
{
	struct parser p = { .cfg = cfg, .file = "command line", .report = report_fn, .ctx = ctx };
	int key_line[MAX_KEYS] = { 0 };
	const char *s = cmdline;

	while (s && *s) {
		while (is_cmdline_space(*s))
			s++;
		if (*s)
			s = cmdline_option(&p, s, key_line);
	}
	return p.errors;
}

void config_defaults(struct plinth_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->console =
		(struct console_config){ .enabled = true, .port = 0x3f8, .baud = UART_BASE_BAUD };
	cfg->loglevel = LOG_INFO;
}
