// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/heap.h"
#include "core/errno.h"

#define PG 4096

/* A page source over malloc that counts what it has handed out and can be made to fail. */
struct pages {
	size_t outstanding;
	size_t fail_after; /* allocations left before failing; SIZE_MAX: never */
	void *blocks[256]; /* what is still handed out, freed at teardown */
};

static void track(struct pages *pg, void *old, void *new)
{
	for (size_t i = 0; i < sizeof(pg->blocks) / sizeof(pg->blocks[0]); i++) {
		if (pg->blocks[i] == old) {
			pg->blocks[i] = new;
			return;
		}
	}
	fail_msg("page source: block table full or block unknown");
}

static void *src_alloc(void *ctx, size_t npages)
{
	struct pages *pg = ctx;
	void *p;

	if (pg->fail_after == 0)
		return NULL;
	if (pg->fail_after != SIZE_MAX)
		pg->fail_after--;
	p = aligned_alloc(PG, npages * PG);
	assert_non_null(p);
	memset(p, 0, npages * PG);
	pg->outstanding += npages;
	track(pg, NULL, p);
	return p;
}

static void src_free(void *ctx, void *va, size_t npages)
{
	struct pages *pg = ctx;

	assert_true(pg->outstanding >= npages);
	pg->outstanding -= npages;
	track(pg, va, NULL);
	free(va);
}

static struct pages pages;
static struct heap heap;

static int setup(void **state)
{
	const struct heap_page_source src = { src_alloc, src_free, &pages };

	pages = (struct pages){ .fail_after = SIZE_MAX };
	heap_init(&heap, &src);
	return 0;
}

/* The heap keeps its small-class pages for good; give them back to the host here. */
static int teardown(void **state)
{
	for (size_t i = 0; i < sizeof(pages.blocks) / sizeof(pages.blocks[0]); i++)
		free(pages.blocks[i]);
	return 0;
}

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i])
			return false;
	}
	return true;
}

static const size_t sizes[] = { 1,    8,    15,	  16,	17,   31,   32,	   33,	  100,	 255,
				256,  257,  511,  512,	513,  1000, 1024,  1025,  2047,	 2048,
				2049, 4000, 4080, 4081, 5000, 8192, 12345, 65536, 100000 };

static void test_many_sizes_zeroed_aligned_distinct(void **state)
{
	void *ptrs[sizeof(sizes) / sizeof(sizes[0])][3];
	uint64_t bytes = 0;

	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			unsigned char *p = heap_alloc(&heap, sizes[i]);

			assert_non_null(p);
			assert_int_equal((uintptr_t)p % 16, 0);
			assert_true(all_zero(p, sizes[i]));
			memset(p, (int)(i * 3 + round + 1), sizes[i]); /* ASan checks the bounds */
			ptrs[i][round] = p;
			bytes += sizes[i];
		}
	}
	assert_int_equal(heap.live_allocations, 3 * (sizeof(sizes) / sizeof(sizes[0])));
	assert_int_equal(heap.bytes_in_use, bytes);

	/* No allocation overlapped another: every pattern is intact. */
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			unsigned char *p = ptrs[i][round];

			for (size_t b = 0; b < sizes[i]; b++)
				assert_int_equal(p[b], (unsigned char)(i * 3 + round + 1));
		}
	}
	for (int round = 0; round < 3; round++) {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			assert_int_equal(heap_free(&heap, ptrs[i][round]), 0);
	}
	assert_int_equal(heap.live_allocations, 0);
	assert_int_equal(heap.bytes_in_use, 0);
}

static void test_reused_memory_is_zeroed(void **state)
{
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = heap_alloc(&heap, sizes[i]), *q;

		memset(p, 0xa5, sizes[i]);
		assert_int_equal(heap_free(&heap, p), 0);
		q = heap_alloc(&heap, sizes[i]);
		assert_non_null(q);
		assert_true(all_zero(q, sizes[i]));
		assert_int_equal(heap_free(&heap, q), 0);
	}
	assert_int_equal(heap.live_allocations, 0);
	assert_int_equal(heap.bytes_in_use, 0);
}

static void test_large_allocations_return_their_pages(void **state)
{
	void *p = heap_alloc(&heap, 3 * PG);
	size_t held = pages.outstanding;

	assert_non_null(p);
	assert_true(held >= 4); /* 3 pages plus the header */
	assert_int_equal(heap.pages_held, held);
	assert_int_equal(heap_free(&heap, p), 0);
	assert_int_equal(pages.outstanding, 0);
	assert_int_equal(heap.pages_held, 0);
}

static void test_bad_pointers_are_refused(void **state)
{
	unsigned char *p = heap_alloc(&heap, 40);
	unsigned char *big = heap_alloc(&heap, 10000);
	static unsigned char foreign[64] __attribute__((aligned(16)));

	assert_int_equal(heap_free(&heap, NULL), 0);
	assert_int_equal(heap_free(&heap, foreign + 16), -EINVAL);
	assert_int_equal(heap_free(&heap, p + 16), -EINVAL); /* interior pointer */
	assert_int_equal(heap_free(&heap, p + 1), -EINVAL); /* misaligned */
	assert_int_equal(heap.live_allocations, 2);
	assert_int_equal(heap.bytes_in_use, 10040);

	assert_int_equal(heap_free(&heap, p), 0);
	assert_int_equal(heap_free(&heap, p), -EINVAL); /* double free */
	assert_int_equal(heap.live_allocations, 1);
	assert_int_equal(heap.bytes_in_use, 10000);
	assert_int_equal(heap_free(&heap, big), 0);
	assert_int_equal(heap.live_allocations, 0);
	assert_int_equal(heap.bytes_in_use, 0);
}

static void test_impossible_requests_fail_cleanly(void **state)
{
	assert_null(heap_alloc(&heap, 0));
	assert_null(heap_alloc(&heap, SIZE_MAX));
	assert_null(heap_alloc(&heap, SIZE_MAX - PG));
	pages.fail_after = 0;
	assert_null(heap_alloc(&heap, 64));
	assert_null(heap_alloc(&heap, 3 * PG));
	assert_int_equal(heap.live_allocations, 0);
	assert_int_equal(heap.bytes_in_use, 0);
	assert_int_equal(pages.outstanding, 0);
}

static void test_small_classes_share_pages(void **state)
{
	void *p[100];

	/* 100 objects of 16 bytes (32 with the header) fit in one page. */
	for (int i = 0; i < 100; i++)
		p[i] = heap_alloc(&heap, 16);
	assert_int_equal(heap.pages_held, 1);
	for (int i = 0; i < 100; i++)
		assert_int_equal(heap_free(&heap, p[i]), 0);
	/* Freed slots are reused before a new page is taken. */
	for (int i = 0; i < 100; i++)
		p[i] = heap_alloc(&heap, 16);
	assert_int_equal(heap.pages_held, 1);
	for (int i = 0; i < 100; i++)
		heap_free(&heap, p[i]);
}

static void test_kmalloc_uses_the_global_heap(void **state)
{
	kheap_set(NULL);
	assert_null(kmalloc(16));
	kheap_set(&heap);
	char *s = kmalloc(32);
	assert_non_null(s);
	assert_int_equal(heap.live_allocations, 1);
	kfree(s);
	kfree(NULL);
	assert_int_equal(heap.live_allocations, 0);
	kheap_set(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_many_sizes_zeroed_aligned_distinct, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reused_memory_is_zeroed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_allocations_return_their_pages, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_pointers_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_impossible_requests_fail_cleanly, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_small_classes_share_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kmalloc_uses_the_global_heap, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
