/* SPDX-License-Identifier: MIT */
/* What the entry stubs call; the return value is the debug-exit value (0: success). */
#ifndef GUEST_LIB_ENTRY_H
#define GUEST_LIB_ENTRY_H

#include <stdint.h>

/* Flat guests (entry_flat32.asm, entry_flat64.asm). */
int main(void);
/* Multiboot guests (entry_mb1.asm, entry_mb2.asm): EAX and EBX as the loader left them. */
int mb_entry_main(uint32_t magic, uintptr_t info);

#endif
