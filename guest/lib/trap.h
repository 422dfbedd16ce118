/* SPDX-License-Identifier: MIT */
/*
 * Exception handling for guests that want it. plinth enters a guest without a GDT or IDT in
 * its memory, so trap_init() loads the runtime's own flat GDT (selector 0x08 code, 64-bit in a
 * 64-bit guest and 32-bit otherwise; 0x10 data), reloads every segment register, and loads an
 * IDT for vectors 0-31 whose stubs call the handler set for the vector. Without one, the default
 * prints the exception and ends the guest with TRAP_EXIT_UNEXPECTED.
 */
#ifndef GUEST_LIB_TRAP_H
#define GUEST_LIB_TRAP_H

#include <stdint.h>

#define TRAP_CODE_SEL 0x08
#define TRAP_DATA_SEL 0x10
#define TRAP_VECTORS  32

#define TRAP_DE 0
#define TRAP_BP 3
#define TRAP_UD 6
#define TRAP_DF 8
#define TRAP_GP 13
#define TRAP_PF 14

#define TRAP_EXIT_UNEXPECTED 0x7f

/* What the stubs push; a handler may change any field, and the stub returns with it (set ip to
 * resume elsewhere). The 32-bit layout is PUSHAD's. */
struct trap_frame {
#ifdef __x86_64__
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t di, si, bp, bx, dx, cx, ax;
#else
	uint32_t di, si, bp, sp_pushad, bx, dx, cx, ax;
#endif
	uintptr_t vector, error_code; /* error_code 0 for vectors without one */
	uintptr_t ip, cs, flags;
#ifdef __x86_64__
	uint64_t sp, ss;
#endif
};

typedef void (*trap_handler_t)(struct trap_frame *f);

void trap_init(void);
void trap_set_handler(unsigned int vector, trap_handler_t fn);
/* "#UD" etc. for the architectural vectors, "#??" otherwise. */
const char *trap_mnemonic(unsigned int vector);

/* From trap_entry{32,64}.asm. */
extern const uintptr_t trap_stubs[TRAP_VECTORS];
/* LGDT, then reload CS with 0x08 and the data segment registers with 0x10. */
void trap_load_gdt(const void *gdt_ptr);
void trap_dispatch(struct trap_frame *f);

#endif
