/* SPDX-License-Identifier: MIT */
/*
 * The VMX instructions as C functions. Host unit tests (PLINTH_HOSTED) get extern declarations
 * instead, which they implement with a fake VMCS.
 */
#ifndef PLINTH_ARCH_X86_VMX_VMX_INSN_H
#define PLINTH_ARCH_X86_VMX_VMX_INSN_H

#include <stdint.h>

#ifdef PLINTH_HOSTED
uint64_t vmx_vmread(uint32_t field);
void vmx_vmwrite(uint32_t field, uint64_t value);
#else
static inline uint64_t vmx_vmread(uint32_t field)
{
	uint64_t value;

	__asm__ volatile("vmread %1, %0" : "=rm"(value) : "r"((uint64_t)field) : "cc");
	return value;
}

static inline void vmx_vmwrite(uint32_t field, uint64_t value)
{
	__asm__ volatile("vmwrite %1, %0" : : "r"((uint64_t)field), "rm"(value) : "cc");
}

/* 0, or -EIO when VMWRITE failed (used while building a VMCS, never on the exit path). */
static inline int vmx_vmwrite_checked(uint32_t field, uint64_t value)
{
	uint8_t failed;

	__asm__ volatile("vmwrite %2, %1; setbe %0"
			 : "=qm"(failed)
			 : "r"((uint64_t)field), "rm"(value)
			 : "cc");
	return failed ? -5 : 0;
}

static inline int vmx_vmclear(uint64_t hpa)
{
	uint8_t failed;

	__asm__ volatile("vmclear %1; setbe %0" : "=qm"(failed) : "m"(hpa) : "cc", "memory");
	return failed ? -5 : 0;
}

static inline int vmx_vmptrld(uint64_t hpa)
{
	uint8_t failed;

	__asm__ volatile("vmptrld %1; setbe %0" : "=qm"(failed) : "m"(hpa) : "cc", "memory");
	return failed ? -5 : 0;
}

#define INVEPT_SINGLE_CONTEXT  1
#define INVEPT_ALL_CONTEXT     2
#define INVVPID_SINGLE_CONTEXT 1
#define INVVPID_ALL_CONTEXT    2

/* The current VMCS's address (~0: none). */
static inline uint64_t vmx_vmptrst(void)
{
	uint64_t hpa;

	__asm__ volatile("vmptrst %0" : "=m"(hpa) : : "memory");
	return hpa;
}

static inline void vmx_invept(uint64_t type, uint64_t eptp)
{
	struct {
		uint64_t eptp, reserved;
	} desc = { eptp, 0 };

	__asm__ volatile("invept %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}

static inline void vmx_invvpid(uint64_t type, uint16_t vpid)
{
	struct {
		uint64_t vpid, gla;
	} desc = { vpid, 0 };

	__asm__ volatile("invvpid %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}
#endif

#endif
