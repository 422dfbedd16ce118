/* SPDX-License-Identifier: MIT */
/* The Multiboot (v1) information structure, as far as guests read it (Multiboot 0.6.96, 3.3). */
#ifndef GUEST_LIB_MULTIBOOT_H
#define GUEST_LIB_MULTIBOOT_H

#include <stdint.h>

#define MB1_BOOTLOADER_MAGIC 0x2badb002u

#define MB1_INFO_MEMORY	     (1u << 0) /* mem_lower, mem_upper */
#define MB1_INFO_CMDLINE     (1u << 2)
#define MB1_INFO_MODS	     (1u << 3)
#define MB1_INFO_MMAP	     (1u << 6)
#define MB1_INFO_LOADER_NAME (1u << 9)

struct mb1_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper; /* KiB */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
	uint32_t drives_length, drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
};

struct mb1_module {
	uint32_t mod_start, mod_end; /* [start, end) */
	uint32_t string;
	uint32_t reserved;
};

/* size counts the bytes after itself: the next entry is at (char *)e + e->size + 4. */
struct __attribute__((packed)) mb1_mmap_entry {
	uint32_t size;
	uint64_t base_addr, length;
	uint32_t type;
};

#endif
