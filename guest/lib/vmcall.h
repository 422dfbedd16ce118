/* SPDX-License-Identifier: MIT */
/*
 * plinth hypercalls (guest/include/plinth/hypercall.h, docs/hypercalls.md): VMCALL with the
 * number in RAX and arguments in RBX, RCX, RDX, RSI; results come back in RAX, RBX, RCX, RDX.
 * In a 32-bit guest the registers are their 32-bit halves.
 */
#ifndef GUEST_LIB_VMCALL_H
#define GUEST_LIB_VMCALL_H

#include "plinth/hypercall.h"

struct hc_regs {
	unsigned long ax, bx, cx, dx, si;
};

static inline struct hc_regs vmcall(unsigned long nr, unsigned long a1, unsigned long a2,
				    unsigned long a3, unsigned long a4)
{
	struct hc_regs r = { nr, a1, a2, a3, a4 };

	__asm__ volatile("vmcall"
			 : "+a"(r.ax), "+b"(r.bx), "+c"(r.cx), "+d"(r.dx), "+S"(r.si)
			 :
			 : "memory");
	return r;
}

#endif
