/* SPDX-License-Identifier: MIT */
/*
 * The hypercalls plinth answers outside the exit handler's inline fast ones (NOP, VCPU_STATS):
 * the capability query and the control API a control guest drives its child VMs with
 * (docs/hypercalls.md). The VMX exit handler fills struct hypercall and puts the result in RAX.
 */
#ifndef PLINTH_CORE_HYPERCALL_H
#define PLINTH_CORE_HYPERCALL_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

struct hypercall {
	uint64_t nr;
	uint64_t arg[4]; /* RBX, RCX, RDX, RSI: already cut to 32 bits for a 32-bit caller */
	unsigned int cpl; /* the caller's */
	bool long_mode; /* the caller runs in 64-bit mode */
};

/* The result for RAX: 0 or more, or a negated errno (-ENOSYS for an unknown number). */
int64_t hypercall(struct vcpu *caller, const struct hypercall *hc);

#endif
