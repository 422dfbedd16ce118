// SPDX-License-Identifier: MIT
/* Log level names, shared by the config parser (EFI loader, core, host tests) and the logger. */
#include "core/log.h"
#include "core/errno.h"
#include "core/string.h"

static const char *const level_names[] = {
	[LOG_ERROR] = "error",
	[LOG_WARN] = "warn",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

int log_level_parse(const char *s, enum log_level *out)
{
	if (s[0] >= '0' && s[0] <= '3' && s[1] == '\0') {
		*out = (enum log_level)(s[0] - '0');
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *log_level_name(enum log_level lvl)
{
	if ((unsigned int)lvl < ARRAY_SIZE(level_names))
		return level_names[lvl];
	return "?";
}
