// SPDX-License-Identifier: MIT
/* What plinth decides from the VT-x capability values, and what it tells the user. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/vmx/vmx_caps.h"

/* Bochs corei7_skylake_x, as measured (shared/RUNNING-VMX-HERE.md). */
static struct vmx_raw_caps skylake(void)
{
	struct vmx_raw_caps r;

	memset(&r, 0, sizeof(r));
	strcpy(r.vendor, "GenuineIntel");
	strcpy(r.brand, "Intel(R) Core(TM) i7-7800X CPU @ 3.50GHz");
	r.family = 6;
	r.model = 0x55;
	r.cpuid1_ecx = 1u << 5;
	r.feature_control_valid = true;
	r.feature_control = 5;
	r.basic_valid = true;
	r.basic = (1ull << 55) | (6ull << 50) | (4096ull << 32) | 0x2b;
	r.true_valid = true;
	r.pinbased = r.true_pinbased = (0x7full << 32) | 0x16;
	r.procbased = r.true_procbased = (0xfff9fffeull << 32) | 0x0401e172;
	r.misc = 0;
	r.procbased2_valid = true;
	r.procbased2 = 0x02177fffull << 32;
	r.ept_vpid_valid = true;
	r.ept_vpid = 0x00000f0106334141ull;
	return r;
}

static void test_skylake_is_ok(void **state)
{
	struct vmx_raw_caps r = skylake();
	struct vmx_caps c;

	assert_int_equal(vmx_caps_decode(&r, &c), VMX_OK);
	assert_true(c.ept && c.ept_4level && c.ept_wb && c.ept_2m && c.ept_1g && c.invept);
	assert_true(c.unrestricted && c.vpid && c.preemption_timer && c.true_ctls);
	assert_int_equal(c.revision_id, 0x2b);
	assert_int_equal(c.vmcs_bytes, 4096);
}

static void test_amd_is_refused_with_a_sentence(void **state)
{
	struct vmx_raw_caps r;
	struct vmx_caps c;
	char s[256];

	memset(&r, 0, sizeof(r));
	strcpy(r.vendor, "AuthenticAMD");
	assert_int_equal(vmx_caps_decode(&r, &c), VMX_NOT_INTEL);
	vmx_verdict_sentence(VMX_NOT_INTEL, &r, s, sizeof(s));
	assert_string_equal(s,
			    "VT-x not available: this CPU is AuthenticAMD, not Intel; plinth needs "
			    "Intel VT-x (AMD SVM is not supported yet).");
}

static void test_intel_without_vmx(void **state)
{
	struct vmx_raw_caps r = skylake();
	struct vmx_caps c;
	char s[256];

	r.cpuid1_ecx = 0;
	assert_int_equal(vmx_caps_decode(&r, &c), VMX_NO_VMX);
	vmx_verdict_sentence(VMX_NO_VMX, &r, s, sizeof(s));
	assert_non_null(strstr(s, "VT-x not available"));
	assert_non_null(strstr(s, "nested virtualization"));
}

static void test_locked_off_means_firmware_disabled(void **state)
{
	struct vmx_raw_caps r = skylake();
	struct vmx_caps c;
	char s[256];

	r.feature_control = 1; /* locked, VMX outside SMX off */
	assert_int_equal(vmx_caps_decode(&r, &c), VMX_DISABLED_BY_FIRMWARE);
	vmx_verdict_sentence(VMX_DISABLED_BY_FIRMWARE, &r, s, sizeof(s));
	assert_non_null(strstr(s, "firmware setup"));
	/* Unlocked (OVMF) is fine: plinth sets and locks it itself. */
	r.feature_control = 0;
	assert_int_equal(vmx_caps_decode(&r, &c), VMX_OK);
	assert_false(c.locked);
}

static void test_penryn_has_no_ept(void **state)
{
	struct vmx_raw_caps r = skylake();
	struct vmx_caps c;
	char s[256];

	/* Core 2: no secondary controls at all, so the EPT MSRs must not even be consulted. */
	r.procbased = r.true_procbased = 0x7ff9fffeull << 32;
	r.procbased2_valid = false;
	r.ept_vpid_valid = false;
	assert_int_equal(vmx_caps_decode(&r, &c), VMX_NO_SECONDARY_CONTROLS);
	assert_false(c.ept);
	vmx_verdict_sentence(VMX_NO_SECONDARY_CONTROLS, &r, s, sizeof(s));
	assert_true(strncmp(s, "EPT not supported:", 18) == 0);
}

static void test_no_unrestricted_guest(void **state)
{
	struct vmx_raw_caps r = skylake();
	struct vmx_caps c;

	r.procbased2 &= ~(1ull << (32 + 7));
	assert_int_equal(vmx_caps_decode(&r, &c), VMX_NO_UNRESTRICTED_GUEST);
}

static void test_ept_without_wb_is_refused(void **state)
{
	struct vmx_raw_caps r = skylake();
	struct vmx_caps c;

	r.ept_vpid &= ~(1ull << 14);
	assert_int_equal(vmx_caps_decode(&r, &c), VMX_NO_EPT_4LEVEL_WB);
}

static void test_true_controls_are_preferred(void **state)
{
	struct vmx_raw_caps r = skylake();
	struct vmx_caps c;

	/* The legacy MSR says no secondary controls, the TRUE one says yes: TRUE wins. */
	r.procbased = 0x7ff9fffeull << 32;
	assert_int_equal(vmx_caps_decode(&r, &c), VMX_OK);
	r.true_valid = false;
	assert_int_equal(vmx_caps_decode(&r, &c), VMX_NO_SECONDARY_CONTROLS);
}

struct lines {
	char text[8][200];
	int n;
};

static void collect(void *ctx, const char *text)
{
	struct lines *l = ctx;

	assert_true(l->n < 8);
	strncpy(l->text[l->n++], text, 199);
}

static void test_report_block(void **state)
{
	struct vmx_raw_caps r = skylake();
	struct vmx_caps c;
	struct lines l = { .n = 0 };

	vmx_caps_decode(&r, &c);
	vmx_caps_report(&r, &c, collect, &l);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.text[0], "cpu: GenuineIntel family 0x6 model 0x55 stepping 0: "
				       "Intel(R) Core(TM) i7-7800X CPU @ 3.50GHz");
	assert_string_equal(l.text[1],
			    "  VMX yes, feature control locked with VMX on, VMCS revision "
			    "0x2b (4096 bytes), TRUE controls");
	assert_string_equal(l.text[2],
			    "  EPT yes (4-level yes, WB yes, 2M pages yes, 1G pages yes, "
			    "A/D yes)");
	assert_string_equal(l.text[3],
			    "  unrestricted guest yes, VPID yes, VMX preemption timer yes "
			    "(TSC/1)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_skylake_is_ok),
		cmocka_unit_test(test_amd_is_refused_with_a_sentence),
		cmocka_unit_test(test_intel_without_vmx),
		cmocka_unit_test(test_locked_off_means_firmware_disabled),
		cmocka_unit_test(test_penryn_has_no_ept),
		cmocka_unit_test(test_no_unrestricted_guest),
		cmocka_unit_test(test_ept_without_wb_is_refused),
		cmocka_unit_test(test_true_controls_are_preferred),
		cmocka_unit_test(test_report_block),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
