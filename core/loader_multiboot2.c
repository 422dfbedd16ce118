// SPDX-License-Identifier: MIT
/*
 * Multiboot2 (specification 1.0) kernels: an ELF32 or ELF64 executable loaded below 4 GiB, or
 * any file placed by an address tag, with a header in the first 32 KiB. The kernel starts in
 * 32-bit protected mode with EAX = 0x36d76289 and EBX = the information structure, which plinth
 * places after the kernel and its modules. Header tags plinth cannot honour are refused unless
 * the kernel marked them optional.
 */
#include "core/compiler.h"
#include "core/errno.h"
#include "core/loader_internal.h"
#include "core/multiboot2.h"
#include "core/string.h"

#define MB2_HEADER_MIN_LEN (sizeof(struct multiboot2_header) + sizeof(struct multiboot2_header_tag))

/* What the header asked for, once its tags are walked. */
struct mb2_request {
	size_t off; /* of the header in the file */
	bool have_address;
	struct multiboot2_header_tag_address address;
	bool have_entry;
	uint32_t entry_addr;
};

/* Smallest size of each known header tag, for the bounds of its fields. */
static const uint8_t header_tag_min_size[] = {
	[MULTIBOOT2_HEADER_TAG_END] = 8,
	[MULTIBOOT2_HEADER_TAG_INFORMATION_REQUEST] = 8,
	[MULTIBOOT2_HEADER_TAG_ADDRESS] = 24,
	[MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS] = 12,
	[MULTIBOOT2_HEADER_TAG_CONSOLE_FLAGS] = 12,
	[MULTIBOOT2_HEADER_TAG_FRAMEBUFFER] = 20,
	[MULTIBOOT2_HEADER_TAG_MODULE_ALIGN] = 8,
	[MULTIBOOT2_HEADER_TAG_EFI_BS] = 8,
	[MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS_EFI32] = 12,
	[MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS_EFI64] = 12,
	[MULTIBOOT2_HEADER_TAG_RELOCATABLE] = 24,
};

/* The information tags build_info writes; a kernel may require any of these. */
static bool info_tag_provided(uint32_t type)
{
	switch (type) {
	case MULTIBOOT2_TAG_TYPE_END:
	case MULTIBOOT2_TAG_TYPE_CMDLINE:
	case MULTIBOOT2_TAG_TYPE_BOOT_LOADER_NAME:
	case MULTIBOOT2_TAG_TYPE_MODULE:
	case MULTIBOOT2_TAG_TYPE_BASIC_MEMINFO:
	case MULTIBOOT2_TAG_TYPE_MMAP:
		return true;
	}
	return false;
}

static const struct loader_header_search header_search = {
	.what = "multiboot2",
	.magic = MULTIBOOT2_HEADER_MAGIC,
	.align = MULTIBOOT2_HEADER_ALIGN,
	.search_bytes = MULTIBOOT2_SEARCH,
	.base_len = sizeof(struct multiboot2_header),
	.sum_fields = "magic + architecture + header_length + checksum",
};

static int info_request(struct loader *ld, size_t pos, const struct multiboot2_header_tag *t)
{
	size_t n = (t->size - sizeof(*t)) / sizeof(uint32_t);

	for (size_t i = 0; i < n; i++) {
		uint32_t type = loader_rd32(ld, pos + sizeof(*t) + i * sizeof(uint32_t));

		if (!info_tag_provided(type) && !(t->flags & MULTIBOOT2_HEADER_TAG_OPTIONAL))
			return loader_fail(ld, -ENOEXEC,
					   "multiboot2 header: information request at offset 0x%zx "
					   "requires tag type %u, which plinth does not provide",
					   pos, type);
	}
	return 0;
}

/* One header tag at file offset pos, whose size has been checked against the header. */
static int header_tag(struct loader *ld, size_t pos, const struct multiboot2_header_tag *t,
		      struct mb2_request *req)
{
	bool optional = t->flags & MULTIBOOT2_HEADER_TAG_OPTIONAL;

	if (t->type < ARRAY_SIZE(header_tag_min_size) && t->size < header_tag_min_size[t->type])
		return loader_fail(ld, -ENOEXEC,
				   "multiboot2 header tag %u at offset 0x%zx: size %u is smaller "
				   "than %u",
				   t->type, pos, t->size, header_tag_min_size[t->type]);
	switch (t->type) {
	case MULTIBOOT2_HEADER_TAG_INFORMATION_REQUEST:
		return info_request(ld, pos, t);
	case MULTIBOOT2_HEADER_TAG_ADDRESS:
		memcpy(&req->address, ld->image + pos, sizeof(req->address));
		req->have_address = true;
		return 0;
	case MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS:
		req->entry_addr = loader_rd32(ld, pos + sizeof(*t));
		req->have_entry = true;
		return 0;
	case MULTIBOOT2_HEADER_TAG_CONSOLE_FLAGS:
		if ((loader_rd32(ld, pos + sizeof(*t)) &
		     MULTIBOOT2_CONSOLE_FLAGS_CONSOLE_REQUIRED) &&
		    !optional)
			return loader_fail(ld, -ENOEXEC,
					   "multiboot2 header: console flags tag at offset 0x%zx "
					   "requires a console, and plinth describes none (its "
					   "guests have a serial port at 0x3f8)",
					   pos);
		return 0;
	case MULTIBOOT2_HEADER_TAG_FRAMEBUFFER: /* a preference: the guest gets text mode */
	case MULTIBOOT2_HEADER_TAG_MODULE_ALIGN: /* modules are always page-aligned */
	case MULTIBOOT2_HEADER_TAG_EFI_BS: /* guests never run with EFI boot services... */
	case MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS_EFI32: /* ...so their EFI entries go unused */
	case MULTIBOOT2_HEADER_TAG_ENTRY_ADDRESS_EFI64:
	case MULTIBOOT2_HEADER_TAG_RELOCATABLE: /* loading at the link address is always valid */
		return 0;
	}
	if (!optional)
		return loader_fail(
			ld, -ENOEXEC,
			"multiboot2 header tag %u at offset 0x%zx: unknown tag type, and "
			"not marked optional",
			t->type, pos);
	return 0;
}

static int parse_header(struct loader *ld, struct mb2_request *req)
{
	size_t limit = MIN(ld->len, (size_t)MULTIBOOT2_SEARCH);
	struct multiboot2_header h;
	struct multiboot2_header_tag t;
	size_t pos, end;
	int rc;

	*req = (struct mb2_request){ 0 };
	rc = loader_find_header(ld, &header_search, &req->off);
	if (rc)
		return rc;
	memcpy(&h, ld->image + req->off, sizeof(h));
	if (h.architecture != MULTIBOOT2_ARCHITECTURE_I386)
		return loader_fail(ld, -ENOEXEC,
				   "multiboot2 header: architecture %u is not 0 (i386)",
				   h.architecture);
	if (h.header_length < MB2_HEADER_MIN_LEN)
		return loader_fail(ld, -ENOEXEC,
				   "multiboot2 header: header_length %u is shorter than the header "
				   "and an end tag (%zu bytes)",
				   h.header_length, MB2_HEADER_MIN_LEN);
	if (h.header_length > limit - req->off)
		return loader_fail(
			ld, -ENOEXEC,
			"multiboot2 header at offset 0x%zx: header_length %u reaches past "
			"the %s",
			req->off, h.header_length,
			req->off + h.header_length > ld->len ? "end of the image" :
							       "first 32768 bytes");
	end = req->off + h.header_length;
	for (pos = req->off + sizeof(h);; pos += MIN(ALIGN_UP(t.size, 8), end - pos)) {
		if (end - pos < sizeof(t))
			return loader_fail(ld, -ENOEXEC,
					   "multiboot2 header: no end tag within header_length %u",
					   h.header_length);
		memcpy(&t, ld->image + pos, sizeof(t));
		if (t.size < sizeof(t) || t.size > end - pos)
			return loader_fail(ld, -ENOEXEC,
					   "multiboot2 header tag %u at offset 0x%zx: size %u %s",
					   t.type, pos, t.size,
					   t.size < sizeof(t) ? "is smaller than 8" :
								"reaches past header_length");
		if (t.type == MULTIBOOT2_HEADER_TAG_END)
			return 0;
		rc = header_tag(ld, pos, &t, req);
		if (rc)
			return rc;
	}
}

static int load_kernel(struct loader *ld, const struct mb2_request *req, struct loader_image *img)
{
	struct loader_addresses a = {
		.what = "multiboot2 address tag",
		.header_off = req->off,
		.header_addr = req->address.header_addr,
		.load_addr = req->address.load_addr,
		.load_end_addr = req->address.load_end_addr,
		.bss_end_addr = req->address.bss_end_addr,
		.load_addr_all_ones_is_file_start = true,
		.entry_what = "multiboot2 entry address tag",
		.entry_addr = req->entry_addr,
	};

	if (!req->have_address)
		return loader_load_elf(ld, true, req->have_entry ? &req->entry_addr : NULL, img);
	if (!req->have_entry)
		return loader_fail(ld, -ENOEXEC,
				   "multiboot2 header: an address tag needs an entry address tag");
	return loader_load_addresses(ld, &a, img);
}

static void tag_begin(struct loader_writer *w, uint32_t type, uint32_t size)
{
	lw_put32(w, type);
	lw_put32(w, size);
}

static void string_tag(struct loader_writer *w, uint32_t type, const char *s, size_t max_len)
{
	tag_begin(w, type, sizeof(struct multiboot2_tag) + strnlen(s, max_len) + 1);
	lw_puts(w, s, max_len);
	lw_align(w, MULTIBOOT2_TAG_ALIGN);
}

/* The information structure (section 3.6); total_size is only known after a counting pass. */
static void build_info(struct loader *ld, struct loader_writer *w, const uint64_t *mod_gpa,
		       uint32_t total_size)
{
	struct loader_mmap_entry map[LOADER_MMAP_MAX];
	unsigned int nmap = loader_memory_map(ld->gm, map);
	uint32_t lower_kib, upper_kib;

	lw_put32(w, total_size);
	lw_put32(w, 0);
	string_tag(w, MULTIBOOT2_TAG_TYPE_CMDLINE, ld->gc->cmdline, sizeof(ld->gc->cmdline) - 1);
	string_tag(w, MULTIBOOT2_TAG_TYPE_BOOT_LOADER_NAME, LOADER_NAME, sizeof(LOADER_NAME));
	for (unsigned int i = 0; i < ld->nmods; i++) {
		const char *args = loader_module_args(ld, i);

		tag_begin(w, MULTIBOOT2_TAG_TYPE_MODULE,
			  sizeof(struct multiboot2_tag_module) + strnlen(args, LOADER_ARGS_MAX) +
				  1);
		lw_put32(w, mod_gpa[i]);
		lw_put32(w, mod_gpa[i] + ld->mods[i].len);
		lw_puts(w, args, LOADER_ARGS_MAX);
		lw_align(w, MULTIBOOT2_TAG_ALIGN);
	}
	loader_mem_kib(ld->gm, &lower_kib, &upper_kib);
	tag_begin(w, MULTIBOOT2_TAG_TYPE_BASIC_MEMINFO,
		  sizeof(struct multiboot2_tag_basic_meminfo));
	lw_put32(w, lower_kib);
	lw_put32(w, upper_kib);
	tag_begin(w, MULTIBOOT2_TAG_TYPE_MMAP,
		  sizeof(struct multiboot2_tag_mmap) + nmap * sizeof(struct multiboot2_mmap_entry));
	lw_put32(w, sizeof(struct multiboot2_mmap_entry));
	lw_put32(w, 0); /* entry_version */
	for (unsigned int i = 0; i < nmap; i++) {
		struct multiboot2_mmap_entry e = { map[i].gpa, map[i].bytes, map[i].type, 0 };

		lw_put(w, &e, sizeof(e));
	}
	tag_begin(w, MULTIBOOT2_TAG_TYPE_END, sizeof(struct multiboot2_tag));
}

int loader_multiboot2(struct loader *ld)
{
	struct mb2_request req;
	struct loader_image img;
	struct loader_place place;
	struct loader_writer w = { 0 };
	uint64_t mod_gpa[CONFIG_MAX_MODULES], info_gpa;
	uint32_t total_size;
	int rc;

	rc = parse_header(ld, &req);
	if (!rc)
		rc = load_kernel(ld, &req, &img);
	if (rc)
		return rc;

	loader_place_init(&place, ld->gm, img.end_gpa);
	rc = loader_place_modules(ld, &place, mod_gpa);
	if (rc)
		return rc;
	build_info(ld, &w, mod_gpa, 0);
	rc = loader_place(ld, &place, w.off, "multiboot2 information", &info_gpa);
	if (rc)
		return rc;
	total_size = w.off;
	w = (struct loader_writer){ .gm = ld->gm, .gpa = info_gpa };
	build_info(ld, &w, mod_gpa, total_size);
	if (w.rc)
		return loader_fail(ld, -EFAULT,
				   "multiboot2 information: copy into guest RAM failed");

	ld->out->mode_bits = 32;
	ld->out->rip = img.entry_gpa;
	ld->out->rax = MULTIBOOT2_BOOTLOADER_MAGIC;
	ld->out->rbx = info_gpa;
	return 0;
}
