/* SPDX-License-Identifier: MIT */
/*
 * Checks that print what they check: "NAME: check N ok: WHAT" or "NAME: check N FAILED: WHAT".
 * A guest runs all its checks and exits with the number of the first that failed (0: none).
 */
#ifndef GUEST_LIB_CHECK_H
#define GUEST_LIB_CHECK_H

#include <stdbool.h>
#include "lib/printf.h"

struct checks {
	const char *name;
	unsigned int run, failed;
	unsigned int first_failed; /* 0: none yet */
};

/* Returns ok. */
bool check(struct checks *c, unsigned int id, bool ok, const char *fmt, ...) PRINTF_LIKE(4, 5);
/* Prints "NAME: all checks passed" or "NAME: F of N checks failed, first check K"; returns K
 * (0 when all passed), the value to exit with. */
unsigned int checks_done(const struct checks *c);

#endif
