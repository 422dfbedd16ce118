// SPDX-License-Identifier: MIT
/* What the core keeps of the loader's module list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "boot/boot.h"

static int reported;

static bool below_256m(uint64_t hpa, uint64_t len)
{
	return hpa + len >= hpa && hpa + len <= (256ull << 20);
}

static void count(const struct boot_module *m)
{
	reported++;
}

static void test_modules_outside_memory_are_dropped(void **state)
{
	struct boot_info bi;

	memset(&bi, 0, sizeof(bi));
	bi.nmodules = 4;
	bi.modules[0] = (struct boot_module){ 0x100000, 4096, "plinth.cfg" };
	bi.modules[1] = (struct boot_module){ 0xfffffffffffff000ull, 0x2000, "wraps.bin" };
	bi.modules[2] = (struct boot_module){ 0x200000, 4096, "hello.bin" };
	bi.modules[3] = (struct boot_module){ 0x40000000, 4096, "beyond.bin" };
	reported = 0;
	assert_int_equal(boot_drop_unmapped_modules(&bi, below_256m, count), 2);
	assert_int_equal(reported, 2);
	assert_int_equal(bi.nmodules, 2);
	assert_string_equal(bi.modules[0].name, "plinth.cfg");
	assert_string_equal(bi.modules[1].name, "hello.bin");
	assert_ptr_equal(boot_find_module(&bi, "hello.bin"), &bi.modules[1]);
	assert_null(boot_find_module(&bi, "beyond.bin"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modules_outside_memory_are_dropped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
