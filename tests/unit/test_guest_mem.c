// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/errno.h"
#include "core/guest_mem.h"
#include "tests/unit/guest_mem_host.h"

#define MiB   (1024ull * 1024)
#define GiB   (1024ull * MiB)
#define CHUNK GUEST_MEM_CHUNK_BYTES

static void test_layout_small(void **state)
{
	struct guest_mem gm;

	assert_int_equal(guest_mem_layout(&gm, 16 * MiB), 0);
	assert_int_equal(gm.nr_regions, 1);
	assert_int_equal(gm.regions[0].gpa, 0);
	assert_int_equal(gm.regions[0].bytes, 16 * MiB);
	assert_int_equal(gm.nr_chunks, 8);
	assert_int_equal(guest_mem_low_end(&gm), 16 * MiB);

	assert_int_equal(guest_mem_layout(&gm, 64 * 1024), 0);
	assert_int_equal(gm.nr_chunks, 1);
	assert_int_equal(guest_mem_chunk_bytes(&gm, 0), 64 * 1024);
}

static void test_layout_partial_last_chunk(void **state)
{
	struct guest_mem gm;

	assert_int_equal(guest_mem_layout(&gm, 5 * MiB), 0);
	assert_int_equal(gm.nr_chunks, 3);
	assert_int_equal(guest_mem_chunk_bytes(&gm, 0), CHUNK);
	assert_int_equal(guest_mem_chunk_bytes(&gm, 1), CHUNK);
	assert_int_equal(guest_mem_chunk_bytes(&gm, 2), 1 * MiB);
}

static void test_layout_exactly_low_max(void **state)
{
	struct guest_mem gm;

	assert_int_equal(guest_mem_layout(&gm, GUEST_LOW_RAM_MAX), 0);
	assert_int_equal(gm.nr_regions, 1);
	assert_int_equal(guest_mem_low_end(&gm), GUEST_LOW_RAM_MAX);
	assert_true(guest_mem_is_ram(&gm, GUEST_LOW_RAM_MAX - 1, 1));
	assert_false(guest_mem_is_ram(&gm, GUEST_LOW_RAM_MAX, 1));
	assert_false(guest_mem_is_ram(&gm, GUEST_HIGH_RAM_GPA, 1));
}

/* 5 GiB: 3 GiB below the MMIO hole, 2 GiB from 4 GiB on; only the layout, no chunks. */
static void test_layout_above_4g(void **state)
{
	struct guest_mem gm;

	assert_int_equal(guest_mem_layout(&gm, 5 * GiB), 0);
	assert_int_equal(gm.nr_regions, 2);
	assert_int_equal(gm.regions[0].gpa, 0);
	assert_int_equal(gm.regions[0].bytes, 3 * GiB);
	assert_int_equal(gm.regions[0].ram_offset, 0);
	assert_int_equal(gm.regions[1].gpa, 4 * GiB);
	assert_int_equal(gm.regions[1].bytes, 2 * GiB);
	assert_int_equal(gm.regions[1].ram_offset, 3 * GiB);
	assert_int_equal(gm.nr_chunks, 5 * GiB / CHUNK);
	assert_int_equal(guest_mem_low_end(&gm), 3 * GiB);

	assert_true(guest_mem_is_ram(&gm, 0, 3 * GiB));
	assert_true(guest_mem_is_ram(&gm, 3 * GiB - 1, 1));
	assert_false(guest_mem_is_ram(&gm, 3 * GiB, 1));
	assert_false(guest_mem_is_ram(&gm, 0xfee00000, 4));
	assert_false(guest_mem_is_ram(&gm, 3 * GiB - 4, 8)); /* runs into the hole */
	assert_true(guest_mem_is_ram(&gm, 4 * GiB, 2 * GiB));
	assert_true(guest_mem_is_ram(&gm, 6 * GiB - 1, 1));
	assert_false(guest_mem_is_ram(&gm, 6 * GiB, 1));
	assert_false(guest_mem_is_ram(&gm, 4 * GiB, 2 * GiB + 1));
	/* A range never spans the hole, even when both ends are RAM. */
	assert_false(guest_mem_is_ram(&gm, 3 * GiB - 4096, 1 * GiB + 8192));
	/* Length 0: true at any RAM byte and at the end of either region. */
	assert_true(guest_mem_is_ram(&gm, 3 * GiB, 0));
	assert_true(guest_mem_is_ram(&gm, 6 * GiB, 0));
	assert_false(guest_mem_is_ram(&gm, 3 * GiB + 4096, 0));
	assert_false(guest_mem_is_ram(&gm, 6 * GiB + 1, 0));
	/* Sums that wrap are not RAM. */
	assert_false(guest_mem_is_ram(&gm, 4 * GiB, UINT64_MAX));
	assert_false(guest_mem_is_ram(&gm, UINT64_MAX, 2));
}

static void test_layout_refusals(void **state)
{
	struct guest_mem gm;

	assert_int_equal(guest_mem_layout(&gm, 0), -EINVAL);
	assert_int_equal(guest_mem_layout(&gm, 4097), -EINVAL);
	assert_int_equal(guest_mem_layout(&gm, 2048), -EINVAL);
	assert_int_equal(guest_mem_layout(&gm, 1ull << 47), -EINVAL);
	assert_int_equal(guest_mem_layout(&gm, 1ull << 46), 0);
}

static void fill_pattern(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/* 6 MiB: three full chunks, so copies can cross two chunk boundaries. */
static void test_copies_cross_chunks(void **state)
{
	struct guest_mem gm;
	static uint8_t src[3 * MiB], dst[3 * MiB];

	assert_int_equal(host_guest_mem_alloc(&gm, 6 * MiB), 0);
	assert_int_equal(gm.nr_chunks, 3);

	fill_pattern(src, sizeof(src), 3);
	/* [2 MiB - 3, 2 MiB + 7): the last 3 bytes of chunk 0, the first 7 of chunk 1. */
	assert_int_equal(guest_mem_write(&gm, CHUNK - 3, src, 10), 0);
	assert_memory_equal(gm.chunk_hva[0] + CHUNK - 3, src, 3);
	assert_memory_equal(gm.chunk_hva[1], src + 3, 7);
	memset(dst, 0, 10);
	assert_int_equal(guest_mem_read(&gm, CHUNK - 3, dst, 10), 0);
	assert_memory_equal(dst, src, 10);

	/* A 3 MiB copy from 1 MiB + 5 spans all three chunks. */
	assert_int_equal(guest_mem_write(&gm, 1 * MiB + 5, src, sizeof(src)), 0);
	assert_memory_equal(gm.chunk_hva[0] + 1 * MiB + 5, src, 1 * MiB - 5);
	assert_memory_equal(gm.chunk_hva[1], src + 1 * MiB - 5, CHUNK);
	assert_memory_equal(gm.chunk_hva[2], src + 3 * MiB - 5, 5);
	assert_int_equal(guest_mem_read(&gm, 1 * MiB + 5, dst, sizeof(dst)), 0);
	assert_memory_equal(dst, src, sizeof(dst));

	/* Zeroing across the boundary clears exactly the range. */
	assert_int_equal(guest_mem_zero(&gm, 2 * CHUNK - 2, 4), 0);
	assert_int_equal(gm.chunk_hva[1][CHUNK - 3], src[CHUNK * 2 - 3 - 1 * MiB - 5]);
	assert_int_equal(gm.chunk_hva[1][CHUNK - 2], 0);
	assert_int_equal(gm.chunk_hva[1][CHUNK - 1], 0);
	assert_int_equal(gm.chunk_hva[2][0], 0);
	assert_int_equal(gm.chunk_hva[2][1], 0);
	assert_int_equal(gm.chunk_hva[2][2], src[CHUNK * 2 + 2 - 1 * MiB - 5]);

	/* The last bytes of RAM, and the whole of it. */
	assert_int_equal(guest_mem_write(&gm, 6 * MiB - 4, src, 4), 0);
	assert_memory_equal(gm.chunk_hva[2] + CHUNK - 4, src, 4);
	assert_int_equal(guest_mem_zero(&gm, 0, 6 * MiB), 0);
	for (uint64_t c = 0; c < 3; c++)
		for (uint64_t i = 0; i < CHUNK; i += 4093)
			assert_int_equal(gm.chunk_hva[c][i], 0);
	host_guest_mem_free(&gm);
}

static void test_hva(void **state)
{
	struct guest_mem gm;

	assert_int_equal(host_guest_mem_alloc(&gm, 6 * MiB), 0);
	assert_ptr_equal(guest_mem_hva(&gm, 0x1234, 16), gm.chunk_hva[0] + 0x1234);
	assert_ptr_equal(guest_mem_hva(&gm, CHUNK, CHUNK), gm.chunk_hva[1]);
	assert_ptr_equal(guest_mem_hva(&gm, CHUNK - 8, 8), gm.chunk_hva[0] + CHUNK - 8);
	assert_null(guest_mem_hva(&gm, CHUNK - 8, 9)); /* crosses into chunk 1 */
	assert_null(guest_mem_hva(&gm, 6 * MiB - 4, 8));
	assert_null(guest_mem_hva(&gm, 6 * MiB, 1));
	host_guest_mem_free(&gm);
}

/* Nothing is copied unless the whole range is RAM. */
static void test_efault(void **state)
{
	struct guest_mem gm;
	uint8_t buf[16];

	assert_int_equal(host_guest_mem_alloc(&gm, 6 * MiB), 0);
	memset(buf, 0xab, sizeof(buf));
	assert_int_equal(guest_mem_write(&gm, 6 * MiB - 4, buf, 5), -EFAULT);
	assert_int_equal(gm.chunk_hva[2][CHUNK - 4], 0);
	assert_int_equal(guest_mem_write(&gm, 6 * MiB, buf, 1), -EFAULT);
	assert_int_equal(guest_mem_write(&gm, UINT64_MAX - 1, buf, 4), -EFAULT);
	assert_int_equal(guest_mem_write(&gm, 0, buf, UINT64_MAX), -EFAULT);
	assert_int_equal(gm.chunk_hva[0][0], 0);

	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(guest_mem_read(&gm, 6 * MiB - 8, buf, 9), -EFAULT);
	assert_int_equal(buf[0], 0x5a);
	assert_int_equal(guest_mem_read(&gm, 7 * MiB, buf, 1), -EFAULT);

	assert_int_equal(guest_mem_write(&gm, 6 * MiB - 1, buf, 1), 0);
	assert_int_equal(guest_mem_zero(&gm, 6 * MiB - 1, 2), -EFAULT);
	assert_int_equal(gm.chunk_hva[2][CHUNK - 1], 0x5a);

	/* Length 0: fine anywhere in RAM or at its end, -EFAULT beyond. */
	assert_int_equal(guest_mem_write(&gm, 6 * MiB, buf, 0), 0);
	assert_int_equal(guest_mem_read(&gm, 0, buf, 0), 0);
	assert_int_equal(guest_mem_write(&gm, 6 * MiB + 4096, buf, 0), -EFAULT);
	assert_int_equal(guest_mem_zero(&gm, 6 * MiB + 1, 0), -EFAULT);
	host_guest_mem_free(&gm);
}

static int chunk_near_hole(uint64_t chunk)
{
	return chunk == 3 * GiB / CHUNK - 1 || chunk == 3 * GiB / CHUNK;
}

/* RAM above 4 GiB continues the RAM offsets where low RAM stops: the chunk after the last low
 * one backs GPA 4 GiB. Only those two chunks are allocated. */
static void test_copies_around_the_hole(void **state)
{
	struct guest_mem gm;
	uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, back[8];
	uint64_t last_low = 3 * GiB / CHUNK - 1;

	assert_int_equal(host_guest_mem_alloc_if(&gm, 4 * GiB, chunk_near_hole), 0);
	assert_int_equal(guest_mem_write(&gm, 3 * GiB - 4, buf, 4), 0);
	assert_memory_equal(gm.chunk_hva[last_low] + CHUNK - 4, buf, 4);
	assert_int_equal(guest_mem_write(&gm, 4 * GiB, buf + 4, 4), 0);
	assert_memory_equal(gm.chunk_hva[last_low + 1], buf + 4, 4);
	assert_int_equal(guest_mem_read(&gm, 4 * GiB, back, 4), 0);
	assert_memory_equal(back, buf + 4, 4);
	assert_ptr_equal(guest_mem_hva(&gm, 4 * GiB + 16, 4), gm.chunk_hva[last_low + 1] + 16);
	/* Neither a copy into the hole nor one across it. */
	assert_int_equal(guest_mem_write(&gm, 3 * GiB - 4, buf, 8), -EFAULT);
	assert_int_equal(guest_mem_write(&gm, 3 * GiB, buf, 1), -EFAULT);
	assert_int_equal(guest_mem_read(&gm, 4 * GiB - 4, back, 8), -EFAULT);
	assert_int_equal(guest_mem_write(&gm, 5 * GiB - 4, buf, 8), -EFAULT);
	host_guest_mem_free(&gm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_small),
		cmocka_unit_test(test_layout_partial_last_chunk),
		cmocka_unit_test(test_layout_exactly_low_max),
		cmocka_unit_test(test_layout_above_4g),
		cmocka_unit_test(test_layout_refusals),
		cmocka_unit_test(test_copies_cross_chunks),
		cmocka_unit_test(test_hva),
		cmocka_unit_test(test_efault),
		cmocka_unit_test(test_copies_around_the_hole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
