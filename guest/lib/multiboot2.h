/* SPDX-License-Identifier: MIT */
/* The Multiboot2 boot information, as far as guests read it (Multiboot2 spec 2.0, 3.6). */
#ifndef GUEST_LIB_MULTIBOOT2_H
#define GUEST_LIB_MULTIBOOT2_H

#include <stdint.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289u

#define MB2_TAG_END		 0
#define MB2_TAG_CMDLINE		 1
#define MB2_TAG_BOOT_LOADER_NAME 2
#define MB2_TAG_MODULE		 3
#define MB2_TAG_BASIC_MEMINFO	 4
#define MB2_TAG_MMAP		 6

struct mb2_info {
	uint32_t total_size, reserved;
};

/* Tags follow the header and each other at 8-byte aligned addresses. */
struct mb2_tag {
	uint32_t type, size; /* size without the padding to the next tag */
};

struct mb2_tag_string {
	struct mb2_tag tag;
	char string[];
};

struct mb2_tag_module {
	struct mb2_tag tag;
	uint32_t mod_start, mod_end; /* [start, end) */
	char string[];
};

struct mb2_tag_basic_meminfo {
	struct mb2_tag tag;
	uint32_t mem_lower, mem_upper; /* KiB */
};

struct mb2_mmap_entry {
	uint64_t base_addr, length;
	uint32_t type, reserved;
};

struct mb2_tag_mmap {
	struct mb2_tag tag;
	uint32_t entry_size, entry_version;
	/* entries of entry_size bytes follow */
};

#endif
