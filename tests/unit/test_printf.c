// SPDX-License-Identifier: MIT
/* core/printf.c against the host's snprintf, which implements the same C99 rules. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/printf.h"

/* ksnprintf without the format attribute, for formats the compiler rightly complains about. */
static int unchecked_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* Formats with both implementations and compares text and return value. */
#define CHECK(...)                                                                             \
	do {                                                                                   \
		char ours[256], libc[256];                                                     \
		int n_ours = ksnprintf(ours, sizeof(ours), __VA_ARGS__);                       \
		int n_libc = snprintf(libc, sizeof(libc), __VA_ARGS__);                        \
		if (strcmp(ours, libc) != 0 || n_ours != n_libc)                               \
			fail_msg("%s: ours \"%s\" (%d), libc \"%s\" (%d)", #__VA_ARGS__, ours, \
				 n_ours, libc, n_libc);                                        \
	} while (0)

static void test_integers_match_libc(void **state)
{
	static const long long values[] = { 0,	       1,	  -1,	     7,
					    -42,       255,	  4096,	     INT32_MAX,
					    INT32_MIN, INT64_MAX, INT64_MIN, 1000000 };
	static const char *const signed_fmts[] = {
		"%d",	 "%i",	    "%5d",  "%-5d|", "%05d",  "%+d",  "% d",	"%+05d",  "%.3d",
		"%8.3d", "%-8.3d|", "%.0d", "%5.0d", "%+.0d", "% 5d", "%-+8d|", "%0-6d|", "%08.3d",
	};
	static const char *const unsigned_fmts[] = {
		"%u",	 "%x",	  "%X",	     "%o",     "%#x",	"%#X",	"%#o",
		"%08x",	 "%#08x", "%-#10x|", "%.5x",   "%#.5x", "%.0x", "%#.0x",
		"%#.0o", "%#5o",  "%12u",    "%-12u|", "%.10o",
	};

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		long long v = values[i];

		for (size_t f = 0; f < sizeof(signed_fmts) / sizeof(signed_fmts[0]); f++) {
			char fmt[32];

			CHECK(signed_fmts[f], (int)v);
			snprintf(fmt, sizeof(fmt), "%.*sll%c", (int)strlen(signed_fmts[f]) - 1,
				 signed_fmts[f], 'd');
			if (strchr(signed_fmts[f], '|'))
				continue; /* the trailing '|' makes the ll splice wrong */
			CHECK(fmt, v);
		}
		for (size_t f = 0; f < sizeof(unsigned_fmts) / sizeof(unsigned_fmts[0]); f++) {
			CHECK(unsigned_fmts[f], (unsigned int)v);
		}
	}
}

static void test_length_modifiers(void **state)
{
	CHECK("%hhd %hhu %hhx", 0x1ff, 0x1ff, 0x1ff);
	CHECK("%hd %hu %hx", 0x1ffff, -1, 0x12345);
	CHECK("%ld %lu %lx", -5L, 5UL, 0xdeadbeefcafeUL);
	CHECK("%lld %llu %llx %llo", (long long)INT64_MIN, (unsigned long long)UINT64_MAX,
	      (unsigned long long)UINT64_MAX, (unsigned long long)UINT64_MAX);
	CHECK("%zu %zx %zd", (size_t)-1, (size_t)0x1234, (ptrdiff_t)-3);
	CHECK("%td %tx", (ptrdiff_t)-77, (ptrdiff_t)77);
	CHECK("%jd %ju %jx", INTMAX_MIN, UINTMAX_MAX, (uintmax_t)0xabc);
}

static void test_strings_and_chars(void **state)
{
	CHECK("%s", "hello");
	CHECK("[%10s]", "hi");
	CHECK("[%-10s]", "hi");
	CHECK("[%.3s]", "hello");
	CHECK("[%10.3s]", "hello");
	CHECK("[%-*.*s]", 8, 2, "hello");
	CHECK("[%s]", "");
	CHECK("[%c%c%c]", 'a', 'b', 'c');
	CHECK("[%5c] [%-5c]", 'x', 'y');
	CHECK("100%% done %s", "now");
	CHECK("%s=%d, %s=%#x", "a", 1, "b", 255);
}

static void test_star_width_and_precision(void **state)
{
	CHECK("[%*d]", 6, 42);
	CHECK("[%*d]", -6, 42); /* negative width: left-justify */
	CHECK("[%.*d]", 4, 42);
	CHECK("[%.*d]", -1, 42); /* negative precision: as if omitted */
	CHECK("[%0*d]", 7, -42);
	CHECK("[%*.*x]", 10, 6, 0xbeef);
}

static void test_pointer_is_0x_hex(void **state)
{
	char buf[64];
	int x;

	/* glibc prints %p as %#lx for non-NULL pointers. */
	CHECK("%p", (void *)&x);
	CHECK("[%20p]", (void *)0x1234);
	CHECK("[%-20p]", (void *)0xffff800000001000);
	ksnprintf(buf, sizeof(buf), "%p", NULL);
	assert_string_equal(buf, "0x0");
}

static void test_null_string(void **state)
{
	char buf[32];

	unchecked_snprintf(buf, sizeof(buf), "[%s]", (char *)NULL);
	assert_string_equal(buf, "[(null)]");
	unchecked_snprintf(buf, sizeof(buf), "[%8s]", (char *)NULL);
	assert_string_equal(buf, "[  (null)]");
}

static void test_truncation_returns_full_length(void **state)
{
	char buf[8];

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(ksnprintf(buf, 5, "%s", "abcdefgh"), 8);
	assert_string_equal(buf, "abcd");
	assert_int_equal(buf[5], 'X'); /* nothing written past size */

	assert_int_equal(ksnprintf(buf, 1, "%d", 12345), 5);
	assert_string_equal(buf, "");
	assert_int_equal(ksnprintf(NULL, 0, "%08x%s", 1, "abc"), 11);
	/* Padding past the end is counted, not written. */
	assert_int_equal(ksnprintf(buf, sizeof(buf), "%100d", 1), 100);
	assert_string_equal(buf, "       ");
}

static void test_unknown_conversion_is_printed(void **state)
{
	char buf[32];

	unchecked_snprintf(buf, sizeof(buf), "a%qb%");
	assert_string_equal(buf, "a%qb%");
}

struct collect {
	char buf[64];
	size_t n;
};

static void collect_putc(void *ctx, char c)
{
	struct collect *col = ctx;

	if (col->n < sizeof(col->buf) - 1)
		col->buf[col->n++] = c;
}

static int cbprintf(struct collect *col, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvcbprintf(collect_putc, col, fmt, ap);
	va_end(ap);
	return n;
}

static void test_callback_form(void **state)
{
	struct collect col = { 0 };

	assert_int_equal(cbprintf(&col, "cpu%u: %-6s|%#x", 3u, "up", 0x10), 17);
	assert_string_equal(col.buf, "cpu3: up    |0x10");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers_match_libc),
		cmocka_unit_test(test_length_modifiers),
		cmocka_unit_test(test_strings_and_chars),
		cmocka_unit_test(test_star_width_and_precision),
		cmocka_unit_test(test_pointer_is_0x_hex),
		cmocka_unit_test(test_null_string),
		cmocka_unit_test(test_truncation_returns_full_length),
		cmocka_unit_test(test_unknown_conversion_is_printed),
		cmocka_unit_test(test_callback_form),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
