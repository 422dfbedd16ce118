/* SPDX-License-Identifier: MIT */
/*
 * Multiboot specification version 0.6.96: the header a guest kernel carries and the
 * information structure plinth hands it. Guest-side definitions (plinth itself boots through
 * multiboot2, see boot/multiboot2/); names follow the specification's own multiboot.h.
 */
#ifndef PLINTH_CORE_MULTIBOOT_H
#define PLINTH_CORE_MULTIBOOT_H

#include <stdint.h>
#include "core/compiler.h"

#define MULTIBOOT_SEARCH	   8192 /* the header lies within the first 8 KiB */
#define MULTIBOOT_HEADER_ALIGN	   4
#define MULTIBOOT_HEADER_MAGIC	   0x1badb002u
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2badb002u /* in EAX at entry */
#define MULTIBOOT_MOD_ALIGN	   0x1000

/* Header flags: bits 0-15 are requirements a boot loader must refuse if it cannot meet them. */
#define MULTIBOOT_PAGE_ALIGN	BIT(0) /* modules page-aligned */
#define MULTIBOOT_MEMORY_INFO	BIT(1) /* mem_* and mmap_* wanted */
#define MULTIBOOT_VIDEO_MODE	BIT(2) /* video mode table wanted */
#define MULTIBOOT_REQUIRED_MASK 0xffffu
#define MULTIBOOT_AOUT_KLUDGE	BIT(16) /* header's address fields are valid */

/* Information flags: which fields of struct multiboot_info are valid. */
#define MULTIBOOT_INFO_MEMORY		BIT(0)
#define MULTIBOOT_INFO_BOOTDEV		BIT(1)
#define MULTIBOOT_INFO_CMDLINE		BIT(2)
#define MULTIBOOT_INFO_MODS		BIT(3)
#define MULTIBOOT_INFO_AOUT_SYMS	BIT(4)
#define MULTIBOOT_INFO_ELF_SHDR		BIT(5)
#define MULTIBOOT_INFO_MEM_MAP		BIT(6)
#define MULTIBOOT_INFO_DRIVE_INFO	BIT(7)
#define MULTIBOOT_INFO_CONFIG_TABLE	BIT(8)
#define MULTIBOOT_INFO_BOOT_LOADER_NAME BIT(9)
#define MULTIBOOT_INFO_APM_TABLE	BIT(10)
#define MULTIBOOT_INFO_VBE_INFO		BIT(11)
#define MULTIBOOT_INFO_FRAMEBUFFER_INFO BIT(12)

#define MULTIBOOT_MEMORY_AVAILABLE 1
#define MULTIBOOT_MEMORY_RESERVED  2

struct multiboot_header {
	uint32_t magic;
	uint32_t flags;
	uint32_t checksum; /* magic + flags + checksum == 0 (mod 2^32) */
	/* Valid with MULTIBOOT_AOUT_KLUDGE. */
	uint32_t header_addr;
	uint32_t load_addr;
	uint32_t load_end_addr;
	uint32_t bss_end_addr;
	uint32_t entry_addr;
	/* Valid with MULTIBOOT_VIDEO_MODE. */
	uint32_t mode_type;
	uint32_t width;
	uint32_t height;
	uint32_t depth;
};

#define MULTIBOOT_HEADER_BASE_LEN  12 /* magic, flags, checksum */
#define MULTIBOOT_HEADER_AOUT_LEN  32 /* through entry_addr */
#define MULTIBOOT_HEADER_VIDEO_LEN 48 /* through depth */

struct multiboot_info {
	uint32_t flags;
	uint32_t mem_lower; /* KiB from 0 */
	uint32_t mem_upper; /* KiB from 1 MiB */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count;
	uint32_t mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length;
	uint32_t mmap_addr;
	uint32_t drives_length;
	uint32_t drives_addr;
	uint32_t config_table;
	uint32_t boot_loader_name;
	uint32_t apm_table;
	uint32_t vbe_control_info;
	uint32_t vbe_mode_info;
	uint16_t vbe_mode;
	uint16_t vbe_interface_seg;
	uint16_t vbe_interface_off;
	uint16_t vbe_interface_len;
	uint64_t framebuffer_addr;
	uint32_t framebuffer_pitch;
	uint32_t framebuffer_width;
	uint32_t framebuffer_height;
	uint8_t framebuffer_bpp;
	uint8_t framebuffer_type;
	uint8_t color_info[6];
} __packed;

struct multiboot_mod_list {
	uint32_t mod_start;
	uint32_t mod_end; /* first byte past the module */
	uint32_t cmdline;
	uint32_t pad;
};

/* size counts the bytes after itself (20), so a reader steps by size + 4. */
struct multiboot_mmap_entry {
	uint32_t size;
	uint64_t addr;
	uint64_t len;
	uint32_t type;
} __packed;

STATIC_ASSERT(sizeof(struct multiboot_header) == MULTIBOOT_HEADER_VIDEO_LEN);
STATIC_ASSERT(sizeof(struct multiboot_info) == 116);
STATIC_ASSERT(sizeof(struct multiboot_mod_list) == 16);
STATIC_ASSERT(sizeof(struct multiboot_mmap_entry) == 24);

#endif
