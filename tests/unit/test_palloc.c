// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/palloc.h"
#include "core/errno.h"

#define PG     4096ull
#define BASE   0x100000ull /* 1 MiB: deliberately not 2 MiB aligned */
#define NPAGES 1000 /* not a multiple of 64 */

static uint64_t bitmap[PALLOC_BITMAP_BYTES(NPAGES) / 8];

static void setup_free(struct palloc *pa)
{
	assert_int_equal(palloc_init(pa, bitmap, sizeof(bitmap), BASE, NPAGES), 0);
	palloc_make_free(pa, BASE, NPAGES * PG);
	assert_int_equal(pa->free_pages, NPAGES);
}

static void test_init_checks_arguments(void **state)
{
	struct palloc pa;
	uint64_t hpa;

	assert_int_equal(palloc_init(&pa, bitmap, sizeof(bitmap) - 8, BASE, NPAGES), -EINVAL);
	assert_int_equal(palloc_init(&pa, bitmap, sizeof(bitmap), BASE + 1, NPAGES), -EINVAL);
	assert_int_equal(palloc_init(&pa, bitmap, sizeof(bitmap), BASE, 0), -EINVAL);
	/* A span that would run past 2^64. */
	assert_int_equal(palloc_init(&pa, bitmap, sizeof(bitmap), 0xffffffffffff0000ull, NPAGES),
			 -EINVAL);
	/* Everything starts reserved. */
	assert_int_equal(palloc_init(&pa, bitmap, sizeof(bitmap), BASE, NPAGES), 0);
	assert_int_equal(pa.free_pages, 0);
	assert_int_equal(palloc_alloc(&pa, 1, 0, 0, &hpa), -ENOMEM);
	assert_false(palloc_is_free(&pa, BASE));
}

static void test_make_free_rounds_in_reserve_rounds_out(void **state)
{
	struct palloc pa;

	assert_int_equal(palloc_init(&pa, bitmap, sizeof(bitmap), BASE, NPAGES), 0);
	/* [BASE + 0x800, BASE + 3 pages + 0x800) holds only pages 1 and 2 wholly. */
	palloc_make_free(&pa, BASE + 0x800, 3 * PG);
	assert_int_equal(pa.free_pages, 2);
	assert_false(palloc_is_free(&pa, BASE));
	assert_true(palloc_is_free(&pa, BASE + PG));
	assert_true(palloc_is_free(&pa, BASE + 2 * PG));
	assert_false(palloc_is_free(&pa, BASE + 3 * PG));
	/* One byte reserves the whole page it touches; repeating it changes nothing. */
	palloc_reserve(&pa, BASE + 2 * PG + 5, 1);
	palloc_reserve(&pa, BASE + 2 * PG + 5, 1);
	assert_int_equal(pa.free_pages, 1);
	assert_false(palloc_is_free(&pa, BASE + 2 * PG));
	/* Parts outside the span are ignored, even when the range wraps past 2^64. */
	palloc_make_free(&pa, 0, UINT64_MAX);
	assert_int_equal(pa.free_pages, NPAGES);
	palloc_reserve(&pa, 0xfffffffffffff000ull, 0x2000);
	palloc_make_free(&pa, BASE + NPAGES * PG, 100 * PG);
	assert_int_equal(pa.free_pages, NPAGES);
}

static void test_never_hands_out_reserved_pages(void **state)
{
	struct palloc pa;
	static bool handed[NPAGES];
	uint64_t hpa, count = 0;

	setup_free(&pa);
	memset(handed, 0, sizeof(handed));
	palloc_reserve(&pa, BASE + 10 * PG, 5 * PG);
	palloc_reserve(&pa, BASE + 63 * PG, 2 * PG); /* across a bitmap word boundary */
	palloc_reserve(&pa, BASE + (NPAGES - 1) * PG, PG);
	assert_int_equal(pa.free_pages, NPAGES - 8);

	while (palloc_alloc(&pa, 1, 0, 0, &hpa) == 0) {
		uint64_t i = (hpa - BASE) / PG;

		assert_true(hpa >= BASE && i < NPAGES && hpa % PG == 0);
		assert_false(handed[i]);
		assert_false(i >= 10 && i < 15);
		assert_false(i == 63 || i == 64 || i == NPAGES - 1);
		handed[i] = true;
		count++;
	}
	assert_int_equal(count, NPAGES - 8);
	assert_int_equal(pa.free_pages, 0);
}

static void test_alignment_and_contiguity(void **state)
{
	struct palloc pa;
	uint64_t hpa;

	setup_free(&pa);
	palloc_reserve(&pa, BASE + 0x100000, PG); /* a hole at 2 MiB */
	/* 2 MiB alignment is of the physical address, not of the page index. */
	assert_int_equal(palloc_alloc(&pa, 4, 512, 0, &hpa), 0);
	assert_int_equal(hpa % 0x200000, 0);
	assert_int_equal(hpa, 0x400000); /* 0x200000 holds the hole */
	for (int i = 0; i < 4; i++)
		assert_false(palloc_is_free(&pa, hpa + i * PG));

	/* A run of 100 pages skips the too-short gaps before it. */
	palloc_reserve(&pa, BASE + 50 * PG, PG);
	assert_int_equal(palloc_alloc(&pa, 100, 0, 0, &hpa), 0);
	for (uint64_t a = hpa; a < hpa + 100 * PG; a += PG) {
		assert_false(palloc_is_free(&pa, a));
		assert_true(a != BASE + 50 * PG && a != BASE + 0x100000);
	}
	assert_int_equal(palloc_alloc(&pa, 1, 3, 0, &hpa), -EINVAL); /* not a power of two */
	assert_int_equal(palloc_alloc(&pa, 0, 1, 0, &hpa), -EINVAL);
	assert_int_equal(palloc_alloc(&pa, NPAGES + 1, 1, 0, &hpa), -ENOMEM);
}

static void test_limit(void **state)
{
	struct palloc pa;
	uint64_t hpa;

	setup_free(&pa);
	palloc_reserve(&pa, BASE, 4 * PG);
	assert_int_equal(palloc_alloc(&pa, 2, 0, BASE + 6 * PG, &hpa), 0);
	assert_int_equal(hpa, BASE + 4 * PG);
	/* Nothing of 1 page is left below the limit, nor is anything below the base. */
	assert_int_equal(palloc_alloc(&pa, 1, 0, BASE + 6 * PG, &hpa), -ENOMEM);
	assert_int_equal(palloc_alloc(&pa, 1, 0, BASE, &hpa), -ENOMEM);
	/* A limit that is not page aligned: the whole allocation stays below it. */
	assert_int_equal(palloc_alloc(&pa, 1, 0, BASE + 7 * PG + 100, &hpa), 0);
	assert_int_equal(hpa, BASE + 6 * PG);
	assert_int_equal(palloc_alloc(&pa, 1, 0, BASE + 7 * PG + 100, &hpa), -ENOMEM);
}

static void test_exhaustion_and_reuse(void **state)
{
	struct palloc pa;
	uint64_t hpa, first;

	setup_free(&pa);
	assert_int_equal(palloc_alloc(&pa, NPAGES, 0, 0, &first), 0);
	assert_int_equal(first, BASE);
	assert_int_equal(pa.free_pages, 0);
	assert_int_equal(palloc_alloc(&pa, 1, 0, 0, &hpa), -ENOMEM);
	assert_int_equal(palloc_free(&pa, BASE + 500 * PG, 3), 0);
	assert_int_equal(pa.free_pages, 3);
	assert_int_equal(palloc_alloc(&pa, 4, 0, 0, &hpa), -ENOMEM);
	assert_int_equal(palloc_alloc(&pa, 3, 0, 0, &hpa), 0);
	assert_int_equal(hpa, BASE + 500 * PG);
}

static void test_bad_frees_change_nothing(void **state)
{
	struct palloc pa;
	uint64_t hpa;

	setup_free(&pa);
	palloc_reserve(&pa, BASE, PG);
	assert_int_equal(palloc_alloc(&pa, 4, 0, 0, &hpa), 0);
	assert_int_equal(hpa, BASE + PG);
	uint64_t free_before = pa.free_pages;

	assert_int_equal(palloc_free(&pa, BASE, 1), -EINVAL); /* reserved */
	assert_int_equal(palloc_free(&pa, BASE, 2), -EINVAL); /* reserved + allocated */
	assert_int_equal(palloc_free(&pa, hpa, 5), -EINVAL); /* allocated + free */
	assert_int_equal(palloc_free(&pa, hpa + 1, 1), -EINVAL); /* unaligned */
	assert_int_equal(palloc_free(&pa, BASE - PG, 1), -EINVAL); /* below the span */
	assert_int_equal(palloc_free(&pa, BASE + NPAGES * PG, 1), -EINVAL);
	assert_int_equal(palloc_free(&pa, hpa, UINT64_MAX), -EINVAL);
	assert_int_equal(palloc_free(&pa, hpa, 0), -EINVAL);
	assert_int_equal(pa.free_pages, free_before);
	for (int i = 0; i < 4; i++)
		assert_false(palloc_is_free(&pa, hpa + i * PG));
	assert_false(palloc_is_free(&pa, BASE));

	assert_int_equal(palloc_free(&pa, hpa, 4), 0);
	assert_int_equal(palloc_free(&pa, hpa, 4), -EINVAL); /* double free */
	assert_int_equal(palloc_free(&pa, hpa + PG, 1), -EINVAL);
	assert_int_equal(pa.free_pages, free_before + 4);
}

static void test_random_against_model(void **state)
{
	struct palloc pa;
	static bool used[NPAGES];
	struct {
		uint64_t hpa, n;
	} live[64];
	size_t nlive = 0;

	setup_free(&pa);
	memset(used, 0, sizeof(used));
	srand(42);
	for (int iter = 0; iter < 20000; iter++) {
		if (nlive < 64 && rand() % 2) {
			uint64_t n = 1 + rand() % 40, align = 1ull << (rand() % 5), hpa;
			int err = palloc_alloc(&pa, n, align, 0, &hpa);

			if (err) {
				assert_int_equal(err, -ENOMEM);
				continue;
			}
			assert_int_equal(((hpa / PG) % align), 0);
			for (uint64_t i = (hpa - BASE) / PG; i < (hpa - BASE) / PG + n; i++) {
				assert_false(used[i]);
				used[i] = true;
			}
			live[nlive].hpa = hpa;
			live[nlive++].n = n;
		} else if (nlive) {
			size_t k = rand() % nlive;

			assert_int_equal(palloc_free(&pa, live[k].hpa, live[k].n), 0);
			for (uint64_t i = 0; i < live[k].n; i++)
				used[(live[k].hpa - BASE) / PG + i] = false;
			live[k] = live[--nlive];
		}
		uint64_t model_free = 0;
		for (int i = 0; i < NPAGES; i++)
			model_free += !used[i];
		assert_int_equal(pa.free_pages, model_free);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_checks_arguments),
		cmocka_unit_test(test_make_free_rounds_in_reserve_rounds_out),
		cmocka_unit_test(test_never_hands_out_reserved_pages),
		cmocka_unit_test(test_alignment_and_contiguity),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_exhaustion_and_reuse),
		cmocka_unit_test(test_bad_frees_change_nothing),
		cmocka_unit_test(test_random_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
