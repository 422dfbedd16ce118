// SPDX-License-Identifier: MIT
/*
 * The guest loaders, driven with images built here byte by byte: each successful load is read
 * back from guest RAM (segments, bss, modules, the multiboot information field by field, page
 * tables walked), and each refusal is checked for its errno and its message.
 *
 * `test_loader --write-seeds DIR` writes the fuzzer's seed inputs (tests/fuzz/seeds/fuzz_loader)
 * from the same builders; test_seeds_load checks that the committed seeds still load.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/elf.h"
#include "core/errno.h"
#include "core/loader.h"
#include "core/loader_internal.h"
#include "core/multiboot.h"
#include "core/multiboot2.h"
#include "tests/fuzz/fuzz_loader_input.h"
#include "tests/unit/guest_mem_host.h"

#define SEED_DIR "tests/fuzz/seeds/fuzz_loader"
#define MB1_OFF	 0x400 /* where the tests put a multiboot header */
#define MB2_OFF	 0x800

static struct guest_mem gm;
static struct guest_config gc;
static struct vcpu_boot_state out;
static struct loader_error err;
static uint8_t img[128 * 1024];
static size_t img_len;
static struct loader_module mods[CONFIG_MAX_MODULES + 1];
static unsigned int nmods;
static uint8_t mod_data[3][9000];

static int setup(void **state)
{
	host_guest_mem_free(&gm);
	memset(&gm, 0, sizeof(gm));
	memset(&gc, 0, sizeof(gc));
	memset(&out, 0xee, sizeof(out)); /* guest_load must set every field */
	memset(&err, 0, sizeof(err));
	memset(img, 0, sizeof(img));
	img_len = 0;
	nmods = 0;
	gc.format = GUEST_FORMAT_FLAT;
	gc.load_gpa = 0x100000;
	gc.mode_bits = 32;
	return 0;
}

static int teardown(void **state)
{
	host_guest_mem_free(&gm);
	return 0;
}

static void ram(uint64_t bytes)
{
	assert_int_equal(host_guest_mem_alloc(&gm, bytes), 0);
	gc.memory_bytes = bytes;
}

/* RAM full of 0xcc: what the loader hands the guest must not depend on RAM arriving zeroed. */
static void dirty_ram(uint64_t bytes)
{
	ram(bytes);
	for (unsigned int s = 0; s < gm.nr_slots; s++)
		for (uint64_t i = 0; i < gm.slots[s].nr_chunks; i++)
			memset(gm.slots[s].chunk_hva[i], 0xcc,
			       guest_mem_chunk_bytes(&gm.slots[s], i));
}

static int load(void)
{
	return guest_load(&gc, &gm, img, img_len, mods, nmods, &out, &err);
}

static void expect_ok(void)
{
	int rc = load();

	if (rc)
		fail_msg("guest_load: %d: %s", rc, err.msg);
	assert_string_equal(err.msg, "");
}

/* The errno and a fragment of the message (the whole message when exact). */
static void expect_refusal(int want_rc, const char *fragment, bool exact)
{
	int rc = load();

	if (rc != want_rc)
		fail_msg("guest_load: %d, expected %d; message: %s", rc, want_rc, err.msg);
	if (exact ? strcmp(err.msg, fragment) != 0 : !strstr(err.msg, fragment))
		fail_msg("message \"%s\" %s \"%s\"", err.msg, exact ? "is not" : "does not contain",
			 fragment);
}

static uint32_t g32(uint64_t gpa)
{
	uint32_t v;

	assert_int_equal(guest_mem_read(&gm, gpa, &v, sizeof(v)), 0);
	return v;
}

static uint64_t g64(uint64_t gpa)
{
	uint64_t v;

	assert_int_equal(guest_mem_read(&gm, gpa, &v, sizeof(v)), 0);
	return v;
}

static void assert_guest_string(uint64_t gpa, const char *want)
{
	char buf[600];

	assert_true(strlen(want) < sizeof(buf));
	assert_int_equal(guest_mem_read(&gm, gpa, buf, strlen(want) + 1), 0);
	assert_string_equal(buf, want);
}

static void assert_guest_bytes(uint64_t gpa, const void *want, size_t len)
{
	uint8_t *buf = malloc(len);

	assert_non_null(buf);
	assert_int_equal(guest_mem_read(&gm, gpa, buf, len), 0);
	assert_memory_equal(buf, want, len);
	free(buf);
}

static void assert_guest_zero(uint64_t gpa, uint64_t len)
{
	for (uint64_t i = 0; i < len; i++) {
		uint8_t b;

		assert_int_equal(guest_mem_read(&gm, gpa + i, &b, 1), 0);
		if (b)
			fail_msg("guest byte 0x%llx is 0x%02x, not 0",
				 (unsigned long long)(gpa + i), b);
	}
}

/* ---- image builders ------------------------------------------------------------------------ */

static void put(size_t off, const void *p, size_t len)
{
	assert_true(off + len <= sizeof(img));
	memcpy(img + off, p, len);
	img_len = MAX(img_len, off + len);
}

static void put16(size_t off, uint16_t v)
{
	put(off, &v, sizeof(v));
}

static void put32(size_t off, uint32_t v)
{
	put(off, &v, sizeof(v));
}

struct seg {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz; /* offset 0: placed by build_elf */
};

static uint8_t seg_byte(unsigned int i, uint64_t k)
{
	return (uint8_t)(0x41 + i * 16 + k * 7);
}

/* An executable: headers at 0, program headers after them, each segment's file bytes
 * (seg_byte) page-aligned from 0x1000 unless the segment names its offset. */
static void build_elf(bool is64, uint64_t entry, struct seg *segs, unsigned int n)
{
	size_t ehsize = is64 ? sizeof(struct elf64_ehdr) : sizeof(struct elf32_ehdr);
	size_t phsize = is64 ? sizeof(struct elf64_phdr) : sizeof(struct elf32_phdr);
	uint64_t next = 0x1000;
	const uint8_t ident[EI_NIDENT] = {
		0x7f, 'E', 'L', 'F', is64 ? ELFCLASS64 : ELFCLASS32, ELFDATA2LSB, EV_CURRENT
	};

	for (unsigned int i = 0; i < n; i++) {
		if (!segs[i].offset && segs[i].filesz) {
			segs[i].offset = next;
			next = ALIGN_UP(next + segs[i].filesz, 0x1000);
		}
		for (uint64_t k = 0; k < segs[i].filesz && segs[i].offset + k < sizeof(img); k++)
			put(segs[i].offset + k, &(uint8_t){ seg_byte(i, k) }, 1);
	}
	if (is64) {
		struct elf64_ehdr eh = { .e_type = ET_EXEC,
					 .e_machine = EM_X86_64,
					 .e_version = EV_CURRENT,
					 .e_entry = entry,
					 .e_phoff = ehsize,
					 .e_ehsize = ehsize,
					 .e_phentsize = phsize,
					 .e_phnum = n };

		memcpy(eh.e_ident, ident, sizeof(ident));
		put(0, &eh, sizeof(eh));
		for (unsigned int i = 0; i < n; i++) {
			struct elf64_phdr ph = { segs[i].type,	segs[i].flags, segs[i].offset,
						 segs[i].vaddr, segs[i].paddr, segs[i].filesz,
						 segs[i].memsz, 0x1000 };

			put(ehsize + i * phsize, &ph, sizeof(ph));
		}
	} else {
		struct elf32_ehdr eh = { .e_type = ET_EXEC,
					 .e_machine = EM_386,
					 .e_version = EV_CURRENT,
					 .e_entry = entry,
					 .e_phoff = ehsize,
					 .e_ehsize = ehsize,
					 .e_phentsize = phsize,
					 .e_phnum = n };

		memcpy(eh.e_ident, ident, sizeof(ident));
		put(0, &eh, sizeof(eh));
		for (unsigned int i = 0; i < n; i++) {
			struct elf32_phdr ph = { segs[i].type,	segs[i].offset, segs[i].vaddr,
						 segs[i].paddr, segs[i].filesz, segs[i].memsz,
						 segs[i].flags, 0x1000 };

			put(ehsize + i * phsize, &ph, sizeof(ph));
		}
	}
}

/* A kernel at 1 MiB: text [0x100000, 0x101800), data [0x103000, 0x103100) + bss to 0x106000. */
#define STD_ENTRY   0x100010
#define STD_END_GPA 0x106000
static struct seg std_segs[2];

static void build_std_elf(bool is64, uint64_t virt_offset)
{
	std_segs[0] = (struct seg){ PT_LOAD,  PF_R | PF_X, 0,	  0x100000 + virt_offset,
				    0x100000, 0x1800,	   0x1800 };
	std_segs[1] = (struct seg){ PT_LOAD,  PF_R | PF_W, 0,	  0x103000 + virt_offset,
				    0x103000, 0x100,	   0x3000 };
	build_elf(is64, STD_ENTRY + virt_offset, std_segs, 2);
}

static void assert_std_segments_loaded(void)
{
	uint8_t want[0x1800];

	for (unsigned int i = 0; i < 2; i++) {
		for (uint64_t k = 0; k < std_segs[i].filesz; k++)
			want[k] = seg_byte(i, k);
		assert_guest_bytes(std_segs[i].paddr, want, std_segs[i].filesz);
		assert_guest_zero(std_segs[i].paddr + std_segs[i].filesz,
				  std_segs[i].memsz - std_segs[i].filesz);
	}
}

static void put_mb1(size_t off, uint32_t flags)
{
	put32(off, MULTIBOOT_HEADER_MAGIC);
	put32(off + 4, flags);
	put32(off + 8, -(MULTIBOOT_HEADER_MAGIC + flags));
}

/* header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr */
static void put_mb1_aout(size_t off, uint32_t flags, const uint32_t a[5])
{
	put_mb1(off, flags | MULTIBOOT_AOUT_KLUDGE);
	for (unsigned int i = 0; i < 5; i++)
		put32(off + 12 + 4 * i, a[i]);
}

static size_t mb2_off, mb2_pos;

static void mb2_begin(size_t off)
{
	mb2_off = off;
	mb2_pos = off + sizeof(struct multiboot2_header);
}

static void mb2_tag(uint16_t type, uint16_t flags, const void *payload, uint32_t len)
{
	put16(mb2_pos, type);
	put16(mb2_pos + 2, flags);
	put32(mb2_pos + 4, 8 + len);
	if (len)
		put(mb2_pos + 8, payload, len);
	mb2_pos += ALIGN_UP(8 + len, 8);
}

static void mb2_tag32(uint16_t type, uint16_t flags, const uint32_t *words, unsigned int n)
{
	mb2_tag(type, flags, words, n * 4);
}

/* Ends the header with an end tag, or, with header_length 0, sets it to cover the tags. */
static void mb2_finish(uint32_t arch, bool end_tag)
{
	uint32_t len;

	if (end_tag)
		mb2_tag(MULTIBOOT2_HEADER_TAG_END, 0, NULL, 0);
	len = mb2_pos - mb2_off;
	put32(mb2_off, MULTIBOOT2_HEADER_MAGIC);
	put32(mb2_off + 4, arch);
	put32(mb2_off + 8, len);
	put32(mb2_off + 12, -(MULTIBOOT2_HEADER_MAGIC + arch + len));
}

static void add_module(size_t len, const char *args)
{
	unsigned int i = nmods++;

	assert_true(len <= sizeof(mod_data[0]) && i < 3);
	for (size_t k = 0; k < len; k++)
		mod_data[i][k] = (uint8_t)(i * 31 + k * 3 + 1);
	mods[i] = (struct loader_module){ mod_data[i], len, args };
}

static void std_modules(void)
{
	add_module(5000, "initrd.img rdinit=/init");
	add_module(4096, "extra.bin");
	add_module(1, "");
}

/* ---- memory map --------------------------------------------------------------------------- */

struct map_want {
	uint64_t gpa, bytes;
	uint32_t type;
};

static const struct map_want map_16m[] = {
	{ 0, 0x9fc00, 1 },
	{ 0x9fc00, 0x400, 2 },
	{ 0xf0000, 0x10000, 2 },
	{ 0x100000, 15 * MiB, 1 },
};

static void check_map(uint64_t ram_bytes, const struct map_want *want, unsigned int n,
		      uint32_t lower_kib, uint32_t upper_kib)
{
	struct guest_mem layout;
	struct loader_mmap_entry map[LOADER_MMAP_MAX];
	uint32_t lower, upper;

	assert_int_equal(guest_mem_layout(&layout, ram_bytes), 0);
	assert_int_equal(loader_memory_map(&layout, map), n);
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(map[i].gpa, want[i].gpa);
		assert_int_equal(map[i].bytes, want[i].bytes);
		assert_int_equal(map[i].type, want[i].type);
	}
	loader_mem_kib(&layout, &lower, &upper);
	assert_int_equal(lower, lower_kib);
	assert_int_equal(upper, upper_kib);
}

static void test_memory_map(void **state)
{
	static const struct map_want tiny[] = { { 0, 64 * KiB, 1 } };
	static const struct map_want conventional[] = { { 0, 0x9fc00, 1 }, { 0x9fc00, 0x400, 2 } };
	static const struct map_want in_bios[] = { { 0, 0x9fc00, 1 },
						   { 0x9fc00, 0x400, 2 },
						   { 0xf0000, 0x8000, 2 } };
	static const struct map_want one_mib[] = { { 0, 0x9fc00, 1 },
						   { 0x9fc00, 0x400, 2 },
						   { 0xf0000, 0x10000, 2 } };
	static const struct map_want big[] = {
		{ 0, 0x9fc00, 1 },	   { 0x9fc00, 0x400, 2 },   { 0xf0000, 0x10000, 2 },
		{ MiB, 3 * GiB - MiB, 1 }, { 4 * GiB, 3 * GiB, 1 },
	};

	check_map(64 * KiB, tiny, 1, 64, 0);
	check_map(0xa0000, conventional, 2, 639, 0);
	check_map(0xf8000, in_bios, 3, 639, 0);
	check_map(MiB, one_mib, 3, 639, 0);
	check_map(16 * MiB, map_16m, 4, 639, 15 * 1024);
	check_map(6 * GiB, big, 5, 639, (3 * GiB - MiB) / KiB);
}

/* ---- flat ---------------------------------------------------------------------------------- */

static void fill_image(size_t len)
{
	for (size_t i = 0; i < len; i++)
		img[i] = (uint8_t)(i * 11 + 5);
	img_len = len;
}

static void test_flat32(void **state)
{
	dirty_ram(16 * MiB);
	fill_image(1000);
	expect_ok();
	assert_guest_bytes(0x100000, img, 1000);
	assert_int_equal(out.mode_bits, 32);
	assert_int_equal(out.rip, 0x100000);
	assert_int_equal(out.rax, 0);
	assert_int_equal(out.rbx, 0);
	assert_int_equal(out.rsp, 0);
	assert_int_equal(out.cr3, 0);
}

static void test_flat_entry(void **state)
{
	ram(16 * MiB);
	fill_image(100);
	gc.entry_set = true;
	gc.entry_gpa = 0x100040;
	expect_ok();
	assert_int_equal(out.rip, 0x100040);
}

static void test_flat16(void **state)
{
	ram(1 * MiB);
	fill_image(512);
	gc.load_gpa = 0x7c00;
	gc.mode_bits = 16;
	expect_ok();
	assert_guest_bytes(0x7c00, img, 512);
	assert_int_equal(out.mode_bits, 16);
	assert_int_equal(out.rip, 0x7c00);
}

/* Walks 4-level paging with 2 MiB pages from out.cr3; UINT64_MAX when va is not mapped. */
static uint64_t walk(uint64_t va)
{
	const uint64_t addr_mask = 0x000ffffffffff000ull;
	uint64_t e;

	e = g64(out.cr3 + ((va >> 39) & 511) * 8);
	if (!(e & 1))
		return UINT64_MAX;
	assert_true(e & 2);
	e = g64((e & addr_mask) + ((va >> 30) & 511) * 8);
	if (!(e & 1))
		return UINT64_MAX;
	assert_false(e & 0x80);
	e = g64((e & addr_mask) + ((va >> 21) & 511) * 8);
	if (!(e & 1))
		return UINT64_MAX;
	assert_true((e & 0x82) == 0x82); /* PS, RW */
	return (e & addr_mask & ~(2 * MiB - 1)) | (va & (2 * MiB - 1));
}

static void test_flat64_page_tables(void **state)
{
	static const uint64_t addrs[] = { 0,	      0x1234,	  0x100000,   0x7ffff8,
					  0x12345678, 0xbfffffff, 0xfee00000, 0xffffffff };

	dirty_ram(16 * MiB);
	fill_image(4096);
	gc.mode_bits = 64;
	expect_ok();
	assert_int_equal(out.mode_bits, 64);
	assert_int_equal(out.rip, 0x100000);
	/* PML4, one PDPT and four PDs at the top of RAM. */
	assert_int_equal(out.cr3, 16 * MiB - 6 * 4096);
	for (unsigned int i = 0; i < ARRAY_SIZE(addrs); i++)
		assert_int_equal(walk(addrs[i]), addrs[i]);
	assert_int_equal(walk(4 * GiB), UINT64_MAX);
	assert_int_equal(walk(512 * GiB), UINT64_MAX);
	assert_guest_bytes(0x100000, img, 4096);
}

static int chunk_first_or_last_low(uint64_t chunk_gpa)
{
	return chunk_gpa == 0 || chunk_gpa == 3 * GiB - GUEST_MEM_CHUNK_BYTES;
}

/* 5 GiB: RAM continues at [4 GiB, 6 GiB), which the tables map too. Only the chunks holding
 * the image and the tables are backed. */
static void test_flat64_above_4g(void **state)
{
	static const uint64_t addrs[] = { 0x100000,	    0xfee00000,		4 * GiB,
					  4 * GiB + 0x1234, 5 * GiB + 0x200000, 6 * GiB - 1 };

	assert_int_equal(host_guest_mem_alloc_if(&gm, 5 * GiB, chunk_first_or_last_low), 0);
	gc.memory_bytes = 5 * GiB;
	fill_image(4096);
	gc.mode_bits = 64;
	expect_ok();
	assert_int_equal(out.cr3, 3 * GiB - 8 * 4096); /* PML4, PDPT, six PDs */
	for (unsigned int i = 0; i < ARRAY_SIZE(addrs); i++)
		assert_int_equal(walk(addrs[i]), addrs[i]);
	assert_int_equal(walk(6 * GiB), UINT64_MAX);
}

static void test_flat64_tables_overlap_image(void **state)
{
	ram(64 * KiB);
	fill_image(48 * 1024);
	gc.load_gpa = 0;
	gc.mode_bits = 64;
	expect_refusal(-ENOMEM,
		       "flat image: the 64-bit page tables [0xa000, 0x10000) at the top of low "
		       "RAM overlap the image [0x0, 0xc000)",
		       true);
	/* 40 KiB leaves room for them. */
	setup(state);
	ram(64 * KiB);
	fill_image(40 * 1024);
	gc.load_gpa = 0;
	gc.mode_bits = 64;
	expect_ok();
	assert_int_equal(out.cr3, 0xa000);
	assert_int_equal(walk(0x8000), 0x8000);
}

static void test_flat_load_past_ram(void **state)
{
	ram(16 * MiB);
	img_len = 65537;
	gc.load_gpa = 0xff0000;
	expect_refusal(-ENOMEM,
		       "flat image: load 0xff0000 + 65537 bytes ends past guest RAM (16 MiB)",
		       true);
	img_len = 65536; /* up to the last byte */
	expect_ok();
}

static void test_flat_load_outside_ram(void **state)
{
	ram(16 * MiB);
	img_len = 16;
	gc.load_gpa = 0x1000000;
	expect_refusal(-EINVAL, "flat image: load 0x1000000 is outside guest RAM (16 MiB)", true);
	gc.load_gpa = UINT64_MAX - 4;
	expect_refusal(-EINVAL, "is outside guest RAM", false);
}

static void test_flat_entry_outside_ram(void **state)
{
	ram(16 * MiB);
	img_len = 16;
	gc.entry_set = true;
	gc.entry_gpa = 0x1000000;
	expect_refusal(-EINVAL, "flat image: entry 0x1000000 is outside guest RAM (16 MiB)", true);
}

static void test_flat16_entry_above_1m(void **state)
{
	ram(16 * MiB);
	img_len = 16;
	gc.mode_bits = 16;
	expect_refusal(-EINVAL,
		       "flat image: entry 0x100000 is not below 1 MiB, out of reach in mode 16 "
		       "(real mode)",
		       true);
}

static void test_flat_refusals(void **state)
{
	ram(16 * MiB);
	img_len = 16;
	gc.mode_bits = 8;
	expect_refusal(-EINVAL, "flat image: mode 8 is not 16, 32 or 64", true);
	gc.mode_bits = 32;
	img_len = 0;
	expect_refusal(-ENOEXEC, "flat image: the image is empty", true);
	img_len = 16;
	add_module(10, "a");
	expect_refusal(-EINVAL, "flat image: 1 modules given", false);
	nmods = CONFIG_MAX_MODULES + 1;
	expect_refusal(-EINVAL, "9 modules, at most 8 are supported", true);
	nmods = 0;
	gc.format = (enum guest_format)7;
	expect_refusal(-EINVAL, "image format 7 is unknown", true);
}

/* ---- multiboot (v1) ------------------------------------------------------------------------ */

static void check_mb1_info(const char *cmdline, uint64_t kernel_end, uint64_t ram_bytes)
{
	struct multiboot_info mbi;
	struct loader_mmap_entry map[LOADER_MMAP_MAX];
	unsigned int nmap = loader_memory_map(&gm, map);
	uint64_t info = out.rbx, prev_end = kernel_end;

	assert_int_equal(out.mode_bits, 32);
	assert_int_equal(out.rax, MULTIBOOT_BOOTLOADER_MAGIC);
	assert_int_equal(out.rsp, 0);
	assert_int_equal(out.cr3, 0);
	assert_int_equal(guest_mem_read(&gm, info, &mbi, sizeof(mbi)), 0);
	assert_int_equal(mbi.flags, MULTIBOOT_INFO_MEMORY | MULTIBOOT_INFO_CMDLINE |
					    MULTIBOOT_INFO_MODS | MULTIBOOT_INFO_MEM_MAP |
					    MULTIBOOT_INFO_BOOT_LOADER_NAME);
	assert_int_equal(mbi.mem_lower, 639);
	assert_int_equal(mbi.mem_upper, (ram_bytes - MiB) / KiB);
	assert_guest_string(mbi.cmdline, cmdline);
	assert_guest_string(mbi.boot_loader_name, "plinth");
	assert_int_equal(mbi.boot_device, 0);
	assert_int_equal(mbi.vbe_mode, 0);
	assert_int_equal(mbi.framebuffer_addr, 0);

	assert_int_equal(mbi.mods_count, nmods);
	for (unsigned int i = 0; i < nmods; i++) {
		uint64_t m = mbi.mods_addr + i * sizeof(struct multiboot_mod_list);
		uint32_t start = g32(m), end = g32(m + 4);

		assert_int_equal(start % 4096, 0);
		assert_true(start >= prev_end);
		assert_int_equal(end - start, mods[i].len);
		assert_guest_bytes(start, mods[i].data, mods[i].len);
		assert_guest_string(g32(m + 8), mods[i].args);
		assert_int_equal(g32(m + 12), 0);
		prev_end = end;
	}
	/* The information block follows the modules, page-aligned, inside RAM. */
	assert_int_equal(info % 4096, 0);
	assert_true(info >= prev_end && info >= MiB);
	assert_true(guest_mem_is_ram(&gm, info, sizeof(mbi)));

	assert_int_equal(mbi.mmap_length, nmap * 24);
	for (unsigned int i = 0; i < nmap; i++) {
		uint64_t e = mbi.mmap_addr + i * 24;

		assert_int_equal(g32(e), 20);
		assert_int_equal(g64(e + 4), map[i].gpa);
		assert_int_equal(g64(e + 12), map[i].bytes);
		assert_int_equal(g32(e + 20), map[i].type);
	}
}

static void test_mb1_elf(void **state)
{
	dirty_ram(16 * MiB);
	gc.format = GUEST_FORMAT_MULTIBOOT;
	strcpy(gc.cmdline, "console=ttyS0 quiet");
	build_std_elf(false, 0);
	put_mb1(MB1_OFF, MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO);
	std_modules();
	expect_ok();
	assert_std_segments_loaded();
	assert_int_equal(out.rip, STD_ENTRY);
	check_mb1_info("console=ttyS0 quiet", STD_END_GPA, 16 * MiB);
	/* The memory map of 16 MiB, spelled out once. */
	for (unsigned int i = 0; i < ARRAY_SIZE(map_16m); i++) {
		struct multiboot_info mbi;

		assert_int_equal(guest_mem_read(&gm, out.rbx, &mbi, sizeof(mbi)), 0);
		assert_int_equal(g64(mbi.mmap_addr + i * 24 + 4), map_16m[i].gpa);
		assert_int_equal(g64(mbi.mmap_addr + i * 24 + 12), map_16m[i].bytes);
		assert_int_equal(g32(mbi.mmap_addr + i * 24 + 20), map_16m[i].type);
	}
}

static void test_mb1_no_modules_empty_cmdline(void **state)
{
	ram(2 * MiB);
	gc.format = GUEST_FORMAT_MULTIBOOT;
	build_std_elf(false, 0);
	put_mb1(MB1_OFF, 0);
	expect_ok();
	assert_int_equal(out.rbx, STD_END_GPA);
	check_mb1_info("", STD_END_GPA, 2 * MiB);
}

/* A higher-half kernel: linked at 3 GiB + 1 MiB, loaded at 1 MiB; entry translated. */
static void test_mb1_higher_half(void **state)
{
	ram(16 * MiB);
	gc.format = GUEST_FORMAT_MULTIBOOT;
	build_std_elf(false, 0xc0000000);
	put_mb1(MB1_OFF, MULTIBOOT_PAGE_ALIGN);
	expect_ok();
	assert_std_segments_loaded();
	assert_int_equal(out.rip, STD_ENTRY);
}

/* Optional flag bits (16-31) are ignored; a video mode request gets text mode. */
static void test_mb1_flags_accepted(void **state)
{
	ram(16 * MiB);
	gc.format = GUEST_FORMAT_MULTIBOOT;
	build_std_elf(false, 0);
	put_mb1(MB1_OFF, MULTIBOOT_VIDEO_MODE | BIT(20) | BIT(31));
	expect_ok();
	assert_int_equal(out.rip, STD_ENTRY);
}

/* A flat kernel described by the header's address fields. */
static void build_aout(uint32_t bss_end, uint32_t entry)
{
	const uint32_t a[5] = { 0x100000, 0x100000, 0x100000 + 0x2000, bss_end, entry };

	fill_image(0x2400);
	put_mb1_aout(0, MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO, a);
}

static void test_mb1_aout(void **state)
{
	uint8_t want[0x2000];

	dirty_ram(16 * MiB);
	gc.format = GUEST_FORMAT_MULTIBOOT;
	build_aout(0x104000, 0x100020);
	memcpy(want, img, sizeof(want));
	expect_ok();
	assert_guest_bytes(0x100000, want, sizeof(want));
	assert_guest_zero(0x102000, 0x2000);
	assert_int_equal(out.rip, 0x100020);
	check_mb1_info("", 0x104000, 16 * MiB);
}

/* The header 0x20 bytes into the file at header_addr 0x200020: the file starts at 0x200000;
 * load_end_addr 0 loads the whole file, bss_end_addr 0 means no bss. */
static void test_mb1_aout_whole_file(void **state)
{
	const uint32_t a[5] = { 0x200020, 0x200000, 0, 0, 0x200040 };

	ram(16 * MiB);
	gc.format = GUEST_FORMAT_MULTIBOOT;
	fill_image(0x1234);
	put_mb1_aout(0x20, 0, a);
	expect_ok();
	assert_guest_bytes(0x200000, img, 0x1234);
	assert_int_equal(out.rip, 0x200040);
	assert_int_equal(out.rbx, 0x202000);
}

/* A fresh file each time, so that no earlier header is found first. */
static void aout_case(size_t off, const uint32_t a[5])
{
	fill_image(0x2400);
	put_mb1_aout(off, 0, a);
}

static void test_mb1_aout_refusals(void **state)
{
	ram(16 * MiB);
	gc.format = GUEST_FORMAT_MULTIBOOT;
	aout_case(0, (const uint32_t[]){ 0x100000, 0x100010, 0, 0, 0x100020 });
	expect_refusal(-ENOEXEC,
		       "multiboot header: load_addr 0x100010 is above header_addr 0x100000", true);
	aout_case(0x10, (const uint32_t[]){ 0x100000, 0xf0000, 0, 0, 0x100020 });
	expect_refusal(-ENOEXEC, "reaches before the file start (header at offset 0x10)", false);
	aout_case(0, (const uint32_t[]){ 0x100000, 0x100000, 0xff000, 0, 0x100020 });
	expect_refusal(-ENOEXEC,
		       "multiboot header: load_end_addr 0xff000 is below load_addr 0x100000", true);
	aout_case(0, (const uint32_t[]){ 0x100000, 0x100000, 0x103000, 0, 0x100020 });
	expect_refusal(-ENOEXEC,
		       "load_end_addr 0x103000 needs 0x3000 bytes from file offset 0x0, "
		       "past the end of the image (9216 bytes)",
		       false);
	aout_case(0, (const uint32_t[]){ 0x100000, 0x100000, 0x102000, 0x101000, 0x100020 });
	expect_refusal(-ENOEXEC,
		       "bss_end_addr 0x101000 is below the end of the loaded file 0x102000", false);
	aout_case(0, (const uint32_t[]){ 0x100000, 0x100000, 0x102000, 0, 0x102000 });
	expect_refusal(-ENOEXEC,
		       "multiboot header: entry_addr 0x102000 is outside the loaded image "
		       "[0x100000, 0x102000)",
		       true);
	aout_case(0, (const uint32_t[]){ 0xfff000, 0xfff000, 0, 0x2000000, 0xfff020 });
	expect_refusal(
		-ENOMEM,
		"multiboot header: image [0xfff000, 0x2000000) lies outside guest RAM (16 MiB)",
		true);
	aout_case(0, (const uint32_t[]){ 0xfffff000, 0xfffff000, 0, 0, 0xfffff020 });
	expect_refusal(-ENOEXEC, "lies above 4 GiB", false);
	aout_case(0, (const uint32_t[]){ 0x100000, 0x100000, 0x100000, 0, 0x100000 });
	expect_refusal(-ENOEXEC, "nothing to load", false);
}

static void test_mb1_header_refusals(void **state)
{
	ram(16 * MiB);
	gc.format = GUEST_FORMAT_MULTIBOOT;
	build_std_elf(false, 0);
	expect_refusal(-ENOEXEC,
		       "multiboot header: no magic 0x1badb002 (4-byte aligned) in the first 8192 "
		       "bytes of the image",
		       true);
	/* Past the first 8 KiB, or misaligned, it does not count. */
	put_mb1(8192, 0);
	expect_refusal(-ENOEXEC, "no magic", false);
	put_mb1(8190, 0);
	expect_refusal(-ENOEXEC, "no magic", false);
	/* The last place it fits. */
	put_mb1(8180, 0);
	expect_ok();

	setup(state);
	ram(16 * MiB);
	gc.format = GUEST_FORMAT_MULTIBOOT;
	build_std_elf(false, 0);
	put_mb1(MB1_OFF, 0);
	put32(MB1_OFF + 8, 0x12345678);
	expect_refusal(-ENOEXEC, "multiboot header at offset 0x400: checksum 0x12345678 is wrong",
		       false);
	put_mb1(MB1_OFF, BIT(3) | BIT(1));
	expect_refusal(-ENOEXEC,
		       "multiboot header: flags 0xa set required bit 3, which plinth does not "
		       "support (only bits 0, 1 and 2)",
		       true);
	put_mb1(MB1_OFF, BIT(15));
	expect_refusal(-ENOEXEC, "required bit 15", false);
}

static void test_mb1_truncated(void **state)
{
	ram(16 * MiB);
	gc.format = GUEST_FORMAT_MULTIBOOT;
	/* Only 8 bytes of a header with address fields fit the image. */
	put_mb1(0, MULTIBOOT_AOUT_KLUDGE);
	put32(12, 0);
	img_len = 20;
	expect_refusal(-ENOEXEC,
		       "multiboot header at offset 0x0: flags 0x10000 need 32 header bytes, past "
		       "the end of the image",
		       true);
	/* A header and no ELF header after it. */
	put_mb1(0, 0);
	img_len = 48;
	expect_refusal(-ENOEXEC, "image is 48 bytes, too short for an ELF header", true);
	img_len = 100;
	expect_refusal(-ENOEXEC, "ELF header: magic 02 b0 ad 1b is not 7f 45 4c 46", true);
	/* Video mode fields past the first 8 KiB. */
	setup(state);
	ram(16 * MiB);
	gc.format = GUEST_FORMAT_MULTIBOOT;
	build_std_elf(false, 0);
	put_mb1(8176, MULTIBOOT_VIDEO_MODE);
	expect_refusal(-ENOEXEC, "need 48 header bytes, past the first 8192 bytes", false);
}

static void test_elf_header_refusals(void **state)
{
	ram(16 * MiB);
	gc.format = GUEST_FORMAT_MULTIBOOT;
	build_std_elf(true, 0);
	put_mb1(MB1_OFF, 0);
	expect_refusal(-ENOEXEC, "class 2 (ELF64) is not a multiboot (v1) kernel", false);

	build_std_elf(false, 0);
	img[EI_CLASS] = 3;
	expect_refusal(-ENOEXEC, "ELF header: class 3 is neither 1 (ELF32) nor 2 (ELF64)", true);
	img[EI_CLASS] = ELFCLASS32;
	img[EI_DATA] = 2;
	expect_refusal(-ENOEXEC, "ELF header: data encoding 2 is not 1 (little-endian)", true);
	img[EI_DATA] = ELFDATA2LSB;
	put16(16, 3); /* e_type ET_DYN */
	expect_refusal(-ENOEXEC, "ELF header: e_type 3 is not 2 (ET_EXEC)", true);
	put16(16, ET_EXEC);
	put16(18, EM_X86_64);
	expect_refusal(-ENOEXEC, "ELF header: e_machine 62 is not 3 (i386)", true);
	put16(18, EM_386);
	put16(44, 0); /* e_phnum */
	expect_refusal(-ENOEXEC, "ELF header: e_phnum is 0, no program headers", true);
	put16(44, 65);
	expect_refusal(-ENOEXEC, "ELF header: e_phnum 65 is more than 64", true);
	put16(44, 2);
	put16(42, 16); /* e_phentsize */
	expect_refusal(-ENOEXEC, "ELF header: e_phentsize 16 is smaller than 32", true);
	put16(42, 32);
	put32(28, 0x3ff0); /* e_phoff: 64 bytes from there end past the 0x3100-byte image */
	expect_refusal(-ENOEXEC,
		       "ELF header: program headers at e_phoff 0x3ff0 (2 of 32 bytes) end past the "
		       "image (",
		       false);
	put32(28, 0xffffffff);
	expect_refusal(-ENOEXEC, "end past the image", false);
}

static void mb1_kernel(struct seg *segs, unsigned int n, uint64_t entry)
{
	gc.format = GUEST_FORMAT_MULTIBOOT;
	memset(img, 0, sizeof(img));
	img_len = 0;
	build_elf(false, entry, segs, n);
	put_mb1(MB1_OFF, 0);
}

static void test_elf_segment_refusals(void **state)
{
	struct seg s[3];

	ram(16 * MiB);
	s[0] = (struct seg){ PT_LOAD, PF_X, 0, 0x10000, 0x10000, 0x100, 0x1000 };
	s[1] = (struct seg){ PT_LOAD, PF_W, 0, 0x100000, 0x100000, 0x100, 0x2000000 };
	mb1_kernel(s, 2, 0x10000);
	expect_refusal(-ENOMEM,
		       "ELF program header 1: segment [0x100000, 0x2100000) lies outside guest RAM "
		       "(16 MiB)",
		       true);

	s[0] = (struct seg){ PT_LOAD, PF_X, 0, 0x100000, 0x100000, 0x100, 0x2000 };
	s[1] = (struct seg){ PT_LOAD, PF_W, 0, 0x101000, 0x101000, 0x100, 0x1000 };
	mb1_kernel(s, 2, 0x100000);
	expect_refusal(-ENOEXEC,
		       "ELF program header 1: segment [0x101000, 0x102000) overlaps program header "
		       "0 [0x100000, 0x102000)",
		       true);

	s[0] = (struct seg){ PT_LOAD, PF_X, 0, 0x100000, 0x100000, 0x2000, 0x1000 };
	mb1_kernel(s, 1, 0x100000);
	expect_refusal(-ENOEXEC,
		       "ELF program header 0: p_filesz 0x2000 is larger than p_memsz 0x1000", true);

	s[0] = (struct seg){ PT_LOAD, PF_X, 0x1000, 0x100000, 0x100000, 0x100, 0x1000 };
	mb1_kernel(s, 1, 0x100000);
	s[0].filesz = 0x200;
	build_elf(false, 0x100000, s, 1); /* header says 0x200 bytes, the file has 0x100 */
	img_len = 0x1100;
	expect_refusal(-ENOEXEC,
		       "ELF program header 0: p_offset 0x1000 + p_filesz 0x200 ends past the image "
		       "(4352 bytes)",
		       true);

	s[0] = (struct seg){ PT_LOAD, PF_X, 0, 0xfffff000, 0xfffff000, 0x100, 0x2000 };
	mb1_kernel(s, 1, 0xfffff000);
	expect_refusal(-ENOEXEC,
		       "ELF program header 0: segment [0xfffff000, 0x100001000) lies above 4 GiB",
		       false);

	/* Only non-empty PT_LOAD segments count. */
	s[0] = (struct seg){ 4 /* PT_NOTE */, PF_X, 0, 0x100000, 0x100000, 0x100, 0x100 };
	s[1] = (struct seg){ PT_LOAD, PF_X, 0, 0x200000, 0x200000, 0, 0 };
	mb1_kernel(s, 2, 0x100000);
	expect_refusal(-ENOEXEC, "ELF: no PT_LOAD program header with p_memsz > 0", true);
}

static void test_elf_entry_refusals(void **state)
{
	struct seg s[2];

	ram(16 * MiB);
	s[0] = (struct seg){ PT_LOAD, PF_R | PF_X, 0, 0x100000, 0x100000, 0x100, 0x1000 };
	s[1] = (struct seg){ PT_LOAD, PF_R | PF_W, 0, 0x200000, 0x200000, 0x100, 0x1000 };
	mb1_kernel(s, 2, 0x101000);
	expect_refusal(-ENOEXEC,
		       "ELF header: e_entry 0x101000 is not inside any loaded PT_LOAD segment",
		       true);
	mb1_kernel(s, 2, 0x200010);
	expect_refusal(-ENOEXEC,
		       "ELF header: e_entry 0x200010 lies in program header 1, which is not "
		       "executable (no PF_X)",
		       true);
	/* The entry may lie in bss, as long as the segment is executable. */
	mb1_kernel(s, 2, 0x100ff0);
	expect_ok();
	assert_int_equal(out.rip, 0x100ff0);
}

/* A bss-only segment reads nothing from the file, so its p_offset does not matter. */
static void test_elf_bss_only_segment(void **state)
{
	struct seg s[2] = {
		{ PT_LOAD, PF_R | PF_X, 0, 0x100000, 0x100000, 0x100, 0x100 },
		{ PT_LOAD, PF_R | PF_W, 0xfffffff0, 0x200000, 0x200000, 0, 0x5000 },
	};

	dirty_ram(16 * MiB);
	mb1_kernel(s, 2, 0x100000);
	expect_ok();
	assert_guest_zero(0x200000, 0x5000);
	assert_int_equal(out.rbx, 0x205000);
}

static void test_mb1_modules_too_big(void **state)
{
	uint8_t *big = calloc(1, 16 * MiB);

	assert_non_null(big);
	ram(16 * MiB);
	gc.format = GUEST_FORMAT_MULTIBOOT;
	build_std_elf(false, 0);
	put_mb1(MB1_OFF, 0);
	add_module(100, "first");
	mods[1] = (struct loader_module){ big, 15 * MiB, "big.img" };
	nmods = 2;
	expect_refusal(-ENOMEM,
		       "module 1 'big.img' (15728640 bytes) does not fit in guest RAM (16 MiB): "
		       "0xef9000 bytes free from 0x107000 after the image",
		       true);
	free(big);
}

static void test_mb1_info_does_not_fit(void **state)
{
	ram(STD_END_GPA); /* RAM ends where the kernel's bss does */
	gc.format = GUEST_FORMAT_MULTIBOOT;
	build_std_elf(false, 0);
	put_mb1(MB1_OFF, 0);
	expect_refusal(-ENOMEM, "multiboot information (", false);
	expect_refusal(-ENOMEM, "does not fit in guest RAM (1048 KiB)", false);
	/* Below 1 MiB nothing is placed, so 1 MiB of RAM cannot take a multiboot kernel. */
	setup(state);
	ram(MiB);
	gc.format = GUEST_FORMAT_MULTIBOOT;
	fill_image(0x100);
	put_mb1_aout(0, 0, (const uint32_t[]){ 0x10000, 0x10000, 0, 0, 0x10020 });
	expect_refusal(-ENOMEM, "0x0 bytes free from 0x100000", false);
}

/* ---- multiboot2 --------------------------------------------------------------------------- */

static void mb2_std_header(void)
{
	const uint32_t req_required[] = { MULTIBOOT2_TAG_TYPE_CMDLINE,
					  MULTIBOOT2_TAG_TYPE_BASIC_MEMINFO,
					  MULTIBOOT2_TAG_TYPE_MMAP, MULTIBOOT2_TAG_TYPE_MODULE };
	const uint32_t req_optional[] = { MULTIBOOT2_TAG_TYPE_FRAMEBUFFER, 14, 15 };
	const uint32_t fb[3] = { 1024, 768, 32 };

	mb2_begin(MB2_OFF);
	mb2_tag32(MULTIBOOT2_HEADER_TAG_INFORMATION_REQUEST, 0, req_required, 4);
	mb2_tag32(MULTIBOOT2_HEADER_TAG_INFORMATION_REQUEST, MULTIBOOT2_HEADER_TAG_OPTIONAL,
		  req_optional, 3);
	mb2_tag32(MULTIBOOT2_HEADER_TAG_FRAMEBUFFER, MULTIBOOT2_HEADER_TAG_OPTIONAL, fb, 3);
	mb2_tag(MULTIBOOT2_HEADER_TAG_MODULE_ALIGN, 0, NULL, 0);
	mb2_tag32(MULTIBOOT2_HEADER_TAG_CONSOLE_FLAGS, 0, (const uint32_t[]){ 2 }, 1);
	mb2_tag(MULTIBOOT2_HEADER_TAG_EFI_BS, 0, NULL, 0);
	mb2_tag(42, MULTIBOOT2_HEADER_TAG_OPTIONAL, "abc", 3); /* unknown but optional */
}

/* Walks the information structure at out.rbx and checks every tag plinth writes. */
static void check_mb2_info(const char *cmdline, uint64_t kernel_end)
{
	struct loader_mmap_entry map[LOADER_MMAP_MAX];
	unsigned int nmap = loader_memory_map(&gm, map), nmod = 0;
	uint64_t info = out.rbx, pos = info + 8, prev_end = kernel_end;
	uint32_t total = g32(info), lower, upper;
	int order = 0;
	bool seen_end = false;

	assert_int_equal(out.mode_bits, 32);
	assert_int_equal(out.rax, MULTIBOOT2_BOOTLOADER_MAGIC);
	assert_int_equal(out.rsp, 0);
	assert_int_equal(info % 4096, 0);
	assert_int_equal(g32(info + 4), 0);
	loader_mem_kib(&gm, &lower, &upper);
	while (!seen_end) {
		uint32_t type = g32(pos), size = g32(pos + 4);

		assert_int_equal(pos % 8, 0);
		assert_true(size >= 8 && pos + size <= info + total);
		switch (type) {
		case MULTIBOOT2_TAG_TYPE_CMDLINE:
			assert_int_equal(order, 0);
			order = 1;
			assert_int_equal(size, 8 + strlen(cmdline) + 1);
			assert_guest_string(pos + 8, cmdline);
			break;
		case MULTIBOOT2_TAG_TYPE_BOOT_LOADER_NAME:
			assert_int_equal(order, 1);
			order = 2;
			assert_int_equal(size, 8 + 7);
			assert_guest_string(pos + 8, "plinth");
			break;
		case MULTIBOOT2_TAG_TYPE_MODULE: {
			uint32_t start = g32(pos + 8), end = g32(pos + 12);

			assert_int_equal(order, 2);
			assert_true(nmod < nmods);
			assert_int_equal(size, 16 + strlen(mods[nmod].args) + 1);
			assert_int_equal(start % 4096, 0);
			assert_true(start >= prev_end);
			assert_int_equal(end - start, mods[nmod].len);
			assert_guest_bytes(start, mods[nmod].data, mods[nmod].len);
			assert_guest_string(pos + 16, mods[nmod].args);
			prev_end = end;
			nmod++;
			break;
		}
		case MULTIBOOT2_TAG_TYPE_BASIC_MEMINFO:
			assert_int_equal(order, 2);
			order = 4;
			assert_int_equal(size, 16);
			assert_int_equal(g32(pos + 8), lower);
			assert_int_equal(g32(pos + 12), upper);
			break;
		case MULTIBOOT2_TAG_TYPE_MMAP:
			assert_int_equal(order, 4);
			order = 6;
			assert_int_equal(size, 16 + nmap * 24);
			assert_int_equal(g32(pos + 8), 24);
			assert_int_equal(g32(pos + 12), 0);
			for (unsigned int i = 0; i < nmap; i++) {
				uint64_t e = pos + 16 + i * 24;

				assert_int_equal(g64(e), map[i].gpa);
				assert_int_equal(g64(e + 8), map[i].bytes);
				assert_int_equal(g32(e + 16), map[i].type);
				assert_int_equal(g32(e + 20), 0);
			}
			break;
		case MULTIBOOT2_TAG_TYPE_END:
			assert_int_equal(order, 6);
			assert_int_equal(size, 8);
			assert_int_equal(pos + 8, info + total);
			seen_end = true;
			break;
		default:
			fail_msg("unexpected tag type %u", type);
		}
		/* Padding to the next tag is written too (test_mb2_elf32 starts from dirty RAM). */
		assert_guest_zero(pos + size, ALIGN_UP(size, 8) - size);
		pos += ALIGN_UP(size, 8);
	}
	assert_int_equal(nmod, nmods);
	assert_true(info >= prev_end);
}

static void test_mb2_elf32(void **state)
{
	dirty_ram(16 * MiB);
	gc.format = GUEST_FORMAT_MULTIBOOT2;
	strcpy(gc.cmdline, "root=/dev/ram0 console=ttyS0,115200");
	build_std_elf(false, 0);
	mb2_std_header();
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, true);
	std_modules();
	expect_ok();
	assert_std_segments_loaded();
	assert_int_equal(out.rip, STD_ENTRY);
	check_mb2_info("root=/dev/ram0 console=ttyS0,115200", STD_END_GPA);
}

/* ELF64, linked in the top 2 GiB and loaded at 1 MiB: the 32-bit entry is translated. */
static void test_mb2_elf64_higher_half(void **state)
{
	static char long_args[300];

	ram(8 * MiB);
	gc.format = GUEST_FORMAT_MULTIBOOT2;
	build_std_elf(true, 0xffffffff80000000ull);
	mb2_begin(MB2_OFF);
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, true);
	/* Module strings are the path and the arguments, which may exceed either's own limit. */
	memset(long_args, 'a', sizeof(long_args) - 1);
	add_module(3000, long_args);
	expect_ok();
	assert_std_segments_loaded();
	assert_int_equal(out.rip, STD_ENTRY);
	check_mb2_info("", STD_END_GPA);
}

/* An entry address tag gives the physical entry, overriding e_entry. */
static void test_mb2_entry_tag(void **state)
{
	ram(8 * MiB);
	gc.format = GUEST_FORMAT_MULTIBOOT2;
	build_std_elf(true, 0xffffffff80000000ull);
	mb2_begin(MB2_OFF);
	mb2_tag32(MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS, 0, (const uint32_t[]){ 0x100100 }, 1);
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, true);
	expect_ok();
	assert_int_equal(out.rip, 0x100100);

	mb2_begin(MB2_OFF);
	mb2_tag32(MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS, 0, (const uint32_t[]){ 0x103000 }, 1);
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, true);
	expect_refusal(-ENOEXEC,
		       "multiboot2 entry address tag: entry_addr 0x103000 lies in program header "
		       "1, which is not executable (no PF_X)",
		       true);
}

static void build_mb2_address_kernel(uint32_t load_addr, uint32_t load_end, uint32_t bss_end,
				     uint32_t entry)
{
	fill_image(0x3000);
	mb2_begin(0);
	mb2_tag32(MULTIBOOT2_HEADER_TAG_ADDRESS, 0,
		  (const uint32_t[]){ 0x200000, load_addr, load_end, bss_end }, 4);
	mb2_tag32(MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS, 0, (const uint32_t[]){ entry }, 1);
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, true);
}

static void test_mb2_address_tag(void **state)
{
	ram(16 * MiB);
	gc.format = GUEST_FORMAT_MULTIBOOT2;
	build_mb2_address_kernel(0x200000, 0x202000, 0x205000, 0x200040);
	expect_ok();
	assert_guest_bytes(0x200000, img, 0x2000);
	assert_guest_zero(0x202000, 0x3000);
	assert_int_equal(out.rip, 0x200040);
	check_mb2_info("", 0x205000);

	/* load_addr 0xffffffff: the file from its first byte, which the header (at 0) places. */
	setup(state);
	ram(16 * MiB);
	gc.format = GUEST_FORMAT_MULTIBOOT2;
	build_mb2_address_kernel(0xffffffff, 0, 0, 0x202ff0);
	expect_ok();
	assert_guest_bytes(0x200000, img, 0x3000);
	assert_int_equal(out.rip, 0x202ff0);
	assert_int_equal(out.rbx, 0x203000);

	build_mb2_address_kernel(0x200000, 0x202000, 0, 0x202000);
	expect_refusal(-ENOEXEC,
		       "multiboot2 entry address tag: entry_addr 0x202000 is outside the loaded "
		       "image [0x200000, 0x202000)",
		       true);
	build_mb2_address_kernel(0x200000, 0x202000, 0x201000, 0x200000);
	expect_refusal(-ENOEXEC, "multiboot2 address tag: bss_end_addr 0x201000 is below", false);

	fill_image(0x3000);
	mb2_begin(0);
	mb2_tag32(MULTIBOOT2_HEADER_TAG_ADDRESS, 0, (const uint32_t[]){ 0x200000, 0x200000, 0, 0 },
		  4);
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, true);
	expect_refusal(-ENOEXEC, "multiboot2 header: an address tag needs an entry address tag",
		       true);
}

static void mb2_kernel(void)
{
	setup(NULL);
	ram(16 * MiB);
	gc.format = GUEST_FORMAT_MULTIBOOT2;
	build_std_elf(false, 0);
	mb2_begin(MB2_OFF);
}

static void test_mb2_header_refusals(void **state)
{
	mb2_kernel();
	expect_refusal(-ENOEXEC,
		       "multiboot2 header: no magic 0xe85250d6 (8-byte aligned) in the first "
		       "12544 bytes of the image",
		       true);

	mb2_kernel();
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, true);
	put32(MB2_OFF + 12, 0);
	expect_refusal(-ENOEXEC, "multiboot2 header at offset 0x800: checksum 0x0 is wrong", false);

	mb2_kernel();
	mb2_finish(4, true);
	expect_refusal(-ENOEXEC, "multiboot2 header: architecture 4 is not 0 (i386)", true);

	mb2_kernel();
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, false); /* header_length 16 */
	expect_refusal(-ENOEXEC,
		       "multiboot2 header: header_length 16 is shorter than the header and an end "
		       "tag (24 bytes)",
		       true);

	/* Not 8-byte aligned, or past 32 KiB: not found. */
	mb2_kernel();
	mb2_begin(MB2_OFF + 4);
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, true);
	expect_refusal(-ENOEXEC, "no magic", false);
	mb2_kernel();
	mb2_begin(32768);
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, true);
	expect_refusal(-ENOEXEC, "no magic 0xe85250d6 (8-byte aligned) in the first 32768 bytes",
		       false);
	/* header_length past 32 KiB, and past the image. */
	mb2_kernel();
	mb2_begin(32768 - 16);
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, true);
	expect_refusal(-ENOEXEC,
		       "multiboot2 header at offset 0x7ff0: header_length 24 reaches past the "
		       "first 32768 bytes",
		       true);
	mb2_kernel();
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, true);
	img_len = MB2_OFF + 20;
	expect_refusal(-ENOEXEC, "header_length 24 reaches past the end of the image", false);
}

static void test_mb2_tag_refusals(void **state)
{
	mb2_kernel();
	mb2_tag(42, 0, NULL, 0);
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, true);
	expect_refusal(-ENOEXEC,
		       "multiboot2 header tag 42 at offset 0x810: unknown tag type, and not marked "
		       "optional",
		       true);

	mb2_kernel();
	mb2_tag32(MULTIBOOT2_HEADER_TAG_INFORMATION_REQUEST, 0,
		  (const uint32_t[]){ MULTIBOOT2_TAG_TYPE_CMDLINE, MULTIBOOT2_TAG_TYPE_BOOTDEV },
		  2);
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, true);
	expect_refusal(-ENOEXEC,
		       "multiboot2 header: information request at offset 0x810 requires tag type "
		       "5, which plinth does not provide",
		       true);

	mb2_kernel();
	mb2_tag32(MULTIBOOT2_HEADER_TAG_CONSOLE_FLAGS, 0, (const uint32_t[]){ 3 }, 1);
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, true);
	expect_refusal(-ENOEXEC, "console flags tag at offset 0x810 requires a console", false);
	/* The same, optional: accepted. */
	mb2_kernel();
	mb2_tag32(MULTIBOOT2_HEADER_TAG_CONSOLE_FLAGS, MULTIBOOT2_HEADER_TAG_OPTIONAL,
		  (const uint32_t[]){ 3 }, 1);
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, true);
	expect_ok();

	/* A tag too small for its fields. */
	mb2_kernel();
	mb2_tag32(MULTIBOOT2_HEADER_TAG_ADDRESS, 0, (const uint32_t[]){ 1, 2 }, 2);
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, true);
	expect_refusal(-ENOEXEC,
		       "multiboot2 header tag 2 at offset 0x810: size 16 is smaller than 24", true);

	/* Sizes below 8, past header_length; no end tag. */
	mb2_kernel();
	mb2_tag(MULTIBOOT2_HEADER_TAG_MODULE_ALIGN, 0, NULL, 0);
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, true);
	put32(MB2_OFF + 16 + 4, 4);
	expect_refusal(-ENOEXEC,
		       "multiboot2 header tag 6 at offset 0x810: size 4 is smaller than 8", true);
	put32(MB2_OFF + 16 + 4, 17);
	expect_refusal(
		-ENOEXEC,
		"multiboot2 header tag 6 at offset 0x810: size 17 reaches past header_length",
		true);

	mb2_kernel();
	mb2_tag(MULTIBOOT2_HEADER_TAG_MODULE_ALIGN, 0, NULL, 0);
	mb2_tag(MULTIBOOT2_HEADER_TAG_MODULE_ALIGN, 0, NULL, 0);
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, false);
	expect_refusal(-ENOEXEC, "multiboot2 header: no end tag within header_length 32", true);
	/* A tag whose padded size leaves less than a tag header before header_length. */
	mb2_kernel();
	mb2_tag(MULTIBOOT2_HEADER_TAG_MODULE_ALIGN, 0, NULL, 0);
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, false);
	put32(MB2_OFF + 8, 28);
	put32(MB2_OFF + 12, -(MULTIBOOT2_HEADER_MAGIC + 28));
	expect_refusal(-ENOEXEC, "multiboot2 header: no end tag within header_length 28", true);
}

static void test_mb2_segment_refusals(void **state)
{
	struct seg s[1] = { { PT_LOAD, PF_X, 0, 0x100000000ull, 0x100000000ull, 0x100, 0x1000 } };

	/* Above 4 GiB even where RAM exists (5 GiB, sparse: nothing is written). */
	assert_int_equal(host_guest_mem_alloc_if(&gm, 5 * GiB, chunk_first_or_last_low), 0);
	gc.format = GUEST_FORMAT_MULTIBOOT2;
	build_elf(true, 0x100000000ull, s, 1);
	mb2_begin(MB2_OFF);
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, true);
	expect_refusal(-ENOEXEC,
		       "ELF program header 0: segment [0x100000000, 0x100001000) lies above 4 GiB",
		       false);

	s[0] = (struct seg){ PT_LOAD, PF_X, 0, 0xffffffffffff0000ull, 0x100000, 0x100, 0x20000 };
	build_elf(true, 0x100000, s, 1);
	expect_refusal(-ENOEXEC, "wraps around", false);
}

static void test_mb2_modules_too_big(void **state)
{
	ram(2 * MiB);
	gc.format = GUEST_FORMAT_MULTIBOOT2;
	build_std_elf(false, 0);
	mb2_begin(MB2_OFF);
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, true);
	add_module(9000, "a");
	add_module(9000, "b");
	expect_ok();
	/* 2 MiB - 0x106000 = 0xfa000 bytes after the kernel: fill them exactly with modules. */
	setup(state);
	ram(STD_END_GPA + 0x3000);
	gc.format = GUEST_FORMAT_MULTIBOOT2;
	build_std_elf(false, 0);
	mb2_begin(MB2_OFF);
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, true);
	add_module(8192, "a");
	expect_ok(); /* two pages of module, one of information */
	add_module(4097, "b");
	expect_refusal(-ENOMEM, "module 1 'b' (4097 bytes) does not fit", false);
	nmods = 1;
	mods[0].len = 8193;
	expect_refusal(-ENOMEM, "multiboot2 information (", false);
}

/* ---- seeds -------------------------------------------------------------------------------- */

struct seed {
	const char *name;
	enum guest_format format;
	unsigned int ram_index;
	uint8_t byte1;
	void (*build)(void);
};

static void seed_flat(void)
{
	fill_image(200);
}

static void seed_mb1_elf(void)
{
	build_std_elf(false, 0);
	put_mb1(MB1_OFF, MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO);
}

static void seed_mb1_aout(void)
{
	build_aout(0x104000, 0x100020);
}

static void seed_mb2_elf32(void)
{
	build_std_elf(false, 0);
	mb2_std_header();
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, true);
}

static void seed_mb2_elf64(void)
{
	build_std_elf(true, 0xffffffff80000000ull);
	mb2_begin(MB2_OFF);
	mb2_tag32(MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS, 0, (const uint32_t[]){ 0x100100 }, 1);
	mb2_finish(MULTIBOOT2_ARCHITECTURE_I386, true);
}

static void seed_mb2_address(void)
{
	build_mb2_address_kernel(0x200000, 0x202000, 0x205000, 0x200040);
}

/* byte 1: mode (bits 0-1), load (2-3), modules (4-5), entry + 0x10 (6), cmdline (7). */
static const struct seed seeds[] = {
	{ "flat64_64k.bin", GUEST_FORMAT_FLAT, 0, 0x02, seed_flat },
	{ "flat16_bootsector.bin", GUEST_FORMAT_FLAT, 0, 0x04, seed_flat },
	{ "flat32_entry_cmdline.bin", GUEST_FORMAT_FLAT, 2, 0xcd, seed_flat },
	{ "mb1_elf32_2mods.bin", GUEST_FORMAT_MULTIBOOT, 2, 0xa0, seed_mb1_elf },
	{ "mb1_aout.bin", GUEST_FORMAT_MULTIBOOT, 2, 0x10, seed_mb1_aout },
	{ "mb2_elf32_2mods.bin", GUEST_FORMAT_MULTIBOOT2, 2, 0xa0, seed_mb2_elf32 },
	{ "mb2_elf64_3mods.bin", GUEST_FORMAT_MULTIBOOT2, 3, 0x30, seed_mb2_elf64 },
	{ "mb2_address.bin", GUEST_FORMAT_MULTIBOOT2, 2, 0x00, seed_mb2_address },
};

/* Builds seed i into out_buf: the two fuzzer bytes, then the image. */
static size_t build_seed(unsigned int i, uint8_t *out_buf, size_t cap)
{
	memset(img, 0, sizeof(img));
	img_len = 0;
	seeds[i].build();
	assert_true(img_len + 2 <= cap);
	out_buf[0] = fuzz_loader_byte0(seeds[i].format, seeds[i].ram_index);
	out_buf[1] = seeds[i].byte1;
	memcpy(out_buf + 2, img, img_len);
	return img_len + 2;
}

static int write_seeds(const char *dir)
{
	static uint8_t buf[sizeof(img) + 2];

	for (unsigned int i = 0; i < ARRAY_SIZE(seeds); i++) {
		char path[512];
		size_t n = build_seed(i, buf, sizeof(buf));
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, seeds[i].name);
		f = fopen(path, "wb");
		if (!f || fwrite(buf, 1, n, f) != n || fclose(f)) {
			perror(path);
			return 1;
		}
	}
	return 0;
}

/* Loads an input the way fuzz_loader does; returns guest_load's result. */
static int load_fuzz_input(const uint8_t *data, size_t size)
{
	struct loader_module fmods[FUZZ_LOADER_NMODS];
	const uint8_t *image;
	uint64_t ram_bytes;
	unsigned int n;
	size_t len;

	assert_true(fuzz_loader_decode(data, size, &gc, &ram_bytes, fmods, &n, &image, &len));
	host_guest_mem_free(&gm);
	assert_int_equal(host_guest_mem_alloc(&gm, ram_bytes), 0);
	return guest_load(&gc, &gm, image, len, fmods, n, &out, &err);
}

/* Every seed loads, and the committed files are what the builders make now. */
static void test_seeds_load(void **state)
{
	static uint8_t built[sizeof(img) + 2], file[sizeof(img) + 2];

	for (unsigned int i = 0; i < ARRAY_SIZE(seeds); i++) {
		char path[512];
		size_t n = build_seed(i, built, sizeof(built)), got;
		FILE *f;
		int rc;

		rc = load_fuzz_input(built, n);
		if (rc)
			fail_msg("seed %s: %d: %s", seeds[i].name, rc, err.msg);
		snprintf(path, sizeof(path), "%s/%s", SEED_DIR, seeds[i].name);
		f = fopen(path, "rb");
		if (!f)
			fail_msg("%s is missing: run build/unit/test_loader --write-seeds %s", path,
				 SEED_DIR);
		got = fread(file, 1, sizeof(file), f);
		fclose(f);
		if (got != n || memcmp(file, built, n))
			fail_msg("%s is stale: run build/unit/test_loader --write-seeds %s", path,
				 SEED_DIR);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memory_map),
		cmocka_unit_test_setup_teardown(test_flat32, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flat_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flat16, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flat64_page_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flat64_above_4g, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flat64_tables_overlap_image, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flat_load_past_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flat_load_outside_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flat_entry_outside_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flat16_entry_above_1m, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flat_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb1_elf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb1_no_modules_empty_cmdline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb1_higher_half, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb1_flags_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb1_aout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb1_aout_whole_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb1_aout_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb1_header_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb1_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf_header_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf_segment_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf_entry_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elf_bss_only_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb1_modules_too_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb1_info_does_not_fit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb2_elf32, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb2_elf64_higher_half, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb2_entry_tag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb2_address_tag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb2_header_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb2_tag_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb2_segment_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mb2_modules_too_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seeds_load, setup, teardown),
	};

	if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0)
		return write_seeds(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
