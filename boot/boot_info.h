/* SPDX-License-Identifier: MIT */
/*
 * struct boot_info: what either front door (plinth.efi or the multiboot2 entry) hands the core.
 * It is self-contained (no pointers into loader memory except physical addresses of modules,
 * the RSDP and the framebuffer), so the core copies it once and owns it.
 */
#ifndef PLINTH_BOOT_BOOT_INFO_H
#define PLINTH_BOOT_BOOT_INFO_H

#include <stdint.h>

#define BOOT_INFO_MAGIC	  0x4f464e49544e4c50ull /* "PLNTINFO" little-endian */
#define BOOT_INFO_VERSION 2
/* The AP start-up page, then the PML4, PDPT and page directory that map it (arch/x86/smp.c). */
#define BOOT_AP_TRAMPOLINE_PAGES 4

#define BOOT_MAX_MEM_RANGES  512
#define BOOT_MAX_MODULES     32
#define BOOT_MODULE_NAME_LEN 64
#define BOOT_CMDLINE_LEN     1024
#define BOOT_LOADER_NAME_LEN 64

enum boot_loader {
	BOOT_LOADER_NONE = 0,
	BOOT_LOADER_EFI = 1,
	BOOT_LOADER_MULTIBOOT2 = 2,
};

/* E820 numbering, which multiboot2 uses too; EFI types are converted by efi_mem_type(). */
enum mem_type {
	MEM_USABLE = 1,
	MEM_RESERVED = 2,
	MEM_ACPI_RECLAIM = 3,
	MEM_ACPI_NVS = 4,
	MEM_BAD = 5,
	MEM_PERSISTENT = 7,
};

struct mem_range {
	uint64_t base;
	uint64_t len;
	uint32_t type; /* enum mem_type */
	uint32_t pad;
};

struct boot_module {
	uint64_t hpa;
	uint64_t len;
	char name[BOOT_MODULE_NAME_LEN]; /* NUL-terminated; the file name the config uses */
};

struct boot_framebuffer {
	uint64_t hpa; /* 0: none */
	uint32_t width, height, pitch_bytes, bpp;
};

struct boot_info {
	uint64_t magic;
	uint32_t version;
	uint32_t size_bytes; /* sizeof(struct boot_info) as the loader built it */
	uint32_t loader; /* enum boot_loader */
	uint32_t nmem;
	struct mem_range mem[BOOT_MAX_MEM_RANGES];
	uint32_t nmodules;
	uint32_t pad0;
	struct boot_module modules[BOOT_MAX_MODULES];
	char cmdline[BOOT_CMDLINE_LEN];
	char loader_name[BOOT_LOADER_NAME_LEN];
	/* A copy of the ACPI RSDP (20 bytes for revision 0, 36 for 2+), and where it was found. */
	uint8_t rsdp[36];
	uint32_t rsdp_len;
	uint64_t rsdp_hpa;
	struct boot_framebuffer fb;
	/* Where the core image lies in physical memory (page aligned, includes .bss). */
	uint64_t image_hpa;
	uint64_t image_len;
	/* TSC at the core's first instruction (Bochs: executed-instruction count). */
	uint64_t tsc_at_entry;
	/* BOOT_AP_TRAMPOLINE_PAGES below 1 MiB that the loader kept for the AP start-up code
	 * (plinth.efi: before ExitBootServices, while the firmware still owns low memory); 0: the
	 * core picks usable pages from the memory map (multiboot2). */
	uint64_t ap_trampoline_hpa;
};

#endif
