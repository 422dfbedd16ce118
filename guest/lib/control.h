/* SPDX-License-Identifier: MIT */
/*
 * The control API for a 64-bit control guest (docs/hypercalls.md): one wrapper per call, each
 * returning what plinth put in RAX (a handle, 0, or a negated errno). Buffers are passed by
 * address: the guest's identity map makes a pointer its guest-physical address.
 */
#ifndef GUEST_LIB_CONTROL_H
#define GUEST_LIB_CONTROL_H

#include <stdint.h>
#include "lib/vmcall.h"
#include "plinth/kvm.h"

static inline long hc0(unsigned long nr)
{
	return (long)vmcall(nr, 0, 0, 0, 0).ax;
}

static inline long hc1(unsigned long nr, unsigned long a1)
{
	return (long)vmcall(nr, a1, 0, 0, 0).ax;
}

static inline long hc2(unsigned long nr, unsigned long a1, unsigned long a2)
{
	return (long)vmcall(nr, a1, a2, 0, 0).ax;
}

static inline long hc3(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3)
{
	return (long)vmcall(nr, a1, a2, a3, 0).ax;
}

static inline long hc4(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3,
		       unsigned long a4)
{
	return (long)vmcall(nr, a1, a2, a3, a4).ax;
}

static inline long plinth_check_extension(unsigned long cap)
{
	return hc1(PLINTH_HC_CHECK_EXTENSION, cap);
}

static inline long plinth_create_vm(void)
{
	return hc0(PLINTH_HC_CREATE_VM);
}

static inline long plinth_destroy_vm(long vm)
{
	return hc1(PLINTH_HC_DESTROY_VM, (unsigned long)vm);
}

static inline long plinth_set_memory_region(long vm, unsigned int slot, uint64_t gpa,
					    uint64_t bytes)
{
	return hc4(PLINTH_HC_SET_MEMORY_REGION, (unsigned long)vm, slot, gpa, bytes);
}

static inline long plinth_write_guest_memory(long vm, uint64_t gpa, const void *buf,
					     uint64_t bytes)
{
	return hc4(PLINTH_HC_WRITE_GUEST_MEMORY, (unsigned long)vm, gpa, (unsigned long)buf,
		   bytes);
}

static inline long plinth_read_guest_memory(long vm, uint64_t gpa, void *buf, uint64_t bytes)
{
	return hc4(PLINTH_HC_READ_GUEST_MEMORY, (unsigned long)vm, gpa, (unsigned long)buf,
		   bytes);
}

static inline long plinth_create_vcpu(long vm, struct plinth_kvm_run *run)
{
	return hc2(PLINTH_HC_CREATE_VCPU, (unsigned long)vm, (unsigned long)run);
}

static inline long plinth_destroy_vcpu(long vcpu)
{
	return hc1(PLINTH_HC_DESTROY_VCPU, (unsigned long)vcpu);
}

static inline long plinth_run(long vcpu)
{
	return hc1(PLINTH_HC_RUN, (unsigned long)vcpu);
}

/* GET/SET_REGS, SREGS, VCPU_EVENTS and GET_REG_LIST: nr, the vCPU, the structure. */
static inline long plinth_vcpu_state(unsigned long nr, long vcpu, void *buf)
{
	return hc2(nr, (unsigned long)vcpu, (unsigned long)buf);
}

static inline long plinth_get_one_reg(long vcpu, uint64_t id, void *buf)
{
	return hc3(PLINTH_HC_GET_ONE_REG, (unsigned long)vcpu, id, (unsigned long)buf);
}

static inline long plinth_set_one_reg(long vcpu, uint64_t id, const void *buf)
{
	return hc3(PLINTH_HC_SET_ONE_REG, (unsigned long)vcpu, id, (unsigned long)buf);
}

#endif
