// SPDX-License-Identifier: MIT
/*
 * The register cache against a fake VMCS that counts accesses: a value is read from the VMCS
 * once per exit at most, written once per entry at most, and only if it changed.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx_exit.h"
#include "core/vcpu.h"

#include "fake_vmcs.h"

static struct vcpu vcpu;

static int setup(void **state)
{
	memset(&vmcs, 0, sizeof(vmcs));
	memset(&vcpu, 0, sizeof(vcpu));
	*slot(VMCS_GUEST_RIP) = 0x100000;
	*slot(VMCS_GUEST_RSP) = 0x8000;
	*slot(VMCS_GUEST_RFLAGS) = 0x202;
	*slot(VMCS_GUEST_CR0) = 0x80000031;
	*slot(VMCS_EXIT_QUALIFICATION) = 0x1234;
	vcpu_regs_exit(&vcpu);
	return 0;
}

static void test_gprs_cost_nothing(void **state)
{
	vcpu.regs[VCPU_REG_RAX] = 7;
	assert_int_equal(vcpu_gpr_read(&vcpu, VCPU_REG_RAX), 7);
	vcpu_gpr_write(&vcpu, VCPU_REG_RBX, 9);
	vcpu_regs_flush(&vcpu);
	assert_int_equal(vcpu.regs[VCPU_REG_RBX], 9);
	assert_int_equal(vmcs.reads, 0);
	assert_int_equal(vmcs.writes, 0);
	assert_int_equal(vcpu.stats.vmreads, 0);
}

static void test_rip_read_once_per_exit(void **state)
{
	assert_int_equal(vcpu_reg_read(&vcpu, VCPU_REG_RIP), 0x100000);
	assert_int_equal(vcpu_reg_read(&vcpu, VCPU_REG_RIP), 0x100000);
	assert_int_equal(vmcs.reads, 1);
	assert_int_equal(vmcs.last_read, VMCS_GUEST_RIP);
	/* The next exit forgets it: the guest has run since. */
	*slot(VMCS_GUEST_RIP) = 0x100010;
	vcpu_regs_exit(&vcpu);
	assert_int_equal(vcpu_reg_read(&vcpu, VCPU_REG_RIP), 0x100010);
	assert_int_equal(vmcs.reads, 2);
	assert_int_equal(vcpu.stats.vmreads, 2);
}

/* What a CPUID exit does: read RIP, write RIP + 2; one VMREAD and one VMWRITE. */
static void test_skip_insn_costs_one_read_one_write(void **state)
{
	vcpu_skip_insn(&vcpu, 2);
	assert_int_equal(vmcs.writes, 0);
	vcpu_regs_flush(&vcpu);
	assert_int_equal(vmcs.reads, 1);
	assert_int_equal(vmcs.writes, 1);
	assert_int_equal(*slot(VMCS_GUEST_RIP), 0x100002);
	assert_int_equal(vcpu.stats.vmwrites, 1);
	/* Nothing dirty any more: the next flush writes nothing. */
	vcpu_regs_flush(&vcpu);
	assert_int_equal(vmcs.writes, 1);
}

static void test_written_value_wins_over_vmcs(void **state)
{
	vcpu_gpr_write(&vcpu, VCPU_REG_RSP, 0x7000);
	assert_int_equal(vcpu_gpr_read(&vcpu, VCPU_REG_RSP), 0x7000);
	assert_int_equal(vmcs.reads, 0);
	assert_int_equal(*slot(VMCS_GUEST_RSP), 0x8000); /* not yet */
	vcpu_regs_flush(&vcpu);
	assert_int_equal(*slot(VMCS_GUEST_RSP), 0x7000);
	assert_int_equal(vmcs.writes, 1);
}

static void test_several_dirty_flush_once_each(void **state)
{
	vcpu_reg_write(&vcpu, VCPU_REG_RIP, 1);
	vcpu_reg_write(&vcpu, VCPU_REG_RIP, 2);
	vcpu_reg_write(&vcpu, VCPU_REG_RFLAGS, 0x2);
	vcpu_reg_write(&vcpu, VCPU_REG_CR3, 0x5000);
	vcpu_regs_flush(&vcpu);
	assert_int_equal(vmcs.writes, 3);
	assert_int_equal(*slot(VMCS_GUEST_RIP), 2);
	assert_int_equal(*slot(VMCS_GUEST_CR3), 0x5000);
	assert_int_equal(vmcs.reads, 0);
}

static void test_exit_information_is_read_only(void **state)
{
	assert_int_equal(vcpu_reg_read(&vcpu, VCPU_REG_EXIT_QUALIFICATION), 0x1234);
	expect_assert_failure(vcpu_reg_write(&vcpu, VCPU_REG_EXIT_QUALIFICATION, 0));
	expect_assert_failure(vcpu_reg_write(&vcpu, VCPU_REG_GUEST_PHYSICAL_ADDRESS, 0));
}

static void test_segment_read_once_written_back_whole(void **state)
{
	struct vcpu_segment cs, again;

	*slot(VMCS_GUEST_CS_SELECTOR) = 0x08;
	*slot(VMCS_GUEST_CS_AR) = 0xa09b;
	*slot(VMCS_GUEST_CS_LIMIT) = 0xffffffff;
	vcpu_seg_read(&vcpu, VCPU_SEG_CS, &cs);
	vcpu_seg_read(&vcpu, VCPU_SEG_CS, &again);
	assert_int_equal(vmcs.reads, 4);
	assert_int_equal(cs.selector, 0x08);
	assert_int_equal(cs.ar, 0xa09b);
	assert_memory_equal(&cs, &again, sizeof(cs));

	cs.selector = 0x10;
	vcpu_seg_write(&vcpu, VCPU_SEG_CS, &cs);
	vcpu_regs_flush(&vcpu);
	assert_int_equal(vmcs.writes, 4);
	assert_int_equal(*slot(VMCS_GUEST_CS_SELECTOR), 0x10);
	/* GDTR has no selector and no access rights: two fields. */
	vcpu_seg_write(&vcpu, VCPU_SEG_GDTR,
		       &(struct vcpu_segment){ .base = 0x1000, .limit = 0x27 });
	vcpu_regs_flush(&vcpu);
	assert_int_equal(vmcs.writes, 6);
	assert_int_equal(*slot(VMCS_GUEST_GDTR_BASE), 0x1000);
}

/* Mode and CPL need only access rights: one VMREAD, kept until the next exit, and a later
 * whole-segment read still fetches the other fields. */
static void test_segment_access_rights_alone(void **state)
{
	struct vcpu_segment ss;

	*slot(VMCS_GUEST_SS_AR) = 0x60f3; /* DPL 3 */
	*slot(VMCS_GUEST_SS_BASE) = 0x5000;
	assert_int_equal(vcpu_seg_ar(&vcpu, VCPU_SEG_SS), 0x60f3);
	assert_int_equal(vcpu_seg_ar(&vcpu, VCPU_SEG_SS), 0x60f3);
	assert_int_equal(vmcs.reads, 1);
	vcpu_seg_read(&vcpu, VCPU_SEG_SS, &ss);
	assert_int_equal(vmcs.reads, 5);
	assert_int_equal(ss.base, 0x5000);
	assert_int_equal(vcpu_seg_ar(&vcpu, VCPU_SEG_SS), 0x60f3);
	assert_int_equal(vmcs.reads, 5);

	/* After the next exit the VMCS may hold other rights. */
	*slot(VMCS_GUEST_SS_AR) = 0x4093;
	vcpu_regs_exit(&vcpu);
	assert_int_equal(vcpu_seg_ar(&vcpu, VCPU_SEG_SS), 0x4093);
	assert_int_equal(vmcs.reads, 6);
}

static void test_guest_view_of_cr0_uses_shadow_for_owned_bits(void **state)
{
	vcpu.cr0_mask = 0x80000000 | 0x60000000; /* PG, CD, NW owned by plinth */
	vcpu.cr0_shadow = 0x60000011; /* the guest believes caches are off */
	assert_int_equal(vcpu_guest_cr0(&vcpu), 0x60000031);
	assert_int_equal(vmcs.reads, 1);
}

/* EFER and the entry controls change only through plinth: once written they survive exits. */
static void test_sticky_state_survives_exits(void **state)
{
	vcpu_reg_write(&vcpu, VCPU_REG_EFER, 0xd00);
	vcpu_regs_flush(&vcpu);
	assert_int_equal(vmcs.writes, 1);
	vcpu_regs_exit(&vcpu);
	assert_int_equal(vcpu_reg_read(&vcpu, VCPU_REG_EFER), 0xd00);
	assert_int_equal(vmcs.reads, 0);
	vcpu_reg_read(&vcpu, VCPU_REG_RIP); /* others are forgotten */
	assert_int_equal(vmcs.reads, 1);
}

/* Bits plinth owns come from the shadow; any guest-owned bit needs the VMCS. */
static void test_owned_cr_bits_need_no_vmread(void **state)
{
	vcpu.cr4_mask = ~0x80ull; /* all but PGE */
	vcpu.cr4_shadow = 0x20; /* PAE */
	*slot(VMCS_GUEST_CR4) = 0x20a0;
	assert_int_equal(vcpu_guest_cr4_bits(&vcpu, 0x30), 0x20);
	assert_int_equal(vmcs.reads, 0);
	assert_int_equal(vcpu_guest_cr4_bits(&vcpu, 0xa0), 0xa0);
	assert_int_equal(vmcs.reads, 1);
}

/* CPL from a cached non-conforming CS without reading SS; otherwise from SS. */
static void test_cpl(void **state)
{
	*slot(VMCS_GUEST_SS_AR) = 0x40f3; /* DPL 3 */
	*slot(VMCS_GUEST_CS_AR) = 0xa0fb; /* 64-bit code, DPL 3 */
	assert_int_equal(vcpu_cpl(&vcpu), 3); /* CS not cached: SS */
	assert_int_equal(vmcs.last_read, VMCS_GUEST_SS_AR);
	vcpu_regs_exit(&vcpu);
	vcpu_seg_ar(&vcpu, VCPU_SEG_CS);
	assert_int_equal(vcpu_cpl(&vcpu), 3);
	assert_int_equal(vmcs.reads, 2);
	assert_int_equal(vmcs.last_read, VMCS_GUEST_CS_AR);
	/* A conforming code segment's DPL is not the CPL. */
	*slot(VMCS_GUEST_CS_AR) = 0xa09f; /* conforming, DPL 0 */
	vcpu_regs_exit(&vcpu);
	vcpu_seg_ar(&vcpu, VCPU_SEG_CS);
	assert_int_equal(vcpu_cpl(&vcpu), 3);
	assert_int_equal(vmcs.last_read, VMCS_GUEST_SS_AR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_gprs_cost_nothing, setup),
		cmocka_unit_test_setup(test_rip_read_once_per_exit, setup),
		cmocka_unit_test_setup(test_skip_insn_costs_one_read_one_write, setup),
		cmocka_unit_test_setup(test_written_value_wins_over_vmcs, setup),
		cmocka_unit_test_setup(test_several_dirty_flush_once_each, setup),
		cmocka_unit_test_setup(test_exit_information_is_read_only, setup),
		cmocka_unit_test_setup(test_segment_read_once_written_back_whole, setup),
		cmocka_unit_test_setup(test_segment_access_rights_alone, setup),
		cmocka_unit_test_setup(test_guest_view_of_cr0_uses_shadow_for_owned_bits, setup),
		cmocka_unit_test_setup(test_sticky_state_survives_exits, setup),
		cmocka_unit_test_setup(test_owned_cr_bits_need_no_vmread, setup),
		cmocka_unit_test_setup(test_cpl, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
