// SPDX-License-Identifier: MIT
/*
 * Guest loading, the common part: dispatch on the format, error reports, the guest memory map,
 * the multiboot header search, kernels placed by multiboot address fields, and the placement of
 * modules and boot information after the kernel. The image and every header field in it are
 * untrusted; every sum is checked.
 */
#include <stdarg.h>
#include "core/loader.h"
#include "core/compiler.h"
#include "core/errno.h"
#include "core/loader_internal.h"
#include "core/multiboot.h"
#include "core/printf.h"
#include "core/string.h"

int loader_fail(struct loader *ld, int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(ld->err->msg, sizeof(ld->err->msg), fmt, ap);
	va_end(ap);
	return errnum;
}

struct loader_size_str loader_size_str(uint64_t bytes)
{
	struct loader_size_str r;

	if (bytes && IS_ALIGNED(bytes, GiB))
		ksnprintf(r.s, sizeof(r.s), "%llu GiB", ull(bytes / GiB));
	else if (bytes && IS_ALIGNED(bytes, MiB))
		ksnprintf(r.s, sizeof(r.s), "%llu MiB", ull(bytes / MiB));
	else if (IS_ALIGNED(bytes, KiB))
		ksnprintf(r.s, sizeof(r.s), "%llu KiB", ull(bytes / KiB));
	else
		ksnprintf(r.s, sizeof(r.s), "%llu bytes", ull(bytes));
	return r;
}

static void map_add(struct loader_mmap_entry *map, unsigned int *n, uint64_t start, uint64_t end,
		    uint64_t ram_end, uint32_t type)
{
	end = MIN(end, ram_end);
	if (start < end)
		map[(*n)++] = (struct loader_mmap_entry){ start, end - start, type };
}

/*
 * A PC's low memory as a BIOS would describe it (EBDA and BIOS area reserved, the VGA hole
 * simply absent), so that kernels written for real machines find what they expect. Guest RAM
 * does back the holes; the map only tells the guest not to use them.
 */
unsigned int loader_memory_map(const struct guest_mem *gm,
			       struct loader_mmap_entry map[LOADER_MMAP_MAX])
{
	uint64_t low_end = guest_mem_low_end(gm);
	unsigned int n = 0;

	map_add(map, &n, 0, LOADER_EBDA_GPA, low_end, MULTIBOOT_MEMORY_AVAILABLE);
	map_add(map, &n, LOADER_EBDA_GPA, 0xa0000, low_end, MULTIBOOT_MEMORY_RESERVED);
	map_add(map, &n, LOADER_BIOS_GPA, MiB, low_end, MULTIBOOT_MEMORY_RESERVED);
	map_add(map, &n, MiB, low_end, low_end, MULTIBOOT_MEMORY_AVAILABLE);
	/* Then every other slot. A config-defined guest has at most one more; past LOADER_MMAP_MAX
	 * the map would rather leave RAM out than overflow. */
	for (unsigned int i = 0; i < gm->nr_slots && n < LOADER_MMAP_MAX; i++)
		if (gm->slots[i].gpa != 0)
			map[n++] = (struct loader_mmap_entry){ gm->slots[i].gpa, gm->slots[i].bytes,
							       MULTIBOOT_MEMORY_AVAILABLE };
	return n;
}

void loader_mem_kib(const struct guest_mem *gm, uint32_t *lower_kib, uint32_t *upper_kib)
{
	uint64_t low_end = guest_mem_low_end(gm);

	*lower_kib = MIN(low_end, LOADER_EBDA_GPA) / KiB;
	/* Low RAM ends at 3 GiB at most, so this fits 32 bits. */
	*upper_kib = low_end > MiB ? (low_end - MiB) / KiB : 0;
}

int loader_find_header(struct loader *ld, const struct loader_header_search *s, size_t *header_off)
{
	size_t limit = MIN(ld->len, s->search_bytes);
	size_t sum_off = s->base_len - sizeof(uint32_t); /* of the checksum word */
	size_t bad_off = SIZE_MAX;
	uint32_t bad_sum = 0;

	for (size_t off = 0; off + s->base_len <= limit; off += s->align) {
		uint32_t sum = 0;

		if (loader_rd32(ld, off) != s->magic)
			continue;
		for (size_t i = 0; i < s->base_len; i += sizeof(uint32_t))
			sum += loader_rd32(ld, off + i);
		if (sum == 0) {
			*header_off = off;
			return 0;
		}
		if (bad_off == SIZE_MAX) {
			bad_off = off;
			bad_sum = sum;
		}
	}
	if (bad_off != SIZE_MAX)
		return loader_fail(ld, -ENOEXEC,
				   "%s header at offset 0x%zx: checksum 0x%x is wrong (%s is 0x%x, "
				   "not 0)",
				   s->what, bad_off, loader_rd32(ld, bad_off + sum_off),
				   s->sum_fields, bad_sum);
	return loader_fail(ld, -ENOEXEC,
			   "%s header: no magic 0x%x (%zu-byte aligned) in the first %zu bytes of "
			   "the image",
			   s->what, s->magic, s->align, limit);
}

int loader_load_addresses(struct loader *ld, const struct loader_addresses *a,
			  struct loader_image *img)
{
	uint64_t load_gpa = a->load_addr, delta, load_off, file_bytes, file_end, mem_end;

	if (a->load_addr_all_ones_is_file_start && a->load_addr == 0xffffffffu) {
		/* The file's first byte goes where the header lands minus its offset. */
		if (a->header_off > a->header_addr)
			return loader_fail(ld, -ENOEXEC,
					   "%s: header_addr 0x%x is below the header's file "
					   "offset 0x%zx, so the file start has no address",
					   a->what, a->header_addr, a->header_off);
		load_gpa = a->header_addr - a->header_off;
		load_off = 0;
	} else {
		if (a->load_addr > a->header_addr)
			return loader_fail(ld, -ENOEXEC,
					   "%s: load_addr 0x%x is above header_addr 0x%x", a->what,
					   a->load_addr, a->header_addr);
		delta = a->header_addr - a->load_addr;
		if (delta > a->header_off)
			return loader_fail(ld, -ENOEXEC,
					   "%s: header_addr 0x%x - load_addr 0x%x = 0x%llx reaches "
					   "before the file start (header at offset 0x%zx)",
					   a->what, a->header_addr, a->load_addr, ull(delta),
					   a->header_off);
		load_off = a->header_off - delta;
	}
	if (a->load_end_addr == 0) {
		file_bytes = ld->len - load_off;
	} else {
		if (a->load_end_addr < load_gpa)
			return loader_fail(ld, -ENOEXEC,
					   "%s: load_end_addr 0x%x is below load_addr 0x%llx",
					   a->what, a->load_end_addr, ull(load_gpa));
		file_bytes = a->load_end_addr - load_gpa;
		if (file_bytes > ld->len - load_off)
			return loader_fail(ld, -ENOEXEC,
					   "%s: load_end_addr 0x%x needs 0x%llx bytes from file "
					   "offset 0x%llx, past the end of the image (%zu bytes)",
					   a->what, a->load_end_addr, ull(file_bytes),
					   ull(load_off), ld->len);
	}
	if (file_bytes == 0)
		return loader_fail(ld, -ENOEXEC, "%s: nothing to load from file offset 0x%llx",
				   a->what, ull(load_off));
	/* load_gpa < 4 GiB: with file_bytes capped too, no sum below can wrap. */
	if (file_bytes > 4 * GiB)
		return loader_fail(ld, -ENOEXEC, "%s: 0x%llx bytes to load do not fit below 4 GiB",
				   a->what, ull(file_bytes));
	file_end = load_gpa + file_bytes;
	mem_end = file_end;
	if (a->bss_end_addr) {
		if (a->bss_end_addr < file_end)
			return loader_fail(ld, -ENOEXEC,
					   "%s: bss_end_addr 0x%x is below the end of the loaded "
					   "file 0x%llx",
					   a->what, a->bss_end_addr, ull(file_end));
		mem_end = a->bss_end_addr;
	}
	if (mem_end > 4 * GiB)
		return loader_fail(ld, -ENOEXEC, "%s: image [0x%llx, 0x%llx) lies above 4 GiB",
				   a->what, ull(load_gpa), ull(mem_end));
	if (!guest_mem_is_ram(ld->gm, load_gpa, mem_end - load_gpa))
		return loader_fail(ld, -ENOMEM,
				   "%s: image [0x%llx, 0x%llx) lies outside guest RAM (%s)",
				   a->what, ull(load_gpa), ull(mem_end), LOADER_RAM(ld));
	if (guest_mem_write(ld->gm, load_gpa, ld->image + load_off, file_bytes) ||
	    guest_mem_zero(ld->gm, file_end, mem_end - file_end))
		return loader_fail(ld, -EFAULT, "%s: copy into guest RAM failed", a->what);
	if (a->entry_addr < load_gpa || a->entry_addr >= file_end)
		return loader_fail(
			ld, -ENOEXEC,
			"%s: entry_addr 0x%x is outside the loaded image [0x%llx, 0x%llx)",
			a->entry_what, a->entry_addr, ull(load_gpa), ull(file_end));
	*img = (struct loader_image){ .start_gpa = load_gpa,
				      .end_gpa = mem_end,
				      .entry_gpa = a->entry_addr };
	return 0;
}

void loader_place_init(struct loader_place *p, const struct guest_mem *gm, uint64_t image_end_gpa)
{
	p->next_gpa = ALIGN_UP(MAX(image_end_gpa, MiB), PAGE_SIZE);
	p->end_gpa = guest_mem_low_end(gm);
}

int loader_place(struct loader *ld, struct loader_place *p, uint64_t bytes, const char *what,
		 uint64_t *gpa)
{
	uint64_t free_bytes = p->end_gpa > p->next_gpa ? p->end_gpa - p->next_gpa : 0;

	if (bytes > free_bytes)
		return loader_fail(ld, -ENOMEM,
				   "%s (%llu bytes) does not fit in guest RAM (%s): 0x%llx bytes "
				   "free from 0x%llx after the image",
				   what, ull(bytes), LOADER_RAM(ld), ull(free_bytes),
				   ull(p->next_gpa));
	*gpa = p->next_gpa;
	/* bytes <= free_bytes < 3 GiB: the aligned sum stays in range. */
	p->next_gpa = ALIGN_UP(p->next_gpa + bytes, PAGE_SIZE);
	return 0;
}

const char *loader_module_args(const struct loader *ld, unsigned int i)
{
	return ld->mods[i].args ? ld->mods[i].args : "";
}

int loader_place_modules(struct loader *ld, struct loader_place *p,
			 uint64_t mod_gpa[CONFIG_MAX_MODULES])
{
	char what[64];
	int rc;

	for (unsigned int i = 0; i < ld->nmods; i++) {
		ksnprintf(what, sizeof(what), "module %u '%.40s'", i, loader_module_args(ld, i));
		rc = loader_place(ld, p, ld->mods[i].len, what, &mod_gpa[i]);
		if (rc)
			return rc;
		if (guest_mem_write(ld->gm, mod_gpa[i], ld->mods[i].data, ld->mods[i].len))
			return loader_fail(ld, -EFAULT, "%s: copy into guest RAM failed", what);
	}
	return 0;
}

void lw_put(struct loader_writer *w, const void *src, uint64_t len)
{
	if (w->gm && !w->rc)
		w->rc = src ? guest_mem_write(w->gm, lw_gpa(w), src, len) :
			      guest_mem_zero(w->gm, lw_gpa(w), len);
	w->off += len;
}

void lw_put32(struct loader_writer *w, uint32_t v)
{
	lw_put(w, &v, sizeof(v));
}

void lw_put64(struct loader_writer *w, uint64_t v)
{
	lw_put(w, &v, sizeof(v));
}

void lw_puts(struct loader_writer *w, const char *s, size_t max_len)
{
	size_t n = strnlen(s, max_len);

	lw_put(w, s, n);
	lw_put(w, NULL, 1);
}

void lw_align(struct loader_writer *w, uint64_t align)
{
	lw_put(w, NULL, ALIGN_UP(w->off, align) - w->off);
}

int guest_load(const struct guest_config *gc, struct guest_mem *gm, const void *image, size_t len,
	       const struct loader_module *mods, unsigned int nmods, struct vcpu_boot_state *out,
	       struct loader_error *err)
{
	struct loader ld = { gc, gm, image, len, mods, nmods, out, err };

	memset(out, 0, sizeof(*out));
	err->msg[0] = '\0';
	if (nmods > CONFIG_MAX_MODULES)
		return loader_fail(&ld, -EINVAL, "%u modules, at most %u are supported", nmods,
				   CONFIG_MAX_MODULES);
	switch (gc->format) {
	case GUEST_FORMAT_FLAT:
		return loader_flat(&ld);
	case GUEST_FORMAT_MULTIBOOT:
		return loader_multiboot(&ld);
	case GUEST_FORMAT_MULTIBOOT2:
		return loader_multiboot2(&ld);
	}
	return loader_fail(&ld, -EINVAL, "image format %d is unknown", (int)gc->format);
}
