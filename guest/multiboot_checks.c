// SPDX-License-Identifier: MIT
#include <stdbool.h>
#include "lib/image.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "multiboot_checks.h"

#define LOW_AVAILABLE_END 0x9fc00ull
#define BIOS_AREA_START	  0xf0000ull
#define HIGH_START	  0x100000ull
#define LOW_RAM_MAX	  0xc0000000ull /* RAM beyond this continues at 4 GiB */
#define HIGH_RAM_GPA	  0x100000000ull

extern const char mb_module_expected[], mb_module_expected_end[];

static unsigned int expected_map(uint64_t ram, struct mem_range out[5])
{
	uint64_t low_end = ram < LOW_RAM_MAX ? ram : LOW_RAM_MAX;
	unsigned int n = 0;

	out[n++] = (struct mem_range){ 0, LOW_AVAILABLE_END, MB_MEM_AVAILABLE };
	out[n++] = (struct mem_range){ LOW_AVAILABLE_END, 0xa0000 - LOW_AVAILABLE_END,
				       MB_MEM_RESERVED };
	out[n++] = (struct mem_range){ BIOS_AREA_START, HIGH_START - BIOS_AREA_START,
				       MB_MEM_RESERVED };
	out[n++] = (struct mem_range){ HIGH_START, low_end - HIGH_START, MB_MEM_AVAILABLE };
	if (ram > LOW_RAM_MAX)
		out[n++] = (struct mem_range){ HIGH_RAM_GPA, ram - LOW_RAM_MAX, MB_MEM_AVAILABLE };
	return n;
}

static bool same_range(const struct mem_range *a, const struct mem_range *b)
{
	return a->base == b->base && a->len == b->len && a->type == b->type;
}

static const char *skip_image_path(const char *cmdline)
{
#ifdef GUEST_QEMU_TEST_MB1
	/* QEMU's -kernel passes "PATH ARGS". */
	while (*cmdline && *cmdline != ' ')
		cmdline++;
	if (*cmdline == ' ')
		cmdline++;
#endif
	return cmdline;
}

void mb_check_cmdline(struct checks *c, unsigned int id, const char *cmdline)
{
	const char *args = skip_image_path(cmdline);

	check(c, id, strcmp(args, MB_EXPECT_CMDLINE) == 0,
	      "command line \"%s\" (expected \"" MB_EXPECT_CMDLINE "\")", cmdline);
}

void mb_check_loader_name(struct checks *c, unsigned int id, const char *name)
{
#ifdef GUEST_QEMU_TEST
	check(c, id, name[0] != '\0', "boot loader name \"%s\" (QEMU test: any)", name);
#else
	check(c, id, strcmp(name, MB_EXPECT_LOADER) == 0,
	      "boot loader name \"%s\" (expected \"" MB_EXPECT_LOADER "\")", name);
#endif
}

void mb_check_meminfo(struct checks *c, unsigned int id, uint32_t lower, uint32_t upper,
		      uint64_t ram_bytes)
{
	uint64_t low_end = ram_bytes < LOW_RAM_MAX ? ram_bytes : LOW_RAM_MAX;
	uint32_t want_lower = (uint32_t)(LOW_AVAILABLE_END >> 10);
	uint32_t want_upper = (uint32_t)((low_end - HIGH_START) >> 10);

#ifdef GUEST_QEMU_TEST
	/* BIOSes report 639 or 640 KiB and keep some RAM at the top for themselves. */
	bool ok =
		(lower == 639 || lower == 640) && upper <= want_upper && upper + 1024 >= want_upper;
#else
	bool ok = lower == want_lower && upper == want_upper;
#endif
	check(c, id, ok, "mem_lower %u KiB, mem_upper %u KiB (expected %u and %u)", lower, upper,
	      want_lower, want_upper);
}

void mb_check_mmap(struct checks *c, unsigned int id, const struct mem_range *got, unsigned int n,
		   uint64_t ram_bytes)
{
	struct mem_range want[5];
	unsigned int nwant = expected_map(ram_bytes, want);
	bool ok = true;

	for (unsigned int i = 0; i < n; i++)
		printf("  mmap %u: 0x%llx-0x%llx type %u\n", i, (unsigned long long)got[i].base,
		       (unsigned long long)(got[i].base + got[i].len), got[i].type);
#ifdef GUEST_QEMU_TEST
	/* A BIOS map: the first three entries as plinth's, then available RAM from 1 MiB to
	 * at most the RAM size; more reserved entries may follow. */
	ok = n >= 4 && same_range(&got[0], &want[0]) && same_range(&got[1], &want[1]) &&
	     same_range(&got[2], &want[2]) && got[3].base == HIGH_START &&
	     got[3].type == MB_MEM_AVAILABLE && got[3].len <= want[3].len;
#else
	ok = n == nwant;
	for (unsigned int i = 0; ok && i < n; i++)
		ok = same_range(&got[i], &want[i]);
#endif
	check(c, id, ok, "memory map of %u entries matches the documented %u for %llu MiB of RAM",
	      n, nwant, (unsigned long long)(ram_bytes >> 20));
}

void mb_check_module(struct checks *c, unsigned int id, uint32_t start, uint32_t end,
		     const char *string, uint64_t ram_bytes)
{
	uint32_t want_len = (uint32_t)(mb_module_expected_end - mb_module_expected);
	bool in_ram = start <= end && end <= ram_bytes;
	bool clear_of_image = end <= image_start_gpa() || start >= image_end_gpa();
	bool bytes_ok = in_ram && end - start == want_len &&
			memcmp((const void *)(uintptr_t)start, mb_module_expected, want_len) == 0;

	check(c, id, bytes_ok && clear_of_image && (start & 0xfff) == 0,
	      "module at 0x%x-0x%x: %u bytes (expected %u), page-aligned, contents match "
	      "guest/data/module.txt",
	      start, end, end - start, want_len);
	check(c, id + 1, strcmp(string, MB_EXPECT_MODULE_STRING) == 0,
	      "module string \"%s\" (expected \"" MB_EXPECT_MODULE_STRING "\")", string);
}
