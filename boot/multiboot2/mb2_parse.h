/* SPDX-License-Identifier: MIT */
/* Multiboot2 information structure → struct boot_info. Pure C, every length checked. */
#ifndef PLINTH_BOOT_MB2_PARSE_H
#define PLINTH_BOOT_MB2_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include "boot/boot_info.h"

#define MB2_BOOTLOADER_MAGIC 0x36d76289u

/*
 * info points at the structure (8-byte aligned), of which at most max_len bytes may be read;
 * info_hpa is its physical address. Fills every field of bi that multiboot2 can supply (not
 * image_hpa/len or tsc_at_entry) and returns 0, or returns -EINVAL with a sentence in err.
 * A memory map that does not fit is an error, not a truncation.
 */
int mb2_parse(uint32_t magic, const void *info, size_t max_len, uint64_t info_hpa,
	      struct boot_info *bi, char *err, size_t err_len);

#endif
