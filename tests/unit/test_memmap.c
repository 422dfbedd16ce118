// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/memmap.h"
#include "core/errno.h"

#define MAX_OUT 64
#define R(b, l, t)                                   \
	{                                            \
		.base = (b), .len = (l), .type = (t) \
	}

static int normalize(const struct mem_range *in, size_t n, struct mem_range *out, size_t cap)
{
	uint64_t scratch[2 * 64];

	assert_true(n <= 64);
	return memmap_normalize(in, n, out, cap, scratch);
}

static void expect_range(const struct mem_range *r, uint64_t base, uint64_t len, uint32_t type)
{
	assert_int_equal(r->base, base);
	assert_int_equal(r->len, len);
	assert_int_equal(r->type, type);
}

static void test_unsorted_adjacent_usable_ranges_merge(void **state)
{
	const struct mem_range in[] = {
		R(0x200000, 0x100000, MEM_USABLE),
		R(0x0, 0x9f000, MEM_USABLE),
		R(0x100000, 0x100000, MEM_USABLE),
		R(0x9f000, 0x61000, MEM_RESERVED),
	};
	struct mem_range out[MAX_OUT];

	assert_int_equal(normalize(in, 4, out, MAX_OUT), 3);
	expect_range(&out[0], 0x0, 0x9f000, MEM_USABLE);
	expect_range(&out[1], 0x9f000, 0x61000, MEM_RESERVED);
	expect_range(&out[2], 0x100000, 0x200000, MEM_USABLE);
}

static void test_reserved_hole_splits_usable(void **state)
{
	const struct mem_range in[] = {
		R(0x1000, 0x9000, MEM_USABLE),
		R(0x4000, 0x1000, MEM_RESERVED),
	};
	struct mem_range out[MAX_OUT];

	assert_int_equal(normalize(in, 2, out, MAX_OUT), 3);
	expect_range(&out[0], 0x1000, 0x3000, MEM_USABLE);
	expect_range(&out[1], 0x4000, 0x1000, MEM_RESERVED);
	expect_range(&out[2], 0x5000, 0x5000, MEM_USABLE);
}

static void test_most_restrictive_type_wins(void **state)
{
	const struct mem_range in[] = {
		R(0x0, 0x10000, MEM_RESERVED),	     R(0x0, 0x10000, MEM_USABLE),
		R(0x2000, 0x2000, MEM_BAD),	     R(0x3000, 0x4000, MEM_ACPI_NVS),
		R(0x8000, 0x1000, MEM_ACPI_RECLAIM),
	};
	struct mem_range out[MAX_OUT];

	/* reserved beats usable; among the rest the higher number wins: bad (5) over NVS (4) over
	 * reclaim (3) over reserved (2). */
	assert_int_equal(normalize(in, 5, out, MAX_OUT), 6);
	expect_range(&out[0], 0x0, 0x2000, MEM_RESERVED);
	expect_range(&out[1], 0x2000, 0x2000, MEM_BAD);
	expect_range(&out[2], 0x4000, 0x3000, MEM_ACPI_NVS);
	expect_range(&out[3], 0x7000, 0x1000, MEM_RESERVED);
	expect_range(&out[4], 0x8000, 0x1000, MEM_ACPI_RECLAIM);
	expect_range(&out[5], 0x9000, 0x7000, MEM_RESERVED);
}

static void test_zero_length_and_unknown_types(void **state)
{
	const struct mem_range in[] = {
		R(0x0, 0x8000, MEM_USABLE),
		R(0x4000, 0, MEM_BAD), /* empty: no effect */
		R(0x8000, 0x1000, 0x1234), /* unknown: reserved */
		R(0x9000, 0x1000, MEM_RESERVED),
		R(0xa000, 0x1000, 6), /* an unassigned E820 number */
	};
	struct mem_range out[MAX_OUT];

	assert_int_equal(normalize(in, 5, out, MAX_OUT), 2);
	expect_range(&out[0], 0x0, 0x8000, MEM_USABLE);
	expect_range(&out[1], 0x8000, 0x3000, MEM_RESERVED);
}

static void test_wrapping_ranges_are_clipped(void **state)
{
	const struct mem_range in[] = {
		R(0xfffffffffffff000ull, 0x10000, MEM_USABLE),
		R(0xffffffffffff0000ull, 0x1000, MEM_USABLE),
	};
	struct mem_range out[MAX_OUT];

	assert_int_equal(normalize(in, 2, out, MAX_OUT), 2);
	expect_range(&out[0], 0xffffffffffff0000ull, 0x1000, MEM_USABLE);
	expect_range(&out[1], 0xfffffffffffff000ull, 0x1000, MEM_USABLE);
}

static void test_whole_address_space(void **state)
{
	const struct mem_range in[] = {
		R(0x1000, UINT64_MAX, MEM_USABLE), /* wraps: clipped to [0x1000, 2^64) */
		R(0x0, 0x1000, MEM_USABLE),
	};
	struct mem_range out[MAX_OUT];

	/* [0, 2^64) has no 64-bit length: it keeps all but the last byte. */
	assert_int_equal(normalize(in, 2, out, MAX_OUT), 1);
	expect_range(&out[0], 0x0, UINT64_MAX, MEM_USABLE);
}

static void test_output_too_small_is_enospc(void **state)
{
	const struct mem_range in[] = {
		R(0x0, 0x1000, MEM_USABLE),
		R(0x1000, 0x1000, MEM_RESERVED),
		R(0x2000, 0x1000, MEM_USABLE),
	};
	struct mem_range out[MAX_OUT];

	assert_int_equal(normalize(in, 3, out, 2), -ENOSPC);
	assert_int_equal(normalize(in, 3, out, 3), 3);
	assert_int_equal(normalize(in, 0, out, 0), 0);
}

/* Type of byte a in the input by definition (0: not covered), for address spaces below 256. */
static uint32_t model_type(const struct mem_range *in, size_t n, uint64_t a)
{
	uint32_t best = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t t = in[i].type;

		if (a < in[i].base || a - in[i].base >= in[i].len)
			continue;
		if (t != MEM_USABLE && t != MEM_RESERVED && t != MEM_ACPI_RECLAIM &&
		    t != MEM_ACPI_NVS && t != MEM_BAD && t != MEM_PERSISTENT)
			t = MEM_RESERVED;
		if (best == 0 || (best == MEM_USABLE && t != MEM_USABLE) ||
		    (t != MEM_USABLE && t > best))
			best = t;
	}
	return best;
}

static void test_random_maps_match_byte_model(void **state)
{
	static const uint32_t types[] = {
		MEM_USABLE, MEM_RESERVED, MEM_ACPI_RECLAIM, MEM_ACPI_NVS, MEM_BAD, MEM_PERSISTENT, 9
	};
	struct mem_range in[12], out[MAX_OUT];

	srand(1234);
	for (int iter = 0; iter < 3000; iter++) {
		size_t n = rand() % 12;

		for (size_t i = 0; i < n; i++)
			in[i] = (struct mem_range)R(rand() % 128, rand() % 40, types[rand() % 7]);
		int nout = normalize(in, n, out, MAX_OUT);

		assert_true(nout >= 0);
		uint32_t got[256] = { 0 };
		for (int k = 0; k < nout; k++) {
			assert_true(out[k].len > 0);
			if (k > 0) {
				/* sorted, disjoint, and merged when touching with the same type */
				assert_true(out[k - 1].base + out[k - 1].len <= out[k].base);
				assert_false(out[k - 1].base + out[k - 1].len == out[k].base &&
					     out[k - 1].type == out[k].type);
			}
			for (uint64_t a = out[k].base; a < out[k].base + out[k].len; a++)
				got[a] = out[k].type;
		}
		for (uint64_t a = 0; a < 256; a++)
			assert_int_equal(got[a], model_type(in, n, a));
	}
}

static void test_total_and_names(void **state)
{
	const struct mem_range map[] = {
		R(0x0, 0x9f000, MEM_USABLE),
		R(0x9f000, 0x61000, MEM_RESERVED),
		R(0x100000, 0x7f00000, MEM_USABLE),
	};

	assert_int_equal(memmap_total(map, 3, MEM_USABLE), 0x9f000 + 0x7f00000);
	assert_int_equal(memmap_total(map, 3, MEM_BAD), 0);
	assert_string_equal(mem_type_name(MEM_USABLE), "usable");
	assert_string_equal(mem_type_name(MEM_ACPI_NVS), "ACPI NVS");
	assert_string_equal(mem_type_name(99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unsorted_adjacent_usable_ranges_merge),
		cmocka_unit_test(test_reserved_hole_splits_usable),
		cmocka_unit_test(test_most_restrictive_type_wins),
		cmocka_unit_test(test_zero_length_and_unknown_types),
		cmocka_unit_test(test_wrapping_ranges_are_clipped),
		cmocka_unit_test(test_whole_address_space),
		cmocka_unit_test(test_output_too_small_is_enospc),
		cmocka_unit_test(test_random_maps_match_byte_model),
		cmocka_unit_test(test_total_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
