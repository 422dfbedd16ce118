/* SPDX-License-Identifier: MIT */
/*
 * The control API: the hypercalls with which a control guest creates child VMs and vCPUs, gives
 * them memory, and runs them as a KVM userspace VMM does (docs/hypercalls.md). Every child VM
 * and vCPU is named by a handle that only its control guest can use.
 */
#ifndef PLINTH_CORE_CONTROL_H
#define PLINTH_CORE_CONTROL_H

#include <stdint.h>

struct vcpu;
struct vm;
struct hypercall;

/* A control call (PLINTH_HC_CREATE_VM ... PLINTH_HC_GET_REG_LIST) from caller, whose right to
 * make it is checked already; the result for RAX. */
int64_t control_call(struct vcpu *caller, const struct hypercall *hc);

/* Destroys every child VM of controller's (its own end). */
void control_release(struct vm *controller);

#endif
