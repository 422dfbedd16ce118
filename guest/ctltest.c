// SPDX-License-Identifier: MIT
/*
 * The control API under test (flat, 64-bit, a control guest): deferred system registers of two
 * child vCPUs run in turn, MMIO exits and their completion, sync regs that must be refused
 * whole, ONE_REG, and every call with hostile arguments. Each check says what a VMM author
 * would notice; the guest ends with the number of the first that failed.
 */
#include "lib/check.h"
#include "lib/child.h"
#include "lib/control.h"
#include "lib/cpu.h"
#include "lib/entry.h"
#include "lib/printf.h"
#include "lib/string.h"

#define EPERM  1
#define ENOENT 2
#define EINTR  4
#define E2BIG  7
#define EBADF  9
#define EFAULT 14
#define EEXIST 17
#define EINVAL 22
#define ENOSPC 28

#define CHILD_RAM  (2ul << 20)
#define CHILD_LOAD 0x100000ul
#define CHILD_PML4 0x1000ul
#define MMIO_GPA   0x30000000ul
#define NR_SYSREGS 6

extern const char sysregs_child[], sysregs_child_end[], mmio_child[], mmio_child_end[];
extern const char spin_child[], spin_child_end[];
unsigned long ring3_vmcall(unsigned long nr);
void ring3_kernel_entry(void);
void trap_load_gdt(const void *gdt_ptr);

/* One page each: the run area is a page of the caller's RAM. */
static union {
	struct plinth_kvm_run r;
	uint8_t page[PLINTH_KVM_RUN_AREA_BYTES];
} run_pages[2] __attribute__((aligned(4096)));
#define run(k) (&run_pages[k].r)
static uint64_t buf[512] __attribute__((aligned(4096)));
static struct checks c = { .name = "ctltest" };

static const uint32_t sysreg_msr[NR_SYSREGS] = { 0xc0000102, 0xc0000081, 0xc0000082,
						 0xc0000083, 0xc0000084, 0xc0000103 };

/* A child VM with 2 MiB of RAM, the identity map and code at CHILD_LOAD. */
static long make_child(const char *code, const char *end)
{
	return child_vm_create(CHILD_RAM, CHILD_PML4, code, end, CHILD_LOAD);
}

/* Long mode, flat, at CHILD_LOAD, through SET_SREGS and SET_REGS (no run area). */
static long start_long_mode(long vcpu, uint64_t r8)
{
	struct plinth_kvm_regs r = { .r8 = r8 };

	return child_vcpu_start(vcpu, CHILD_PML4, CHILD_LOAD, &r);
}

/* Runs the sysregs child to its HLT; records the values it reported. */
static long run_sysregs(long vcpu, struct plinth_kvm_run *ra, uint64_t *seen)
{
	uint32_t lo = 0;

	for (unsigned int n = 0; n < 2 * NR_SYSREGS + 1; n++) {
		long r = plinth_run(vcpu);
		uint32_t v;

		if (r)
			return r;
		if (ra->exit_reason == PLINTH_KVM_EXIT_HLT)
			return n == 2 * NR_SYSREGS ? 0 : -1;
		if (ra->exit_reason != PLINTH_KVM_EXIT_IO || ra->io.size != 4)
			return -2;
		memcpy(&v, (uint8_t *)ra + ra->io.data_offset, 4);
		if (ra->io.port == 0x500)
			lo = v;
		else
			seen[n / 2] = ((uint64_t)v << 32) | lo;
	}
	return -3;
}

static void test_sysregs(void)
{
	static const uint64_t base[2] = { 0xffff800000001000ul, 0xffff800000002000ul };
	uint64_t seen[NR_SYSREGS], mine[NR_SYSREGS], v;
	long vm = make_child(sysregs_child, sysregs_child_end), vcpu[2];
	bool ok = vm > 0, clean = true;

	for (unsigned int i = 0; i < NR_SYSREGS; i++)
		mine[i] = rdmsr(sysreg_msr[i]);
	for (unsigned int k = 0; k < 2 && ok; k++) {
		vcpu[k] = plinth_create_vcpu(vm, run(k));
		ok = vcpu[k] > 0 && !start_long_mode(vcpu[k], 0x10 * (k + 1));
		/* Each vCPU's own values, set while it is not loaded. */
		for (unsigned int i = 0; i < NR_SYSREGS && ok; i++) {
			v = i >= 4 ? 0x100 * (k + 1) + i :
				     base[k] + i; /* SFMASK, TSC_AUX: 32-bit */
			ok = !plinth_set_one_reg(vcpu[k], PLINTH_KVM_REG_MSR(sysreg_msr[i]), &v);
		}
	}
	check(&c, 1, ok,
	      "two child vCPUs with their own KERNEL_GS_BASE, STAR, LSTAR, CSTAR, "
	      "SFMASK, TSC_AUX through SET_ONE_REG");
	/* Run them in turn: each sees its own values, then adds its delta with WRMSR. */
	for (unsigned int round = 0; round < 2 && ok; round++) {
		for (unsigned int k = 0; k < 2 && ok; k++) {
			ok = !run_sysregs(vcpu[k], run(k), seen);
			for (unsigned int i = 0; i < NR_SYSREGS && ok; i++) {
				uint64_t want = (i >= 4 ? 0x100 * (k + 1) + i : base[k] + i) +
						round * 0x10 * (k + 1);

				if (seen[i] != want) {
					printf("ctltest: vCPU %u MSR 0x%x = 0x%lx, expected "
					       "0x%lx\n",
					       k, sysreg_msr[i], seen[i], want);
					ok = false;
				}
				ok = ok &&
				     !plinth_get_one_reg(vcpu[k], PLINTH_KVM_REG_MSR(sysreg_msr[i]),
							 &v) &&
				     v == want + 0x10 * (k + 1);
			}
		}
	}
	check(&c, 2, ok,
	      "run in turn twice, each vCPU read only its own values (RDMSR inside, "
	      "GET_ONE_REG outside), none leaked to the other");
	for (unsigned int i = 0; i < NR_SYSREGS; i++)
		clean = clean && rdmsr(sysreg_msr[i]) == mine[i];
	check(&c, 3, clean, "the control guest's own six registers are untouched");
	check(&c, 4, plinth_destroy_vm(vm) == 0, "DESTROY_VM of the sysregs child");
}

static void test_mmio(void)
{
	long vm = make_child(mmio_child, mmio_child_end), vcpu = -1, r = -1;
	struct plinth_kvm_run *ra = run(0);
	uint32_t v = 0;
	bool ok = vm > 0;

	if (ok) {
		vcpu = plinth_create_vcpu(vm, ra);
		ok = vcpu > 0 && !start_long_mode(vcpu, 0);
	}
	if (ok)
		r = plinth_run(vcpu);
	ok = ok && r == 0 && ra->exit_reason == PLINTH_KVM_EXIT_MMIO && !ra->mmio.is_write &&
	     ra->mmio.phys_addr == MMIO_GPA && ra->mmio.len == 4;
	check(&c, 5, ok, "a load from GPA 0x%lx is an MMIO exit: read, 4 bytes", MMIO_GPA);
	v = 0x12345678;
	memcpy(ra->mmio.data, &v, 4);
	r = ok ? plinth_run(vcpu) : -1;
	memcpy(&v, ra->mmio.data, 4);
	ok = r == 0 && ra->exit_reason == PLINTH_KVM_EXIT_MMIO && ra->mmio.is_write &&
	     ra->mmio.phys_addr == MMIO_GPA + 0x10 && ra->mmio.len == 4 && v == 0x12345678;
	check(&c, 6, ok,
	      "the next RUN completed the load with the data given; the store writes it "
	      "(0x%x to 0x%lx)",
	      v, (unsigned long)ra->mmio.phys_addr);
	r = ok ? plinth_run(vcpu) : -1;
	v = 0;
	memcpy(&v, ra->mmio.data, 2);
	ok = r == 0 && ra->exit_reason == PLINTH_KVM_EXIT_MMIO && ra->mmio.is_write &&
	     ra->mmio.len == 2 && v == 0x5679;
	r = ok ? plinth_run(vcpu) : -1;
	check(&c, 7, ok && r == 0 && ra->exit_reason == PLINTH_KVM_EXIT_HLT,
	      "a 2-byte store of the value + 1 (0x%x), then HLT", v);

	/* Sync regs: a bad class refuses the whole RUN and applies nothing. */
	ra->kvm_valid_regs = PLINTH_KVM_SYNC_X86_REGS | PLINTH_KVM_SYNC_X86_SREGS;
	r = plinth_run(vcpu); /* HLT again: the child is past its last instruction */
	ok = r == 0 && ra->s.regs.regs.rip != 0 && ra->s.regs.sregs.cr3 == CHILD_PML4;
	check(&c, 8, ok, "kvm_valid_regs: RUN stored regs (RIP 0x%lx) and sregs (CR3 0x%lx)",
	      (unsigned long)ra->s.regs.regs.rip, (unsigned long)ra->s.regs.sregs.cr3);
	ra->s.regs.regs.rbx = 0xb0b;
	ra->s.regs.sregs.cr0 = 0x80000000; /* PG without PE */
	ra->kvm_dirty_regs = PLINTH_KVM_SYNC_X86_REGS | PLINTH_KVM_SYNC_X86_SREGS;
	r = plinth_run(vcpu);
	{
		struct plinth_kvm_regs regs;

		plinth_vcpu_state(PLINTH_HC_GET_REGS, vcpu, &regs);
		check(&c, 9, r == -EINVAL && regs.rbx != 0xb0b && ra->kvm_dirty_regs != 0,
		      "CR0.PG without PE in dirty sregs: RUN = %ld, the dirty regs were not "
		      "applied either",
		      r);
	}
	ra->kvm_dirty_regs = 0;
	ra->immediate_exit = 1;
	r = plinth_run(vcpu);
	check(&c, 10, r == -EINTR && ra->exit_reason == PLINTH_KVM_EXIT_INTR,
	      "immediate_exit: RUN = %ld without running", r);
	ra->immediate_exit = 0;
	plinth_destroy_vm(vm);
}

static void test_one_reg(long vcpu)
{
	uint64_t v = 0;
	long n;

	check(&c, 11, plinth_get_one_reg(vcpu, PLINTH_KVM_REG_RIP, &v) == 0 && v == 0xfff0,
	      "GET_ONE_REG RIP of a new vCPU: 0x%lx (reset state)", v);
	check(&c, 12,
	      plinth_get_one_reg(vcpu, PLINTH_KVM_REG_MSR(0x12345678), &v) == -ENOENT &&
		      plinth_get_one_reg(vcpu, 0, &v) == -ENOENT,
	      "unknown register ids: -ENOENT");
	check(&c, 13,
	      plinth_get_one_reg(vcpu,
				 (PLINTH_KVM_REG_RIP & ~PLINTH_KVM_REG_SIZE_MASK) |
					 PLINTH_KVM_REG_SIZE_U32,
				 &v) == -EINVAL,
	      "RIP with a 32-bit size: -EINVAL");
	v = 0x8000000000000000ul;
	check(&c, 14, plinth_set_one_reg(vcpu, PLINTH_KVM_REG_MSR(0xc0000082), &v) == -EINVAL,
	      "a non-canonical LSTAR: -EINVAL");
	buf[0] = 1;
	n = plinth_vcpu_state(PLINTH_HC_GET_REG_LIST, vcpu, buf);
	check(&c, 15, n == -E2BIG && buf[0] > 30, "GET_REG_LIST with room for 1: -E2BIG, %lu ids",
	      buf[0]);
	n = plinth_vcpu_state(PLINTH_HC_GET_REG_LIST, vcpu, buf);
	check(&c, 16, n == 0 && buf[1] == PLINTH_KVM_REG_GPR(0),
	      "GET_REG_LIST with room: %lu ids, the first RAX", buf[0]);
}

static void test_hostile(void)
{
	long pages = plinth_check_extension(PLINTH_CAP_CHILD_PAGES);
	long vm = plinth_create_vm(), vm2, vcpu, old_vcpu;
	uint64_t end_of_ram = 16ul << 20;
	bool ok = true;

	check(&c, 17, vm > 0, "CREATE_VM");
	/* Handles: random, of the wrong kind, of a destroyed object. */
	ok = plinth_run(0) == -EBADF && plinth_run(vm) == -EBADF &&
	     plinth_run(0xffffffffffffffff) == -EBADF && plinth_destroy_vm(0x1234) == -EBADF &&
	     plinth_set_memory_region(vm + 0x10000, 0, 0, 4096) == -EBADF;
	check(&c, 18, ok, "made-up handles and a VM handle used as a vCPU's: -EBADF");
	ok = plinth_set_memory_region(vm, 16, 0, 4096) == -EINVAL &&
	     plinth_set_memory_region(vm, 0, 0x123, 4096) == -EINVAL &&
	     plinth_set_memory_region(vm, 0, 0, 4095) == -EINVAL &&
	     plinth_set_memory_region(vm, 0, 0xfffffffffffff000ul, 0x2000) == -EINVAL &&
	     plinth_set_memory_region(vm, 0, 0, (unsigned long)(pages + 1) << 12) == -ENOSPC &&
	     plinth_set_memory_region(vm, 0, 0, 0x200000) == 0 &&
	     plinth_set_memory_region(vm, 1, 0x100000, 0x200000) == -EEXIST &&
	     plinth_set_memory_region(vm, 0, 0, 0x400000) == -EINVAL &&
	     plinth_set_memory_region(vm, 3, 0, 0) == -EINVAL;
	check(&c, 19, ok,
	      "memory regions: bad slot, unaligned, wrapping, over the quota, "
	      "overlapping, resized, deleting an empty slot: all refused");
	ok = plinth_write_guest_memory(vm, 0, buf, PLINTH_COPY_MAX_BYTES + 1) == -EINVAL &&
	     plinth_write_guest_memory(vm, 0, (void *)(end_of_ram - 8), 16) == -EFAULT &&
	     plinth_write_guest_memory(vm, 0x1ff000, buf, 0x2000) == -EFAULT &&
	     plinth_read_guest_memory(vm, 0, (void *)0xfffffffffffff000ul, 0x2000) == -EFAULT &&
	     plinth_read_guest_memory(vm, 0, (void *)0xfee00000ul, 8) == -EFAULT &&
	     plinth_write_guest_memory(vm, 0x1ffff8, buf, 8) == 0;
	check(&c, 20, ok,
	      "copies past either RAM's end, wrapping, into MMIO, too long: refused; "
	      "the last 8 bytes: copied");
	ok = plinth_create_vcpu(vm, (void *)0x123) == -EINVAL &&
	     plinth_create_vcpu(vm, (void *)end_of_ram) == -EFAULT &&
	     plinth_create_vcpu(vm, (void *)0xfffffffffffff000ul) == -EFAULT;
	check(&c, 21, ok, "a run area unaligned or outside the caller's RAM: refused");
	old_vcpu = plinth_create_vcpu(vm, run(1));
	test_one_reg(old_vcpu);
	ok = old_vcpu > 0 && plinth_destroy_vcpu(old_vcpu) == 0;
	vcpu = plinth_create_vcpu(vm, run(1));
	ok = ok && vcpu > 0 && plinth_run(old_vcpu) == -EBADF &&
	     plinth_get_one_reg(old_vcpu, PLINTH_KVM_REG_RIP, buf) == -EBADF &&
	     plinth_destroy_vcpu(old_vcpu) == -EBADF;
	check(&c, 22, ok,
	      "a destroyed vCPU's handle stays dead after its slot is reused "
	      "(old 0x%lx, new 0x%lx)",
	      old_vcpu, vcpu);
	ok = plinth_vcpu_state(PLINTH_HC_GET_REGS, vcpu, (void *)(end_of_ram - 8)) == -EFAULT &&
	     plinth_vcpu_state(PLINTH_HC_SET_SREGS, vcpu, (void *)0xfffffffffffffff0ul) ==
		     -EFAULT &&
	     plinth_get_one_reg(vcpu, PLINTH_KVM_REG_RIP, (void *)(end_of_ram - 4)) == -EFAULT;
	for (uint64_t size = 0; size < 16 && ok; size++) {
		uint64_t id = (PLINTH_KVM_REG_RIP & ~PLINTH_KVM_REG_SIZE_MASK) | (size << 52);
		long r = plinth_get_one_reg(vcpu, id, buf);

		ok = size == 3 ? r == 0 : r == -EINVAL;
	}
	check(&c, 23, ok, "register buffers past the end of RAM, ids of every size: refused");
	vm2 = plinth_create_vm();
	ok = vm2 > 0 && plinth_destroy_vcpu(vm2) == -EBADF && plinth_destroy_vm(vm2) == 0 &&
	     plinth_destroy_vm(vm2) == -EBADF && plinth_destroy_vm(vm) == 0 &&
	     plinth_check_extension(PLINTH_CAP_CHILD_PAGES) == pages;
	check(&c, 24, ok, "everything destroyed; all %ld child pages back", pages);
}

/* A child that never exits: RUN comes back at the end of plinth's time slice. */
static void test_spin(void)
{
	long vm = make_child(spin_child, spin_child_end), vcpu = -1, r = -1;
	struct plinth_kvm_run *ra = run(0);
	struct plinth_kvm_regs regs = { 0 };

	if (vm > 0) {
		vcpu = plinth_create_vcpu(vm, ra);
		r = vcpu > 0 ? start_long_mode(vcpu, 0) : -1;
	}
	if (!r)
		r = plinth_run(vcpu);
	plinth_vcpu_state(PLINTH_HC_GET_REGS, vcpu, &regs);
	check(&c, 25, r == -EINTR && ra->exit_reason == PLINTH_KVM_EXIT_INTR && regs.rax > 1000,
	      "a child spinning without exits: RUN = %ld (KVM_EXIT_INTR) after %lu iterations", r,
	      (unsigned long)regs.rax);
	r = plinth_run(vcpu);
	check(&c, 26, r == -EINTR && plinth_destroy_vm(vm) == 0,
	      "RUN again: it spun on and came back again (%ld); DESTROY_VM", r);
}

#define MSR_EFER   0xc0000080
#define MSR_STAR   0xc0000081
#define MSR_LSTAR  0xc0000082
#define MSR_SFMASK 0xc0000084
#define EFER_SCE   0x1
#define PTE_P	   0x1
#define PTE_US	   0x4
#define PTE_PS	   0x80

/* Flat 64-bit kernel code 0x08 and data 0x10 (as lib/trap.c's), user data 0x18 and 64-bit user
 * code 0x20 where SYSRET looks for them (STAR[63:48] = 0x10). */
static const uint64_t gdt[] __attribute__((aligned(16))) = {
	0,
	0x00af9b000000ffffull,
	0x00cf93000000ffffull,
	0x00cff3000000ffffull,
	0x00affb000000ffffull,
};

/* Lets CPL 3 reach every page of the identity map plinth gave this guest. */
static void let_user_in(void)
{
	uint64_t *pml4 = (uint64_t *)(read_cr3() & ~0xffful);

	for (unsigned int i = 0; i < 512; i++) {
		uint64_t *pdpt = (uint64_t *)(pml4[i] & 0xffffffffff000ul);

		if (!(pml4[i] & PTE_P))
			continue;
		pml4[i] |= PTE_US;
		for (unsigned int j = 0; j < 512; j++) {
			uint64_t *pd = (uint64_t *)(pdpt[j] & 0xffffffffff000ul);

			if (!(pdpt[j] & PTE_P))
				continue;
			pdpt[j] |= PTE_US;
			for (unsigned int k = 0; k < 512 && !(pdpt[j] & PTE_PS); k++)
				if (pd[k] & PTE_P)
					pd[k] |= PTE_US;
		}
	}
	write_cr3(read_cr3());
}

/* The control calls belong to the control guest's kernel: from its user mode, -EPERM. */
static void test_cpl3(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdt_ptr = { sizeof(gdt) - 1, (uintptr_t)gdt };
	uint64_t efer = rdmsr(MSR_EFER), star = rdmsr(MSR_STAR), lstar = rdmsr(MSR_LSTAR);
	uint64_t sfmask = rdmsr(MSR_SFMASK);
	long pages = plinth_check_extension(PLINTH_CAP_CHILD_PAGES);
	long r, r_destroy;

	trap_load_gdt(&gdt_ptr);
	let_user_in();
	wrmsr(MSR_STAR, (0x10ul << 48) | (0x08ul << 32));
	wrmsr(MSR_LSTAR, (uintptr_t)ring3_kernel_entry);
	wrmsr(MSR_SFMASK, 0);
	wrmsr(MSR_EFER, efer | EFER_SCE);
	r = (long)ring3_vmcall(PLINTH_HC_CREATE_VM);
	r_destroy = (long)ring3_vmcall(PLINTH_HC_DESTROY_VM);
	wrmsr(MSR_EFER, efer);
	wrmsr(MSR_STAR, star);
	wrmsr(MSR_LSTAR, lstar);
	wrmsr(MSR_SFMASK, sfmask);
	check(&c, 27,
	      r == -EPERM && r_destroy == -EPERM &&
		      plinth_check_extension(PLINTH_CAP_CHILD_PAGES) == pages,
	      "CREATE_VM and DESTROY_VM from CPL 3: %ld and %ld (-EPERM), nothing made", r,
	      r_destroy);
}

int main(void)
{
	test_sysregs();
	test_mmio();
	test_hostile();
	test_spin();
	test_cpl3();
	return (int)checks_done(&c);
}
