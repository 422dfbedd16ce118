/* SPDX-License-Identifier: MIT */
/* The header at the start of the core image (arch/x86/entry64.asm, core_header). */
#ifndef PLINTH_BOOT_EFI_CORE_HEADER_H
#define PLINTH_BOOT_EFI_CORE_HEADER_H

#include <stdint.h>

#define CORE_HEADER_MAGIC "PLNTCORE"

struct core_header {
	char magic[8];
	uint32_t version;
	uint32_t header_bytes;
	uint64_t image_start_va; /* link addresses */
	uint64_t entry64_va;
	uint64_t file_end_va;
	uint64_t image_end_va;
};

#endif
