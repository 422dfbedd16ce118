// SPDX-License-Identifier: MIT
/* The names the console prints for VMX exits and VM-instruction errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx_names.h"

static void test_exit_reasons(void **state)
{
	assert_string_equal(vmx_exit_reason_name(EXIT_REASON_CPUID), "CPUID");
	assert_string_equal(vmx_exit_reason_name(EXIT_REASON_EPT_VIOLATION), "EPT violation");
	assert_string_equal(vmx_exit_reason_name(EXIT_REASON_INVALID_GUEST_STATE),
			    "VM-entry failure: invalid guest state");
	assert_string_equal(vmx_exit_reason_name(EXIT_REASON_XRSTORS), "XRSTORS");
	/* Gaps and anything a future CPU or a corrupt field reports are "unknown", never NULL. */
	assert_string_equal(vmx_exit_reason_name(35), "unknown");
	assert_string_equal(vmx_exit_reason_name(EXIT_REASON_MAX), "unknown");
	assert_string_equal(vmx_exit_reason_name(0xffffffffu), "unknown");
	for (uint32_t r = 0; r < 200; r++)
		assert_non_null(vmx_exit_reason_name(r));
}

static void test_instruction_errors(void **state)
{
	assert_string_equal(vmx_instruction_error_name(7),
			    "VM entry with invalid control field(s)");
	assert_string_equal(vmx_instruction_error_name(8),
			    "VM entry with invalid host-state field(s)");
	assert_string_equal(vmx_instruction_error_name(0), "unknown VM-instruction error");
	assert_string_equal(vmx_instruction_error_name(14), "unknown VM-instruction error");
	assert_string_equal(vmx_instruction_error_name(1000), "unknown VM-instruction error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_reasons),
		cmocka_unit_test(test_instruction_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
