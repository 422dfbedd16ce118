// SPDX-License-Identifier: MIT
/*
 * KVM_GET/SET_REGS, _SREGS, _VCPU_EVENTS and ONE_REG against a fake VMCS: values land in the
 * right registers and come back unchanged, every refused input returns -EINVAL and leaves the
 * VMCS, the register cache and the deferred registers as they were, and ONE_REG ids of the wrong
 * size or unknown to plinth are told apart. A state in PAE paging, set or reached by an emulated
 * MOV to CR0/CR4, gets the PDPTEs of the guest's RAM in the VMCS, or is refused.
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

#include <asm/kvm.h>

#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vcpu_state.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_controls.h"
#include "arch/x86/vmx/vmx_exit.h"
#include "core/errno.h"
#include "core/guest_mem.h"
#include "core/vm.h"
#include "fake_vmcs.h"
#include "tests/unit/guest_mem_host.h"

/* Our names for KVM's constants must have KVM's values. */
_Static_assert(PLINTH_KVM_VCPUEVENT_VALID_NMI_PENDING == KVM_VCPUEVENT_VALID_NMI_PENDING, "");
_Static_assert(PLINTH_KVM_VCPUEVENT_VALID_SIPI_VECTOR == KVM_VCPUEVENT_VALID_SIPI_VECTOR, "");
_Static_assert(PLINTH_KVM_VCPUEVENT_VALID_SHADOW == KVM_VCPUEVENT_VALID_SHADOW, "");
_Static_assert(PLINTH_KVM_X86_SHADOW_INT_MOV_SS == KVM_X86_SHADOW_INT_MOV_SS, "");
_Static_assert(PLINTH_KVM_X86_SHADOW_INT_STI == KVM_X86_SHADOW_INT_STI, "");

#define ALL_CLASSES \
	(PLINTH_KVM_SYNC_X86_REGS | PLINTH_KVM_SYNC_X86_SREGS | PLINTH_KVM_SYNC_X86_EVENTS)
#define REGS_ONLY PLINTH_KVM_SYNC_X86_REGS /* the run-area path: GPRs, RIP, RFLAGS changed */

#define RFLAGS_IF	BIT(9)
#define RFLAGS_VM	BIT(17)
#define CR4_VME		BIT(0)
#define CR4_PSE		BIT(4)
#define CR4_SMEP	BIT(20)
#define CR0_64		(X86_CR0_PG | X86_CR0_WP | X86_CR0_NE | X86_CR0_ET | X86_CR0_MP | X86_CR0_PE)
#define CR4_64		(X86_CR4_PAE | X86_CR4_PGE | X86_CR4_OSFXSR)
#define EFER_64		(X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE)
#define ENTRY_BASE	0x11ffu
#define MAXPHYADDR	39
#define NR_REG_IDS	45
#define NONCANONICAL_48 0x0000800000000000ull
#define HIGH_HALF	0xffff800000001000ull
#define CANONICAL_57	0x00ff800000000000ull /* canonical with 57 bits, not with 48 */

#define MSR_SYSENTER_CS	 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_STAR	 0xc0000081
#define MSR_LSTAR	 0xc0000082
#define MSR_CSTAR	 0xc0000083
#define MSR_SFMASK	 0xc0000084
#define MSR_TSC_AUX	 0xc0000103

struct vmx_host vmx_host;
static struct vm vm;
static struct vcpu vcpu;
static uint32_t cpuid_1[4], cpuid_7[4];
static uint64_t sysreg[VCPU_NR_SYSREGS];
static unsigned int sysreg_reads, sysreg_writes;
/* An exception a test expects (the CR-access exit's #GP): its vector, -1 for none yet. */
static bool exception_expected;
static int exception_vector = -1;

/* What vmx_cr.c calls besides the register cache. */
void cpuid_policy_lookup(const struct cpuid_policy *p, uint32_t leaf, uint32_t subleaf,
			 const struct cpuid_vcpu_state *st, uint32_t out[4])
{
	memcpy(out,
	       leaf == 7 ? cpuid_7 :
	       leaf == 1 ? cpuid_1 :
			   (uint32_t[4]){ 0 },
	       4 * sizeof(uint32_t));
}

void vm_stop(struct vm *v, const char *fmt, ...)
{
	v->stop_requested = true;
}

void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error_code, uint32_t error_code)
{
	if (!exception_expected)
		fail_msg("unexpected exception %u", vector);
	exception_vector = vector;
}

uint64_t vcpu_read_sysreg(struct vcpu *v, enum vcpu_sysreg reg)
{
	assert_true((unsigned int)reg < VCPU_NR_SYSREGS);
	sysreg_reads++;
	return sysreg[reg];
}

void vcpu_write_sysreg(struct vcpu *v, enum vcpu_sysreg reg, uint64_t value)
{
	assert_true((unsigned int)reg < VCPU_NR_SYSREGS);
	sysreg_writes++;
	sysreg[reg] = value;
}

static void seg(enum vcpu_seg s, uint16_t sel, uint64_t base, uint32_t limit, uint32_t ar)
{
	vcpu_seg_write(&vcpu, s, &(struct vcpu_segment){ sel, base, limit, ar });
}

/* A 64-bit kernel's state, written through the cache into the fake VMCS, then an exit. */
static int setup(void **state)
{
	memset(&vmcs, 0, sizeof(vmcs));
	memset(&vm, 0, sizeof(vm));
	memset(&vcpu, 0, sizeof(vcpu));
	memset(sysreg, 0, sizeof(sysreg));
	sysreg_reads = sysreg_writes = 0;
	exception_expected = false;
	exception_vector = -1;
	vmx_host.raw.cr0_fixed0 = 0x80000021;
	vmx_host.raw.cr0_fixed1 = 0xffffffff;
	vmx_host.raw.cr4_fixed0 = X86_CR4_VMXE;
	vmx_host.raw.cr4_fixed1 = 0x3727ff;
	/* MCE, PCID, XSAVE; FSGSBASE, SMEP, SMAP, UMIP; no LA57. */
	memcpy(cpuid_1, (uint32_t[4]){ 0, 0, BIT(17) | BIT(26), BIT(7) }, sizeof(cpuid_1));
	memcpy(cpuid_7, (uint32_t[4]){ 0, BIT(0) | BIT(7) | BIT(20), BIT(2), 0 }, sizeof(cpuid_7));
	vm.maxphyaddr = MAXPHYADDR;
	vm.cr4_allowed = cr4_allowed_by_cpuid(&vm.cpuid);
	vcpu.vm = &vm;
	vcpu.cr0_mask = vcpu_cr0_host_owned();
	vcpu.cr4_mask = vcpu_cr4_host_owned();

	seg(VCPU_SEG_CS, 0x10, 0, 0xffffffff, 0xa09b);
	for (enum vcpu_seg s = VCPU_SEG_ES; s <= VCPU_SEG_GS; s++)
		if (s != VCPU_SEG_CS)
			seg(s, 0x18, 0, 0xffffffff, 0xc093);
	seg(VCPU_SEG_FS, 0, 0x7f0000001000, 0xffffffff, 0xc093);
	seg(VCPU_SEG_LDTR, 0, 0, 0, SEG_AR_UNUSABLE);
	seg(VCPU_SEG_TR, 0x40, 0xffff888000005000, 0x67, 0x8b);
	seg(VCPU_SEG_GDTR, 0, 0xffff888000001000, 0x7f, 0);
	seg(VCPU_SEG_IDTR, 0, 0xffff888000002000, 0xfff, 0);
	vcpu_set_cr0(&vcpu, CR0_64);
	vcpu_set_cr4_initial(&vcpu, CR4_64);
	vcpu_reg_write(&vcpu, VCPU_REG_CR3, 0x1000000);
	vcpu_reg_write(&vcpu, VCPU_REG_EFER, EFER_64);
	vcpu_reg_write(&vcpu, VCPU_REG_ENTRY_CTLS, ENTRY_BASE | ENTRY_IA32E_MODE_GUEST);
	vcpu_reg_write(&vcpu, VCPU_REG_INTERRUPTIBILITY, 0);
	vcpu_reg_write(&vcpu, VCPU_REG_RIP, 0xffffffff81000000);
	vcpu_reg_write(&vcpu, VCPU_REG_RFLAGS, 0x202);
	for (unsigned int n = 0; n < 16; n++)
		vcpu_gpr_write(&vcpu, n, 0x1000 + n);
	sysreg[SYSREG_CR2] = 0xdead000;
	sysreg[SYSREG_LSTAR] = 0xffffffff81800000;
	vcpu_regs_flush(&vcpu);
	vcpu_regs_exit(&vcpu);
	vmcs.reads = vmcs.writes = 0;
	return 0;
}

/* ---- "changes nothing" ---- */

static struct {
	struct vcpu vcpu;
	uint64_t value[FAKE_FIELDS];
	unsigned int n, writes;
	uint64_t sysreg[VCPU_NR_SYSREGS];
	unsigned int sysreg_writes;
} before;

/* Reads everything a set may read, so that what it caches does not count as a change. */
static void snapshot(void)
{
	struct plinth_kvm_regs r;
	struct plinth_kvm_sregs s;
	struct plinth_kvm_vcpu_events e;

	vcpu_get_regs(&vcpu, &r);
	vcpu_get_sregs(&vcpu, &s);
	vcpu_get_events(&vcpu, &e);
	vcpu_reg_read(&vcpu, VCPU_REG_ENTRY_CTLS);
	memcpy(&before.vcpu, &vcpu, sizeof(vcpu));
	memcpy(before.value, vmcs.value, sizeof(vmcs.value));
	before.n = vmcs.n;
	before.writes = vmcs.writes;
	memcpy(before.sysreg, sysreg, sizeof(sysreg));
	before.sysreg_writes = sysreg_writes;
}

static void assert_unchanged(const char *what)
{
	static struct vcpu now;

	memcpy(&now, &vcpu, sizeof(vcpu));
	now.stats = before.vcpu.stats;
	now.regs_avail = before.vcpu.regs_avail;
	now.segs_avail = before.vcpu.segs_avail;
	if (memcmp(&now, &before.vcpu, sizeof(now)) || vmcs.writes != before.writes ||
	    memcmp(vmcs.value, before.value, before.n * sizeof(uint64_t)) ||
	    sysreg_writes != before.sysreg_writes || memcmp(sysreg, before.sysreg, sizeof(sysreg)))
		fail_msg("%s: refused, but the state changed", what);
}

static void set_regs_refused(const struct plinth_kvm_regs *r, const char *what)
{
	int rc;

	snapshot();
	rc = vcpu_set_regs(&vcpu, r);
	if (rc != -EINVAL)
		fail_msg("%s: set_regs returned %d, not -EINVAL", what, rc);
	assert_unchanged(what);
}

static void set_sregs_refused(const struct plinth_kvm_sregs *s, const char *what)
{
	int rc;

	snapshot();
	rc = vcpu_set_sregs(&vcpu, s);
	if (rc != -EINVAL)
		fail_msg("%s: set_sregs returned %d, not -EINVAL", what, rc);
	assert_unchanged(what);
}

static void set_events_refused(const struct plinth_kvm_vcpu_events *e, const char *what)
{
	int rc;

	snapshot();
	rc = vcpu_set_events(&vcpu, e);
	if (rc != -EINVAL)
		fail_msg("%s: set_events returned %d, not -EINVAL", what, rc);
	assert_unchanged(what);
}

static int one_reg_set(uint64_t id, uint64_t value)
{
	return vcpu_set_one_reg(&vcpu, id, &value);
}

static uint64_t one_reg_get(uint64_t id)
{
	uint64_t value = 0;

	assert_int_equal(vcpu_get_one_reg(&vcpu, id, &value), 0);
	return value;
}

static void one_reg_refused(uint64_t id, const void *buf, int want)
{
	int rc;

	snapshot();
	rc = vcpu_set_one_reg(&vcpu, id, buf);
	if (rc != want)
		fail_msg("id 0x%llx: set returned %d, not %d", (unsigned long long)id, rc, want);
	assert_unchanged("ONE_REG");
}

/* ---- regs ---- */

/* struct kvm_regs is in rax rbx rcx rdx rsi rdi rsp rbp order, the cache in encoding order. */
static void test_regs_land_in_the_right_registers(void **state)
{
	struct plinth_kvm_regs r, again;
	uint64_t *v = (uint64_t *)&r;

	vcpu_get_regs(&vcpu, &r);
	assert_int_equal(r.rbx, 0x1000 + VCPU_REG_RBX);
	assert_int_equal(r.rsp, 0x1000 + VCPU_REG_RSP);
	assert_int_equal(r.rsi, 0x1000 + VCPU_REG_RSI);
	assert_int_equal(r.rip, 0xffffffff81000000);
	for (unsigned int i = 0; i < 16; i++)
		v[i] = 100 + i;
	r.rip = 0x401000;
	r.rflags = 0x246;
	assert_int_equal(vcpu_set_regs(&vcpu, &r), 0);
	assert_int_equal(vcpu.regs[VCPU_REG_RAX], 100);
	assert_int_equal(vcpu.regs[VCPU_REG_RBX], 101);
	assert_int_equal(vcpu.regs[VCPU_REG_RCX], 102);
	assert_int_equal(vcpu.regs[VCPU_REG_RDX], 103);
	assert_int_equal(vcpu.regs[VCPU_REG_RSI], 104);
	assert_int_equal(vcpu.regs[VCPU_REG_RDI], 105);
	assert_int_equal(vcpu.regs[VCPU_REG_RBP], 107);
	assert_int_equal(vcpu.regs[VCPU_REG_R15], 115);
	vcpu_regs_flush(&vcpu);
	assert_int_equal(*slot(VMCS_GUEST_RSP), 106);
	assert_int_equal(*slot(VMCS_GUEST_RIP), 0x401000);
	assert_int_equal(*slot(VMCS_GUEST_RFLAGS), 0x246);
	vcpu_regs_exit(&vcpu);
	vcpu_get_regs(&vcpu, &again);
	assert_memory_equal(&r, &again, sizeof(r));
}

static void test_regs_refused(void **state)
{
	static const uint64_t bad_rflags[] = { 0x200,		0x202 | BIT(3),	 0x202 | BIT(5),
					       0x202 | BIT(15), 0x202 | BIT(22), 0x202 | BIT(63) };
	struct plinth_kvm_regs r;

	vcpu_get_regs(&vcpu, &r);
	for (unsigned int i = 0; i < ARRAY_SIZE(bad_rflags); i++) {
		struct plinth_kvm_regs bad = r;

		bad.rflags = bad_rflags[i];
		set_regs_refused(&bad, "RFLAGS");
	}
	r.rip = NONCANONICAL_48;
	set_regs_refused(&r, "non-canonical RIP");
	r.rip = CANONICAL_57;
	set_regs_refused(&r, "57-bit RIP without LA57");
	/* A CPU with 5-level paging checks 57 bits, and its guests see LA57. */
	cpuid_7[2] |= CPUID_7_0_ECX_LA57;
	vm.cr4_allowed = cr4_allowed_by_cpuid(&vm.cpuid);
	assert_int_equal(vcpu_set_regs(&vcpu, &r), 0);
}

/* ---- sregs ---- */

static void test_sregs_round_trip(void **state)
{
	struct plinth_kvm_sregs s, again;

	vcpu_get_sregs(&vcpu, &s);
	assert_int_equal(s.cs.selector, 0x10);
	assert_int_equal(s.cs.l, 1);
	assert_int_equal(s.cs.type, 11);
	assert_int_equal(s.ldt.unusable, 1);
	assert_int_equal(s.tr.base, 0xffff888000005000);
	assert_int_equal(s.idt.limit, 0xfff);
	assert_int_equal(s.cr0, CR0_64);
	assert_int_equal(s.cr4, CR4_64); /* the guest's view: no VMXE */
	assert_int_equal(s.cr2, 0xdead000);
	assert_int_equal(s.efer, EFER_64);
	assert_int_equal(s.apic_base, PLINTH_KVM_APIC_BASE);
	assert_int_equal(sysreg_reads, 1);

	assert_int_equal(vcpu_set_sregs(&vcpu, &s), 0);
	vcpu_regs_flush(&vcpu);
	vcpu_regs_exit(&vcpu);
	vcpu_get_sregs(&vcpu, &again);
	assert_memory_equal(&s, &again, sizeof(s));
}

/* From long mode to 32-bit protected mode without paging and back: the VMCS follows. */
static void to_protected32(struct plinth_kvm_sregs *s)
{
	s->efer = X86_EFER_SCE;
	s->cr0 = X86_CR0_PE | X86_CR0_ET;
	s->cr4 = 0;
	s->cs.l = 0;
	s->cs.db = 1;
	s->cs.base = 0x10000;
}

static void test_sregs_change_the_mode(void **state)
{
	struct plinth_kvm_sregs s, long_mode, again;

	vcpu_get_sregs(&vcpu, &long_mode);
	s = long_mode;
	to_protected32(&s);
	s.cr2 = 0x1234;
	s.cr8 = 5;
	s.gs.unusable = 1;
	s.gs.base = 0x12345678; /* unusable: kept, and no check but canonical */
	assert_int_equal(vcpu_set_sregs(&vcpu, &s), 0);
	vcpu_regs_flush(&vcpu);
	assert_int_equal(*slot(VMCS_ENTRY_CTLS), ENTRY_BASE);
	assert_int_equal(*slot(VMCS_GUEST_IA32_EFER), X86_EFER_SCE);
	/* The CPU runs with NE (VMX-fixed) whatever the guest wrote; the shadow has the guest's. */
	assert_int_equal(*slot(VMCS_GUEST_CR0), X86_CR0_PE | X86_CR0_ET | X86_CR0_NE);
	assert_int_equal(*slot(VMCS_CR0_READ_SHADOW), X86_CR0_PE | X86_CR0_ET);
	assert_int_equal(*slot(VMCS_GUEST_CR4), X86_CR4_VMXE);
	assert_int_equal(*slot(VMCS_GUEST_CS_AR), 0xc09b);
	assert_int_equal(*slot(VMCS_GUEST_CS_BASE), 0x10000);
	assert_int_equal(*slot(VMCS_GUEST_GS_AR), 0x1c093);
	assert_int_equal(sysreg[SYSREG_CR2], 0x1234);
	assert_int_equal(vcpu.cr8, 5);
	vcpu_regs_exit(&vcpu);
	vcpu_get_sregs(&vcpu, &again);
	assert_memory_equal(&s, &again, sizeof(s));

	assert_int_equal(vcpu_set_sregs(&vcpu, &long_mode), 0);
	vcpu_regs_flush(&vcpu);
	assert_int_equal(*slot(VMCS_ENTRY_CTLS), ENTRY_BASE | ENTRY_IA32E_MODE_GUEST);
	assert_int_equal(*slot(VMCS_GUEST_IA32_EFER), EFER_64);
}

/* Real mode as after reset, with an unusable LDTR whose base VM entry does not check. */
static void test_sregs_real_mode(void **state)
{
	struct plinth_kvm_sregs s;

	vcpu_get_sregs(&vcpu, &s);
	s.efer = 0;
	s.cr0 = X86_CR0_ET | X86_CR0_CD | X86_CR0_NW;
	s.cr4 = 0;
	s.cr3 = 0;
	s.cs = (struct plinth_kvm_segment){ .base = 0xffff0000,
					    .limit = 0xffff,
					    .selector = 0xf000,
					    .type = 11,
					    .present = 1,
					    .s = 1 };
	s.ss = s.ds = s.es = s.fs = s.gs =
		(struct plinth_kvm_segment){ .limit = 0xffff, .type = 3, .present = 1, .s = 1 };
	s.tr = (struct plinth_kvm_segment){ .limit = 0xffff, .type = 11, .present = 1 };
	s.ldt = (struct plinth_kvm_segment){ .base = NONCANONICAL_48, .unusable = 1 };
	s.gdt = s.idt = (struct plinth_kvm_dtable){ .limit = 0xffff };
	assert_int_equal(vcpu_set_sregs(&vcpu, &s), 0);
	vcpu_regs_flush(&vcpu);
	/* Caches stay on for the CPU: CD and NW live in the shadow only. */
	assert_int_equal(*slot(VMCS_GUEST_CR0), X86_CR0_ET | X86_CR0_NE);
	assert_int_equal(*slot(VMCS_CR0_READ_SHADOW), X86_CR0_ET | X86_CR0_CD | X86_CR0_NW);
	assert_int_equal(vcpu_state_check(&vcpu, ALL_CLASSES),
			 -EINVAL); /* RIP is a 64-bit kernel's */
	assert_int_equal(one_reg_set(PLINTH_KVM_REG_RIP, 0xfff0), 0);
	assert_int_equal(vcpu_state_check(&vcpu, ALL_CLASSES), 0);
}

/* Breaks one rule of a valid long-mode state; NULL past the last. */
static const char *break_sregs(unsigned int i, struct plinth_kvm_sregs *s)
{
	switch (i) {
	case 0:
		s->cr0 |= BIT(32);
		return "CR0 bit 32";
	case 1:
		s->cr0 &= ~X86_CR0_PE;
		return "CR0.PG without PE";
	case 2:
		s->cr0 |= X86_CR0_NW;
		return "CR0.NW without CD";
	case 3:
		s->cr4 |= X86_CR4_VMXE;
		return "CR4.VMXE";
	case 4:
		s->cr4 |= X86_CR4_LA57;
		return "CR4.LA57 without CPUID";
	case 5:
		s->cr4 |= BIT(22);
		return "CR4.PKE without CPUID";
	case 6:
		s->efer |= BIT(1);
		return "EFER bit 1";
	case 7:
		s->efer &= ~X86_EFER_LMA;
		return "EFER.LMA clear with LME and PG";
	case 8:
		s->cr0 &= ~X86_CR0_PG;
		return "EFER.LMA set without PG";
	case 9:
		s->cr4 &= ~X86_CR4_PAE;
		return "EFER.LMA without CR4.PAE";
	case 10:
		to_protected32(s);
		s->cr4 |= X86_CR4_PCIDE;
		return "CR4.PCIDE outside IA-32e mode";
	case 11:
		to_protected32(s);
		s->cs.l = 1;
		s->cs.db = 0;
		return "CS.L outside IA-32e mode";
	case 12:
		s->cs.db = 1;
		return "CS.L and CS.D";
	case 13:
		s->cr3 |= BIT(MAXPHYADDR);
		return "CR3 above MAXPHYADDR";
	case 14:
		s->cr3 |= BIT(63);
		return "CR3 bit 63";
	case 15:
		s->cr8 = 16;
		return "CR8 16";
	case 16:
		s->fs.base = NONCANONICAL_48;
		return "FS base";
	case 17:
		s->gs.unusable = 1;
		s->gs.base = NONCANONICAL_48;
		return "unusable GS, its base";
	case 18:
		s->ldt = s->tr;
		s->ldt.type = 2;
		s->ldt.base = NONCANONICAL_48;
		return "LDTR base";
	case 19:
		s->tr.base = CANONICAL_57;
		return "TR base";
	case 20:
		s->gdt.base = NONCANONICAL_48;
		return "GDTR base";
	case 21:
		s->idt.base = NONCANONICAL_48;
		return "IDTR base";
	case 22:
		s->cs.base = 1ull << 32;
		return "CS base above 4 GiB";
	case 23:
		s->ss.base = 1ull << 32;
		return "SS base above 4 GiB";
	case 24:
		s->ds.base = 1ull << 40;
		return "DS base above 4 GiB";
	case 25:
		s->es.limit = 0xfffff000;
		return "G with a limit not ending in 0xfff";
	case 26:
		s->es.g = 0;
		return "no G with a limit above 1 MiB";
	case 27:
		s->ds.present = 0;
		return "usable DS not present";
	case 28:
		s->tr.unusable = 1;
		return "TR unusable";
	case 29:
		s->tr.present = 0;
		return "TR not present";
	case 30:
		s->tr.s = 1;
		return "TR S = 1";
	case 31:
		s->tr.type = 3;
		return "16-bit TSS in IA-32e mode";
	case 32:
		s->tr.type = 9;
		return "TR an available TSS";
	case 33:
		s->tr.selector |= 4;
		return "TR selector with TI";
	case 34:
		s->ldt = s->tr;
		s->ldt.selector = 0x50;
		return "LDTR a TSS";
	case 35:
		s->ldt = s->tr;
		s->ldt.type = 2;
		s->ldt.s = 1;
		return "LDTR S = 1";
	case 36:
		s->ldt = s->tr;
		s->ldt.type = 2;
		s->ldt.present = 0;
		return "LDTR not present";
	case 37:
		s->ldt = s->tr;
		s->ldt.type = 2;
		s->ldt.selector = 0x54;
		return "LDTR selector with TI";
	case 38:
		s->cs.unusable = 1;
		return "CS unusable";
	case 39:
		s->cs.s = 0;
		return "CS a system segment";
	case 40:
		s->cs.type = 1;
		return "CS read-only data";
	case 41:
		s->cs.type = 10;
		return "CS code not accessed";
	case 42:
		s->ss.type = 1;
		return "SS read-only";
	case 43:
		s->ds.type = 9;
		return "DS execute-only code";
	case 44:
		s->ds.type = 2;
		return "DS not accessed";
	case 45:
		s->fs.s = 0;
		return "FS a system segment";
	case 46:
		s->ds.present = 2;
		return "present = 2";
	case 47:
		s->ds.type = 16 | 3;
		return "type 19";
	case 48:
		s->ss.dpl = 4;
		return "DPL 4";
	case 49:
		s->es.padding = 1;
		return "segment padding";
	case 50:
		s->gdt.padding[2] = 1;
		return "GDTR padding";
	case 51:
		s->apic_base = 0xfee00800;
		return "APIC base";
	case 52:
		s->interrupt_bitmap[3] = BIT(63);
		return "interrupt bitmap";
	case 53:
		s->ldt.unusable = 2;
		return "unusable = 2";
	default:
		return NULL;
	}
}

static void test_sregs_refused(void **state)
{
	struct plinth_kvm_sregs valid, bad;
	const char *what;

	vcpu_get_sregs(&vcpu, &valid);
	bad = valid;
	to_protected32(&bad);
	assert_int_equal(vcpu_set_sregs(&vcpu, &bad), 0); /* the other base state is valid */
	assert_int_equal(vcpu_set_sregs(&vcpu, &valid), 0);
	vcpu_regs_flush(&vcpu);
	for (unsigned int i = 0; (bad = valid, what = break_sregs(i, &bad)); i++)
		set_sregs_refused(&bad, what);
}

/* ---- events ---- */

static void test_events_exception_round_trip(void **state)
{
	struct plinth_kvm_vcpu_events e, again;

	vcpu.event = (struct vcpu_event){
		.pending = true, .vector = 14, .type = 3, .has_error_code = true, .error_code = 6
	};
	vcpu_get_events(&vcpu, &e);
	assert_int_equal(e.exception.injected, 1);
	assert_int_equal(e.exception.nr, 14);
	assert_int_equal(e.exception.has_error_code, 1);
	assert_int_equal(e.exception.error_code, 6);
	assert_int_equal(e.interrupt.injected, 0);
	assert_int_equal(e.flags, PLINTH_KVM_VCPUEVENT_VALID_SHADOW);
	vcpu.event.pending = false;
	assert_int_equal(vcpu_set_events(&vcpu, &e), 0);
	assert_true(vcpu.event.pending);
	assert_int_equal(vcpu.event.type, INTR_TYPE_HW_EXCEPTION);
	vcpu_get_events(&vcpu, &again);
	assert_memory_equal(&e, &again, sizeof(e));

	/* Nothing injected clears the queued event. */
	e.exception.injected = 0;
	assert_int_equal(vcpu_set_events(&vcpu, &e), 0);
	assert_false(vcpu.event.pending);
}

static void test_events_interrupt_and_shadow(void **state)
{
	struct plinth_kvm_vcpu_events e = { .flags = PLINTH_KVM_VCPUEVENT_VALID_SHADOW };

	e.interrupt.injected = 1;
	e.interrupt.nr = 8; /* real-mode IRQ 0 */
	e.interrupt.shadow = PLINTH_KVM_X86_SHADOW_INT_STI;
	e.nmi.masked = 1;
	assert_int_equal(vcpu_set_events(&vcpu, &e), 0);
	assert_int_equal(vcpu.event.type, INTR_TYPE_EXTERNAL);
	assert_int_equal(vcpu.event.vector, 8);
	vcpu_regs_flush(&vcpu);
	assert_int_equal(*slot(VMCS_GUEST_INTERRUPTIBILITY),
			 INTERRUPTIBILITY_STI | INTERRUPTIBILITY_NMI);

	e.interrupt.shadow = PLINTH_KVM_X86_SHADOW_INT_MOV_SS;
	assert_int_equal(vcpu_set_events(&vcpu, &e), 0);
	vcpu_regs_flush(&vcpu);
	assert_int_equal(*slot(VMCS_GUEST_INTERRUPTIBILITY),
			 INTERRUPTIBILITY_MOV_SS | INTERRUPTIBILITY_NMI);

	/* Without VALID_SHADOW the shadow is not touched; NMI blocking always is. */
	e.flags = 0;
	e.interrupt.shadow = 0;
	e.nmi.masked = 0;
	assert_int_equal(vcpu_set_events(&vcpu, &e), 0);
	vcpu_regs_flush(&vcpu);
	assert_int_equal(*slot(VMCS_GUEST_INTERRUPTIBILITY), INTERRUPTIBILITY_MOV_SS);
	vcpu_get_events(&vcpu, &e);
	assert_int_equal(e.interrupt.shadow, PLINTH_KVM_X86_SHADOW_INT_MOV_SS);
	assert_int_equal(e.interrupt.injected, 1);
	assert_int_equal(e.interrupt.nr, 8);
}

/* INT 0x80 and INT3 whose delivery an exit interrupted go back as they were, with their
 * instruction length; a soft interrupt plinth did not queue cannot be made up. */
static void test_events_soft_events_kept(void **state)
{
	struct plinth_kvm_vcpu_events e;

	vcpu.event = (struct vcpu_event){ .pending = true,
					  .vector = 0x80,
					  .type = INTR_TYPE_SW_INTERRUPT,
					  .instruction_len = 2 };
	vcpu_get_events(&vcpu, &e);
	assert_int_equal(e.interrupt.soft, 1);
	assert_int_equal(vcpu_set_events(&vcpu, &e), 0);
	assert_int_equal(vcpu.event.type, INTR_TYPE_SW_INTERRUPT);
	assert_int_equal(vcpu.event.instruction_len, 2);
	e.interrupt.nr = 0x81;
	set_events_refused(&e, "a soft interrupt not queued");

	vcpu.event = (struct vcpu_event){
		.pending = true, .vector = 3, .type = INTR_TYPE_SW_EXCEPTION, .instruction_len = 1
	};
	vcpu_get_events(&vcpu, &e);
	assert_int_equal(e.exception.injected, 1);
	assert_int_equal(e.exception.nr, 3);
	assert_int_equal(vcpu_set_events(&vcpu, &e), 0);
	assert_int_equal(vcpu.event.type, INTR_TYPE_SW_EXCEPTION);
	assert_int_equal(vcpu.event.instruction_len, 1);
}

static const char *break_events(unsigned int i, struct plinth_kvm_vcpu_events *e)
{
	switch (i) {
	case 0:
		e->interrupt.injected = 1;
		e->interrupt.nr = 0x30;
		return "exception and interrupt";
	case 1:
		e->exception.nr = 32;
		return "exception vector 32";
	case 2:
		e->exception.nr = 2;
		e->exception.has_error_code = 0;
		return "NMI as an exception";
	case 3:
		e->exception.nr = 6;
		return "#UD with an error code";
	case 4:
		e->exception.has_error_code = 2;
		return "has_error_code = 2";
	case 5:
		e->exception.error_code = 0x10000;
		return "error code of 17 bits";
	case 6:
		e->exception.injected = 2;
		return "injected = 2";
	case 7:
		e->exception.pending = 1;
		return "pending exception";
	case 8:
		e->nmi.injected = 1;
		return "NMI injected";
	case 9:
		e->nmi.pending = 1;
		e->flags |= PLINTH_KVM_VCPUEVENT_VALID_NMI_PENDING;
		return "NMI pending";
	case 10:
		e->nmi.pad = 1;
		return "NMI pad";
	case 11:
		e->nmi.masked = 2;
		return "NMI masked = 2";
	case 12:
		e->sipi_vector = 0x10;
		e->flags |= PLINTH_KVM_VCPUEVENT_VALID_SIPI_VECTOR;
		return "SIPI vector";
	case 13:
		e->flags |= 8;
		e->smi.smm = 1;
		return "SMM";
	case 14:
		e->smi.pending = 1;
		return "SMI pending";
	case 15:
		e->smi.smm_inside_nmi = 1;
		return "SMM inside NMI";
	case 16:
		e->smi.latched_init = 1;
		return "latched INIT";
	case 17:
		e->triple_fault.pending = 1;
		return "triple fault";
	case 18:
		e->exception_has_payload = 1;
		return "exception payload flag";
	case 19:
		e->exception_payload = 0x1000;
		return "exception payload";
	case 20:
		e->reserved[25] = 1;
		return "reserved byte";
	case 21:
		e->flags |= 0x80000000;
		return "unknown flag";
	case 22:
		e->interrupt.shadow = 3;
		return "STI and MOV SS shadow";
	case 23:
		e->interrupt.shadow = 4;
		return "shadow bit 2";
	case 24:
		e->exception.injected = 0;
		e->interrupt.injected = 1;
		e->interrupt.soft = 2;
		return "soft = 2";
	case 25:
		e->flags |= 0x10;
		return "VALID_PAYLOAD flag";
	default:
		return NULL;
	}
}

static void test_events_refused(void **state)
{
	struct plinth_kvm_vcpu_events valid = { .flags = PLINTH_KVM_VCPUEVENT_VALID_SHADOW }, bad;
	const char *what;

	valid.exception.injected = 1;
	valid.exception.nr = 13;
	valid.exception.has_error_code = 1;
	valid.exception.error_code = 0x18;
	assert_int_equal(vcpu_set_events(&vcpu, &valid), 0);
	vcpu_regs_flush(&vcpu);
	for (unsigned int i = 0; (bad = valid, what = break_events(i, &bad)); i++)
		set_events_refused(&bad, what);
}

/* ---- rules across the three ---- */

static void test_state_check(void **state)
{
	struct plinth_kvm_regs r;
	struct plinth_kvm_sregs s, long_mode;
	struct plinth_kvm_vcpu_events e = { .flags = PLINTH_KVM_VCPUEVENT_VALID_SHADOW };

	assert_int_equal(vcpu_state_check(&vcpu, ALL_CLASSES), 0);
	vcpu_get_regs(&vcpu, &r);
	vcpu_get_sregs(&vcpu, &long_mode);

	/* A 64-bit RIP is set before the sregs that enter long mode: each set takes its part,
	 * the check the whole. */
	s = long_mode;
	to_protected32(&s);
	assert_int_equal(vcpu_set_sregs(&vcpu, &s), 0);
	assert_int_equal(vcpu_set_regs(&vcpu, &r), 0);
	assert_int_equal(vcpu_state_check(&vcpu, ALL_CLASSES), -EINVAL);
	assert_int_equal(vcpu_state_check(&vcpu, REGS_ONLY), -EINVAL); /* RIP against CS.L */
	assert_int_equal(vcpu_set_sregs(&vcpu, &long_mode), 0);
	assert_int_equal(vcpu_state_check(&vcpu, ALL_CLASSES), 0);

	/* Blocking by STI with IF clear. */
	e.interrupt.shadow = PLINTH_KVM_X86_SHADOW_INT_STI;
	assert_int_equal(vcpu_set_events(&vcpu, &e), 0);
	assert_int_equal(one_reg_set(PLINTH_KVM_REG_RFLAGS, 0x2), 0);
	assert_int_equal(vcpu_state_check(&vcpu, ALL_CLASSES), -EINVAL);
	assert_int_equal(vcpu_state_check(&vcpu, REGS_ONLY), -EINVAL);
	assert_int_equal(one_reg_set(PLINTH_KVM_REG_RFLAGS, 0x202), 0);
	assert_int_equal(vcpu_state_check(&vcpu, ALL_CLASSES), 0);
	assert_int_equal(vcpu_state_check(&vcpu, REGS_ONLY), 0);

	/* An external interrupt with the shadow, then with IF clear. */
	e.interrupt.injected = 1;
	e.interrupt.nr = 0x20;
	assert_int_equal(vcpu_set_events(&vcpu, &e), 0);
	assert_int_equal(vcpu_state_check(&vcpu, ALL_CLASSES), -EINVAL);
	e.interrupt.shadow = 0;
	assert_int_equal(vcpu_set_events(&vcpu, &e), 0);
	assert_int_equal(vcpu_state_check(&vcpu, ALL_CLASSES), 0);
	assert_int_equal(one_reg_set(PLINTH_KVM_REG_RFLAGS, 0x2), 0);
	assert_int_equal(vcpu_state_check(&vcpu, ALL_CLASSES), -EINVAL);
	assert_int_equal(vcpu_state_check(&vcpu, REGS_ONLY), -EINVAL);
	assert_int_equal(one_reg_set(PLINTH_KVM_REG_RFLAGS, 0x202), 0);

	/* #GP without its error code in protected mode. */
	e = (struct plinth_kvm_vcpu_events){ .flags = PLINTH_KVM_VCPUEVENT_VALID_SHADOW };
	e.exception.injected = 1;
	e.exception.nr = 13;
	assert_int_equal(vcpu_set_events(&vcpu, &e), 0);
	assert_int_equal(vcpu_state_check(&vcpu, ALL_CLASSES), -EINVAL);
	e.exception.has_error_code = 1;
	assert_int_equal(vcpu_set_events(&vcpu, &e), 0);
	assert_int_equal(vcpu_state_check(&vcpu, ALL_CLASSES), 0);

	/* Virtual-8086 mode in IA-32e mode: the regs-only check takes the whole path. */
	assert_int_equal(one_reg_set(PLINTH_KVM_REG_RFLAGS, 0x202 | RFLAGS_VM), 0);
	assert_int_equal(vcpu_state_check(&vcpu, ALL_CLASSES), -EINVAL);
	assert_int_equal(vcpu_state_check(&vcpu, REGS_ONLY), -EINVAL);
	assert_int_equal(one_reg_set(PLINTH_KVM_REG_RFLAGS, 0x202), 0);

	/* CPL disagreement: non-conforming CS at DPL 3 over SS at DPL 0. */
	s = long_mode;
	s.cs.dpl = 3;
	assert_int_equal(vcpu_set_sregs(&vcpu, &s), 0);
	assert_int_equal(vcpu_state_check(&vcpu, ALL_CLASSES), -EINVAL);
	s.ss.dpl = 3;
	assert_int_equal(vcpu_set_sregs(&vcpu, &s), 0);
	assert_int_equal(vcpu_state_check(&vcpu, ALL_CLASSES), 0);
}

static void test_state_check_virtual_8086(void **state)
{
	struct plinth_kvm_sregs s;
	struct plinth_kvm_segment v86 = {
		.base = 0x12340,
		.limit = 0xffff,
		.selector = 0x1234,
		.type = 3,
		.present = 1,
		.dpl = 3,
		.s = 1,
	};

	vcpu_get_sregs(&vcpu, &s);
	to_protected32(&s);
	s.cs = s.ds = s.es = s.fs = s.gs = s.ss = v86;
	assert_int_equal(vcpu_set_sregs(&vcpu, &s), 0);
	assert_int_equal(one_reg_set(PLINTH_KVM_REG_RIP, 0x100), 0);
	assert_int_equal(one_reg_set(PLINTH_KVM_REG_RFLAGS, 0x202 | RFLAGS_VM), 0);
	assert_int_equal(vcpu_state_check(&vcpu, ALL_CLASSES), 0);
	s.ds.base = 0;
	assert_int_equal(vcpu_set_sregs(&vcpu, &s), 0);
	assert_int_equal(vcpu_state_check(&vcpu, ALL_CLASSES), -EINVAL);
	/* Out of virtual-8086 mode a type-3 CS is real mode's, at DPL 0. */
	assert_int_equal(one_reg_set(PLINTH_KVM_REG_RFLAGS, 0x202), 0);
	assert_int_equal(vcpu_state_check(&vcpu, ALL_CLASSES), -EINVAL);
}

/* ---- ONE_REG ---- */

/* The bytes of a SEG value past its structure are 0. */
static bool tail_zero(const uint8_t *buf, size_t from)
{
	for (size_t i = from; i < 32; i++)
		if (buf[i])
			return false;
	return true;
}

static void test_reg_list(void **state)
{
	uint64_t ids[NR_REG_IDS + 1];

	assert_int_equal(vcpu_reg_list(NULL, 0), NR_REG_IDS);
	memset(ids, 0xa5, sizeof(ids));
	assert_int_equal(vcpu_reg_list(ids, 10), NR_REG_IDS);
	assert_int_equal(ids[9], PLINTH_KVM_REG_GPR(9));
	assert_int_equal(ids[10], 0xa5a5a5a5a5a5a5a5ull);
	assert_int_equal(vcpu_reg_list(ids, NR_REG_IDS + 1), NR_REG_IDS);
	for (unsigned int i = 0; i < NR_REG_IDS; i++) {
		assert_true(vcpu_one_reg_size(ids[i]) > 0);
		for (unsigned int j = 0; j < i; j++)
			assert_true(ids[i] != ids[j]);
	}
	assert_int_equal(ids[NR_REG_IDS], 0xa5a5a5a5a5a5a5a5ull);
}

/* Every id read and written back unchanged. */
static void test_one_reg_round_trip(void **state)
{
	uint64_t ids[NR_REG_IDS];
	uint8_t buf[32], again[32];

	vcpu_reg_list(ids, NR_REG_IDS);
	*slot(VMCS_GUEST_IA32_PAT) = 0x0007040600070406;
	for (unsigned int i = 0; i < NR_REG_IDS; i++) {
		int size = vcpu_one_reg_size(ids[i]);

		memset(buf, 0xee, sizeof(buf));
		assert_int_equal(vcpu_get_one_reg(&vcpu, ids[i], buf), 0);
		if (size == 32)
			assert_true(
				tail_zero(buf, PLINTH_KVM_X86_REG_INDEX(ids[i]) < VCPU_SEG_GDTR ?
						       sizeof(struct plinth_kvm_segment) :
						       sizeof(struct plinth_kvm_dtable)));
		if (vcpu_set_one_reg(&vcpu, ids[i], buf))
			fail_msg("id 0x%llx refused its own value", (unsigned long long)ids[i]);
		vcpu_regs_flush(&vcpu);
		vcpu_regs_exit(&vcpu);
		assert_int_equal(vcpu_get_one_reg(&vcpu, ids[i], again), 0);
		assert_memory_equal(buf, again, (size_t)size);
	}
}

static const uint64_t size_codes[] = {
	PLINTH_KVM_REG_SIZE_U8,	 PLINTH_KVM_REG_SIZE_U16,  PLINTH_KVM_REG_SIZE_U32,
	PLINTH_KVM_REG_SIZE_U64, PLINTH_KVM_REG_SIZE_U128, PLINTH_KVM_REG_SIZE_U256,
	0x0060000000000000ull,	 0x00f0000000000000ull,
};

/* A known register with another size: -EINVAL, from all three calls. */
static void test_one_reg_wrong_size(void **state)
{
	uint64_t ids[NR_REG_IDS];
	uint8_t buf[32] = { 0 };

	vcpu_reg_list(ids, NR_REG_IDS);
	for (unsigned int i = 0; i < NR_REG_IDS; i++) {
		for (unsigned int s = 0; s < ARRAY_SIZE(size_codes); s++) {
			uint64_t id = (ids[i] & ~PLINTH_KVM_REG_SIZE_MASK) | size_codes[s];

			if (id == ids[i])
				continue;
			assert_int_equal(vcpu_one_reg_size(id), -EINVAL);
			assert_int_equal(vcpu_get_one_reg(&vcpu, id, buf), -EINVAL);
			one_reg_refused(id, buf, -EINVAL);
		}
	}
}

/* Ids plinth does not know, at every size: -ENOENT. */
static void test_one_reg_unknown(void **state)
{
	static const uint64_t unknown[] = {
		PLINTH_KVM_X86_REG_ID(0, 0, 0),
		PLINTH_KVM_X86_REG_ID(5, 0, 0),
		PLINTH_KVM_X86_REG_ID(0xff, 0, 1),
		PLINTH_KVM_REG_GPR(18),
		PLINTH_KVM_REG_GPR(0x80000000),
		PLINTH_KVM_REG_CR(1),
		PLINTH_KVM_REG_CR(5),
		PLINTH_KVM_REG_CR(9),
		PLINTH_KVM_REG_CR(0x101),
		PLINTH_KVM_REG_SEG(10),
		PLINTH_KVM_REG_MSR(0x10),
		PLINTH_KVM_REG_MSR(0x1b),
		PLINTH_KVM_REG_MSR(0xc0000100),
		PLINTH_KVM_REG_GPR(0) & ~PLINTH_KVM_REG_X86, /* no architecture */
		(PLINTH_KVM_REG_GPR(0) & ~PLINTH_KVM_REG_X86) | 0x4000000000000000ull, /* arm64 */
		PLINTH_KVM_REG_GPR(0) | 0x0000010000000000ull, /* bit 40 */
		PLINTH_KVM_REG_GPR(0) | 0x0008000000000000ull, /* bit 51 */
		PLINTH_KVM_REG_MSR(MSR_LSTAR) | 0x0100000000000000ull, /* architecture 0x21 */
	};
	uint8_t buf[32] = { 0 };

	for (unsigned int i = 0; i < ARRAY_SIZE(unknown); i++) {
		for (unsigned int s = 0; s < ARRAY_SIZE(size_codes); s++) {
			uint64_t id = (unknown[i] & ~PLINTH_KVM_REG_SIZE_MASK) | size_codes[s];

			assert_int_equal(vcpu_one_reg_size(id), -ENOENT);
			assert_int_equal(vcpu_get_one_reg(&vcpu, id, buf), -ENOENT);
			one_reg_refused(id, buf, -ENOENT);
		}
	}
}

static void test_one_reg_gpr_and_cr(void **state)
{
	uint64_t v;

	assert_int_equal(one_reg_set(PLINTH_KVM_REG_GPR(PLINTH_KVM_GPR_RBX), 77), 0);
	assert_int_equal(vcpu.regs[VCPU_REG_RBX], 77);
	assert_int_equal(one_reg_set(PLINTH_KVM_REG_GPR(PLINTH_KVM_GPR_RSP), 0x8000), 0);
	vcpu_regs_flush(&vcpu);
	assert_int_equal(*slot(VMCS_GUEST_RSP), 0x8000);

	v = 0x202 | BIT(15);
	one_reg_refused(PLINTH_KVM_REG_RFLAGS, &v, -EINVAL);
	v = NONCANONICAL_48;
	one_reg_refused(PLINTH_KVM_REG_RIP, &v, -EINVAL);
	v = CR0_64 & ~(uint64_t)X86_CR0_PG; /* LMA would no longer hold */
	one_reg_refused(PLINTH_KVM_REG_CR(0), &v, -EINVAL);
	v = CR4_64 | X86_CR4_VMXE;
	one_reg_refused(PLINTH_KVM_REG_CR(4), &v, -EINVAL);
	v = BIT(MAXPHYADDR);
	one_reg_refused(PLINTH_KVM_REG_CR(3), &v, -EINVAL);
	v = 16;
	one_reg_refused(PLINTH_KVM_REG_CR(8), &v, -EINVAL);
	v = EFER_64 | BIT(2);
	one_reg_refused(PLINTH_KVM_REG_EFER, &v, -EINVAL);
	one_reg_refused(PLINTH_KVM_REG_MSR(MSR_IA32_EFER), &v, -EINVAL);

	assert_int_equal(one_reg_set(PLINTH_KVM_REG_CR(4), CR4_64 | CR4_SMEP), 0);
	vcpu_regs_flush(&vcpu);
	assert_int_equal(*slot(VMCS_CR4_READ_SHADOW), CR4_64 | CR4_SMEP);
	assert_int_equal(*slot(VMCS_GUEST_CR4), CR4_64 | CR4_SMEP | X86_CR4_VMXE);
	assert_int_equal(one_reg_set(PLINTH_KVM_REG_MSR(MSR_IA32_EFER), EFER_64 & ~X86_EFER_NXE),
			 0);
	assert_int_equal(one_reg_get(PLINTH_KVM_REG_EFER), EFER_64 & ~X86_EFER_NXE);
	sysreg_writes = 0;
	assert_int_equal(one_reg_set(PLINTH_KVM_REG_CR(2), 0x4242000), 0);
	assert_int_equal(sysreg_writes, 1);
	assert_int_equal(sysreg[SYSREG_CR2], 0x4242000);
	assert_int_equal(one_reg_get(PLINTH_KVM_REG_CR(2)), 0x4242000);
	assert_int_equal(one_reg_set(PLINTH_KVM_REG_CR(8), 15), 0);
	assert_int_equal(vcpu.cr8, 15);
}

static void test_one_reg_seg(void **state)
{
	union plinth_kvm_one_reg_seg u;

	assert_int_equal(vcpu_get_one_reg(&vcpu, PLINTH_KVM_REG_SEG(PLINTH_KVM_SEG_GS), &u), 0);
	assert_int_equal(u.seg.selector, 0x18);
	assert_true(tail_zero(u.bytes, sizeof(u.seg)));
	u.seg.base = 0xffff888000100000;
	assert_int_equal(vcpu_set_one_reg(&vcpu, PLINTH_KVM_REG_SEG(PLINTH_KVM_SEG_GS), &u), 0);
	vcpu_regs_flush(&vcpu);
	assert_int_equal(*slot(VMCS_GUEST_GS_BASE), 0xffff888000100000);

	u.bytes[31] = 1;
	one_reg_refused(PLINTH_KVM_REG_SEG(PLINTH_KVM_SEG_GS), &u, -EINVAL);
	u.bytes[31] = 0;
	u.seg.base = NONCANONICAL_48;
	one_reg_refused(PLINTH_KVM_REG_SEG(PLINTH_KVM_SEG_GS), &u, -EINVAL);

	assert_int_equal(vcpu_get_one_reg(&vcpu, PLINTH_KVM_REG_GDTR, &u), 0);
	assert_int_equal(u.dt.limit, 0x7f);
	u.dt.limit = 0xffff;
	assert_int_equal(vcpu_set_one_reg(&vcpu, PLINTH_KVM_REG_GDTR, &u), 0);
	vcpu_regs_flush(&vcpu);
	assert_int_equal(*slot(VMCS_GUEST_GDTR_LIMIT), 0xffff);
	u.bytes[16] = 1; /* past the dtable */
	one_reg_refused(PLINTH_KVM_REG_GDTR, &u, -EINVAL);
	u.bytes[16] = 0;
	u.dt.padding[0] = 1;
	one_reg_refused(PLINTH_KVM_REG_IDTR, &u, -EINVAL);
}

/* The address MSRs: canonical as WRMSR wants (a fault in plinth's WRMSR would be plinth's). */
static void test_one_reg_msr_canonical(void **state)
{
	static const uint32_t msrs[] = { MSR_KERNEL_GS_BASE, MSR_LSTAR, MSR_CSTAR, MSR_SYSENTER_ESP,
					 MSR_SYSENTER_EIP };
	uint64_t bad[] = { NONCANONICAL_48, CANONICAL_57, 0x8000000000000000ull };

	for (unsigned int i = 0; i < ARRAY_SIZE(msrs); i++) {
		uint64_t id = PLINTH_KVM_REG_MSR(msrs[i]);

		for (unsigned int j = 0; j < ARRAY_SIZE(bad); j++)
			one_reg_refused(id, &bad[j], -EINVAL);
		assert_int_equal(one_reg_set(id, HIGH_HALF + i), 0);
		assert_int_equal(one_reg_get(id), HIGH_HALF + i);
	}
	assert_int_equal(sysreg[SYSREG_KERNEL_GS_BASE], HIGH_HALF);
	assert_int_equal(sysreg[SYSREG_LSTAR], HIGH_HALF + 1);
	assert_int_equal(sysreg[SYSREG_CSTAR], HIGH_HALF + 2);
	assert_int_equal(*slot(VMCS_GUEST_IA32_SYSENTER_ESP), HIGH_HALF + 3);
	assert_int_equal(*slot(VMCS_GUEST_IA32_SYSENTER_EIP), HIGH_HALF + 4);

	cpuid_7[2] |= CPUID_7_0_ECX_LA57;
	vm.cr4_allowed = cr4_allowed_by_cpuid(&vm.cpuid);
	assert_int_equal(one_reg_set(PLINTH_KVM_REG_MSR(MSR_LSTAR), CANONICAL_57), 0);
	assert_int_equal(sysreg[SYSREG_LSTAR], CANONICAL_57);
}

static void test_one_reg_msr_values(void **state)
{
	static const uint32_t low32[] = { MSR_SFMASK, MSR_TSC_AUX, MSR_SYSENTER_CS };
	static const uint64_t bad_pat[] = { 0x0007040600070402ull, 0x0307040600070406ull,
					    0x0007040600070806ull };
	uint64_t v = 1ull << 32;

	for (unsigned int i = 0; i < ARRAY_SIZE(low32); i++) {
		one_reg_refused(PLINTH_KVM_REG_MSR(low32[i]), &v, -EINVAL);
		assert_int_equal(one_reg_set(PLINTH_KVM_REG_MSR(low32[i]), 0xffffffff), 0);
	}
	assert_int_equal(sysreg[SYSREG_SFMASK], 0xffffffff);
	assert_int_equal(sysreg[SYSREG_TSC_AUX], 0xffffffff);
	assert_int_equal(*slot(VMCS_GUEST_IA32_SYSENTER_CS), 0xffffffff);

	for (unsigned int i = 0; i < ARRAY_SIZE(bad_pat); i++)
		one_reg_refused(PLINTH_KVM_REG_MSR(MSR_IA32_PAT), &bad_pat[i], -EINVAL);
	assert_int_equal(one_reg_set(PLINTH_KVM_REG_MSR(MSR_IA32_PAT), 0x0705040100070406ull), 0);
	assert_int_equal(*slot(VMCS_GUEST_IA32_PAT), 0x0705040100070406ull);

	/* STAR holds selectors only: any value. Reads and writes go through the sysreg calls. */
	sysreg_reads = sysreg_writes = 0;
	assert_int_equal(one_reg_set(PLINTH_KVM_REG_MSR(MSR_STAR), 0xffffffffffffffffull), 0);
	assert_int_equal(one_reg_get(PLINTH_KVM_REG_MSR(MSR_STAR)), 0xffffffffffffffffull);
	assert_int_equal(sysreg_writes, 1);
	assert_int_equal(sysreg_reads, 1);
	assert_int_equal(one_reg_get(PLINTH_KVM_REG_MSR(MSR_LSTAR)), 0xffffffff81800000);
}

/* ---- PAE paging: the PDPTEs ---- */

#define PAE_RAM_BYTES (4ull << 20)
#define PDPT_GPA      0x3000ull
#define PDPT2_GPA     0x5000ull
#define PDPTE_P	      BIT(0)
#define PDPTE_PWT     BIT(3)
#define PDPTE_PCD     BIT(4)
#define CR_MOV_TO_CR0 0x000 /* exit qualification: MOV to CR0 from EAX (SDM table 28-3) */
#define CR_MOV_TO_CR4 0x004
#define MOV_CR_LEN    3

static const uint64_t pdpt[4] = {
	0x10000 | PDPTE_P | PDPTE_PWT | PDPTE_PCD,
	(BIT(MAXPHYADDR) - 0x1000) | PDPTE_P, /* the highest address the guest has */
	0, /* not present */
	0xfff0000000000ffeull, /* not present: the other bits are ignored, reserved or not */
};

/* The bits that make a present PDPTE invalid (SDM vol. 3A table 4-8): 2:1, 8:5, MAXPHYADDR
 * and up. */
static const uint64_t pdpte_reserved[] = {
	BIT(1), BIT(2), BIT(5), BIT(6), BIT(7), BIT(8), BIT(MAXPHYADDR), BIT(51), BIT(63),
};

static int setup_ram(void **state)
{
	setup(state);
	assert_int_equal(host_guest_mem_alloc(&vm.mem, PAE_RAM_BYTES), 0);
	assert_int_equal(guest_mem_write(&vm.mem, PDPT_GPA, pdpt, sizeof(pdpt)), 0);
	return 0;
}

static int teardown_ram(void **state)
{
	host_guest_mem_free(&vm.mem);
	return 0;
}

static void assert_vmcs_pdptes(const uint64_t want[4])
{
	assert_int_equal(*slot(VMCS_GUEST_PDPTE0), want[0]);
	assert_int_equal(*slot(VMCS_GUEST_PDPTE1), want[1]);
	assert_int_equal(*slot(VMCS_GUEST_PDPTE2), want[2]);
	assert_int_equal(*slot(VMCS_GUEST_PDPTE3), want[3]);
}

/* A 32-bit kernel's state with PAE on; paging too if pg. */
static void pae_sregs(struct plinth_kvm_sregs *s, bool pg, uint64_t cr3)
{
	vcpu_get_sregs(&vcpu, s);
	to_protected32(s);
	s->cr4 = X86_CR4_PAE;
	if (pg)
		s->cr0 |= X86_CR0_PG;
	s->cr3 = cr3;
}

static void test_sregs_pae_loads_pdptes(void **state)
{
	static const uint64_t zero[4];
	struct plinth_kvm_sregs s, again;
	uint64_t pdpt2[4] = { 0x20000 | PDPTE_P, 0, 0x21000 | PDPTE_P, 0 };
	unsigned int writes;

	/* Protected mode with PAE but no paging: the VMCS fields stay as they were. */
	pae_sregs(&s, false, PDPT_GPA);
	assert_int_equal(vcpu_set_sregs(&vcpu, &s), 0);
	assert_vmcs_pdptes(zero);

	/* CR3 bits 4:0 and 63:32 are not part of the PDPT's address in PAE paging. */
	pae_sregs(&s, true, (1ull << 32) | PDPT_GPA | 0x18);
	assert_int_equal(vcpu_set_sregs(&vcpu, &s), 0);
	assert_vmcs_pdptes(pdpt);
	vcpu_regs_flush(&vcpu);
	vcpu_regs_exit(&vcpu);
	vcpu_get_sregs(&vcpu, &again);
	assert_memory_equal(&s, &again, sizeof(s));

	/* ONE_REG CR3 loads them from the new PDPT; CR2 and CR8 leave them alone. */
	assert_int_equal(guest_mem_write(&vm.mem, PDPT2_GPA, pdpt2, sizeof(pdpt2)), 0);
	assert_int_equal(one_reg_set(PLINTH_KVM_REG_CR(3), PDPT2_GPA), 0);
	assert_vmcs_pdptes(pdpt2);
	writes = vmcs.writes;
	assert_int_equal(one_reg_set(PLINTH_KVM_REG_CR(2), 0x1000), 0);
	assert_int_equal(one_reg_set(PLINTH_KVM_REG_CR(8), 1), 0);
	assert_int_equal(vmcs.writes, writes);

	/* Into PAE paging by ONE_REG CR0, from a state without paging. */
	pae_sregs(&s, false, PDPT_GPA);
	assert_int_equal(vcpu_set_sregs(&vcpu, &s), 0);
	assert_int_equal(one_reg_set(PLINTH_KVM_REG_CR(0), s.cr0 | X86_CR0_PG), 0);
	assert_vmcs_pdptes(pdpt);
}

static void test_sregs_pae_pdptes_refused(void **state)
{
	struct plinth_kvm_sregs s, nopg;
	uint64_t bad[4], v;

	/* A present PDPTE with any reserved bit: the set changes nothing. */
	pae_sregs(&s, true, PDPT_GPA);
	for (unsigned int i = 0; i < ARRAY_SIZE(pdpte_reserved); i++) {
		memcpy(bad, pdpt, sizeof(bad));
		bad[i % 2] |= pdpte_reserved[i];
		assert_int_equal(guest_mem_write(&vm.mem, PDPT_GPA, bad, sizeof(bad)), 0);
		set_sregs_refused(&s, "present PDPTE with a reserved bit");
	}
	assert_int_equal(guest_mem_write(&vm.mem, PDPT_GPA, pdpt, sizeof(pdpt)), 0);

	/* A PDPT outside RAM, whether CR3 is within MAXPHYADDR or not. */
	pae_sregs(&s, true, PAE_RAM_BYTES);
	set_sregs_refused(&s, "PDPT past the end of RAM");
	pae_sregs(&s, true, 0xfee00000);
	set_sregs_refused(&s, "PDPT in the APIC page");

	/* ONE_REG CR0 into PAE paging and CR3 under it, on a bad PDPT. */
	pae_sregs(&nopg, false, PDPT_GPA);
	assert_int_equal(vcpu_set_sregs(&vcpu, &nopg), 0);
	bad[0] = pdpt[0] | BIT(2);
	assert_int_equal(guest_mem_write(&vm.mem, PDPT_GPA, bad, 8), 0);
	v = nopg.cr0 | X86_CR0_PG;
	one_reg_refused(PLINTH_KVM_REG_CR(0), &v, -EINVAL);
	assert_int_equal(guest_mem_write(&vm.mem, PDPT_GPA, pdpt, sizeof(pdpt)), 0);
	assert_int_equal(one_reg_set(PLINTH_KVM_REG_CR(0), v), 0);
	v = PAE_RAM_BYTES - 0x20; /* the last 32 bytes of RAM: zeros, all not present */
	assert_int_equal(one_reg_set(PLINTH_KVM_REG_CR(3), v), 0);
	v = PAE_RAM_BYTES;
	one_reg_refused(PLINTH_KVM_REG_CR(3), &v, -EINVAL);
}

/* One CR-access exit: MOV to CR (qual) from EAX = value, as vmx_exit_cr_access handles it and
 * the next entry sees it. */
static void mov_to_cr_exit(uint64_t qual, uint64_t value)
{
	vcpu_regs_flush(&vcpu);
	vcpu_regs_exit(&vcpu);
	*slot(VMCS_EXIT_QUALIFICATION) = qual;
	*slot(VMCS_EXIT_INSTRUCTION_LEN) = MOV_CR_LEN;
	vcpu.regs[VCPU_REG_RAX] = value;
	assert_int_equal(vmx_exit_cr_access(&vcpu), 0);
	vcpu_regs_flush(&vcpu);
}

static void test_mov_cr0_pae_loads_pdptes(void **state)
{
	struct plinth_kvm_sregs s;
	uint64_t cr0, rip, bad[4];

	pae_sregs(&s, false, PDPT_GPA);
	assert_int_equal(vcpu_set_sregs(&vcpu, &s), 0);
	cr0 = s.cr0 | X86_CR0_PG;
	rip = vcpu_reg_read(&vcpu, VCPU_REG_RIP);
	mov_to_cr_exit(CR_MOV_TO_CR0, cr0);
	assert_int_equal(*slot(VMCS_CR0_READ_SHADOW), cr0);
	assert_int_equal(*slot(VMCS_GUEST_RIP), rip + MOV_CR_LEN);
	assert_vmcs_pdptes(pdpt);

	/* Paging off loads nothing, even from a bad PDPT; paging on again with it is #GP and
	 * leaves CR0, RIP and the PDPTEs as they were. */
	memcpy(bad, pdpt, sizeof(bad));
	bad[3] = 0x30000 | PDPTE_P | BIT(MAXPHYADDR);
	assert_int_equal(guest_mem_write(&vm.mem, PDPT_GPA, bad, sizeof(bad)), 0);
	mov_to_cr_exit(CR_MOV_TO_CR0, s.cr0);
	assert_int_equal(*slot(VMCS_CR0_READ_SHADOW), s.cr0);
	assert_vmcs_pdptes(pdpt);
	rip = *slot(VMCS_GUEST_RIP);
	exception_expected = true;
	mov_to_cr_exit(CR_MOV_TO_CR0, cr0);
	assert_int_equal(exception_vector, 13);
	assert_int_equal(*slot(VMCS_CR0_READ_SHADOW), s.cr0);
	assert_int_equal(*slot(VMCS_GUEST_RIP), rip);
	assert_vmcs_pdptes(pdpt);

	/* A PDPT outside RAM: #GP as well. */
	exception_vector = -1;
	pae_sregs(&s, false, PAE_RAM_BYTES);
	assert_int_equal(vcpu_set_sregs(&vcpu, &s), 0);
	mov_to_cr_exit(CR_MOV_TO_CR0, cr0);
	assert_int_equal(exception_vector, 13);
	assert_int_equal(*slot(VMCS_CR0_READ_SHADOW), s.cr0);
	exception_expected = false;

	/* Long mode is not PAE paging: enabling paging with LME loads nothing. */
	memset(bad, 0, sizeof(bad));
	assert_int_equal(guest_mem_write(&vm.mem, PDPT_GPA, bad, sizeof(bad)), 0);
	pae_sregs(&s, false, PDPT_GPA);
	s.efer |= X86_EFER_LME;
	assert_int_equal(vcpu_set_sregs(&vcpu, &s), 0);
	mov_to_cr_exit(CR_MOV_TO_CR0, cr0);
	assert_int_equal(*slot(VMCS_CR0_READ_SHADOW), cr0);
	assert_int_equal(*slot(VMCS_GUEST_IA32_EFER) & X86_EFER_LMA, X86_EFER_LMA);
	assert_vmcs_pdptes(pdpt);
}

/* MOV to CR4 under PAE paging reloads the PDPTEs when it changes PSE (or PAE, PGE, SMEP), not
 * for the other bits. */
static void test_mov_cr4_pae_loads_pdptes(void **state)
{
	struct plinth_kvm_sregs s;
	uint64_t pdpt2[4] = { 0x40000 | PDPTE_P, 0x41000 | PDPTE_P, 0, 0 };

	pae_sregs(&s, true, PDPT_GPA);
	assert_int_equal(vcpu_set_sregs(&vcpu, &s), 0);
	assert_vmcs_pdptes(pdpt);
	/* The guest changes its PDPT in memory: the CPU keeps the PDPTEs it loaded. */
	assert_int_equal(guest_mem_write(&vm.mem, PDPT_GPA, pdpt2, sizeof(pdpt2)), 0);
	mov_to_cr_exit(CR_MOV_TO_CR4, X86_CR4_PAE | CR4_VME);
	assert_int_equal(*slot(VMCS_CR4_READ_SHADOW), X86_CR4_PAE | CR4_VME);
	assert_vmcs_pdptes(pdpt);
	mov_to_cr_exit(CR_MOV_TO_CR4, X86_CR4_PAE | CR4_VME | CR4_PSE);
	assert_int_equal(*slot(VMCS_CR4_READ_SHADOW), X86_CR4_PAE | CR4_VME | CR4_PSE);
	assert_vmcs_pdptes(pdpt2);

	/* A bad PDPTE makes the same change #GP. */
	pdpt2[1] |= BIT(5);
	assert_int_equal(guest_mem_write(&vm.mem, PDPT_GPA, pdpt2, sizeof(pdpt2)), 0);
	exception_expected = true;
	mov_to_cr_exit(CR_MOV_TO_CR4, X86_CR4_PAE | CR4_VME);
	assert_int_equal(exception_vector, 13);
	assert_int_equal(*slot(VMCS_CR4_READ_SHADOW), X86_CR4_PAE | CR4_VME | CR4_PSE);
	pdpt2[1] &= ~BIT(5);
	assert_vmcs_pdptes(pdpt2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_regs_land_in_the_right_registers, setup),
		cmocka_unit_test_setup(test_regs_refused, setup),
		cmocka_unit_test_setup(test_sregs_round_trip, setup),
		cmocka_unit_test_setup(test_sregs_change_the_mode, setup),
		cmocka_unit_test_setup(test_sregs_real_mode, setup),
		cmocka_unit_test_setup(test_sregs_refused, setup),
		cmocka_unit_test_setup(test_events_exception_round_trip, setup),
		cmocka_unit_test_setup(test_events_interrupt_and_shadow, setup),
		cmocka_unit_test_setup(test_events_soft_events_kept, setup),
		cmocka_unit_test_setup(test_events_refused, setup),
		cmocka_unit_test_setup(test_state_check, setup),
		cmocka_unit_test_setup(test_state_check_virtual_8086, setup),
		cmocka_unit_test_setup(test_reg_list, setup),
		cmocka_unit_test_setup(test_one_reg_round_trip, setup),
		cmocka_unit_test_setup(test_one_reg_wrong_size, setup),
		cmocka_unit_test_setup(test_one_reg_unknown, setup),
		cmocka_unit_test_setup(test_one_reg_gpr_and_cr, setup),
		cmocka_unit_test_setup(test_one_reg_seg, setup),
		cmocka_unit_test_setup(test_one_reg_msr_canonical, setup),
		cmocka_unit_test_setup(test_one_reg_msr_values, setup),
		cmocka_unit_test_setup_teardown(test_sregs_pae_loads_pdptes, setup_ram,
						teardown_ram),
		cmocka_unit_test_setup_teardown(test_sregs_pae_pdptes_refused, setup_ram,
						teardown_ram),
		cmocka_unit_test_setup_teardown(test_mov_cr0_pae_loads_pdptes, setup_ram,
						teardown_ram),
		cmocka_unit_test_setup_teardown(test_mov_cr4_pae_loads_pdptes, setup_ram,
						teardown_ram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
