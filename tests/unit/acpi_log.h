/* SPDX-License-Identifier: MIT */
/* The ACPI parser's console, captured for the tests that feed it tables (test_acpi.c,
 * test_guest_acpi.c): every line it prints starts with "acpi: " and ends with a newline. */
#ifndef TESTS_UNIT_ACPI_LOG_H
#define TESTS_UNIT_ACPI_LOG_H

#include <string.h>

static char log_text[1 << 16];
static size_t log_len;

void console_write(const char *s, size_t len);
void console_write(const char *s, size_t len)
{
	assert_true(len > 6 && memcmp(s, "acpi: ", 6) == 0 && s[len - 1] == '\n');
	if (len > sizeof(log_text) - 1 - log_len)
		len = sizeof(log_text) - 1 - log_len;
	memcpy(log_text + log_len, s, len);
	log_len += len;
	log_text[log_len] = '\0';
}

static inline void expect_log(const char *needle)
{
	if (!strstr(log_text, needle))
		fail_msg("log lacks \"%s\"; it has:\n%s", needle, log_text);
}

#endif
