// SPDX-License-Identifier: MIT
/* The hypercall ABI's shared structures (guest/include/plinth/kvm.h) against <linux/kvm.h>: every
 * size, offset and constant that has a Linux counterpart must be the same. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/kvm.h>

#include "guest/include/plinth/kvm.h"

#define FIELD_SIZE(type, field) sizeof(((type *)0)->field)

/* The same offset and size for one field of ours and Linux's. */
#define SAME(ours, theirs, field)                                                     \
	do {                                                                          \
		assert_int_equal(offsetof(ours, field), offsetof(theirs, field));     \
		assert_int_equal(FIELD_SIZE(ours, field), FIELD_SIZE(theirs, field)); \
	} while (0)

#define SAME_SIZE(ours, theirs) assert_int_equal(sizeof(ours), sizeof(theirs))

#define REGS(field)   SAME(struct plinth_kvm_regs, struct kvm_regs, field)
#define SEG(field)    SAME(struct plinth_kvm_segment, struct kvm_segment, field)
#define DT(field)     SAME(struct plinth_kvm_dtable, struct kvm_dtable, field)
#define SREGS(field)  SAME(struct plinth_kvm_sregs, struct kvm_sregs, field)
#define EVENTS(field) SAME(struct plinth_kvm_vcpu_events, struct kvm_vcpu_events, field)
#define RUN(field)    SAME(struct plinth_kvm_run, struct kvm_run, field)

static void test_regs(void **state)
{
	SAME_SIZE(struct plinth_kvm_regs, struct kvm_regs);
	REGS(rax);
	REGS(rbx);
	REGS(rcx);
	REGS(rdx);
	REGS(rsi);
	REGS(rdi);
	REGS(rsp);
	REGS(rbp);
	REGS(r8);
	REGS(r9);
	REGS(r10);
	REGS(r11);
	REGS(r12);
	REGS(r13);
	REGS(r14);
	REGS(r15);
	REGS(rip);
	REGS(rflags);
}

static void test_sregs(void **state)
{
	SAME_SIZE(struct plinth_kvm_segment, struct kvm_segment);
	SEG(base);
	SEG(limit);
	SEG(selector);
	SEG(type);
	SEG(present);
	SEG(dpl);
	SEG(db);
	SEG(s);
	SEG(l);
	SEG(g);
	SEG(avl);
	SEG(unusable);
	SEG(padding);

	SAME_SIZE(struct plinth_kvm_dtable, struct kvm_dtable);
	DT(base);
	DT(limit);
	DT(padding);

	SAME_SIZE(struct plinth_kvm_sregs, struct kvm_sregs);
	SREGS(cs);
	SREGS(ds);
	SREGS(es);
	SREGS(fs);
	SREGS(gs);
	SREGS(ss);
	SREGS(tr);
	SREGS(ldt);
	SREGS(gdt);
	SREGS(idt);
	SREGS(cr0);
	SREGS(cr2);
	SREGS(cr3);
	SREGS(cr4);
	SREGS(cr8);
	SREGS(efer);
	SREGS(apic_base);
	SREGS(interrupt_bitmap);
	assert_int_equal(PLINTH_KVM_NR_INTERRUPTS, KVM_NR_INTERRUPTS);
}

static void test_vcpu_events(void **state)
{
	SAME_SIZE(struct plinth_kvm_vcpu_events, struct kvm_vcpu_events);
	EVENTS(exception);
	EVENTS(exception.injected);
	EVENTS(exception.nr);
	EVENTS(exception.has_error_code);
	EVENTS(exception.pending);
	EVENTS(exception.error_code);
	EVENTS(interrupt);
	EVENTS(interrupt.injected);
	EVENTS(interrupt.nr);
	EVENTS(interrupt.soft);
	EVENTS(interrupt.shadow);
	EVENTS(nmi);
	EVENTS(nmi.injected);
	EVENTS(nmi.pending);
	EVENTS(nmi.masked);
	EVENTS(nmi.pad);
	EVENTS(sipi_vector);
	EVENTS(flags);
	EVENTS(smi);
	EVENTS(smi.smm);
	EVENTS(smi.pending);
	EVENTS(smi.smm_inside_nmi);
	EVENTS(smi.latched_init);
	EVENTS(triple_fault);
	EVENTS(triple_fault.pending);
	EVENTS(reserved);
	EVENTS(exception_has_payload);
	EVENTS(exception_payload);
}

static void test_sync_regs(void **state)
{
	SAME_SIZE(struct plinth_kvm_sync_regs, struct kvm_sync_regs);
	SAME(struct plinth_kvm_sync_regs, struct kvm_sync_regs, regs);
	SAME(struct plinth_kvm_sync_regs, struct kvm_sync_regs, sregs);
	SAME(struct plinth_kvm_sync_regs, struct kvm_sync_regs, events);
	assert_int_equal(PLINTH_KVM_SYNC_X86_REGS, KVM_SYNC_X86_REGS);
	assert_int_equal(PLINTH_KVM_SYNC_X86_SREGS, KVM_SYNC_X86_SREGS);
	assert_int_equal(PLINTH_KVM_SYNC_X86_EVENTS, KVM_SYNC_X86_EVENTS);
	assert_int_equal(PLINTH_KVM_SYNC_X86_VALID_FIELDS, KVM_SYNC_X86_VALID_FIELDS);
	SAME_SIZE(struct plinth_kvm_reg_list, struct kvm_reg_list);
	assert_int_equal(offsetof(struct plinth_kvm_reg_list, reg),
			 offsetof(struct kvm_reg_list, reg)); /* a flexible array: no size */
	assert_int_equal(PLINTH_KVM_INTERNAL_ERROR_EMULATION, KVM_INTERNAL_ERROR_EMULATION);
	assert_int_equal(PLINTH_KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON,
			 KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON);
}

static void test_run_header(void **state)
{
	SAME_SIZE(struct plinth_kvm_run, struct kvm_run);
	RUN(request_interrupt_window);
	RUN(immediate_exit);
	RUN(padding1);
	RUN(exit_reason);
	RUN(ready_for_interrupt_injection);
	RUN(if_flag);
	RUN(flags);
	RUN(cr8);
	RUN(apic_base);
	RUN(padding);
	RUN(kvm_valid_regs);
	RUN(kvm_dirty_regs);
	RUN(s);
	RUN(s.regs);
	RUN(s.padding);
	assert_int_equal(PLINTH_KVM_SYNC_REGS_SIZE_BYTES, SYNC_REGS_SIZE_BYTES);
}

static void test_run_exits(void **state)
{
	RUN(hw);
	RUN(hw.hardware_exit_reason);

	RUN(fail_entry);
	RUN(fail_entry.hardware_entry_failure_reason);
	RUN(fail_entry.cpu);

	RUN(ex);
	RUN(ex.exception);
	RUN(ex.error_code);

	RUN(io);
	RUN(io.direction);
	RUN(io.size);
	RUN(io.port);
	RUN(io.count);
	RUN(io.data_offset);

	RUN(debug);
	RUN(debug.arch);
	RUN(debug.arch.exception);
	RUN(debug.arch.pad);
	RUN(debug.arch.pc);
	RUN(debug.arch.dr6);
	RUN(debug.arch.dr7);
	SAME_SIZE(struct plinth_kvm_debug_exit_arch, struct kvm_debug_exit_arch);

	RUN(mmio);
	RUN(mmio.phys_addr);
	RUN(mmio.data);
	RUN(mmio.len);
	RUN(mmio.is_write);

	RUN(hypercall);
	RUN(hypercall.nr);
	RUN(hypercall.args);
	RUN(hypercall.ret);
	RUN(hypercall.longmode);
	RUN(hypercall.pad);
	/* Newer Linux names the longmode word's 64 bits flags; it must cover longmode and pad. */
	assert_int_equal(offsetof(struct plinth_kvm_run, hypercall.flags),
			 offsetof(struct kvm_run, hypercall.longmode));
	assert_int_equal(FIELD_SIZE(struct plinth_kvm_run, hypercall.flags),
			 FIELD_SIZE(struct kvm_run, hypercall.longmode) +
				 FIELD_SIZE(struct kvm_run, hypercall.pad));

	RUN(internal);
	RUN(internal.suberror);
	RUN(internal.ndata);
	RUN(internal.data);

	RUN(system_event);
	RUN(system_event.type);
	RUN(system_event.ndata);
	RUN(system_event.flags);
	RUN(system_event.data);
}

static void test_run_constants(void **state)
{
	assert_int_equal(PLINTH_KVM_EXIT_UNKNOWN, KVM_EXIT_UNKNOWN);
	assert_int_equal(PLINTH_KVM_EXIT_EXCEPTION, KVM_EXIT_EXCEPTION);
	assert_int_equal(PLINTH_KVM_EXIT_IO, KVM_EXIT_IO);
	assert_int_equal(PLINTH_KVM_EXIT_HYPERCALL, KVM_EXIT_HYPERCALL);
	assert_int_equal(PLINTH_KVM_EXIT_DEBUG, KVM_EXIT_DEBUG);
	assert_int_equal(PLINTH_KVM_EXIT_HLT, KVM_EXIT_HLT);
	assert_int_equal(PLINTH_KVM_EXIT_MMIO, KVM_EXIT_MMIO);
	assert_int_equal(PLINTH_KVM_EXIT_IRQ_WINDOW_OPEN, KVM_EXIT_IRQ_WINDOW_OPEN);
	assert_int_equal(PLINTH_KVM_EXIT_SHUTDOWN, KVM_EXIT_SHUTDOWN);
	assert_int_equal(PLINTH_KVM_EXIT_FAIL_ENTRY, KVM_EXIT_FAIL_ENTRY);
	assert_int_equal(PLINTH_KVM_EXIT_INTR, KVM_EXIT_INTR);
	assert_int_equal(PLINTH_KVM_EXIT_INTERNAL_ERROR, KVM_EXIT_INTERNAL_ERROR);
	assert_int_equal(PLINTH_KVM_EXIT_SYSTEM_EVENT, KVM_EXIT_SYSTEM_EVENT);

	assert_int_equal(PLINTH_KVM_EXIT_IO_IN, KVM_EXIT_IO_IN);
	assert_int_equal(PLINTH_KVM_EXIT_IO_OUT, KVM_EXIT_IO_OUT);

	assert_int_equal(PLINTH_KVM_SYSTEM_EVENT_SHUTDOWN, KVM_SYSTEM_EVENT_SHUTDOWN);
	assert_int_equal(PLINTH_KVM_SYSTEM_EVENT_RESET, KVM_SYSTEM_EVENT_RESET);
	assert_int_equal(PLINTH_KVM_SYSTEM_EVENT_CRASH, KVM_SYSTEM_EVENT_CRASH);

	assert_int_equal(PLINTH_KVM_INTERNAL_ERROR_EMULATION, KVM_INTERNAL_ERROR_EMULATION);
}

static void test_one_reg(void **state)
{
	assert_int_equal(PLINTH_KVM_REG_X86, KVM_REG_X86);
	assert_int_equal(PLINTH_KVM_REG_SIZE_SHIFT, KVM_REG_SIZE_SHIFT);
	assert_int_equal(PLINTH_KVM_REG_SIZE_MASK, KVM_REG_SIZE_MASK);
	assert_int_equal(PLINTH_KVM_REG_SIZE_U8, KVM_REG_SIZE_U8);
	assert_int_equal(PLINTH_KVM_REG_SIZE_U16, KVM_REG_SIZE_U16);
	assert_int_equal(PLINTH_KVM_REG_SIZE_U32, KVM_REG_SIZE_U32);
	assert_int_equal(PLINTH_KVM_REG_SIZE_U64, KVM_REG_SIZE_U64);
	assert_int_equal(PLINTH_KVM_REG_SIZE_U128, KVM_REG_SIZE_U128);
	assert_int_equal(PLINTH_KVM_REG_SIZE_U256, KVM_REG_SIZE_U256);
	/* The architecture field is the one Linux masks with KVM_REG_ARCH_MASK. */
	assert_int_equal(PLINTH_KVM_REG_MSR(0x10) & KVM_REG_ARCH_MASK, KVM_REG_X86);

	/* plinth's own ids: size, type and index land where docs and header say. */
	assert_int_equal(PLINTH_KVM_REG_MSR(0xc0000080u), 0x20300002c0000080ull);
	assert_int_equal(PLINTH_KVM_REG_GPR(PLINTH_KVM_GPR_RBX), 0x2030000100000003ull);
	assert_int_equal(PLINTH_KVM_REG_RIP, 0x2030000100000010ull);
	assert_int_equal(PLINTH_KVM_REG_RFLAGS, 0x2030000100000011ull);
	assert_int_equal(PLINTH_KVM_REG_CR(4), 0x2030000300000004ull);
	assert_int_equal(PLINTH_KVM_REG_EFER, 0x2030000300000100ull);
	assert_int_equal(PLINTH_KVM_REG_SEG(PLINTH_KVM_SEG_TR), 0x2050000400000007ull);
	assert_int_equal(PLINTH_KVM_REG_IDTR, 0x2050000400000009ull);

	assert_int_equal(PLINTH_KVM_REG_SIZE(PLINTH_KVM_REG_SIZE_U8), 1);
	assert_int_equal(PLINTH_KVM_REG_SIZE(PLINTH_KVM_REG_SIZE_U32), 4);
	assert_int_equal(PLINTH_KVM_REG_SIZE(PLINTH_KVM_REG_RIP), 8);
	assert_int_equal(PLINTH_KVM_REG_SIZE(PLINTH_KVM_REG_SIZE_U128), 16);
	assert_int_equal(PLINTH_KVM_REG_SIZE(PLINTH_KVM_REG_GDTR), 32);
	assert_int_equal(PLINTH_KVM_REG_SIZE(PLINTH_KVM_REG_SEG(PLINTH_KVM_SEG_CS)),
			 sizeof(union plinth_kvm_one_reg_seg));
	assert_true(sizeof(struct kvm_segment) <= sizeof(union plinth_kvm_one_reg_seg));

	assert_int_equal(PLINTH_KVM_X86_REG_TYPE(PLINTH_KVM_REG_MSR(0x1b)),
			 PLINTH_KVM_X86_REG_TYPE_MSR);
	assert_int_equal(PLINTH_KVM_X86_REG_INDEX(PLINTH_KVM_REG_MSR(0xc0000100u)), 0xc0000100u);
	assert_int_equal(PLINTH_KVM_X86_REG_TYPE(PLINTH_KVM_REG_SEG(PLINTH_KVM_SEG_GDTR)),
			 PLINTH_KVM_X86_REG_TYPE_SEG);
	assert_int_equal(PLINTH_KVM_X86_REG_INDEX(PLINTH_KVM_REG_SEG(PLINTH_KVM_SEG_GDTR)), 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regs),	      cmocka_unit_test(test_sregs),
		cmocka_unit_test(test_vcpu_events),   cmocka_unit_test(test_sync_regs),
		cmocka_unit_test(test_run_header),    cmocka_unit_test(test_run_exits),
		cmocka_unit_test(test_run_constants), cmocka_unit_test(test_one_reg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
