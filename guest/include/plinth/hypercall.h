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
 * The control API (docs/hypercalls.md): only for a guest the config marks `control = yes`, at
 * CPL 0, in 64-bit mode (handles and register ids are 64-bit); anyone else gets -EPERM. Handles
 * name child VMs and vCPUs; guest-physical addresses (GPA) of buffers are in the caller's RAM.
 */
#define PLINTH_HC_CREATE_VM	     0x100 /* -> VM handle */
#define PLINTH_HC_DESTROY_VM	     0x101 /* VM handle (its vCPUs go with it) */
#define PLINTH_HC_SET_MEMORY_REGION  0x102 /* VM handle, slot, child GPA, bytes (0: delete) */
#define PLINTH_HC_WRITE_GUEST_MEMORY 0x103 /* VM handle, child GPA, caller GPA, bytes */
#define PLINTH_HC_READ_GUEST_MEMORY  0x104 /* VM handle, child GPA, caller GPA, bytes */
#define PLINTH_HC_CREATE_VCPU	     0x105 /* VM handle, caller GPA of the run area -> vCPU handle */
#define PLINTH_HC_DESTROY_VCPU	     0x106 /* vCPU handle */
#define PLINTH_HC_RUN		     0x107 /* vCPU handle */
#define PLINTH_HC_GET_REGS	     0x108 /* vCPU handle, caller GPA of struct plinth_kvm_regs */
#define PLINTH_HC_SET_REGS	     0x109
#define PLINTH_HC_GET_SREGS	     0x10a /* ... struct plinth_kvm_sregs */
#define PLINTH_HC_SET_SREGS	     0x10b
#define PLINTH_HC_GET_VCPU_EVENTS    0x10c /* ... struct plinth_kvm_vcpu_events */
#define PLINTH_HC_SET_VCPU_EVENTS    0x10d
#define PLINTH_HC_GET_ONE_REG	     0x10e /* vCPU handle, register id, caller GPA of the value */
#define PLINTH_HC_SET_ONE_REG	     0x10f
#define PLINTH_HC_GET_REG_LIST	     0x110 /* vCPU handle, caller GPA of struct plinth_kvm_reg_list */

/* Most bytes one READ/WRITE_GUEST_MEMORY call copies (a call is one exit: it stays short). */
#define PLINTH_COPY_MAX_BYTES (1u << 20)

/*
 * The call number is the low 32 bits of RAX. Outside 64-bit mode the arguments are the low 32
 * bits of their registers (the upper halves are ignored), as with KVM.
 */

#endif
