/* SPDX-License-Identifier: MIT */
/* Guest-linear accesses on behalf of a vCPU: the guest's page walk, then its RAM. */
#ifndef PLINTH_ARCH_X86_VMX_VCPU_MEM_H
#define PLINTH_ARCH_X86_VMX_VCPU_MEM_H

#include <stdbool.h>
#include <stdint.h>
#include "core/vcpu.h"
#include "emulate/emulate.h"

/* Translates gla for access (EMUL_ACC_*): EMUL_OK and *gpa, EMUL_FAULT with *fault filled
 * (the caller injects it), or EMUL_MMIO when a page-table entry is not in RAM. */
int vcpu_translate(struct vcpu *vcpu, uint64_t gla, unsigned int access, uint64_t *gpa,
		   struct emul_fault *fault);

/* The 15 bytes of code at linear address la through the vCPU's last fetch walk, when its
 * entries still hold and the bytes lie in one page of RAM: true and buf filled. false sends the
 * caller to the full fetch. */
bool vcpu_fetch_cached(struct vcpu *vcpu, uint64_t la, uint8_t buf[15]);

#endif
