/* SPDX-License-Identifier: MIT */
#ifndef PLINTH_BOOT_EFI_MEMTYPE_H
#define PLINTH_BOOT_EFI_MEMTYPE_H

#include <stdint.h>

#define EFI_MEMORY_RUNTIME_ATTR (1ull << 63)

/* The UEFI memory type of a descriptor, as the core sees it after ExitBootServices. */
uint32_t efi_mem_type(uint32_t efi_type, uint64_t attribute);

#endif
