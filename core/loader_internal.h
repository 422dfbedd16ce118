/* SPDX-License-Identifier: MIT */
/*
 * What the guest loaders share (core/loader*.c only; host tests include it to check the pieces
 * directly): the load context, error reports, the guest memory map, kernel images placed from
 * ELF program headers or from multiboot address fields, and the bump placement of modules and
 * boot information after the kernel.
 */
#ifndef PLINTH_CORE_LOADER_INTERNAL_H
#define PLINTH_CORE_LOADER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/compiler.h"
#include "core/loader.h"
#include "core/string.h"

#define ELF_MAX_PHDRS	64 /* bounds the pairwise overlap check */
#define LOADER_MMAP_MAX 5
#define LOADER_EBDA_GPA 0x9fc00ull /* the top KiB of conventional memory, as on a PC */
#define LOADER_BIOS_GPA 0xf0000ull /* the system BIOS area up to 1 MiB */
#define LOADER_NAME	"plinth"
#define LOADER_ARGS_MAX 4096 /* bounds a module's string: the caller's, so only a backstop */

struct loader {
	const struct guest_config *gc;
	struct guest_mem *gm;
	const uint8_t *image;
	size_t len;
	const struct loader_module *mods;
	unsigned int nmods;
	struct vcpu_boot_state *out;
	struct loader_error *err;
};

/* Formats err->msg and returns errnum (a negative errno). */
int loader_fail(struct loader *ld, int errnum, const char *fmt, ...) __printf(3, 4);

/* "16 MiB", "64 KiB", "5 GiB": the guest's RAM size in messages. */
struct loader_size_str {
	char s[24];
};
struct loader_size_str loader_size_str(uint64_t bytes);
#define LOADER_RAM(ld) (loader_size_str((ld)->gm->ram_bytes).s)

/* A little-endian 32-bit field at file offset off; the caller has checked off + 4 <= len. */
static inline uint32_t loader_rd32(const struct loader *ld, size_t off)
{
	uint32_t v;

	memcpy(&v, ld->image + off, sizeof(v));
	return v;
}

/* %llx without a cast at every argument. */
static inline unsigned long long ull(uint64_t v)
{
	return v;
}

/* The guest's memory map (docs/guests.md), clipped to the RAM that exists. */
struct loader_mmap_entry {
	uint64_t gpa;
	uint64_t bytes;
	uint32_t
		type; /* MULTIBOOT_MEMORY_AVAILABLE or _RESERVED (multiboot2 uses the same values) */
};
unsigned int loader_memory_map(const struct guest_mem *gm,
			       struct loader_mmap_entry map[LOADER_MMAP_MAX]);
/* KiB of RAM from 0 up to the EBDA, and contiguous KiB from 1 MiB (multiboot's mem_lower/upper). */
void loader_mem_kib(const struct guest_mem *gm, uint32_t *lower_kib, uint32_t *upper_kib);

/* Where a kernel landed: [start_gpa, end_gpa) covers every byte loaded or zeroed. */
struct loader_image {
	uint64_t start_gpa;
	uint64_t end_gpa;
	uint64_t entry_gpa; /* physical: ELF's e_entry translated, or the checked entry_addr */
};

/* Loads the PT_LOAD segments of an ELF32 (EM_386) or, if allow_elf64, ELF64 (EM_X86_64)
 * executable at their physical addresses, which must lie below 4 GiB. The entry is e_entry, or
 * *entry_gpa (a physical address) when that is not NULL; it must lie in an executable segment. */
int loader_load_elf(struct loader *ld, bool allow_elf64, const uint32_t *entry_gpa,
		    struct loader_image *img);

/* The multiboot and multiboot2 header search, as GRUB does it: the first magic at an aligned
 * offset in the first search_bytes of the image whose fixed part (base_len bytes, magic first,
 * checksum last) sums to 0 in 32-bit words. */
struct loader_header_search {
	const char *what; /* "multiboot", "multiboot2": message prefix */
	uint32_t magic;
	size_t align;
	size_t search_bytes;
	size_t base_len;
	const char *sum_fields; /* "magic + flags + checksum": names the words summed */
};
/* The header's file offset in *header_off; -ENOEXEC with a message when there is none. */
int loader_find_header(struct loader *ld, const struct loader_header_search *s, size_t *header_off);

/* The multiboot a.out kludge and the multiboot2 address tag: the header found at file offset
 * header_off says at which address it sits, from where to load and how far bss reaches, and
 * entry_addr must lie in the bytes loaded from the file. */
struct loader_addresses {
	const char *what; /* "multiboot header", "multiboot2 address tag": message prefix */
	size_t header_off;
	uint32_t header_addr;
	uint32_t load_addr;
	uint32_t load_end_addr; /* 0: to the end of the file */
	uint32_t bss_end_addr; /* 0: no bss */
	bool load_addr_all_ones_is_file_start; /* multiboot2's load_addr == 0xffffffff */
	const char *entry_what; /* where entry_addr came from: message prefix */
	uint32_t entry_addr;
};
int loader_load_addresses(struct loader *ld, const struct loader_addresses *a,
			  struct loader_image *img);

/* Bump placement of modules and boot information: page-aligned, from the kernel's end (at least
 * 1 MiB) up to the end of low RAM, so that every address fits multiboot's 32-bit fields. */
struct loader_place {
	uint64_t next_gpa;
	uint64_t end_gpa;
};
void loader_place_init(struct loader_place *p, const struct guest_mem *gm, uint64_t image_end_gpa);
/* Reserves bytes page-aligned; -ENOMEM with a message naming what when they do not fit. */
int loader_place(struct loader *ld, struct loader_place *p, uint64_t bytes, const char *what,
		 uint64_t *gpa);
/* Places and copies every module; mod_gpa[i] receives module i's address. */
int loader_place_modules(struct loader *ld, struct loader_place *p,
			 uint64_t mod_gpa[CONFIG_MAX_MODULES]);
const char *loader_module_args(const struct loader *ld, unsigned int i);

/*
 * Builds a boot information block in two passes: with gm NULL it only counts (gpa 0), then,
 * once placed, writes at gpa. Padding is written as zeros, so nothing the guest is pointed at
 * depends on RAM arriving zeroed.
 */
struct loader_writer {
	struct guest_mem *gm; /* NULL: count only */
	uint64_t gpa;
	uint64_t off;
	int rc;
};
void lw_put(struct loader_writer *w, const void *src, uint64_t len);
void lw_put32(struct loader_writer *w, uint32_t v);
void lw_put64(struct loader_writer *w, uint64_t v);
void lw_puts(struct loader_writer *w, const char *s, size_t max_len); /* with its NUL */
void lw_align(struct loader_writer *w, uint64_t align);
static inline uint64_t lw_gpa(const struct loader_writer *w)
{
	return w->gpa + w->off;
}

int loader_flat(struct loader *ld);
int loader_multiboot(struct loader *ld);
int loader_multiboot2(struct loader *ld);

#endif
