// SPDX-License-Identifier: MIT
#include "lib/check.h"

bool check(struct checks *c, unsigned int id, bool ok, const char *fmt, ...)
{
	va_list ap;

	c->run++;
	if (!ok) {
		c->failed++;
		if (!c->first_failed)
			c->first_failed = id;
	}
	printf("%s: check %u %s: ", c->name, id, ok ? "ok" : "FAILED");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return ok;
}

unsigned int checks_done(const struct checks *c)
{
	if (!c->failed)
		printf("%s: all checks passed\n", c->name);
	else
		printf("%s: %u of %u checks failed, first check %u\n", c->name, c->failed, c->run,
		       c->first_failed);
	return c->first_failed;
}
