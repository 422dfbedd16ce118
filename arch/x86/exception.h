/* SPDX-License-Identifier: MIT */
#ifndef PLINTH_ARCH_X86_EXCEPTION_H
#define PLINTH_ARCH_X86_EXCEPTION_H

#include <stdint.h>

/* The stack as exception_entry.asm leaves it: GPRs pushed in reverse, then the CPU's frame. */
struct exc_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

void idt_init(void);
void idt_load(void);
void exception_dispatch(struct exc_frame *f);
const char *exception_name(unsigned int vector);

#endif
