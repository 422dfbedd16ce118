/* SPDX-License-Identifier: MIT */
/* Do the files a configuration names exist? Shared by plinth.efi (the boot volume) and the
 * core (the multiboot2 modules), which differ only in how they look. */
#ifndef PLINTH_CORE_CONFIG_FILES_H
#define PLINTH_CORE_CONFIG_FILES_H

#include <stdbool.h>
#include "core/config.h"

/* Reports "file 'PATH' not found WHERE" for each missing image or module, naming the guest
 * section, line and key. Returns the number of missing files. */
int config_check_files(const struct plinth_config *cfg, const char *file,
		       bool (*exists)(void *ctx, const char *path), void *exists_ctx,
		       const char *where, config_report_fn report, void *report_ctx);

#endif
