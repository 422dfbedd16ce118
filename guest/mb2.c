// SPDX-License-Identifier: MIT
/* A multiboot2 ELF64 guest (entered in 32-bit mode; lib/entry_mb2.asm switches to long mode)
 * that checks what its loader passed through the tags (multiboot_checks.h). */
#include <stdbool.h>
#include "lib/entry.h"
#include "lib/fw_cfg.h"
#include "lib/multiboot2.h"
#include "multiboot_checks.h"

#define MAX_MMAP	  16
#define MAX_INFO_BYTES	  (1u << 20)
#define EXPECTED_MMAP_ESZ 24

#define MB2_TAG_TYPES 7 /* the tag types this guest looks at are below this */

struct found {
	const struct mb2_tag *first[MB2_TAG_TYPES]; /* first tag of each type */
	unsigned int count[MB2_TAG_TYPES];
	unsigned int ntags;
	bool end_seen;
};

/* Walks the tags; false when one would leave the structure or the end tag is missing. */
static bool walk(const struct mb2_info *mbi, struct found *f)
{
	uintptr_t p = (uintptr_t)(mbi + 1), end = (uintptr_t)mbi + mbi->total_size;

	while (p + sizeof(struct mb2_tag) <= end) {
		const struct mb2_tag *t = (const struct mb2_tag *)p;

		if (t->size < sizeof(*t) || p + t->size > end)
			return false;
		f->ntags++;
		if (t->type == MB2_TAG_END) {
			f->end_seen = t->size == 8;
			return f->end_seen;
		}
		if (t->type < MB2_TAG_TYPES) {
			if (!f->first[t->type])
				f->first[t->type] = t;
			f->count[t->type]++;
		}
		p += (t->size + 7) & ~7u;
	}
	return false;
}

static const char *tag_string(const struct found *f, unsigned int type)
{
	return f->first[type] ? ((const struct mb2_tag_string *)f->first[type])->string : "";
}

static unsigned int read_mmap(const struct mb2_tag_mmap *m, struct mem_range *out)
{
	unsigned int n = 0;

	if (!m || m->entry_size < sizeof(struct mb2_mmap_entry))
		return 0;
	for (uint32_t off = sizeof(*m); off + m->entry_size <= m->tag.size && n < MAX_MMAP;
	     off += m->entry_size) {
		const struct mb2_mmap_entry *e =
			(const struct mb2_mmap_entry *)((uintptr_t)m + off);

		out[n++] = (struct mem_range){ e->base_addr, e->length, e->type };
	}
	return n;
}

int mb_entry_main(uint32_t magic, uintptr_t info)
{
	struct checks c = { .name = "mb2" };
	const struct mb2_info *mbi = (const struct mb2_info *)info;
	uint64_t ram = fw_cfg_ram_bytes("mb2");
	struct mem_range map[MAX_MMAP];
	struct found f = { 0 };

	if (!check(&c, 1, magic == MB2_BOOTLOADER_MAGIC, "EAX 0x%08x (expected 0x%08x)", magic,
		   MB2_BOOTLOADER_MAGIC))
		return (int)checks_done(&c);
	printf("mb2: running in 64-bit mode; information structure at 0x%lx, %u bytes, "
	       "RAM %lu MiB (fw_cfg)\n",
	       (unsigned long)info, mbi->total_size, (unsigned long)(ram >> 20));
	bool sane = (info & 7) == 0 && mbi->total_size >= 16 && mbi->total_size <= MAX_INFO_BYTES &&
		    info + mbi->total_size <= ram;
	bool walked = sane && walk(mbi, &f);
	bool single = true;

	for (unsigned int t = MB2_TAG_CMDLINE; t < MB2_TAG_TYPES; t++)
		single = single && (t == MB2_TAG_MODULE || f.count[t] <= 1);
	check(&c, 2, walked && single,
	      "information structure 8-byte aligned, %u tags up to the end tag, none repeated "
	      "but modules",
	      f.ntags);
	mb_check_cmdline(&c, 3, tag_string(&f, MB2_TAG_CMDLINE));

	const struct mb2_tag_basic_meminfo *mem =
		(const struct mb2_tag_basic_meminfo *)f.first[MB2_TAG_BASIC_MEMINFO];
	if (mem)
		mb_check_meminfo(&c, 4, mem->mem_lower, mem->mem_upper, ram);
	else
		check(&c, 4, false, "basic meminfo tag missing");

	const struct mb2_tag_mmap *mmap = (const struct mb2_tag_mmap *)f.first[MB2_TAG_MMAP];
	if (mmap && mmap->entry_size == EXPECTED_MMAP_ESZ && mmap->entry_version == 0)
		mb_check_mmap(&c, 5, map, read_mmap(mmap, map), ram);
	else
		check(&c, 5, false,
		      "memory map tag missing or entry size %u, version %u "
		      "(expected 24, 0)",
		      mmap ? mmap->entry_size : 0, mmap ? mmap->entry_version : 0);

	unsigned int nmods = f.count[MB2_TAG_MODULE];
	const struct mb2_tag_module *mod = (const struct mb2_tag_module *)f.first[MB2_TAG_MODULE];

	check(&c, 6, nmods == 1, "%u module tag(s) (expected 1)", nmods);
	if (mod)
		mb_check_module(&c, 7, mod->mod_start, mod->mod_end, mod->string, ram);
	mb_check_loader_name(&c, 9, tag_string(&f, MB2_TAG_BOOT_LOADER_NAME));
	return (int)checks_done(&c);
}
