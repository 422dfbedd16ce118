/* SPDX-License-Identifier: MIT */
/*
 * plinth.cfg and the command line. The format (docs/config.md):
 *
 *   # comment
 *   [plinth]                 global options; the same keys are accepted on the command line
 *   console = com1,115200
 *   loglevel = info
 *
 *   [guest hello]            one section per guest, the name after "guest"
 *   image = hello.bin
 *   memory = 16M
 *
 * Every problem is reported through a callback with file, line, section and key, and parsing
 * goes on so that the user sees all of them at once. Pure C: runs in the EFI loader, the core and
 * host tests alike.
 */
#ifndef PLINTH_CORE_CONFIG_H
#define PLINTH_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/log.h"

#define CONFIG_FILE_NAME   "plinth.cfg"
#define CONFIG_MAX_GUESTS  16
#define CONFIG_MAX_MODULES 8
#define CONFIG_NAME_LEN	   32
#define CONFIG_PATH_LEN	   128
#define CONFIG_ARGS_LEN	   128
#define CONFIG_CMDLINE_LEN 512
#define CONFIG_MAX_LINE	   1024

enum guest_format {
	GUEST_FORMAT_FLAT = 0,
	GUEST_FORMAT_MULTIBOOT = 1,
	GUEST_FORMAT_MULTIBOOT2 = 2,
};

struct console_config {
	bool enabled;
	uint16_t port; /* I/O port base of the 16550 */
	uint32_t baud;
};

struct guest_module_config {
	char path[CONFIG_PATH_LEN];
	char args[CONFIG_ARGS_LEN];
	int line;
};

struct guest_config {
	char name[CONFIG_NAME_LEN];
	int line; /* line of the [guest NAME] header */
	char image[CONFIG_PATH_LEN];
	int image_line; /* 0: no image key was given */
	enum guest_format format;
	uint64_t memory_bytes;
	uint64_t load_gpa; /* flat images: where the image is placed */
	uint64_t entry_gpa; /* flat images: first instruction; defaults to load_gpa */
	bool entry_set;
	uint8_t mode_bits; /* flat images: 16, 32 or 64 */
	char cmdline[CONFIG_CMDLINE_LEN];
	struct guest_module_config modules[CONFIG_MAX_MODULES];
	unsigned int nmodules;
	uint64_t cpu_mask; /* physical CPUs its vCPUs run on; bit n = CPU n */
	int cpus_line; /* 0: the default */
	bool control; /* may use the control hypercalls */
	uint64_t child_memory_bytes; /* control guests: RAM all its child VMs may use together */
};

struct plinth_config {
	struct console_config console;
	enum log_level loglevel;
	char selftest[32]; /* debugging aid, command line only: "pagefault", "gp", "ud" */
	struct guest_config guests[CONFIG_MAX_GUESTS];
	unsigned int nguests;
};

struct config_diag {
	const char *file; /* "plinth.cfg", or "command line" */
	int line; /* 1-based; 0 when not tied to a line */
	const char *section; /* "plinth", "guest hello", or NULL */
	const char *key; /* NULL when not tied to a key */
	char msg[160];
};

/* The diag and the strings it points to are valid only during the call. */
typedef void (*config_report_fn)(void *ctx, const struct config_diag *d);

void config_defaults(struct plinth_config *cfg);

/* Parses a whole file (text need not be NUL-terminated; a NUL byte inside is an error).
 * cfg must have been set up by config_defaults() (or hold an earlier parse): guests are added
 * after cfg->nguests, and keys not in the file keep their values.
 * Returns the number of errors reported (0: cfg is complete and valid). */
int config_parse(struct plinth_config *cfg, const char *text, size_t len, const char *file,
		 config_report_fn report, void *ctx);

/* Space-separated key=value options (the [plinth] keys and selftest=). Returns errors reported. */
int config_parse_cmdline(struct plinth_config *cfg, const char *cmdline, config_report_fn report,
			 void *ctx);

/* "plinth.cfg:12: [guest hello] key 'colour': unknown key"; parts that are NULL or 0 are left
 * out, and a diag without a line (the command line) says "option" for "key":
 * "command line: option 'bar': unknown option". Returns kvsnprintf's value. */
int config_diag_format(const struct config_diag *d, char *buf, size_t size);

/* Parses "com1".."com4" or an I/O port ("0x3f8"), optionally ",BAUD"; or "none". */
int config_parse_console(const char *s, struct console_config *out);

/* Parses a size with optional K, M, G suffix (binary units). -EINVAL or -ERANGE on failure. */
int config_parse_size(const char *s, uint64_t *out);

/* Is path a safe relative file name ([A-Za-z0-9._-] and '/', no "..", no leading '/')? */
bool config_path_ok(const char *path);

const char *guest_format_name(enum guest_format f);

#endif
