// SPDX-License-Identifier: MIT
/*
 * Multiboot (v1, specification 0.6.96) kernels: an ELF32 executable, or any file whose header
 * carries address fields (the "a.out kludge"), with a header in the first 8 KiB. The kernel
 * starts in 32-bit protected mode with EAX = 0x2badb002 and EBX = the information structure,
 * which plinth places after the kernel and its modules.
 */
#include "core/compiler.h"
#include "core/errno.h"
#include "core/loader_internal.h"
#include "core/multiboot.h"
#include "core/string.h"

/* Page-aligned modules and memory information are always given; a video mode request is
 * answered by giving no video information (no VBE or framebuffer flag), as GRUB does in text
 * mode. */
#define MB1_SUPPORTED_REQUIRED (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO | MULTIBOOT_VIDEO_MODE)

static const struct loader_header_search header_search = {
	.what = "multiboot",
	.magic = MULTIBOOT_HEADER_MAGIC,
	.align = MULTIBOOT_HEADER_ALIGN,
	.search_bytes = MULTIBOOT_SEARCH,
	.base_len = MULTIBOOT_HEADER_BASE_LEN,
	.sum_fields = "magic + flags + checksum",
};

static int load_aout(struct loader *ld, size_t off, const struct multiboot_header *h,
		     struct loader_image *img)
{
	struct loader_addresses a = {
		.what = "multiboot header",
		.header_off = off,
		.header_addr = h->header_addr,
		.load_addr = h->load_addr,
		.load_end_addr = h->load_end_addr,
		.bss_end_addr = h->bss_end_addr,
		.entry_what = "multiboot header",
		.entry_addr = h->entry_addr,
	};

	return loader_load_addresses(ld, &a, img);
}

static int load_kernel(struct loader *ld, size_t off, uint32_t flags, struct loader_image *img)
{
	struct multiboot_header h = { 0 };
	size_t need = MULTIBOOT_HEADER_BASE_LEN;

	/* The optional fields sit at fixed offsets, so video mode fields imply address fields. */
	if (flags & MULTIBOOT_AOUT_KLUDGE)
		need = MULTIBOOT_HEADER_AOUT_LEN;
	if (flags & MULTIBOOT_VIDEO_MODE)
		need = MULTIBOOT_HEADER_VIDEO_LEN;
	/* off < 8192: no wrap. */
	if (off + need > MIN(ld->len, (size_t)MULTIBOOT_SEARCH))
		return loader_fail(ld, -ENOEXEC,
				   "multiboot header at offset 0x%zx: flags 0x%x need %zu header "
				   "bytes, past the %s",
				   off, flags, need,
				   off + need > ld->len ? "end of the image" : "first 8192 bytes");
	memcpy(&h, ld->image + off, need);
	/* As in GRUB, address fields take precedence over an ELF header. */
	if (flags & MULTIBOOT_AOUT_KLUDGE)
		return load_aout(ld, off, &h, img);
	return loader_load_elf(ld, false, NULL, img);
}

/*
 * The information block: struct multiboot_info first, then the memory map, the module list and
 * the strings. Run once counting (w->gm NULL) and once writing; mbi receives the addresses.
 */
static void build_info(struct loader *ld, struct loader_writer *w, const uint64_t *mod_gpa,
		       struct multiboot_info *mbi)
{
	struct loader_mmap_entry map[LOADER_MMAP_MAX];
	unsigned int nmap = loader_memory_map(ld->gm, map);
	uint32_t mods_gpa, strings_gpa[CONFIG_MAX_MODULES], lower_kib, upper_kib;

	memset(mbi, 0, sizeof(*mbi));
	lw_put(w, NULL, sizeof(*mbi));
	lw_align(w, 8);
	mbi->mmap_addr = lw_gpa(w);
	for (unsigned int i = 0; i < nmap; i++) {
		struct multiboot_mmap_entry e = {
			.size = sizeof(e) - sizeof(e.size),
			.addr = map[i].gpa,
			.len = map[i].bytes,
			.type = map[i].type,
		};

		lw_put(w, &e, sizeof(e));
	}
	mbi->mmap_length = nmap * sizeof(struct multiboot_mmap_entry);
	mods_gpa = lw_gpa(w);
	lw_put(w, NULL, ld->nmods * sizeof(struct multiboot_mod_list));
	mbi->cmdline = lw_gpa(w);
	lw_puts(w, ld->gc->cmdline, sizeof(ld->gc->cmdline) - 1);
	mbi->boot_loader_name = lw_gpa(w);
	lw_puts(w, LOADER_NAME, sizeof(LOADER_NAME));
	for (unsigned int i = 0; i < ld->nmods; i++) {
		strings_gpa[i] = lw_gpa(w);
		lw_puts(w, loader_module_args(ld, i), LOADER_ARGS_MAX);
	}
	/* The module list is filled in once the strings have addresses. */
	for (unsigned int i = 0; i < ld->nmods; i++) {
		struct multiboot_mod_list m = {
			.mod_start = mod_gpa[i],
			.mod_end = mod_gpa[i] + ld->mods[i].len,
			.cmdline = strings_gpa[i],
		};

		if (w->gm && !w->rc)
			w->rc = guest_mem_write(w->gm, mods_gpa + i * sizeof(m), &m, sizeof(m));
	}
	mbi->flags = MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE | MULTIBOOT_INFO_MODS |
		     MULTIBOOT_INFO_MEM_MAP | MULTIBOOT_INFO_BOOT_LOADER_NAME;
	loader_mem_kib(ld->gm, &lower_kib, &upper_kib);
	mbi->mem_lower = lower_kib;
	mbi->mem_upper = upper_kib;
	mbi->mods_count = ld->nmods;
	mbi->mods_addr = mods_gpa;
}

int loader_multiboot(struct loader *ld)
{
	struct loader_image img;
	struct loader_place place;
	struct loader_writer w = { 0 };
	struct multiboot_info mbi;
	uint64_t mod_gpa[CONFIG_MAX_MODULES], info_gpa;
	uint32_t flags, unsupported;
	size_t off = 0;
	int rc;

	rc = loader_find_header(ld, &header_search, &off);
	if (rc)
		return rc;
	flags = loader_rd32(ld, off + 4);
	unsupported = flags & MULTIBOOT_REQUIRED_MASK & ~MB1_SUPPORTED_REQUIRED;
	if (unsupported)
		return loader_fail(ld, -ENOEXEC,
				   "multiboot header: flags 0x%x set required bit %d, which plinth "
				   "does not support (only bits 0, 1 and 2)",
				   flags, __builtin_ctz(unsupported));
	rc = load_kernel(ld, off, flags, &img);
	if (rc)
		return rc;

	loader_place_init(&place, ld->gm, img.end_gpa);
	rc = loader_place_modules(ld, &place, mod_gpa);
	if (rc)
		return rc;
	build_info(ld, &w, mod_gpa, &mbi);
	rc = loader_place(ld, &place, w.off, "multiboot information", &info_gpa);
	if (rc)
		return rc;
	w = (struct loader_writer){ .gm = ld->gm, .gpa = info_gpa };
	build_info(ld, &w, mod_gpa, &mbi);
	if (w.rc || guest_mem_write(ld->gm, info_gpa, &mbi, sizeof(mbi)))
		return loader_fail(ld, -EFAULT,
				   "multiboot information: copy into guest RAM failed");

	ld->out->mode_bits = 32;
	ld->out->rip = img.entry_gpa;
	ld->out->rax = MULTIBOOT_BOOTLOADER_MAGIC;
	ld->out->rbx = info_gpa;
	return 0;
}
