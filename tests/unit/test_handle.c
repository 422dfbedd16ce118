// SPDX-License-Identifier: MIT
/* Handles: kind, owner and generation all checked; stale handles stay dead after reuse. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/errno.h"
#include "core/handle.h"

static struct handle_table t;
static int owner_a, owner_b, obj1, obj2;

static int setup(void **state)
{
	memset(&t, 0, sizeof(t));
	return 0;
}

static void test_lookup_checks_kind_and_owner(void **state)
{
	uint64_t h;

	assert_int_equal(handle_alloc(&t, HANDLE_VCPU, &obj1, &owner_a, &h), 0);
	assert_ptr_equal(handle_lookup(&t, HANDLE_VCPU, h, &owner_a), &obj1);
	assert_null(handle_lookup(&t, HANDLE_VM, h, &owner_a)); /* a vCPU is not a VM */
	assert_null(handle_lookup(&t, HANDLE_VCPU, h, &owner_b)); /* not B's */
	assert_int_equal(handle_free(&t, HANDLE_VCPU, h, &owner_b), -EBADF);
	assert_int_equal(handle_count(&t, HANDLE_VCPU, &owner_a), 1);
	assert_int_equal(handle_count(&t, HANDLE_VCPU, &owner_b), 0);
}

static void test_stale_handle_after_reuse(void **state)
{
	uint64_t h1, h2;

	assert_int_equal(handle_alloc(&t, HANDLE_VCPU, &obj1, &owner_a, &h1), 0);
	assert_int_equal(handle_free(&t, HANDLE_VCPU, h1, &owner_a), 0);
	assert_null(handle_lookup(&t, HANDLE_VCPU, h1, &owner_a));
	assert_int_equal(handle_free(&t, HANDLE_VCPU, h1, &owner_a), -EBADF); /* twice */
	/* The entry is reused for the next object; the old handle still names nothing. */
	assert_int_equal(handle_alloc(&t, HANDLE_VCPU, &obj2, &owner_a, &h2), 0);
	assert_int_equal(h2 & 0xffff, h1 & 0xffff);
	assert_true(h2 != h1);
	assert_null(handle_lookup(&t, HANDLE_VCPU, h1, &owner_a));
	assert_ptr_equal(handle_lookup(&t, HANDLE_VCPU, h2, &owner_a), &obj2);
}

static void test_hostile_handles(void **state)
{
	static const uint64_t bad[] = {
		0, 1, 0xffff, 0x10000, ~0ull, 1ull << 63, (2ull << 48) | 0xffff,
		(2ull << 48) | (HANDLE_TABLE_SIZE + 1), (2ull << 48),
	};
	uint64_t h;

	assert_int_equal(handle_alloc(&t, HANDLE_VCPU, &obj1, &owner_a, &h), 0);
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_null(handle_lookup(&t, HANDLE_VCPU, bad[i], &owner_a));
		assert_int_equal(handle_free(&t, HANDLE_VCPU, bad[i], &owner_a), -EBADF);
	}
	/* Any bit flipped in a live handle makes it invalid. */
	for (unsigned int bit = 0; bit < 64; bit++)
		assert_null(handle_lookup(&t, HANDLE_VCPU, h ^ (1ull << bit), &owner_a));
	assert_ptr_equal(handle_lookup(&t, HANDLE_VCPU, h, &owner_a), &obj1);
}

/* Teardown finds every object of one owner and kind, and only those. */
static void test_find_owned(void **state)
{
	int a, b, c;
	uint64_t ha, hb, hc, h;

	assert_int_equal(handle_alloc(&t, HANDLE_VM, &a, &owner_a, &ha), 0);
	assert_int_equal(handle_alloc(&t, HANDLE_VCPU, &b, &owner_a, &hb), 0);
	assert_int_equal(handle_alloc(&t, HANDLE_VM, &c, &owner_b, &hc), 0);
	assert_int_equal(handle_find_owned(&t, HANDLE_VM, &owner_a, &h), 0);
	assert_int_equal(h, ha);
	assert_int_equal(handle_free(&t, HANDLE_VM, h, &owner_a), 0);
	assert_int_equal(handle_find_owned(&t, HANDLE_VM, &owner_a, &h), -ENOENT);
	assert_int_equal(handle_find_owned(&t, HANDLE_VCPU, &owner_a, &h), 0);
	assert_int_equal(h, hb);
	assert_int_equal(handle_find_owned(&t, HANDLE_VM, &owner_b, &h), 0);
	assert_int_equal(h, hc);
}

static void test_full_and_retired(void **state)
{
	uint64_t h[HANDLE_TABLE_SIZE], x;

	for (unsigned int i = 0; i < HANDLE_TABLE_SIZE; i++)
		assert_int_equal(handle_alloc(&t, HANDLE_VM, &obj1, &owner_a, &h[i]), 0);
	assert_int_equal(handle_alloc(&t, HANDLE_VM, &obj2, &owner_a, &x), -EMFILE);
	assert_int_equal(handle_free(&t, HANDLE_VM, h[5], &owner_a), 0);
	assert_int_equal(handle_alloc(&t, HANDLE_VM, &obj2, &owner_a, &x), 0);
	assert_int_equal(x & 0xffff, 6);

	/* An entry whose generation is spent is never handed out again. */
	assert_int_equal(handle_free(&t, HANDLE_VM, x, &owner_a), 0);
	t.e[5].gen = UINT32_MAX - 1;
	assert_int_equal(handle_alloc(&t, HANDLE_VM, &obj2, &owner_a, &x), 0);
	assert_int_equal(handle_free(&t, HANDLE_VM, x, &owner_a), 0);
	assert_int_equal(handle_alloc(&t, HANDLE_VM, &obj2, &owner_a, &x), -EMFILE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_lookup_checks_kind_and_owner, setup),
		cmocka_unit_test_setup(test_stale_handle_after_reuse, setup),
		cmocka_unit_test_setup(test_hostile_handles, setup),
		cmocka_unit_test_setup(test_find_owned, setup),
		cmocka_unit_test_setup(test_full_and_retired, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
