/* SPDX-License-Identifier: MIT */
/*
 * plinth's guest ABI: how a guest recognises plinth and calls it. Included by guests (freestanding,
 * 32- or 64-bit) and by plinth itself. docs/hypercalls.md is the specification.
 *
 * A hypercall is VMCALL with the call number in RAX and arguments in RBX, RCX, RDX, RSI (EAX...
 * in 32-bit guests); the result comes back in RAX: 0 or more on success, a negated Linux errno
 * on failure (-ENOSYS for an unknown number, -EPERM for a call the guest may not make).
 */
#ifndef PLINTH_GUEST_HYPERCALL_H
#define PLINTH_GUEST_HYPERCALL_H

/* CPUID leaf 0x40000000: EAX = the highest hypervisor leaf, EBX:ECX:EDX = the signature. */
#define PLINTH_CPUID_LEAF_BASE	   0x40000000u
#define PLINTH_CPUID_SIGNATURE	   "PlinthPlinth"
#define PLINTH_CPUID_SIGNATURE_EBX 0x6e696c50u /* "Plin" */
#define PLINTH_CPUID_SIGNATURE_ECX 0x6c506874u /* "thPl" */
#define PLINTH_CPUID_SIGNATURE_EDX 0x68746e69u /* "inth" */
/* Leaf 0x40000001: EAX = ABI version (major << 16 | minor). */
#define PLINTH_CPUID_LEAF_VERSION 0x40000001u
#define PLINTH_CPUID_MAX_LEAF	  PLINTH_CPUID_LEAF_VERSION
#define PLINTH_ABI_VERSION	  0x00010000u

/* Does nothing; returns 0. The cheapest round trip into plinth, for benchmarks. */
#define PLINTH_HC_NOP 0
/* Returns 0 and the calling vCPU's counters: RBX = VM exits, RCX = VMREADs, RDX = VMWRITEs,
 * each counted up to the exit that carries this call (its own accesses are not included). */
#define PLINTH_HC_VCPU_STATS 1
/* RBX = a capability (PLINTH_CAP_*): returns 0 when plinth lacks it, else a positive value
 * saying how much (KVM_CHECK_EXTENSION). Any privilege level. */
#define PLINTH_HC_CHECK_EXTENSION 2

/* Capabilities: KVM's KVM_CAP_* number where KVM has one, plinth's own from 0x10000. */
#define PLINTH_CAP_NR_MEMSLOTS 10 /* memory slots per child VM */
#define PLINTH_CAP_CONTROL     0x10000 /* 1: the caller may use the control calls */
#define PLINTH_CAP_CHILD_PAGES 0x10001 /* 4 KiB pages of its child_memory not yet used */

/*
 * The call number is the low 32 bits of RAX. Outside 64-bit mode the arguments are the low 32
 * bits of their registers (the upper halves are ignored), as with KVM.
 */

#endif
