// SPDX-License-Identifier: MIT
/*
 * The control API (docs/hypercalls.md). Each call checks every handle, slot, length and
 * guest-physical address it is given before it acts, and either does all it says or nothing.
 * Buffers live in the caller's RAM and are copied in before they are looked at: the caller may
 * change them at any moment.
 */
#include "arch/x86/vmx/vcpu_state.h"
#include "arch/x86/vmx/vmx.h"
#include "core/control.h"
#include "core/errno.h"
#include "core/handle.h"
#include "core/hypercall.h"
#include "core/panic.h"
#include "core/spinlock.h"
#include "core/string.h"
#include "core/vm.h"
#include "guest/include/plinth/hypercall.h"
#include "guest/include/plinth/kvm.h"

#define CONTROL_MAX_CHILDREN 8 /* child VMs per control guest at a time */
#define REG_LIST_MAX	     64

/* Every control guest's children, told apart by owner (the control guest's struct vm). Control
 * guests on different CPUs share the table, so every use takes the lock; it is never held
 * while a child runs or a VM is made or destroyed. */
static struct handle_table handles;
static spinlock_t handles_lock = SPINLOCK_INIT;

static int h_alloc(enum handle_kind kind, void *obj, const void *owner, uint64_t *h)
{
	int err;

	spin_lock(&handles_lock);
	err = handle_alloc(&handles, kind, obj, owner, h);
	spin_unlock(&handles_lock);
	return err;
}

static void *h_lookup(enum handle_kind kind, uint64_t h, const void *owner)
{
	void *obj;

	spin_lock(&handles_lock);
	obj = handle_lookup(&handles, kind, h, owner);
	spin_unlock(&handles_lock);
	return obj;
}

static int h_free(enum handle_kind kind, uint64_t h, const void *owner)
{
	int err;

	spin_lock(&handles_lock);
	err = handle_free(&handles, kind, h, owner);
	spin_unlock(&handles_lock);
	return err;
}

static int h_find_owned(enum handle_kind kind, const void *owner, uint64_t *h)
{
	int err;

	spin_lock(&handles_lock);
	err = handle_find_owned(&handles, kind, owner, h);
	spin_unlock(&handles_lock);
	return err;
}

static unsigned int h_count(enum handle_kind kind, const void *owner)
{
	unsigned int n;

	spin_lock(&handles_lock);
	n = handle_count(&handles, kind, owner);
	spin_unlock(&handles_lock);
	return n;
}

static struct vm *child_vm(struct vcpu *caller, uint64_t h)
{
	return h_lookup(HANDLE_VM, h, caller->vm);
}

static struct vcpu *child_vcpu(struct vcpu *caller, uint64_t h)
{
	return h_lookup(HANDLE_VCPU, h, caller->vm);
}

static void destroy_child(struct vm *ctl, struct vm *vm, uint64_t h)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		h_free(HANDLE_VCPU, vm->vcpus[i]->handle, ctl);
	h_free(HANDLE_VM, h, ctl);
	vm_destroy(vm);
}

void control_release(struct vm *controller)
{
	uint64_t h;

	while (!h_find_owned(HANDLE_VM, controller, &h))
		destroy_child(controller, h_lookup(HANDLE_VM, h, controller), h);
}

static int64_t create_vm(struct vcpu *caller)
{
	struct vm *ctl = caller->vm, *vm;
	uint64_t h;
	int err;

	if (h_count(HANDLE_VM, ctl) >= CONTROL_MAX_CHILDREN)
		return -ENOSPC;
	err = vm_create_child(ctl, &vm);
	if (err)
		return err;
	err = h_alloc(HANDLE_VM, vm, ctl, &h);
	if (err) {
		vm_destroy(vm);
		return err;
	}
	return (int64_t)h;
}

static int64_t destroy_vm(struct vcpu *caller, uint64_t h)
{
	struct vm *vm = child_vm(caller, h);

	if (!vm)
		return -EBADF;
	destroy_child(caller->vm, vm, h);
	return 0;
}

static int64_t set_memory_region(struct vcpu *caller, const uint64_t *arg)
{
	struct vm *vm = child_vm(caller, arg[0]);

	if (!vm)
		return -EBADF;
	if (arg[1] >= GUEST_MEM_MAX_SLOTS)
		return -EINVAL;
	return vm_set_memory_region(vm, (unsigned int)arg[1], arg[2], arg[3]);
}

/* [gpa, gpa + len) lies in RAM, without wrapping. */
static bool ram_range(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	return gpa + len >= gpa && guest_mem_is_ram(gm, gpa, len);
}

/* Copies len bytes between two guests' RAM, a piece at a time: no piece crosses a page on
 * either side, so each is one host range (guest_mem_hva). Both ranges are checked already. */
static void copy_ram(struct guest_mem *dst, uint64_t dst_gpa, const struct guest_mem *src,
		     uint64_t src_gpa, uint64_t len)
{
	while (len) {
		uint64_t n = MIN(len, PAGE_SIZE - (dst_gpa & (PAGE_SIZE - 1)));

		n = MIN(n, PAGE_SIZE - (src_gpa & (PAGE_SIZE - 1)));
		memcpy(guest_mem_hva(dst, dst_gpa, n), guest_mem_hva(src, src_gpa, n), n);
		dst_gpa += n;
		src_gpa += n;
		len -= n;
	}
}

static int64_t copy_guest_memory(struct vcpu *caller, const uint64_t *arg, bool to_child)
{
	struct vm *vm = child_vm(caller, arg[0]), *ctl = caller->vm;
	uint64_t child_gpa = arg[1], caller_gpa = arg[2], len = arg[3];

	if (!vm)
		return -EBADF;
	if (len > PLINTH_COPY_MAX_BYTES)
		return -EINVAL;
	if (!ram_range(&ctl->mem, caller_gpa, len) || !ram_range(&vm->mem, child_gpa, len))
		return -EFAULT;
	if (to_child)
		copy_ram(&vm->mem, child_gpa, &ctl->mem, caller_gpa, len);
	else
		copy_ram(&ctl->mem, caller_gpa, &vm->mem, child_gpa, len);
	return 0;
}

static int64_t create_vcpu(struct vcpu *caller, uint64_t vm_handle, uint64_t run_gpa)
{
	struct vm *vm = child_vm(caller, vm_handle);
	struct vcpu *vcpu;
	void *run;
	uint64_t h;
	int err;

	if (!vm)
		return -EBADF;
	if (run_gpa & (PLINTH_KVM_RUN_AREA_BYTES - 1))
		return -EINVAL;
	run = guest_mem_hva(&caller->vm->mem, run_gpa, PLINTH_KVM_RUN_AREA_BYTES);
	if (!run)
		return -EFAULT;
	if (vm->nr_vcpus >= VM_CHILD_MAX_VCPUS)
		return -ENOSPC;
	err = vm_add_vcpu(vm, &vcpu);
	if (err)
		return err;
	err = h_alloc(HANDLE_VCPU, vcpu, caller->vm, &h);
	if (err) {
		vm_remove_vcpu(vm, vcpu);
		return err;
	}
	vcpu->handle = h;
	vcpu->run = run;
	memset(run, 0, PLINTH_KVM_RUN_AREA_BYTES);
	return (int64_t)h;
}

static int64_t destroy_vcpu(struct vcpu *caller, uint64_t h)
{
	struct vcpu *vcpu = child_vcpu(caller, h);

	if (!vcpu)
		return -EBADF;
	h_free(HANDLE_VCPU, h, caller->vm);
	vm_remove_vcpu(vcpu->vm, vcpu);
	return 0;
}

/* The register calls: the child's VMCS is made current around the access. */
union state_buf {
	struct plinth_kvm_regs regs;
	struct plinth_kvm_sregs sregs;
	struct plinth_kvm_vcpu_events events;
	uint8_t one_reg[32];
	uint64_t list[1 + REG_LIST_MAX];
};

static int state_call(struct vcpu *caller, struct vcpu *vcpu, uint64_t nr, uint64_t id,
		      uint64_t gpa)
{
	struct guest_mem *mem = &caller->vm->mem;
	union state_buf b;
	uint64_t n;
	int size = 0, err = 0;

	/* Sizes and copies in first: nothing of the child changes if the buffer is bad. */
	switch (nr) {
	case PLINTH_HC_SET_REGS:
		err = guest_mem_read(mem, gpa, &b.regs, sizeof(b.regs));
		break;
	case PLINTH_HC_SET_SREGS:
		err = guest_mem_read(mem, gpa, &b.sregs, sizeof(b.sregs));
		break;
	case PLINTH_HC_SET_VCPU_EVENTS:
		err = guest_mem_read(mem, gpa, &b.events, sizeof(b.events));
		break;
	case PLINTH_HC_GET_ONE_REG:
	case PLINTH_HC_SET_ONE_REG:
		size = vcpu_one_reg_size(id);
		if (size < 0)
			return size;
		if (!ram_range(mem, gpa, (uint64_t)size))
			return -EFAULT;
		if (nr == PLINTH_HC_SET_ONE_REG)
			err = guest_mem_read(mem, gpa, b.one_reg, (uint64_t)size);
		break;
	case PLINTH_HC_GET_REG_LIST:
		err = guest_mem_read(mem, gpa, &n, sizeof(n));
		break;
	default:
		break;
	}
	if (err)
		return err;

	vcpu_vmcs_borrow(vcpu);
	switch (nr) {
	case PLINTH_HC_GET_REGS:
		vcpu_get_regs(vcpu, &b.regs);
		break;
	case PLINTH_HC_SET_REGS:
		err = vcpu_set_regs(vcpu, &b.regs);
		break;
	case PLINTH_HC_GET_SREGS:
		vcpu_get_sregs(vcpu, &b.sregs);
		break;
	case PLINTH_HC_SET_SREGS:
		err = vcpu_set_sregs(vcpu, &b.sregs);
		if (!err)
			vmx_child_flush_vpid(vcpu);
		break;
	case PLINTH_HC_GET_VCPU_EVENTS:
		vcpu_get_events(vcpu, &b.events);
		break;
	case PLINTH_HC_SET_VCPU_EVENTS:
		err = vcpu_set_events(vcpu, &b.events);
		break;
	case PLINTH_HC_GET_ONE_REG:
		err = vcpu_get_one_reg(vcpu, id, b.one_reg);
		break;
	case PLINTH_HC_SET_ONE_REG:
		err = vcpu_set_one_reg(vcpu, id, b.one_reg);
		if (!err)
			vmx_child_flush_vpid(vcpu);
		break;
	default:
		break;
	}
	vcpu_vmcs_return(vcpu, caller);
	if (err)
		return err;

	/* Results out: the ranges are checked by the copy (all or nothing). */
	switch (nr) {
	case PLINTH_HC_GET_REGS:
		return guest_mem_write(mem, gpa, &b.regs, sizeof(b.regs));
	case PLINTH_HC_GET_SREGS:
		return guest_mem_write(mem, gpa, &b.sregs, sizeof(b.sregs));
	case PLINTH_HC_GET_VCPU_EVENTS:
		return guest_mem_write(mem, gpa, &b.events, sizeof(b.events));
	case PLINTH_HC_GET_ONE_REG:
		return guest_mem_write(mem, gpa, b.one_reg, (uint64_t)size);
	case PLINTH_HC_GET_REG_LIST: {
		/* KVM_GET_REG_LIST: n says the room; too little is -E2BIG with n = the count. */
		unsigned int total = vcpu_reg_list(&b.list[1], REG_LIST_MAX);

		if (total > REG_LIST_MAX)
			panic("GET_REG_LIST: %u ids, room for %u", total, REG_LIST_MAX);
		b.list[0] = total;
		if (n < total)
			return guest_mem_write(mem, gpa, &b.list[0], 8) ?: -E2BIG;
		if (!ram_range(mem, gpa, 8 + 8ull * total))
			return -EFAULT;
		return guest_mem_write(mem, gpa, b.list, 8 + 8ull * total);
	}
	default:
		return 0;
	}
}

int64_t control_call(struct vcpu *caller, const struct hypercall *hc)
{
	const uint64_t *a = hc->arg;
	struct vcpu *vcpu;

	switch (hc->nr) {
	case PLINTH_HC_CREATE_VM:
		return create_vm(caller);
	case PLINTH_HC_DESTROY_VM:
		return destroy_vm(caller, a[0]);
	case PLINTH_HC_SET_MEMORY_REGION:
		return set_memory_region(caller, a);
	case PLINTH_HC_WRITE_GUEST_MEMORY:
		return copy_guest_memory(caller, a, true);
	case PLINTH_HC_READ_GUEST_MEMORY:
		return copy_guest_memory(caller, a, false);
	case PLINTH_HC_CREATE_VCPU:
		return create_vcpu(caller, a[0], a[1]);
	case PLINTH_HC_DESTROY_VCPU:
		return destroy_vcpu(caller, a[0]);
	case PLINTH_HC_RUN:
		vcpu = child_vcpu(caller, a[0]);
		return vcpu ? vmx_run_child(caller, vcpu) : -EBADF;
	case PLINTH_HC_GET_ONE_REG:
	case PLINTH_HC_SET_ONE_REG:
		vcpu = child_vcpu(caller, a[0]);
		return vcpu ? state_call(caller, vcpu, hc->nr, a[1], a[2]) : -EBADF;
	default:
		/* GET/SET_REGS, SREGS, VCPU_EVENTS and GET_REG_LIST: handle, buffer. */
		vcpu = child_vcpu(caller, a[0]);
		return vcpu ? state_call(caller, vcpu, hc->nr, 0, a[1]) : -EBADF;
	}
}
