// SPDX-License-Identifier: MIT
#include "core/config_files.h"
#include "core/printf.h"

static int check_one(const char *path, int line, const char *key, const char *section,
		     const char *file, bool (*exists)(void *, const char *), void *exists_ctx,
		     const char *where, config_report_fn report, void *report_ctx)
{
	struct config_diag d = { .file = file, .line = line, .section = section, .key = key };

	if (exists(exists_ctx, path))
		return 0;
	ksnprintf(d.msg, sizeof(d.msg), "file '%s' not found %s", path, where);
	report(report_ctx, &d);
	return 1;
}

int config_check_files(const struct plinth_config *cfg, const char *file,
		       bool (*exists)(void *ctx, const char *path), void *exists_ctx,
		       const char *where, config_report_fn report, void *report_ctx)
{
	int missing = 0;

	for (unsigned int g = 0; g < cfg->nguests; g++) {
		const struct guest_config *gc = &cfg->guests[g];
		char section[CONFIG_NAME_LEN + 8];

		ksnprintf(section, sizeof(section), "guest %s", gc->name);
		if (gc->image_line)
			missing += check_one(gc->image, gc->image_line, "image", section, file,
					     exists, exists_ctx, where, report, report_ctx);
		for (unsigned int m = 0; m < gc->nmodules; m++)
			missing += check_one(gc->modules[m].path, gc->modules[m].line, "module",
					     section, file, exists, exists_ctx, where, report,
					     report_ctx);
	}
	return missing;
}
