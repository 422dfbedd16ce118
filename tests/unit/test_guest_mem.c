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
#define KiB   1024ull

static void test_layout_small(void **state)
{
	struct guest_mem gm;

	assert_int_equal(guest_mem_layout(&gm, 16 * MiB), 0);
	assert_int_equal(gm.nr_slots, 1);
	assert_int_equal(gm.ram_bytes, 16 * MiB);
	assert_int_equal(gm.slots[0].gpa, 0);
	assert_int_equal(gm.slots[0].bytes, 16 * MiB);
	assert_int_equal(gm.slots[0].nr_chunks, 8);
	assert_null(gm.slots[0].chunk_hva); /* the caller's to fill */
	assert_null(gm.slots[0].chunk_hpa);
	assert_int_equal(guest_mem_low_end(&gm), 16 * MiB);
	assert_int_equal(guest_mem_end(&gm), 16 * MiB);

	assert_int_equal(guest_mem_layout(&gm, 64 * 1024), 0);
	assert_int_equal(gm.slots[0].nr_chunks, 1);
	assert_int_equal(guest_mem_chunk_bytes(&gm.slots[0], 0), 64 * 1024);
}

static void test_layout_partial_last_chunk(void **state)
{
	struct guest_mem gm;

	assert_int_equal(guest_mem_layout(&gm, 5 * MiB), 0);
	assert_int_equal(gm.slots[0].nr_chunks, 3);
	assert_int_equal(guest_mem_chunk_bytes(&gm.slots[0], 0), CHUNK);
	assert_int_equal(guest_mem_chunk_bytes(&gm.slots[0], 1), CHUNK);
	assert_int_equal(guest_mem_chunk_bytes(&gm.slots[0], 2), 1 * MiB);
}

static void test_layout_exactly_low_max(void **state)
{
	struct guest_mem gm;

	assert_int_equal(guest_mem_layout(&gm, GUEST_LOW_RAM_MAX), 0);
	assert_int_equal(gm.nr_slots, 1);
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
	assert_int_equal(gm.nr_slots, 2);
	assert_int_equal(gm.ram_bytes, 5 * GiB);
	assert_int_equal(gm.slots[0].gpa, 0);
	assert_int_equal(gm.slots[0].bytes, 3 * GiB);
	assert_int_equal(gm.slots[0].nr_chunks, 3 * GiB / CHUNK);
	assert_int_equal(gm.slots[1].gpa, 4 * GiB);
	assert_int_equal(gm.slots[1].bytes, 2 * GiB);
	assert_int_equal(gm.slots[1].nr_chunks, 2 * GiB / CHUNK);
	assert_int_equal(guest_mem_low_end(&gm), 3 * GiB);
	assert_int_equal(guest_mem_end(&gm), 6 * GiB);

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
	/* Length 0: true at any RAM byte and at the end of either slot. */
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
	struct guest_mem gm = { 0 };
	static uint8_t src[3 * MiB], dst[3 * MiB];
	uint8_t **c;

	assert_int_equal(host_guest_mem_alloc(&gm, 6 * MiB), 0);
	assert_int_equal(gm.slots[0].nr_chunks, 3);
	c = gm.slots[0].chunk_hva;

	fill_pattern(src, sizeof(src), 3);
	/* [2 MiB - 3, 2 MiB + 7): the last 3 bytes of chunk 0, the first 7 of chunk 1. */
	assert_int_equal(guest_mem_write(&gm, CHUNK - 3, src, 10), 0);
	assert_memory_equal(c[0] + CHUNK - 3, src, 3);
	assert_memory_equal(c[1], src + 3, 7);
	memset(dst, 0, 10);
	assert_int_equal(guest_mem_read(&gm, CHUNK - 3, dst, 10), 0);
	assert_memory_equal(dst, src, 10);

	/* A 3 MiB copy from 1 MiB + 5 spans all three chunks. */
	assert_int_equal(guest_mem_write(&gm, 1 * MiB + 5, src, sizeof(src)), 0);
	assert_memory_equal(c[0] + 1 * MiB + 5, src, 1 * MiB - 5);
	assert_memory_equal(c[1], src + 1 * MiB - 5, CHUNK);
	assert_memory_equal(c[2], src + 3 * MiB - 5, 5);
	assert_int_equal(guest_mem_read(&gm, 1 * MiB + 5, dst, sizeof(dst)), 0);
	assert_memory_equal(dst, src, sizeof(dst));

	/* Zeroing across the boundary clears exactly the range. */
	assert_int_equal(guest_mem_zero(&gm, 2 * CHUNK - 2, 4), 0);
	assert_int_equal(c[1][CHUNK - 3], src[CHUNK * 2 - 3 - 1 * MiB - 5]);
	assert_int_equal(c[1][CHUNK - 2], 0);
	assert_int_equal(c[1][CHUNK - 1], 0);
	assert_int_equal(c[2][0], 0);
	assert_int_equal(c[2][1], 0);
	assert_int_equal(c[2][2], src[CHUNK * 2 + 2 - 1 * MiB - 5]);

	/* The last bytes of RAM, and the whole of it. */
	assert_int_equal(guest_mem_write(&gm, 6 * MiB - 4, src, 4), 0);
	assert_memory_equal(c[2] + CHUNK - 4, src, 4);
	assert_int_equal(guest_mem_zero(&gm, 0, 6 * MiB), 0);
	for (uint64_t k = 0; k < 3; k++)
		for (uint64_t i = 0; i < CHUNK; i += 4093)
			assert_int_equal(c[k][i], 0);
	host_guest_mem_free(&gm);
}

static void test_hva(void **state)
{
	struct guest_mem gm;

	assert_int_equal(host_guest_mem_alloc(&gm, 6 * MiB), 0);
	assert_ptr_equal(guest_mem_hva(&gm, 0x1234, 16), gm.slots[0].chunk_hva[0] + 0x1234);
	assert_ptr_equal(guest_mem_hva(&gm, CHUNK, CHUNK), gm.slots[0].chunk_hva[1]);
	assert_ptr_equal(guest_mem_hva(&gm, CHUNK - 8, 8), gm.slots[0].chunk_hva[0] + CHUNK - 8);
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
	assert_int_equal(gm.slots[0].chunk_hva[2][CHUNK - 4], 0);
	assert_int_equal(guest_mem_write(&gm, 6 * MiB, buf, 1), -EFAULT);
	assert_int_equal(guest_mem_write(&gm, UINT64_MAX - 1, buf, 4), -EFAULT);
	assert_int_equal(guest_mem_write(&gm, 0, buf, UINT64_MAX), -EFAULT);
	assert_int_equal(gm.slots[0].chunk_hva[0][0], 0);

	memset(buf, 0x5a, sizeof(buf));
	assert_int_equal(guest_mem_read(&gm, 6 * MiB - 8, buf, 9), -EFAULT);
	assert_int_equal(buf[0], 0x5a);
	assert_int_equal(guest_mem_read(&gm, 7 * MiB, buf, 1), -EFAULT);

	assert_int_equal(guest_mem_write(&gm, 6 * MiB - 1, buf, 1), 0);
	assert_int_equal(guest_mem_zero(&gm, 6 * MiB - 1, 2), -EFAULT);
	assert_int_equal(gm.slots[0].chunk_hva[2][CHUNK - 1], 0x5a);

	/* Length 0: fine anywhere in RAM or at its end, -EFAULT beyond. */
	assert_int_equal(guest_mem_write(&gm, 6 * MiB, buf, 0), 0);
	assert_int_equal(guest_mem_read(&gm, 0, buf, 0), 0);
	assert_int_equal(guest_mem_write(&gm, 6 * MiB + 4096, buf, 0), -EFAULT);
	assert_int_equal(guest_mem_zero(&gm, 6 * MiB + 1, 0), -EFAULT);
	host_guest_mem_free(&gm);
}

static int chunk_near_hole(uint64_t chunk_gpa)
{
	return chunk_gpa == 3 * GiB - CHUNK || chunk_gpa == 4 * GiB;
}

/* RAM above 4 GiB is a slot of its own: its first chunk backs GPA 4 GiB. Only that chunk and
 * the last low one are allocated. */
static void test_copies_around_the_hole(void **state)
{
	struct guest_mem gm;
	uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, back[8];
	uint64_t last_low = 3 * GiB / CHUNK - 1;

	assert_int_equal(host_guest_mem_alloc_if(&gm, 4 * GiB, chunk_near_hole), 0);
	assert_int_equal(guest_mem_write(&gm, 3 * GiB - 4, buf, 4), 0);
	assert_memory_equal(gm.slots[0].chunk_hva[last_low] + CHUNK - 4, buf, 4);
	assert_int_equal(guest_mem_write(&gm, 4 * GiB, buf + 4, 4), 0);
	assert_memory_equal(gm.slots[1].chunk_hva[0], buf + 4, 4);
	assert_int_equal(guest_mem_read(&gm, 4 * GiB, back, 4), 0);
	assert_memory_equal(back, buf + 4, 4);
	assert_ptr_equal(guest_mem_hva(&gm, 4 * GiB + 16, 4), gm.slots[1].chunk_hva[0] + 16);
	/* Neither a copy into the hole nor one across it. */
	assert_int_equal(guest_mem_write(&gm, 3 * GiB - 4, buf, 8), -EFAULT);
	assert_int_equal(guest_mem_write(&gm, 3 * GiB, buf, 1), -EFAULT);
	assert_int_equal(guest_mem_read(&gm, 4 * GiB - 4, back, 8), -EFAULT);
	assert_int_equal(guest_mem_write(&gm, 5 * GiB - 4, buf, 8), -EFAULT);
	host_guest_mem_free(&gm);
}

/* ---- memory slots at any GPA ---- */

static void test_slot_insert_sorted(void **state)
{
	struct guest_mem gm = { 0 };

	assert_int_equal(guest_mem_low_end(&gm), 0);
	assert_int_equal(guest_mem_end(&gm), 0);
	assert_int_equal(host_guest_mem_add(&gm, 16 * MiB, 4 * MiB), 0);
	assert_int_equal(host_guest_mem_add(&gm, 0, 1 * MiB), 0); /* goes first */
	assert_int_equal(host_guest_mem_add(&gm, 4 * GiB, CHUNK + 4 * KiB), 2);
	assert_int_equal(host_guest_mem_add(&gm, 0xfee01000, 8 * KiB), 2); /* between */
	assert_int_equal(gm.nr_slots, 4);
	assert_int_equal(gm.slots[0].gpa, 0);
	assert_int_equal(gm.slots[1].gpa, 16 * MiB);
	assert_int_equal(gm.slots[2].gpa, 0xfee01000);
	assert_int_equal(gm.slots[3].gpa, 4 * GiB);
	assert_int_equal(gm.ram_bytes, 1 * MiB + 4 * MiB + 8 * KiB + CHUNK + 4 * KiB);
	assert_int_equal(gm.slots[3].nr_chunks, 2);
	assert_int_equal(guest_mem_chunk_bytes(&gm.slots[3], 0), CHUNK);
	assert_int_equal(guest_mem_chunk_bytes(&gm.slots[3], 1), 4 * KiB);
	assert_int_equal(guest_mem_low_end(&gm), 1 * MiB);
	assert_int_equal(guest_mem_end(&gm), 4 * GiB + CHUNK + 4 * KiB);

	assert_int_equal(guest_mem_slot_index(&gm, 0), 0);
	assert_int_equal(guest_mem_slot_index(&gm, 1 * MiB - 1), 0);
	assert_int_equal(guest_mem_slot_index(&gm, 1 * MiB), -ENOENT);
	assert_int_equal(guest_mem_slot_index(&gm, 20 * MiB - 1), 1);
	assert_int_equal(guest_mem_slot_index(&gm, 0xfee02fff), 2);
	assert_int_equal(guest_mem_slot_index(&gm, 0xfee03000), -ENOENT);
	assert_int_equal(guest_mem_slot_index(&gm, 4 * GiB + CHUNK), 3);
	assert_int_equal(guest_mem_slot_index(&gm, UINT64_MAX), -ENOENT);
	host_guest_mem_free(&gm);
	assert_int_equal(gm.nr_slots, 0);
}

/* A slot whose arrays are missing or do not fit its size never gets in. */
static void test_slot_insert_refusals(void **state)
{
	struct guest_mem gm = { 0 };
	struct guest_mem_slot s;
	uint8_t *hva[2] = { NULL, NULL };
	uint64_t hpa[2] = { 0, 0 };

	guest_mem_slot_init(&s, 8 * MiB, 4 * MiB);
	assert_int_equal(s.nr_chunks, 2);
	assert_int_equal(guest_mem_slot_insert(&gm, &s), -EINVAL); /* no arrays */
	s.chunk_hva = hva;
	assert_int_equal(guest_mem_slot_insert(&gm, &s), -EINVAL);
	s.chunk_hpa = hpa;
	s.nr_chunks = 1;
	assert_int_equal(guest_mem_slot_insert(&gm, &s), -EINVAL);
	s.bytes = 0;
	assert_int_equal(guest_mem_slot_insert(&gm, &s), -EINVAL);
	assert_int_equal(gm.nr_slots, 0);
	assert_int_equal(gm.ram_bytes, 0);
	guest_mem_slot_init(&s, 8 * MiB, 4 * MiB);
	s.chunk_hva = hva;
	s.chunk_hpa = hpa;
	assert_int_equal(guest_mem_slot_insert(&gm, &s), 0);
	assert_int_equal(gm.ram_bytes, 4 * MiB);
	assert_int_equal(guest_mem_slot_insert(&gm, &s), -EEXIST);
	assert_int_equal(gm.nr_slots, 1);
	assert_int_equal(gm.ram_bytes, 4 * MiB);
}

static void test_slot_overlap(void **state)
{
	struct guest_mem gm = { 0 };

	assert_int_equal(host_guest_mem_add(&gm, 16 * MiB, 4 * MiB), 0);
	assert_int_equal(guest_mem_slot_check(&gm, 16 * MiB, 4 * MiB), -EEXIST); /* exact */
	assert_int_equal(guest_mem_slot_check(&gm, 14 * MiB, 4 * MiB), -EEXIST); /* front */
	assert_int_equal(guest_mem_slot_check(&gm, 18 * MiB, 4 * MiB), -EEXIST); /* back */
	assert_int_equal(guest_mem_slot_check(&gm, 8 * MiB, 16 * MiB), -EEXIST); /* contains */
	assert_int_equal(guest_mem_slot_check(&gm, 17 * MiB, 4 * KiB), -EEXIST); /* inside */
	/* One page either side. */
	assert_int_equal(guest_mem_slot_check(&gm, 16 * MiB - 4 * KiB, 8 * KiB), -EEXIST);
	assert_int_equal(guest_mem_slot_check(&gm, 20 * MiB - 4 * KiB, 8 * KiB), -EEXIST);
	assert_int_equal(host_guest_mem_add(&gm, 14 * MiB, 4 * MiB), -EEXIST);
	assert_int_equal(host_guest_mem_add(&gm, 8 * MiB, 16 * MiB), -EEXIST);
	/* Touching is not overlapping. */
	assert_int_equal(guest_mem_slot_check(&gm, 12 * MiB, 4 * MiB), 0);
	assert_int_equal(guest_mem_slot_check(&gm, 20 * MiB, 4 * KiB), 0);
	assert_int_equal(host_guest_mem_add(&gm, 20 * MiB, 4 * KiB), 1);
	assert_int_equal(host_guest_mem_add(&gm, 12 * MiB, 4 * MiB), 0);
	/* A range over several slots and the gaps between them. */
	assert_int_equal(guest_mem_slot_check(&gm, 0, 1 * GiB), -EEXIST);
	assert_int_equal(gm.nr_slots, 3);
	assert_int_equal(gm.ram_bytes, 8 * MiB + 4 * KiB);
	host_guest_mem_free(&gm);
}

static void test_slot_einval(void **state)
{
	const uint64_t limit = 1ull << 52;
	struct guest_mem gm = { 0 };

	assert_int_equal(guest_mem_slot_check(&gm, 0, 0), -EINVAL);
	assert_int_equal(guest_mem_slot_check(&gm, 1 * MiB, 0), -EINVAL);
	assert_int_equal(guest_mem_slot_check(&gm, 0x800, 4 * KiB), -EINVAL);
	assert_int_equal(guest_mem_slot_check(&gm, 0xfee00001, 4 * KiB), -EINVAL);
	assert_int_equal(guest_mem_slot_check(&gm, 1 * MiB, 0x800), -EINVAL);
	assert_int_equal(guest_mem_slot_check(&gm, 1 * MiB, 4 * KiB + 1), -EINVAL);
	/* Ends that wrap. */
	assert_int_equal(guest_mem_slot_check(&gm, 4 * KiB, UINT64_MAX - 4095), -EINVAL);
	assert_int_equal(guest_mem_slot_check(&gm, UINT64_MAX - 4095, 8 * KiB), -EINVAL);
	assert_int_equal(guest_mem_slot_check(&gm, 1 * GiB, UINT64_MAX - 4095), -EINVAL);
	/* Past MAXPHYADDR's limit: the last page below it is fine. */
	assert_int_equal(guest_mem_slot_check(&gm, limit - 4 * KiB, 4 * KiB), 0);
	assert_int_equal(guest_mem_slot_check(&gm, limit - 4 * KiB, 8 * KiB), -EINVAL);
	assert_int_equal(guest_mem_slot_check(&gm, limit, 4 * KiB), -EINVAL);
	assert_int_equal(guest_mem_slot_check(&gm, 0, limit), 0);
	assert_int_equal(guest_mem_slot_check(&gm, 0, limit + 4 * KiB), -EINVAL);
	assert_int_equal(host_guest_mem_add(&gm, limit - 4 * KiB, 4 * KiB), 0);
	assert_true(guest_mem_is_ram(&gm, limit - 1, 1));
	assert_false(guest_mem_is_ram(&gm, limit - 1, 2));
	/* -EINVAL comes before -EEXIST. */
	assert_int_equal(guest_mem_slot_check(&gm, limit - 4 * KiB, 0), -EINVAL);
	host_guest_mem_free(&gm);
}

static void test_slot_enospc(void **state)
{
	struct guest_mem gm = { 0 };
	struct guest_mem_slot out;

	/* Every other page, so that no two slots touch. */
	for (unsigned int i = 0; i < GUEST_MEM_MAX_SLOTS; i++)
		assert_int_equal(host_guest_mem_add(&gm, (2 * i + 1) * 4 * KiB, 4 * KiB), i);
	assert_int_equal(gm.nr_slots, GUEST_MEM_MAX_SLOTS);
	assert_int_equal(host_guest_mem_add(&gm, 1 * GiB, 4 * KiB), -ENOSPC);
	assert_int_equal(host_guest_mem_add(&gm, 0, 4 * KiB), -ENOSPC);
	/* -EINVAL and -EEXIST come before -ENOSPC. */
	assert_int_equal(guest_mem_slot_check(&gm, 4 * KiB, 4 * KiB), -EEXIST);
	assert_int_equal(guest_mem_slot_check(&gm, 1 * GiB, 0), -EINVAL);
	assert_int_equal(gm.ram_bytes, GUEST_MEM_MAX_SLOTS * 4 * KiB);

	/* A removed slot makes room again. */
	assert_int_equal(guest_mem_slot_remove(&gm, 3 * 4 * KiB, &out), 0);
	host_guest_mem_slot_free(&out);
	assert_int_equal(host_guest_mem_add(&gm, 1 * GiB, 4 * KiB), GUEST_MEM_MAX_SLOTS - 1);
	for (unsigned int i = 1; i < gm.nr_slots; i++)
		assert_true(gm.slots[i - 1].gpa < gm.slots[i].gpa);
	host_guest_mem_free(&gm);
}

static void test_slot_remove(void **state)
{
	struct guest_mem gm = { 0 };
	struct guest_mem_slot out, empty = { 0 };
	uint8_t *hva;

	assert_int_equal(host_guest_mem_add(&gm, 0, 4 * MiB), 0);
	assert_int_equal(host_guest_mem_add(&gm, 16 * MiB, 2 * MiB), 1);
	assert_int_equal(host_guest_mem_add(&gm, 4 * GiB, 8 * KiB), 2);
	hva = gm.slots[1].chunk_hva[0];

	/* Only a slot's first byte names it. */
	assert_int_equal(guest_mem_slot_remove(&gm, 16 * MiB + 4 * KiB, &out), -ENOENT);
	assert_int_equal(guest_mem_slot_remove(&gm, 8 * MiB, &out), -ENOENT);
	assert_int_equal(guest_mem_slot_remove(&gm, 16 * MiB, &out), 0);
	assert_int_equal(out.gpa, 16 * MiB);
	assert_int_equal(out.bytes, 2 * MiB);
	assert_int_equal(out.nr_chunks, 1);
	assert_ptr_equal(out.chunk_hva[0], hva);
	host_guest_mem_slot_free(&out);
	assert_int_equal(guest_mem_slot_remove(&gm, 16 * MiB, &out), -ENOENT);

	assert_int_equal(gm.nr_slots, 2);
	assert_int_equal(gm.ram_bytes, 4 * MiB + 8 * KiB);
	assert_int_equal(gm.slots[0].gpa, 0);
	assert_int_equal(gm.slots[1].gpa, 4 * GiB);
	assert_memory_equal(&gm.slots[2], &empty, sizeof(empty));
	assert_false(guest_mem_is_ram(&gm, 16 * MiB, 1));
	assert_null(guest_mem_hva(&gm, 16 * MiB, 1));
	assert_int_equal(guest_mem_write(&gm, 16 * MiB, "x", 1), -EFAULT);

	/* Without slot 0, the slot at 4 GiB moves down and takes the fast path. */
	assert_int_equal(guest_mem_slot_remove(&gm, 0, &out), 0);
	host_guest_mem_slot_free(&out);
	assert_int_equal(guest_mem_low_end(&gm), 0);
	assert_int_equal(gm.slots[0].gpa, 4 * GiB);
	assert_ptr_equal(guest_mem_hva(&gm, 4 * GiB + 8, 8), gm.slots[0].chunk_hva[0] + 8);
	assert_null(guest_mem_hva(&gm, 0, 1));
	assert_null(guest_mem_hva(&gm, 4 * GiB - 8, 8));

	/* No slots: no RAM anywhere, and the fast path finds nothing either. */
	assert_int_equal(guest_mem_slot_remove(&gm, 4 * GiB, &out), 0);
	host_guest_mem_slot_free(&out);
	assert_int_equal(gm.nr_slots, 0);
	assert_int_equal(gm.ram_bytes, 0);
	assert_null(guest_mem_hva(&gm, 0, 1));
	assert_null(guest_mem_hva(&gm, 0, 0));
	assert_false(guest_mem_is_ram(&gm, 0, 0));
	assert_int_equal(guest_mem_zero(&gm, 0, 0), -EFAULT);
	assert_int_equal(guest_mem_end(&gm), 0);
	assert_int_equal(guest_mem_slot_remove(&gm, 0, &out), -ENOENT);
}

/* 4 MiB + 8 KiB at 0xfee01000: chunks start at the slot, 4 KiB past a 2 MiB boundary, and the
 * last one is 8 KiB. */
static void check_high_slot(struct guest_mem *gm, const struct guest_mem_slot *s)
{
	const uint64_t base = 0xfee01000, end = base + 4 * MiB + 8 * KiB;
	uint8_t src[16], back[16];

	fill_pattern(src, sizeof(src), 9);
	assert_int_equal(s->nr_chunks, 3);
	assert_ptr_equal(guest_mem_hva(gm, base, 4), s->chunk_hva[0]);
	assert_ptr_equal(guest_mem_hva(gm, base + CHUNK - 4, 4), s->chunk_hva[0] + CHUNK - 4);
	assert_ptr_equal(guest_mem_hva(gm, base + CHUNK, CHUNK), s->chunk_hva[1]);
	assert_ptr_equal(guest_mem_hva(gm, end - 8 * KiB, 8 * KiB), s->chunk_hva[2]);
	/* Within the slot but across a chunk boundary, or past the slot. */
	assert_null(guest_mem_hva(gm, base + CHUNK - 4, 8));
	assert_null(guest_mem_hva(gm, base + 2 * CHUNK - 1, 2));
	/* A GPA 2 MiB boundary inside a chunk is no boundary. */
	assert_ptr_equal(guest_mem_hva(gm, 0xff000000 - 4, 8),
			 s->chunk_hva[0] + (0xff000000 - 4 - base));
	assert_null(guest_mem_hva(gm, end - 4, 8));
	assert_null(guest_mem_hva(gm, end, 1));
	assert_null(guest_mem_hva(gm, base - 4, 4));
	assert_null(guest_mem_hva(gm, base - 4, 8));

	/* Copies across the chunk boundaries, into the short last chunk, and refusals. */
	assert_int_equal(guest_mem_write(gm, base + CHUNK - 3, src, 10), 0);
	assert_memory_equal(s->chunk_hva[0] + CHUNK - 3, src, 3);
	assert_memory_equal(s->chunk_hva[1], src + 3, 7);
	assert_int_equal(guest_mem_read(gm, base + CHUNK - 3, back, 10), 0);
	assert_memory_equal(back, src, 10);
	assert_int_equal(guest_mem_write(gm, end - 8, src, 8), 0);
	assert_memory_equal(s->chunk_hva[2] + 8 * KiB - 8, src, 8);
	assert_int_equal(guest_mem_write(gm, base + 2 * CHUNK - 4, src, 8), 0);
	assert_int_equal(guest_mem_zero(gm, base + 2 * CHUNK - 2, 4), 0);
	assert_memory_equal(s->chunk_hva[1] + CHUNK - 4, src, 2);
	assert_int_equal(s->chunk_hva[1][CHUNK - 2], 0);
	assert_int_equal(s->chunk_hva[1][CHUNK - 1], 0);
	assert_int_equal(s->chunk_hva[2][0], 0);
	assert_int_equal(s->chunk_hva[2][1], 0);
	assert_memory_equal(s->chunk_hva[2] + 2, src + 6, 2);
	memset(back, 0xee, sizeof(back));
	assert_int_equal(guest_mem_write(gm, end - 8, back, 9), -EFAULT);
	assert_memory_equal(s->chunk_hva[2] + 8 * KiB - 8, src, 8);
	assert_int_equal(guest_mem_write(gm, base - 1, back, 2), -EFAULT);
	assert_int_equal(s->chunk_hva[0][0], 0);
	assert_true(guest_mem_is_ram(gm, base, 4 * MiB + 8 * KiB));
	assert_false(guest_mem_is_ram(gm, base, 4 * MiB + 8 * KiB + 1));
	assert_true(guest_mem_is_ram(gm, end, 0));
	assert_false(guest_mem_is_ram(gm, base - 1, 0));
}

static void test_slot_high_unaligned(void **state)
{
	struct guest_mem gm = { 0 };

	/* Alone, it is slot 0: guest_mem_hva's fast path. */
	assert_int_equal(host_guest_mem_add(&gm, 0xfee01000, 4 * MiB + 8 * KiB), 0);
	check_high_slot(&gm, &gm.slots[0]);
	/* Above low RAM: the slow path. */
	assert_int_equal(host_guest_mem_add(&gm, 0, 16 * MiB), 0);
	check_high_slot(&gm, &gm.slots[1]);
	assert_ptr_equal(guest_mem_hva(&gm, 0x1000, 8), gm.slots[0].chunk_hva[0] + 0x1000);
	host_guest_mem_free(&gm);
}

/*
 * Slots that touch: A = [16 MiB, 19 MiB) (a 1 MiB last chunk), B = [19 MiB, 21 MiB), added in
 * the other order. The guest sees one RAM, so copies and guest_mem_is_ram run from one into
 * the other; guest_mem_hva stops at the chunk, so at the slot.
 */
static void test_adjacent_slots(void **state)
{
	const uint64_t a = 16 * MiB, b = 19 * MiB, end = 21 * MiB;
	struct guest_mem gm = { 0 };
	static uint8_t src[5 * MiB + 4 * KiB], back[5 * MiB];
	const struct guest_mem_slot *sa, *sb;

	fill_pattern(src, sizeof(src), 1);
	assert_int_equal(host_guest_mem_add(&gm, b, end - b), 0);
	assert_int_equal(host_guest_mem_add(&gm, a, b - a), 0);
	sa = &gm.slots[0];
	sb = &gm.slots[1];
	assert_int_equal(sa->gpa, a);
	assert_int_equal(guest_mem_chunk_bytes(sa, 1), 1 * MiB);

	/* hva: each side, never across. */
	assert_ptr_equal(guest_mem_hva(&gm, b - 8, 8), sa->chunk_hva[1] + 1 * MiB - 8);
	assert_ptr_equal(guest_mem_hva(&gm, b, 8), sb->chunk_hva[0]);
	assert_ptr_equal(guest_mem_hva(&gm, b + 0x123, 16), sb->chunk_hva[0] + 0x123);
	assert_null(guest_mem_hva(&gm, b - 8, 16));
	assert_null(guest_mem_hva(&gm, b - 1, 2));

	/* 16 bytes across the seam: the last 8 of A's short chunk, the first 8 of B. */
	assert_true(guest_mem_is_ram(&gm, b - 8, 16));
	assert_int_equal(guest_mem_write(&gm, b - 8, src, 16), 0);
	assert_memory_equal(sa->chunk_hva[1] + 1 * MiB - 8, src, 8);
	assert_memory_equal(sb->chunk_hva[0], src + 8, 8);
	assert_int_equal(guest_mem_read(&gm, b - 8, back, 16), 0);
	assert_memory_equal(back, src, 16);
	assert_int_equal(guest_mem_zero(&gm, b - 2, 4), 0);
	assert_int_equal(sa->chunk_hva[1][1 * MiB - 3], src[5]);
	assert_int_equal(sa->chunk_hva[1][1 * MiB - 1], 0);
	assert_int_equal(sb->chunk_hva[0][1], 0);
	assert_int_equal(sb->chunk_hva[0][2], src[10]);

	/* All of both, and not a byte more: nothing is copied when it runs past B. */
	assert_true(guest_mem_is_ram(&gm, a, end - a));
	assert_int_equal(guest_mem_write(&gm, a, src, end - a), 0);
	assert_int_equal(guest_mem_read(&gm, a, back, end - a), 0);
	assert_memory_equal(back, src, end - a);
	assert_false(guest_mem_is_ram(&gm, a, end - a + 1));
	assert_false(guest_mem_is_ram(&gm, a - 1, 2));
	memset(back, 0xee, 16);
	assert_int_equal(guest_mem_write(&gm, end - 8, back, 16), -EFAULT);
	assert_memory_equal(sb->chunk_hva[0] + CHUNK - 8, src + (end - a) - 8, 8);
	assert_int_equal(guest_mem_write(&gm, b - 8, back, end - b + 9), -EFAULT);
	assert_memory_equal(sa->chunk_hva[1] + 1 * MiB - 8, src + (b - a) - 8, 8);
	assert_true(guest_mem_is_ram(&gm, end, 0));
	assert_false(guest_mem_is_ram(&gm, end, 1));
	assert_false(guest_mem_is_ram(&gm, a, UINT64_MAX));

	/* A third slot at B's end joins the chain; a gap breaks it. */
	assert_int_equal(host_guest_mem_add(&gm, end, 4 * KiB), 2);
	assert_true(guest_mem_is_ram(&gm, b - 4, CHUNK + 8));
	assert_int_equal(guest_mem_write(&gm, a + 1, src, end - a + 4 * KiB - 1), 0);
	assert_int_equal(gm.slots[2].chunk_hva[0][4 * KiB - 1], src[end - a + 4 * KiB - 2]);
	assert_int_equal(host_guest_mem_add(&gm, end + 8 * KiB, 4 * KiB), 3);
	assert_false(guest_mem_is_ram(&gm, end, 12 * KiB));
	assert_int_equal(guest_mem_zero(&gm, end + 4 * KiB - 1, 2), -EFAULT);
	host_guest_mem_free(&gm);
}

/* guest_mem_layout starts afresh, whatever gm held. */
static void test_layout_replaces_slots(void **state)
{
	struct guest_mem gm = { 0 };
	struct guest_mem_slot empty = { 0 };

	gm.nr_slots = 5;
	for (unsigned int i = 0; i < 5; i++)
		guest_mem_slot_init(&gm.slots[i], 8 * GiB + i * GiB, 4 * KiB);
	assert_int_equal(guest_mem_layout(&gm, 64 * MiB), 0);
	assert_int_equal(gm.nr_slots, 1);
	assert_int_equal(gm.ram_bytes, 64 * MiB);
	for (unsigned int i = 1; i < GUEST_MEM_MAX_SLOTS; i++)
		assert_memory_equal(&gm.slots[i], &empty, sizeof(empty));
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
		cmocka_unit_test(test_slot_insert_sorted),
		cmocka_unit_test(test_slot_insert_refusals),
		cmocka_unit_test(test_slot_overlap),
		cmocka_unit_test(test_slot_einval),
		cmocka_unit_test(test_slot_enospc),
		cmocka_unit_test(test_slot_remove),
		cmocka_unit_test(test_slot_high_unaligned),
		cmocka_unit_test(test_adjacent_slots),
		cmocka_unit_test(test_layout_replaces_slots),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
