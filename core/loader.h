/* SPDX-License-Identifier: MIT */
/*
 * Guest loaders: put a guest image (flat binary, multiboot v1 ELF, multiboot2 ELF) and its
 * modules into guest RAM and say how its boot vCPU starts. Pure C (host-tested and fuzzed): the
 * image is untrusted, every header field is checked, and a refusal names the field.
 */
#ifndef PLINTH_CORE_LOADER_H
#define PLINTH_CORE_LOADER_H

#include <stddef.h>
#include <stdint.h>
#include "core/config.h"
#include "core/guest_mem.h"

struct loader_module {
	const void *data;
	size_t len;
	const char *args; /* the module's command line: its path, then its arguments */
};

/* How the boot vCPU starts (docs/guests.md, "Machine state at entry"). Segments are flat (base 0,
 * limit 4 GiB) in modes 32 and 64; in mode 16 CS is rip >> 4 & 0xf000 with IP = rip & 0xffff,
 * the other segments 0. Registers not named here start at 0, EFLAGS at 0x2 (IF clear). */
struct vcpu_boot_state {
	uint8_t mode_bits; /* 16: real mode; 32: protected mode, paging off; 64: long mode */
	uint64_t rip;
	uint64_t rax, rbx; /* multiboot: the boot loader magic and the information GPA */
	uint64_t rsp; /* always 0: every format expects the guest to set up its own stack */
	uint64_t cr3; /* mode 64: the identity page tables the loader built in guest RAM; else 0 */
};

/* Where an error report goes: "field: what is wrong", for example
 * "multiboot header: load_end_addr 0x1000 is below load_addr 0x2000". The caller prefixes the
 * guest's name. */
struct loader_error {
	char msg[192];
};

/*
 * Loads gc's image (image, len) and modules into gm, which must be zeroed, as gc->format says.
 * Returns 0 and fills *out (err->msg empty), or a negative errno (-ENOEXEC for a malformed image,
 * -ENOMEM when image, modules and boot structures do not fit in RAM, -EINVAL for a config that
 * does not fit the image) with err->msg saying why. The loader writes every byte it tells the
 * guest about (segments, bss, page tables, boot information and its padding); zeroed RAM is for
 * the guest's sake, not the loader's. On failure gm holds partial contents and is to be freed.
 * Only gc's format, load_gpa, entry_gpa/entry_set, mode_bits and cmdline are read; flat images
 * take no modules. What each format accepts: docs/guests.md.
 */
int guest_load(const struct guest_config *gc, struct guest_mem *gm, const void *image, size_t len,
	       const struct loader_module *mods, unsigned int nmods, struct vcpu_boot_state *out,
	       struct loader_error *err);

#endif
