// SPDX-License-Identifier: MIT
/* A multiboot (v1) ELF32 guest that checks what its loader passed (multiboot_checks.h). */
#include "lib/entry.h"
#include "lib/fw_cfg.h"
#include "lib/multiboot.h"
#include "multiboot_checks.h"

#define MB1_FLAGS_WANTED \
	(MB1_INFO_MEMORY | MB1_INFO_CMDLINE | MB1_INFO_MODS | MB1_INFO_MMAP | MB1_INFO_LOADER_NAME)
#define MAX_MMAP 16

static const char *str_at(uint32_t gpa)
{
	return gpa ? (const char *)(uintptr_t)gpa : "";
}

static unsigned int read_mmap(const struct mb1_info *mbi, struct mem_range *out)
{
	uint32_t off = 0;
	unsigned int n = 0;

	while (off + sizeof(struct mb1_mmap_entry) <= mbi->mmap_length && n < MAX_MMAP) {
		const struct mb1_mmap_entry *e =
			(const struct mb1_mmap_entry *)(uintptr_t)(mbi->mmap_addr + off);

		out[n++] = (struct mem_range){ e->base_addr, e->length, e->type };
		off += e->size + 4;
	}
	return n;
}

int mb_entry_main(uint32_t magic, uintptr_t info)
{
	struct checks c = { .name = "mb1" };
	const struct mb1_info *mbi = (const struct mb1_info *)info;
	uint64_t ram = fw_cfg_ram_bytes("mb1");
	struct mem_range map[MAX_MMAP];

	if (!check(&c, 1, magic == MB1_BOOTLOADER_MAGIC, "EAX 0x%08x (expected 0x%08x)", magic,
		   MB1_BOOTLOADER_MAGIC))
		return (int)checks_done(&c);
	printf("mb1: information structure at 0x%lx, RAM %llu MiB (fw_cfg)\n", (unsigned long)info,
	       (unsigned long long)(ram >> 20));
	check(&c, 2, (mbi->flags & MB1_FLAGS_WANTED) == MB1_FLAGS_WANTED,
	      "flags 0x%x include mem, cmdline, mods, mmap, loader name (0x%x)", mbi->flags,
	      MB1_FLAGS_WANTED);
	mb_check_cmdline(&c, 3, mbi->flags & MB1_INFO_CMDLINE ? str_at(mbi->cmdline) : "");
	mb_check_meminfo(&c, 4, mbi->mem_lower, mbi->mem_upper, ram);
	mb_check_mmap(&c, 5, map, mbi->flags & MB1_INFO_MMAP ? read_mmap(mbi, map) : 0, ram);
	uint32_t nmods = mbi->flags & MB1_INFO_MODS ? mbi->mods_count : 0;

	check(&c, 6, nmods == 1, "%u module(s) (expected 1)", nmods);
	if (nmods >= 1) {
		const struct mb1_module *m = (const struct mb1_module *)(uintptr_t)mbi->mods_addr;

		mb_check_module(&c, 7, m->mod_start, m->mod_end, str_at(m->string), ram);
	}
	mb_check_loader_name(
		&c, 9, mbi->flags & MB1_INFO_LOADER_NAME ? str_at(mbi->boot_loader_name) : "");
	return (int)checks_done(&c);
}
