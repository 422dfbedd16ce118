// SPDX-License-Identifier: MIT
/*
 * Multiboot2 boot information → struct boot_info (Multiboot2 specification 1.0, section 3.6).
 * The structure comes from the boot loader and is trusted no further than its own lengths:
 * every field is read through bounds-checked helpers, every tag must lie inside total_size.
 */
#include "boot/multiboot2/mb2_parse.h"
#include "boot/efi_memtype.h"
#include "core/compiler.h"
#include "core/errno.h"
#include "core/printf.h"
#include "core/string.h"

enum {
	MB2_TAG_END = 0,
	MB2_TAG_CMDLINE = 1,
	MB2_TAG_LOADER_NAME = 2,
	MB2_TAG_MODULE = 3,
	MB2_TAG_MMAP = 6,
	MB2_TAG_FRAMEBUFFER = 8,
	MB2_TAG_ACPI_OLD = 14,
	MB2_TAG_ACPI_NEW = 15,
	MB2_TAG_EFI_MMAP = 17,
};

#define TAG_HDR_LEN    8
#define MMAP_HDR_LEN   16 /* type, size, entry_size, entry_version */
#define MMAP_ENTRY_MIN 24 /* base, length, type, reserved */
#define EFI_DESC_MIN   40 /* type, pad, physical, virtual, pages, attribute */
#define MODULE_HDR_LEN 16 /* type, size, mod_start, mod_end */
#define FB_MIN_LEN     29 /* through framebuffer_bpp */
#define RSDP_V1_LEN    20

struct mb2 {
	const uint8_t *info;
	uint32_t total;
	uint64_t info_hpa;
	struct boot_info *bi;
	char *err;
	size_t err_len;
	/* Offsets of the tags whose choice waits until every tag has been seen (0: none). */
	size_t mmap, efi_mmap, acpi_old, acpi_new;
};

static uint32_t rd32(const struct mb2 *m, size_t off)
{
	uint32_t v;

	memcpy(&v, m->info + off, sizeof(v));
	return v;
}

static uint64_t rd64(const struct mb2 *m, size_t off)
{
	uint64_t v;

	memcpy(&v, m->info + off, sizeof(v));
	return v;
}

static int fail(struct mb2 *m, const char *fmt, ...) __printf(2, 3);

static int fail(struct mb2 *m, const char *fmt, ...)
{
	va_list ap;

	if (m->err && m->err_len) {
		va_start(ap, fmt);
		kvsnprintf(m->err, m->err_len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* The NUL-terminated string at [off, tag_end), or NULL when the tag holds no NUL. */
static const char *tag_string(const struct mb2 *m, size_t off, size_t tag_end)
{
	const char *s = (const char *)m->info + off;

	if (off >= tag_end || strnlen(s, tag_end - off) == tag_end - off)
		return NULL;
	return s;
}

static int parse_cmdline(struct mb2 *m, size_t off, size_t end)
{
	const char *s = tag_string(m, off + TAG_HDR_LEN, end);

	if (!s)
		return fail(m, "command line tag is not NUL-terminated");
	if (strlcpy_pl(m->bi->cmdline, s, sizeof(m->bi->cmdline)) >= sizeof(m->bi->cmdline))
		return fail(m, "command line longer than %zu bytes", sizeof(m->bi->cmdline) - 1);
	return 0;
}

static int parse_loader_name(struct mb2 *m, size_t off, size_t end)
{
	const char *s = tag_string(m, off + TAG_HDR_LEN, end);

	if (!s)
		return fail(m, "boot loader name tag is not NUL-terminated");
	/* Only ever printed, so a long name is shortened rather than refused. */
	strlcpy_pl(m->bi->loader_name, s, sizeof(m->bi->loader_name));
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The module's name is the first word of its string: GRUB passes "file args..." there. */
static int module_name(struct mb2 *m, const char *s, unsigned int idx, char *name, size_t size)
{
	size_t len;

	while (is_space(*s))
		s++;
	for (len = 0; s[len] && !is_space(s[len]); len++)
		;
	if (len == 0) {
		ksnprintf(name, size, "module%u", idx);
		return 0;
	}
	if (len >= size)
		return fail(m, "module %u: name longer than %zu bytes", idx, size - 1);
	memcpy(name, s, len);
	name[len] = '\0';
	return 0;
}

static int parse_module(struct mb2 *m, size_t off, size_t end)
{
	struct boot_info *bi = m->bi;
	unsigned int idx = bi->nmodules;
	const char *s;

	if (end - off < MODULE_HDR_LEN)
		return fail(m, "module tag at offset %zu is too short", off);
	uint32_t start = rd32(m, off + 8), stop = rd32(m, off + 12);

	if (idx >= BOOT_MAX_MODULES)
		return fail(m, "more than %d modules", BOOT_MAX_MODULES);
	if (stop < start)
		return fail(m, "module %u: end 0x%x is below start 0x%x", idx, stop, start);
	s = tag_string(m, off + MODULE_HDR_LEN, end);
	if (!s)
		return fail(m, "module %u: string is not NUL-terminated", idx);
	if (module_name(m, s, idx, bi->modules[idx].name, sizeof(bi->modules[idx].name)))
		return -EINVAL;
	bi->modules[idx].hpa = start;
	bi->modules[idx].len = stop - start;
	bi->nmodules++;
	return 0;
}

static int parse_framebuffer(struct mb2 *m, size_t off, size_t end)
{
	struct boot_framebuffer *fb = &m->bi->fb;

	if (end - off < FB_MIN_LEN)
		return fail(m, "framebuffer tag at offset %zu is too short", off);
	fb->hpa = rd64(m, off + 8);
	fb->pitch_bytes = rd32(m, off + 16);
	fb->width = rd32(m, off + 20);
	fb->height = rd32(m, off + 24);
	fb->bpp = m->info[off + 28];
	return 0;
}

static int add_range(struct mb2 *m, uint64_t base, uint64_t len, uint32_t type)
{
	struct boot_info *bi = m->bi;

	if (bi->nmem >= BOOT_MAX_MEM_RANGES)
		return fail(m, "memory map has more than %d entries", BOOT_MAX_MEM_RANGES);
	bi->mem[bi->nmem++] = (struct mem_range){ .base = base, .len = len, .type = type };
	return 0;
}

/* Tag 6: the BIOS-style map, already in E820 types. */
static int parse_mmap(struct mb2 *m, size_t off, size_t end)
{
	uint32_t entry_size;

	if (end - off < MMAP_HDR_LEN)
		return fail(m, "memory map tag at offset %zu is too short", off);
	entry_size = rd32(m, off + 8);
	if (entry_size < MMAP_ENTRY_MIN || entry_size % 8)
		return fail(m,
			    "memory map entry size %u is invalid (expected a multiple of 8, "
			    "at least %d)",
			    entry_size, MMAP_ENTRY_MIN);
	for (size_t e = off + MMAP_HDR_LEN; end - e >= entry_size; e += entry_size) {
		if (add_range(m, rd64(m, e), rd64(m, e + 8), rd32(m, e + 16)))
			return -EINVAL;
	}
	return 0;
}

/* Tag 17: the UEFI map, whose descriptors may be larger than the 40 bytes we read. */
static int parse_efi_mmap(struct mb2 *m, size_t off, size_t end)
{
	uint32_t desc_size;

	if (end - off < MMAP_HDR_LEN)
		return fail(m, "EFI memory map tag at offset %zu is too short", off);
	desc_size = rd32(m, off + 8);
	if (desc_size < EFI_DESC_MIN)
		return fail(m, "EFI memory descriptor size %u is below %d", desc_size,
			    EFI_DESC_MIN);
	for (size_t d = off + MMAP_HDR_LEN; end - d >= desc_size; d += desc_size) {
		uint64_t pages = rd64(m, d + 24);
		/* A page count past 2^52 wraps; the normaliser clips the range at 2^64. */
		uint64_t len = pages >> (64 - PAGE_SHIFT) ? UINT64_MAX : pages << PAGE_SHIFT;

		if (add_range(m, rd64(m, d + 8), len, efi_mem_type(rd32(m, d), rd64(m, d + 32))))
			return -EINVAL;
	}
	return 0;
}

static int parse_acpi(struct mb2 *m, size_t off, size_t end)
{
	struct boot_info *bi = m->bi;
	size_t len = MIN(end - off - TAG_HDR_LEN, sizeof(bi->rsdp));

	if (len < RSDP_V1_LEN)
		return fail(m, "ACPI RSDP tag at offset %zu is too short", off);
	if (rd32(m, off) == MB2_TAG_ACPI_OLD)
		len = RSDP_V1_LEN;
	memcpy(bi->rsdp, m->info + off + TAG_HDR_LEN, len);
	bi->rsdp_len = len;
	bi->rsdp_hpa = m->info_hpa + off + TAG_HDR_LEN;
	return 0;
}

/* Tags whose content goes straight into bi; the others are remembered for later. */
static int parse_tag(struct mb2 *m, uint32_t type, size_t off, size_t end)
{
	switch (type) {
	case MB2_TAG_CMDLINE:
		return parse_cmdline(m, off, end);
	case MB2_TAG_LOADER_NAME:
		return parse_loader_name(m, off, end);
	case MB2_TAG_MODULE:
		return parse_module(m, off, end);
	case MB2_TAG_FRAMEBUFFER:
		return parse_framebuffer(m, off, end);
	case MB2_TAG_MMAP:
		m->mmap = off;
		return 0;
	case MB2_TAG_EFI_MMAP:
		m->efi_mmap = off;
		return 0;
	case MB2_TAG_ACPI_OLD:
		m->acpi_old = off;
		return 0;
	case MB2_TAG_ACPI_NEW:
		m->acpi_new = off;
		return 0;
	default:
		return 0; /* unknown and unused tags */
	}
}

static int walk_tags(struct mb2 *m)
{
	size_t off = TAG_HDR_LEN; /* after total_size and reserved */

	while (m->total - off >= TAG_HDR_LEN) {
		uint32_t type = rd32(m, off), size = rd32(m, off + 4);

		if (size < TAG_HDR_LEN)
			return fail(m, "tag %u at offset %zu: size %u is below 8", type, off, size);
		if (size > m->total - off)
			return fail(m, "tag %u at offset %zu: size %u runs past the end (%u bytes)",
				    type, off, size, m->total);
		if (type == MB2_TAG_END)
			return 0;
		if (parse_tag(m, type, off, off + size))
			return -EINVAL;
		/* Tags start 8-byte aligned; the padding after the last one may be cut off. */
		off += ALIGN_UP((size_t)size, 8);
		if (off > m->total)
			break;
	}
	return fail(m, "no end tag within %u bytes", m->total);
}

static size_t tag_end(const struct mb2 *m, size_t off)
{
	return off + rd32(m, off + 4);
}

int mb2_parse(uint32_t magic, const void *info, size_t max_len, uint64_t info_hpa,
	      struct boot_info *bi, char *err, size_t err_len)
{
	struct mb2 m = {
		.info = info, .info_hpa = info_hpa, .bi = bi, .err = err, .err_len = err_len
	};

	memset(bi, 0, sizeof(*bi));
	if (err_len)
		err[0] = '\0';
	if (magic != MB2_BOOTLOADER_MAGIC)
		return fail(&m, "bad multiboot2 magic 0x%x (expected 0x%x)", magic,
			    MB2_BOOTLOADER_MAGIC);
	if (!info || (uintptr_t)info % 8)
		return fail(&m, "multiboot2 information at %p is not 8-byte aligned", info);
	if (max_len < 8)
		return fail(&m, "multiboot2 information is cut off after %zu bytes", max_len);
	m.total = rd32(&m, 0);
	if (m.total < 8 || m.total > max_len)
		return fail(&m, "multiboot2 information size %u is out of range (8..%zu)", m.total,
			    max_len);

	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->size_bytes = sizeof(*bi);
	bi->loader = BOOT_LOADER_MULTIBOOT2;

	if (walk_tags(&m))
		return -EINVAL;
	/* The UEFI map tells more (runtime regions, persistent memory) than the E820 one. */
	if (m.efi_mmap && parse_efi_mmap(&m, m.efi_mmap, tag_end(&m, m.efi_mmap)))
		return -EINVAL;
	if (!m.efi_mmap && m.mmap && parse_mmap(&m, m.mmap, tag_end(&m, m.mmap)))
		return -EINVAL;
	if (m.acpi_new)
		return parse_acpi(&m, m.acpi_new, tag_end(&m, m.acpi_new));
	if (m.acpi_old)
		return parse_acpi(&m, m.acpi_old, tag_end(&m, m.acpi_old));
	return 0;
}
