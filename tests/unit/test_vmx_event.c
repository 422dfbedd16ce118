// SPDX-License-Identifier: MIT
/*
 * Event injection against a fake VMCS: the VM-entry interruption fields a guest's exception
 * produces, the double-fault and triple-fault merges of SDM table 6-5, re-delivery of an event
 * whose delivery an exit interrupted, and real mode's missing error code.
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

#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_controls.h"
#include "arch/x86/vmx/vmx_exit.h"
#include "core/vm.h"
#include "fake_vmcs.h"

static struct vm vm;
static struct vcpu vcpu;
static char stop_reason[256];

void vm_stop(struct vm *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(stop_reason, sizeof(stop_reason), fmt, ap);
	va_end(ap);
	v->stop_requested = true;
}

static int setup(void **state)
{
	memset(&vmcs, 0, sizeof(vmcs));
	memset(&vm, 0, sizeof(vm));
	memset(&vcpu, 0, sizeof(vcpu));
	memset(stop_reason, 0, sizeof(stop_reason));
	vcpu.vm = &vm;
	*slot(VMCS_GUEST_CR0) = X86_CR0_PE | X86_CR0_NE;
	vcpu_regs_exit(&vcpu);
	return 0;
}

static uint32_t entry_info(void)
{
	return (uint32_t)*slot(VMCS_ENTRY_INTR_INFO);
}

static void test_gp_with_error_code(void **state)
{
	vcpu_inject_gp(&vcpu, 0x28);
	assert_int_equal(vmcs.writes, 0); /* only at the next entry */
	vcpu_event_flush(&vcpu);
	assert_int_equal(entry_info(), INTR_INFO_VALID | INTR_INFO_ERROR_CODE |
					       (INTR_TYPE_HW_EXCEPTION << INTR_INFO_TYPE_SHIFT) |
					       13);
	assert_int_equal(*slot(VMCS_ENTRY_EXCEPTION_ERROR_CODE), 0x28);
	assert_false(vcpu.event.pending);
	/* Flushed once: nothing is written again at the entry after. */
	unsigned int writes = vmcs.writes;
	vcpu_event_flush(&vcpu);
	assert_int_equal(vmcs.writes, writes);
}

static void test_ud_has_no_error_code(void **state)
{
	vcpu_inject_ud(&vcpu);
	vcpu_event_flush(&vcpu);
	assert_int_equal(entry_info(),
			 INTR_INFO_VALID | (INTR_TYPE_HW_EXCEPTION << INTR_INFO_TYPE_SHIFT) | 6);
	assert_int_equal(vmcs.writes, 1);
}

static void test_real_mode_drops_the_error_code(void **state)
{
	*slot(VMCS_GUEST_CR0) = X86_CR0_NE; /* unrestricted guest in real mode */
	vcpu_inject_gp(&vcpu, 0);
	vcpu_event_flush(&vcpu);
	assert_int_equal(entry_info() & INTR_INFO_ERROR_CODE, 0);
	assert_int_equal(entry_info() & 0xff, 13);
}

static void test_contributory_on_contributory_is_double_fault(void **state)
{
	vcpu_inject_exception(&vcpu, 11, true, 0x10); /* #NP being delivered */
	vcpu_inject_gp(&vcpu, 0);
	vcpu_event_flush(&vcpu);
	assert_int_equal(entry_info() & 0xff, 8);
	assert_true(entry_info() & INTR_INFO_ERROR_CODE);
	assert_int_equal(*slot(VMCS_ENTRY_EXCEPTION_ERROR_CODE), 0);
}

static void test_page_fault_on_page_fault_is_double_fault(void **state)
{
	vcpu_inject_exception(&vcpu, 14, true, 2);
	vcpu_inject_exception(&vcpu, 14, true, 0);
	assert_int_equal(vcpu.event.vector, 8);
}

static void test_benign_then_fault_delivers_the_fault(void **state)
{
	vcpu_inject_ud(&vcpu);
	vcpu_inject_gp(&vcpu, 0);
	assert_int_equal(vcpu.event.vector, 13);
	/* ...and a contributory fault then a page fault is handled serially too. */
	vcpu.event.pending = false;
	vcpu_inject_gp(&vcpu, 0);
	vcpu_inject_exception(&vcpu, 14, true, 0);
	assert_int_equal(vcpu.event.vector, 14);
}

static void test_fault_on_double_fault_stops_the_guest(void **state)
{
	vcpu_inject_exception(&vcpu, 8, true, 0);
	vcpu_inject_gp(&vcpu, 0);
	assert_true(vm.stop_requested);
	assert_non_null(strstr(stop_reason, "triple fault"));
	assert_false(vcpu.event.pending);
}

/* An exit during delivery of INT 0x80 (a software interrupt): delivered again with its
 * instruction length, so the guest returns after the INT. */
static void test_vectoring_event_is_requeued(void **state)
{
	uint32_t info = INTR_INFO_VALID | (INTR_TYPE_SW_INTERRUPT << INTR_INFO_TYPE_SHIFT) | 0x80;

	*slot(VMCS_EXIT_INSTRUCTION_LEN) = 2;
	vcpu_requeue_vectoring_event(&vcpu, info);
	vcpu_event_flush(&vcpu);
	assert_int_equal(entry_info(), info);
	assert_int_equal(*slot(VMCS_ENTRY_INSTRUCTION_LEN), 2);
}

/* A #PF whose delivery hit a #GP (say, a bad IDT entry): requeued, then merged into #DF. */
static void test_requeued_page_fault_then_gp_is_double_fault(void **state)
{
	uint32_t info = INTR_INFO_VALID | INTR_INFO_ERROR_CODE |
			(INTR_TYPE_HW_EXCEPTION << INTR_INFO_TYPE_SHIFT) | 14;

	*slot(VMCS_IDT_VECTORING_ERROR_CODE) = 6;
	vcpu_requeue_vectoring_event(&vcpu, info);
	assert_int_equal(vcpu.event.error_code, 6);
	vcpu_inject_gp(&vcpu, 0);
	assert_int_equal(vcpu.event.vector, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_gp_with_error_code, setup),
		cmocka_unit_test_setup(test_ud_has_no_error_code, setup),
		cmocka_unit_test_setup(test_real_mode_drops_the_error_code, setup),
		cmocka_unit_test_setup(test_contributory_on_contributory_is_double_fault, setup),
		cmocka_unit_test_setup(test_page_fault_on_page_fault_is_double_fault, setup),
		cmocka_unit_test_setup(test_benign_then_fault_delivers_the_fault, setup),
		cmocka_unit_test_setup(test_fault_on_double_fault_stops_the_guest, setup),
		cmocka_unit_test_setup(test_vectoring_event_is_requeued, setup),
		cmocka_unit_test_setup(test_requeued_page_fault_then_gp_is_double_fault, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
