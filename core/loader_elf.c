// SPDX-License-Identifier: MIT
/*
 * ELF executables for the multiboot loaders: PT_LOAD segments go to their physical addresses
 * (p_paddr), as GRUB places them, and e_entry is translated through the segment whose virtual
 * range holds it, so that higher-half kernels linked with p_vaddr != p_paddr start at the right
 * physical byte. Everything is checked before the first byte is copied.
 */
#include "core/compiler.h"
#include "core/elf.h"
#include "core/errno.h"
#include "core/loader_internal.h"
#include "core/string.h"

struct elf_file {
	bool is64;
	uint16_t type;
	uint16_t machine;
	uint32_t version;
	uint64_t entry;
	uint64_t phoff;
	unsigned int phnum;
	unsigned int phentsize;
};

struct elf_seg {
	uint32_t type;
	uint32_t flags;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

static const uint8_t elf_magic[4] = { 0x7f, 'E', 'L', 'F' };

/* Program header i; read_ehdr has checked that every one lies inside the image. */
static void read_seg(const struct loader *ld, const struct elf_file *f, unsigned int i,
		     struct elf_seg *s)
{
	const uint8_t *p = ld->image + f->phoff + (uint64_t)i * f->phentsize;

	if (f->is64) {
		struct elf64_phdr ph;

		memcpy(&ph, p, sizeof(ph));
		*s = (struct elf_seg){ ph.p_type,  ph.p_flags,	ph.p_offset, ph.p_vaddr,
				       ph.p_paddr, ph.p_filesz, ph.p_memsz };
	} else {
		struct elf32_phdr ph;

		memcpy(&ph, p, sizeof(ph));
		*s = (struct elf_seg){ ph.p_type,  ph.p_flags,	ph.p_offset, ph.p_vaddr,
				       ph.p_paddr, ph.p_filesz, ph.p_memsz };
	}
}

/* The file header's fields, widened from ELF32 or ELF64 as f->is64 says; the image holds the
 * whole header. */
static void read_ehdr_fields(const struct loader *ld, struct elf_file *f)
{
	if (f->is64) {
		struct elf64_ehdr eh;

		memcpy(&eh, ld->image, sizeof(eh));
		*f = (struct elf_file){ true,	    eh.e_type,	eh.e_machine, eh.e_version,
					eh.e_entry, eh.e_phoff, eh.e_phnum,   eh.e_phentsize };
	} else {
		struct elf32_ehdr eh;

		memcpy(&eh, ld->image, sizeof(eh));
		*f = (struct elf_file){ false,	    eh.e_type,	eh.e_machine, eh.e_version,
					eh.e_entry, eh.e_phoff, eh.e_phnum,   eh.e_phentsize };
	}
}

static int read_ehdr(struct loader *ld, bool allow_elf64, struct elf_file *f)
{
	const uint8_t *id = ld->image;
	uint16_t want_machine;
	size_t phdr_len;
	uint64_t ph_end;

	if (ld->len < sizeof(struct elf32_ehdr))
		return loader_fail(ld, -ENOEXEC, "image is %zu bytes, too short for an ELF header",
				   ld->len);
	if (memcmp(id, elf_magic, sizeof(elf_magic)))
		return loader_fail(ld, -ENOEXEC,
				   "ELF header: magic %02x %02x %02x %02x is not 7f 45 4c 46",
				   id[0], id[1], id[2], id[3]);
	if (id[EI_CLASS] == ELFCLASS64 && !allow_elf64)
		return loader_fail(
			ld, -ENOEXEC,
			"ELF header: class 2 (ELF64) is not a multiboot (v1) kernel, which "
			"is ELF32; use format multiboot2");
	if (id[EI_CLASS] != ELFCLASS32 && id[EI_CLASS] != ELFCLASS64)
		return loader_fail(ld, -ENOEXEC,
				   "ELF header: class %u is neither 1 (ELF32) nor 2 (ELF64)",
				   id[EI_CLASS]);
	if (id[EI_DATA] != ELFDATA2LSB)
		return loader_fail(ld, -ENOEXEC,
				   "ELF header: data encoding %u is not 1 (little-endian)",
				   id[EI_DATA]);
	if (id[EI_VERSION] != EV_CURRENT)
		return loader_fail(ld, -ENOEXEC, "ELF header: EI_VERSION %u is not 1",
				   id[EI_VERSION]);
	f->is64 = id[EI_CLASS] == ELFCLASS64;
	if (f->is64 && ld->len < sizeof(struct elf64_ehdr))
		return loader_fail(ld, -ENOEXEC,
				   "image is %zu bytes, too short for an ELF64 header", ld->len);
	read_ehdr_fields(ld, f);
	phdr_len = f->is64 ? sizeof(struct elf64_phdr) : sizeof(struct elf32_phdr);
	want_machine = f->is64 ? EM_X86_64 : EM_386;
	if (f->type != ET_EXEC)
		return loader_fail(ld, -ENOEXEC, "ELF header: e_type %u is not 2 (ET_EXEC)",
				   f->type);
	if (f->machine != want_machine)
		return loader_fail(ld, -ENOEXEC, "ELF header: e_machine %u is not %u (%s)",
				   f->machine, want_machine, f->is64 ? "x86-64" : "i386");
	if (f->version != EV_CURRENT)
		return loader_fail(ld, -ENOEXEC, "ELF header: e_version %u is not 1", f->version);
	if (f->phnum == 0)
		return loader_fail(ld, -ENOEXEC, "ELF header: e_phnum is 0, no program headers");
	if (f->phnum > ELF_MAX_PHDRS)
		return loader_fail(ld, -ENOEXEC, "ELF header: e_phnum %u is more than %u", f->phnum,
				   ELF_MAX_PHDRS);
	if (f->phentsize < phdr_len)
		return loader_fail(ld, -ENOEXEC, "ELF header: e_phentsize %u is smaller than %zu",
				   f->phentsize, phdr_len);
	/* phnum * phentsize < 2^22: only the offset can make the sum wrap. */
	ph_end = f->phoff + (uint64_t)f->phnum * f->phentsize;
	if (add_overflows_u64(f->phoff, (uint64_t)f->phnum * f->phentsize) || ph_end > ld->len)
		return loader_fail(ld, -ENOEXEC,
				   "ELF header: program headers at e_phoff 0x%llx (%u of %u bytes) "
				   "end past the image (%zu bytes)",
				   ull(f->phoff), f->phnum, f->phentsize, ld->len);
	return 0;
}

static int check_seg(struct loader *ld, unsigned int i, const struct elf_seg *s)
{
	uint64_t end = s->paddr + s->memsz;

	if (s->filesz > s->memsz)
		return loader_fail(ld, -ENOEXEC,
				   "ELF program header %u: p_filesz 0x%llx is larger than p_memsz "
				   "0x%llx",
				   i, ull(s->filesz), ull(s->memsz));
	/* A segment of bss alone reads nothing from the file, wherever p_offset points. */
	if (s->filesz &&
	    (add_overflows_u64(s->offset, s->filesz) || s->offset + s->filesz > ld->len))
		return loader_fail(ld, -ENOEXEC,
				   "ELF program header %u: p_offset 0x%llx + p_filesz 0x%llx ends "
				   "past the image (%zu bytes)",
				   i, ull(s->offset), ull(s->filesz), ld->len);
	if (s->memsz == 0)
		return 0;
	if (add_overflows_u64(s->paddr, s->memsz) || add_overflows_u64(s->vaddr, s->memsz))
		return loader_fail(ld, -ENOEXEC,
				   "ELF program header %u: p_paddr 0x%llx or p_vaddr 0x%llx + "
				   "p_memsz 0x%llx wraps around",
				   i, ull(s->paddr), ull(s->vaddr), ull(s->memsz));
	if (end > 4 * GiB)
		return loader_fail(
			ld, -ENOEXEC,
			"ELF program header %u: segment [0x%llx, 0x%llx) lies above 4 GiB "
			"(multiboot kernels load below 4 GiB)",
			i, ull(s->paddr), ull(end));
	if (!guest_mem_is_ram(ld->gm, s->paddr, s->memsz))
		return loader_fail(
			ld, -ENOMEM,
			"ELF program header %u: segment [0x%llx, 0x%llx) lies outside guest "
			"RAM (%s)",
			i, ull(s->paddr), ull(end), LOADER_RAM(ld));
	return 0;
}

static bool is_loaded(const struct elf_seg *s)
{
	return s->type == PT_LOAD && s->memsz;
}

/* Checks every program header and finds the kernel's extent; copies nothing. */
static int check_segs(struct loader *ld, const struct elf_file *f, struct loader_image *img)
{
	struct elf_seg s, t;
	int rc;

	img->start_gpa = UINT64_MAX;
	img->end_gpa = 0;
	for (unsigned int i = 0; i < f->phnum; i++) {
		read_seg(ld, f, i, &s);
		if (s.type != PT_LOAD)
			continue;
		rc = check_seg(ld, i, &s);
		if (rc)
			return rc;
		if (!s.memsz)
			continue;
		for (unsigned int j = 0; j < i; j++) {
			read_seg(ld, f, j, &t);
			if (is_loaded(&t) && s.paddr < t.paddr + t.memsz &&
			    t.paddr < s.paddr + s.memsz)
				return loader_fail(
					ld, -ENOEXEC,
					"ELF program header %u: segment [0x%llx, 0x%llx) "
					"overlaps program header %u [0x%llx, 0x%llx)",
					i, ull(s.paddr), ull(s.paddr + s.memsz), j, ull(t.paddr),
					ull(t.paddr + t.memsz));
		}
		img->start_gpa = MIN(img->start_gpa, s.paddr);
		img->end_gpa = MAX(img->end_gpa, s.paddr + s.memsz);
	}
	if (img->end_gpa == 0)
		return loader_fail(ld, -ENOEXEC, "ELF: no PT_LOAD program header with p_memsz > 0");
	return 0;
}

/* The entry is a virtual address (e_entry) or a physical one (a multiboot2 entry address tag);
 * either must fall inside an executable loaded segment. */
static int find_entry(struct loader *ld, const struct elf_file *f, const uint32_t *entry_gpa,
		      struct loader_image *img)
{
	const char *what =
		entry_gpa ? "multiboot2 entry address tag: entry_addr" : "ELF header: e_entry";
	uint64_t entry = entry_gpa ? *entry_gpa : f->entry;
	struct elf_seg s;
	int not_exec = -1;

	for (unsigned int i = 0; i < f->phnum; i++) {
		uint64_t base;

		read_seg(ld, f, i, &s);
		base = entry_gpa ? s.paddr : s.vaddr;
		if (!is_loaded(&s) || entry < base || entry - base >= s.memsz)
			continue;
		if (s.flags & PF_X) {
			img->entry_gpa = s.paddr + (entry - base);
			return 0;
		}
		if (not_exec < 0)
			not_exec = (int)i;
	}
	if (not_exec >= 0)
		return loader_fail(ld, -ENOEXEC,
				   "%s 0x%llx lies in program header %d, which is not executable "
				   "(no PF_X)",
				   what, ull(entry), not_exec);
	return loader_fail(ld, -ENOEXEC, "%s 0x%llx is not inside any loaded PT_LOAD segment", what,
			   ull(entry));
}

int loader_load_elf(struct loader *ld, bool allow_elf64, const uint32_t *entry_gpa,
		    struct loader_image *img)
{
	struct elf_file f = { 0 };
	struct elf_seg s;
	int rc;

	*img = (struct loader_image){ 0 };
	rc = read_ehdr(ld, allow_elf64, &f);
	if (!rc)
		rc = check_segs(ld, &f, img);
	if (!rc)
		rc = find_entry(ld, &f, entry_gpa, img);
	if (rc)
		return rc;
	/* bss is zeroed here rather than trusted to arrive zeroed: the loader writes every byte
	 * the kernel sees as its own. */
	for (unsigned int i = 0; i < f.phnum; i++) {
		read_seg(ld, &f, i, &s);
		if (!is_loaded(&s))
			continue;
		if (guest_mem_write(ld->gm, s.paddr, ld->image + s.offset, s.filesz) ||
		    guest_mem_zero(ld->gm, s.paddr + s.filesz, s.memsz - s.filesz))
			return loader_fail(ld, -EFAULT,
					   "ELF program header %u: copy into guest RAM failed", i);
	}
	return 0;
}
