// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot/multiboot2/mb2_parse.h"
#include "boot/efi_memtype.h"
#include "core/errno.h"

#define INFO_HPA 0x9000ull

/* Builds a multiboot2 information structure the way a boot loader lays it out. */
struct mbi {
	uint64_t words[4096]; /* 32 KiB, 8-byte aligned */
	size_t len;
};

static uint8_t *bytes(struct mbi *m)
{
	return (uint8_t *)m->words;
}

static void put32(struct mbi *m, size_t off, uint32_t v)
{
	memcpy(bytes(m) + off, &v, 4);
}

static void mbi_init(struct mbi *m)
{
	memset(m, 0, sizeof(*m));
	m->len = 8;
}

/* Appends a tag with the given payload; returns its offset. */
static size_t add_tag(struct mbi *m, uint32_t type, const void *payload, size_t len)
{
	size_t off = m->len;

	assert_true(off + 8 + len + 8 <= sizeof(m->words));
	put32(m, off, type);
	put32(m, off + 4, 8 + len);
	if (len)
		memcpy(bytes(m) + off + 8, payload, len);
	m->len = (off + 8 + len + 7) & ~(size_t)7;
	return off;
}

static void mbi_finish(struct mbi *m)
{
	add_tag(m, 0, NULL, 0);
	put32(m, 0, m->len);
}

static void add_string_tag(struct mbi *m, uint32_t type, const char *s)
{
	add_tag(m, type, s, strlen(s) + 1);
}

static void add_module(struct mbi *m, uint32_t start, uint32_t end, const char *s)
{
	uint8_t p[256];

	memcpy(p, &start, 4);
	memcpy(p + 4, &end, 4);
	memcpy(p + 8, s, strlen(s) + 1);
	add_tag(m, 3, p, 8 + strlen(s) + 1);
}

struct e820 {
	uint64_t base, len;
	uint32_t type, zero;
};

static void add_mmap(struct mbi *m, const struct e820 *e, size_t n, uint32_t entry_size)
{
	static uint8_t p[16384];
	uint32_t version = 0;

	memset(p, 0, sizeof(p));
	memcpy(p, &entry_size, 4);
	memcpy(p + 4, &version, 4);
	for (size_t i = 0; i < n; i++)
		memcpy(p + 8 + i * entry_size, &e[i], 24);
	add_tag(m, 6, p, 8 + n * entry_size);
}

struct efi_desc {
	uint32_t type, pad;
	uint64_t phys, virt, pages, attr;
};

static void add_efi_mmap(struct mbi *m, const struct efi_desc *d, size_t n, uint32_t desc_size)
{
	static uint8_t p[16384];
	uint32_t version = 1;

	memset(p, 0, sizeof(p));
	memcpy(p, &desc_size, 4);
	memcpy(p + 4, &version, 4);
	for (size_t i = 0; i < n; i++)
		memcpy(p + 8 + i * desc_size, &d[i], 40);
	add_tag(m, 17, p, 8 + n * desc_size);
}

static struct mbi mbi;
static struct boot_info bi;
static char err[160];

static int parse(void)
{
	return mb2_parse(MB2_BOOTLOADER_MAGIC, mbi.words, sizeof(mbi.words), INFO_HPA, &bi, err,
			 sizeof(err));
}

static void expect_error(const char *fragment)
{
	assert_int_equal(parse(), -EINVAL);
	if (!strstr(err, fragment))
		fail_msg("error \"%s\" does not mention \"%s\"", err, fragment);
}

static int setup(void **state)
{
	mbi_init(&mbi);
	memset(&bi, 0xff, sizeof(bi)); /* mb2_parse must zero what it does not fill */
	memset(err, 0, sizeof(err));
	return 0;
}

static void test_every_tag(void **state)
{
	const struct e820 map[] = {
		{ 0x0, 0x9fc00, 1, 0 },
		{ 0x9fc00, 0x400, 2, 0 },
		{ 0x100000, 0x7ee0000, 1, 0 },
	};
	uint8_t fb[24] = { 0 }, rsdp1[20], rsdp2[36];
	uint64_t fb_addr = 0xfd000000;
	uint32_t pitch = 4096, width = 1024, height = 768;
	size_t new_off;

	memcpy(fb, &fb_addr, 8);
	memcpy(fb + 8, &pitch, 4);
	memcpy(fb + 12, &width, 4);
	memcpy(fb + 16, &height, 4);
	fb[20] = 32;
	memset(rsdp1, 0x11, sizeof(rsdp1));
	memset(rsdp2, 0x22, sizeof(rsdp2));

	add_string_tag(&mbi, 1, "console=com2 loglevel=debug");
	add_string_tag(&mbi, 2, "GRUB 2.06");
	add_module(&mbi, 0x200000, 0x201000, "hello.bin arg1 arg2");
	add_module(&mbi, 0x300000, 0x300000, "");
	add_module(&mbi, 0x400000, 0x400800, "  linux/bzImage");
	add_tag(&mbi, 4, "\x80\x02\0\0\0\0\x01\0", 8); /* basic meminfo: ignored */
	add_mmap(&mbi, map, 3, 24);
	add_tag(&mbi, 8, fb, sizeof(fb));
	add_tag(&mbi, 14, rsdp1, sizeof(rsdp1));
	new_off = add_tag(&mbi, 15, rsdp2, sizeof(rsdp2));
	add_tag(&mbi, 0x777, "junk", 4); /* unknown: ignored */
	mbi_finish(&mbi);

	assert_int_equal(parse(), 0);
	assert_int_equal(bi.magic, BOOT_INFO_MAGIC);
	assert_int_equal(bi.version, BOOT_INFO_VERSION);
	assert_int_equal(bi.size_bytes, sizeof(bi));
	assert_int_equal(bi.loader, BOOT_LOADER_MULTIBOOT2);
	assert_string_equal(bi.cmdline, "console=com2 loglevel=debug");
	assert_string_equal(bi.loader_name, "GRUB 2.06");

	assert_int_equal(bi.nmodules, 3);
	assert_string_equal(bi.modules[0].name, "hello.bin");
	assert_int_equal(bi.modules[0].hpa, 0x200000);
	assert_int_equal(bi.modules[0].len, 0x1000);
	assert_string_equal(bi.modules[1].name, "module1");
	assert_int_equal(bi.modules[1].len, 0);
	assert_string_equal(bi.modules[2].name, "linux/bzImage");

	assert_int_equal(bi.nmem, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(bi.mem[i].base, map[i].base);
		assert_int_equal(bi.mem[i].len, map[i].len);
		assert_int_equal(bi.mem[i].type, map[i].type);
	}

	assert_int_equal(bi.fb.hpa, 0xfd000000);
	assert_int_equal(bi.fb.pitch_bytes, 4096);
	assert_int_equal(bi.fb.width, 1024);
	assert_int_equal(bi.fb.height, 768);
	assert_int_equal(bi.fb.bpp, 32);

	/* The ACPI 2.0 RSDP wins over the 1.0 one, wherever it comes. */
	assert_int_equal(bi.rsdp_len, 36);
	assert_memory_equal(bi.rsdp, rsdp2, 36);
	assert_int_equal(bi.rsdp_hpa, INFO_HPA + new_off + 8);

	/* Fields multiboot2 cannot supply stay zero. */
	assert_int_equal(bi.image_hpa, 0);
	assert_int_equal(bi.tsc_at_entry, 0);
	assert_int_equal(bi.mem[3].len, 0);
}

static void test_efi_map_preferred_and_converted(void **state)
{
	const struct efi_desc efi[] = {
		{ 7, 0, 0x100000, 0, 0x100, 0xf }, /* conventional */
		{ 4, 0, 0x200000, 0, 0x10, 0 }, /* boot services data */
		{ 6, 0, 0x300000, 0, 1, EFI_MEMORY_RUNTIME_ATTR }, /* runtime data */
		{ 2, 0, 0x400000, 0, 1, EFI_MEMORY_RUNTIME_ATTR | 0xf }, /* loader data, runtime */
		{ 9, 0, 0x500000, 0, 2, 0 }, /* ACPI reclaim */
		{ 10, 0, 0x600000, 0, 2, 0 }, /* ACPI NVS */
		{ 8, 0, 0x700000, 0, 1, 0 }, /* unusable */
		{ 14, 0, 0x800000, 0, 1, 0 }, /* persistent */
		{ 11, 0, 0xfec00000, 0, 1, 0 }, /* MMIO */
		{ 99, 0, 0x900000, 0, 1, 0 }, /* unknown */
		{ 7, 0, 0x1000, 0, 1ull << 60, 0 }, /* would wrap */
	};
	const uint32_t want[] = { MEM_USABLE,	    MEM_USABLE,	  MEM_RESERVED, MEM_RESERVED,
				  MEM_ACPI_RECLAIM, MEM_ACPI_NVS, MEM_BAD,	MEM_PERSISTENT,
				  MEM_RESERVED,	    MEM_RESERVED, MEM_USABLE };
	const struct e820 map[] = { { 0, 0x1000, 1, 0 } };

	add_mmap(&mbi, map, 1, 24);
	/* Firmware descriptors are often 48 bytes: the parser steps by descriptor size. */
	add_efi_mmap(&mbi, efi, 11, 48);
	mbi_finish(&mbi);

	assert_int_equal(parse(), 0);
	assert_int_equal(bi.nmem, 11);
	for (int i = 0; i < 11; i++) {
		assert_int_equal(bi.mem[i].base, efi[i].phys);
		assert_int_equal(bi.mem[i].type, want[i]);
	}
	assert_int_equal(bi.mem[0].len, 0x100000);
	assert_int_equal(bi.mem[10].len, UINT64_MAX); /* clipped later by memmap_normalize */
}

static void test_old_rsdp_alone(void **state)
{
	uint8_t rsdp[24];

	memset(rsdp, 0x33, sizeof(rsdp));
	size_t off = add_tag(&mbi, 14, rsdp, sizeof(rsdp));
	mbi_finish(&mbi);
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.rsdp_len, 20);
	assert_int_equal(bi.rsdp[19], 0x33);
	assert_int_equal(bi.rsdp[20], 0);
	assert_int_equal(bi.rsdp_hpa, INFO_HPA + off + 8);
}

static void test_minimal_info_zeroes_everything_else(void **state)
{
	mbi_finish(&mbi);
	assert_int_equal(parse(), 0);
	assert_int_equal(bi.nmem, 0);
	assert_int_equal(bi.nmodules, 0);
	assert_int_equal(bi.cmdline[0], 0);
	assert_int_equal(bi.rsdp_hpa, 0);
	assert_int_equal(bi.fb.hpa, 0);
	assert_string_equal(err, "");
}

static void test_bad_envelope(void **state)
{
	mbi_finish(&mbi);
	assert_int_equal(
		mb2_parse(0x2badb002, mbi.words, sizeof(mbi.words), 0, &bi, err, sizeof(err)),
		-EINVAL);
	assert_string_equal(err, "bad multiboot2 magic 0x2badb002 (expected 0x36d76289)");
	assert_int_equal(bi.magic, 0);

	assert_int_equal(
		mb2_parse(MB2_BOOTLOADER_MAGIC, bytes(&mbi) + 4, 64, 0, &bi, err, sizeof(err)),
		-EINVAL);
	assert_non_null(strstr(err, "not 8-byte aligned"));

	/* total_size beyond what may be read, and below the 8-byte header. */
	assert_int_equal(
		mb2_parse(MB2_BOOTLOADER_MAGIC, mbi.words, mbi.len - 1, 0, &bi, err, sizeof(err)),
		-EINVAL);
	assert_non_null(strstr(err, "out of range"));
	put32(&mbi, 0, 4);
	expect_error("size 4 is out of range");
	assert_int_equal(mb2_parse(MB2_BOOTLOADER_MAGIC, mbi.words, 4, 0, &bi, err, sizeof(err)),
			 -EINVAL);
}

static void test_tag_sizes_checked(void **state)
{
	add_string_tag(&mbi, 1, "abc");
	mbi_finish(&mbi);

	put32(&mbi, 8 + 4, 4); /* cmdline tag claims 4 bytes */
	expect_error("tag 1 at offset 8: size 4 is below 8");

	put32(&mbi, 8 + 4, 0x1000); /* runs past total_size */
	expect_error("runs past the end");

	/* total_size that cuts off the end tag */
	put32(&mbi, 8 + 4, 12);
	put32(&mbi, 0, 24);
	expect_error("no end tag");

	/* a tag whose padding is cut off and no end tag follows */
	put32(&mbi, 0, 20);
	expect_error("no end tag");
}

static void test_misaligned_tag_walk(void **state)
{
	/* A tag of size 9 makes the next start at 8 + 16; a loader that put the next tag at
	 * 8 + 9 instead is read at the aligned place and found wanting. */
	uint8_t p[32] = { 0 };

	add_tag(&mbi, 0x55, p, 1);
	put32(&mbi, 8 + 16, 1);
	put32(&mbi, 8 + 16 + 4, 2); /* size 2 at the aligned offset */
	put32(&mbi, 0, 48);
	expect_error("tag 1 at offset 24: size 2 is below 8");
}

static void test_strings_checked(void **state)
{
	char longline[1100];

	add_tag(&mbi, 1, "no-nul", 6);
	mbi_finish(&mbi);
	expect_error("command line tag is not NUL-terminated");

	setup(state);
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	add_string_tag(&mbi, 1, longline);
	mbi_finish(&mbi);
	expect_error("command line longer than 1023 bytes");

	setup(state);
	add_tag(&mbi, 2, "GRUB", 4);
	mbi_finish(&mbi);
	expect_error("boot loader name tag is not NUL-terminated");
}

static void test_modules_checked(void **state)
{
	char longname[80];

	add_module(&mbi, 0x2000, 0x1000, "x");
	mbi_finish(&mbi);
	expect_error("module 0: end 0x1000 is below start 0x2000");

	setup(state);
	for (int i = 0; i <= BOOT_MAX_MODULES; i++)
		add_module(&mbi, 0x1000, 0x2000, "m");
	mbi_finish(&mbi);
	expect_error("more than 32 modules");

	setup(state);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	add_module(&mbi, 0x1000, 0x2000, longname);
	mbi_finish(&mbi);
	expect_error("module 0: name longer than 63 bytes");

	setup(state);
	add_tag(&mbi, 3, "\0\0\0\0", 4); /* too short for mod_start and mod_end */
	mbi_finish(&mbi);
	expect_error("module tag at offset 8 is too short");
}

static void test_memory_maps_checked(void **state)
{
	static struct e820 many[BOOT_MAX_MEM_RANGES + 1];
	const struct e820 one[] = { { 0, 0x1000, 1, 0 } };
	const struct efi_desc efi[] = { { 7, 0, 0, 0, 1, 0 } };

	add_mmap(&mbi, one, 1, 20);
	mbi_finish(&mbi);
	expect_error("memory map entry size 20 is invalid");

	setup(state);
	add_mmap(&mbi, one, 1, 28);
	mbi_finish(&mbi);
	expect_error("memory map entry size 28 is invalid");

	setup(state);
	add_mmap(&mbi, many, BOOT_MAX_MEM_RANGES + 1, 24);
	mbi_finish(&mbi);
	expect_error("memory map has more than 512 entries");

	setup(state);
	add_efi_mmap(&mbi, efi, 1, 32);
	mbi_finish(&mbi);
	expect_error("EFI memory descriptor size 32 is below 40");

	setup(state);
	add_tag(&mbi, 8, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	mbi_finish(&mbi);
	expect_error("framebuffer tag at offset 8 is too short");

	setup(state);
	add_tag(&mbi, 15, "RSD PTR ", 8);
	mbi_finish(&mbi);
	expect_error("ACPI RSDP tag at offset 8 is too short");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_every_tag, setup),
		cmocka_unit_test_setup(test_efi_map_preferred_and_converted, setup),
		cmocka_unit_test_setup(test_old_rsdp_alone, setup),
		cmocka_unit_test_setup(test_minimal_info_zeroes_everything_else, setup),
		cmocka_unit_test_setup(test_bad_envelope, setup),
		cmocka_unit_test_setup(test_tag_sizes_checked, setup),
		cmocka_unit_test_setup(test_misaligned_tag_walk, setup),
		cmocka_unit_test_setup(test_strings_checked, setup),
		cmocka_unit_test_setup(test_modules_checked, setup),
		cmocka_unit_test_setup(test_memory_maps_checked, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
