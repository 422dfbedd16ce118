// SPDX-License-Identifier: MIT
/* The config parser on arbitrary bytes: as a file, then as a command line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

static void check_diag(void *ctx, const struct config_diag *d)
{
	char line[512];

	if (strnlen(d->msg, sizeof(d->msg)) == sizeof(d->msg))
		abort();
	if (config_diag_format(d, line, sizeof(line)) < 0)
		abort();
	(*(int *)ctx)++;
}

static void check_terminated(const char *s, size_t size)
{
	if (strnlen(s, size) == size)
		abort();
}

static void check_config(const struct plinth_config *cfg)
{
	if (cfg->nguests > CONFIG_MAX_GUESTS)
		abort();
	check_terminated(cfg->selftest, sizeof(cfg->selftest));
	for (unsigned int i = 0; i < cfg->nguests; i++) {
		const struct guest_config *g = &cfg->guests[i];

		check_terminated(g->name, sizeof(g->name));
		check_terminated(g->image, sizeof(g->image));
		check_terminated(g->cmdline, sizeof(g->cmdline));
		if (g->nmodules > CONFIG_MAX_MODULES)
			abort();
		for (unsigned int m = 0; m < g->nmodules; m++) {
			check_terminated(g->modules[m].path, sizeof(g->modules[m].path));
			check_terminated(g->modules[m].args, sizeof(g->modules[m].args));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct plinth_config cfg;
	int reported = 0, errors;
	char *cmdline;

	config_defaults(&cfg);
	errors = config_parse(&cfg, (const char *)data, size, "fuzz.cfg", check_diag, &reported);
	if (errors != reported)
		abort();
	check_config(&cfg);

	cmdline = malloc(size + 1);
	if (!cmdline)
		return 0;
	memcpy(cmdline, data, size);
	cmdline[size] = '\0';
	reported = 0;
	errors = config_parse_cmdline(&cfg, cmdline, check_diag, &reported);
	if (errors != reported)
		abort();
	check_config(&cfg);
	free(cmdline);
	return 0;
}
