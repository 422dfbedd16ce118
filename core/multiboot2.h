/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 specification 1.0, guest side: the header a guest kernel carries (section 3.1) and
 * the information structure plinth builds for it (section 3.6). plinth's own multiboot2 entry
 * keeps its definitions in boot/multiboot2/ (the core may not include boot/); the names here
 * carry a MULTIBOOT2_ prefix so that both can meet in one test without clashing.
 */
#ifndef PLINTH_CORE_MULTIBOOT2_H
#define PLINTH_CORE_MULTIBOOT2_H

#include <stdint.h>
#include "core/compiler.h"

#define MULTIBOOT2_SEARCH	     32768 /* the header lies within the first 32 KiB */
#define MULTIBOOT2_HEADER_ALIGN	     8
#define MULTIBOOT2_HEADER_MAGIC	     0xe85250d6u
#define MULTIBOOT2_BOOTLOADER_MAGIC  0x36d76289u /* in EAX at entry */
#define MULTIBOOT2_ARCHITECTURE_I386 0
#define MULTIBOOT2_TAG_ALIGN	     8
#define MULTIBOOT2_INFO_ALIGN	     8

/* Header tags (section 3.1.3 ff.). */
#define MULTIBOOT2_HEADER_TAG_END		  0
#define MULTIBOOT2_HEADER_TAG_INFORMATION_REQUEST 1
#define MULTIBOOT2_HEADER_TAG_ADDRESS		  2
#define MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS	  3
#define MULTIBOOT2_HEADER_TAG_CONSOLE_FLAGS	  4
#define MULTIBOOT2_HEADER_TAG_FRAMEBUFFER	  5
#define MULTIBOOT2_HEADER_TAG_MODULE_ALIGN	  6
#define MULTIBOOT2_HEADER_TAG_EFI_BS		  7
#define MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS_EFI32 8
#define MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS_EFI64 9
#define MULTIBOOT2_HEADER_TAG_RELOCATABLE	  10

#define MULTIBOOT2_HEADER_TAG_OPTIONAL		  1 /* flags bit 0 */
#define MULTIBOOT2_CONSOLE_FLAGS_CONSOLE_REQUIRED 1

/* Information tags (section 3.6). */
#define MULTIBOOT2_TAG_TYPE_END		     0
#define MULTIBOOT2_TAG_TYPE_CMDLINE	     1
#define MULTIBOOT2_TAG_TYPE_BOOT_LOADER_NAME 2
#define MULTIBOOT2_TAG_TYPE_MODULE	     3
#define MULTIBOOT2_TAG_TYPE_BASIC_MEMINFO    4
#define MULTIBOOT2_TAG_TYPE_BOOTDEV	     5
#define MULTIBOOT2_TAG_TYPE_MMAP	     6
#define MULTIBOOT2_TAG_TYPE_FRAMEBUFFER	     8

#define MULTIBOOT2_MEMORY_AVAILABLE 1
#define MULTIBOOT2_MEMORY_RESERVED  2

struct multiboot2_header {
	uint32_t magic;
	uint32_t architecture;
	uint32_t header_length; /* from magic through the end tag */
	uint32_t checksum; /* the four fields sum to 0 (mod 2^32) */
};

struct multiboot2_header_tag {
	uint16_t type;
	uint16_t flags;
	uint32_t size; /* including this header; the next tag starts 8-byte aligned */
};

struct multiboot2_header_tag_address {
	uint16_t type;
	uint16_t flags;
	uint32_t size;
	uint32_t header_addr;
	uint32_t load_addr; /* 0xffffffff: load the file from its first byte */
	uint32_t load_end_addr; /* 0: load to the end of the file */
	uint32_t bss_end_addr; /* 0: no bss */
};

struct multiboot2_header_tag_entry_address {
	uint16_t type;
	uint16_t flags;
	uint32_t size;
	uint32_t entry_addr;
};

struct multiboot2_header_tag_console_flags {
	uint16_t type;
	uint16_t flags;
	uint32_t size;
	uint32_t console_flags;
};

struct multiboot2_info_header {
	uint32_t total_size;
	uint32_t reserved;
};

struct multiboot2_tag {
	uint32_t type;
	uint32_t size;
};

struct multiboot2_tag_module {
	uint32_t type;
	uint32_t size;
	uint32_t mod_start;
	uint32_t mod_end; /* first byte past the module */
	/* then the module's NUL-terminated string */
};

struct multiboot2_tag_basic_meminfo {
	uint32_t type;
	uint32_t size;
	uint32_t mem_lower; /* KiB from 0 */
	uint32_t mem_upper; /* KiB from 1 MiB */
};

struct multiboot2_tag_mmap {
	uint32_t type;
	uint32_t size;
	uint32_t entry_size;
	uint32_t entry_version;
	/* then the entries */
};

struct multiboot2_mmap_entry {
	uint64_t addr;
	uint64_t len;
	uint32_t type;
	uint32_t zero;
};

STATIC_ASSERT(sizeof(struct multiboot2_header) == 16);
STATIC_ASSERT(sizeof(struct multiboot2_header_tag) == 8);
STATIC_ASSERT(sizeof(struct multiboot2_header_tag_address) == 24);
STATIC_ASSERT(sizeof(struct multiboot2_header_tag_entry_address) == 12);
STATIC_ASSERT(sizeof(struct multiboot2_tag_module) == 16);
STATIC_ASSERT(sizeof(struct multiboot2_tag_basic_meminfo) == 16);
STATIC_ASSERT(sizeof(struct multiboot2_tag_mmap) == 16);
STATIC_ASSERT(sizeof(struct multiboot2_mmap_entry) == 24);

#endif
