/* SPDX-License-Identifier: MIT */
#ifndef PLINTH_BOOT_BOOT_H
#define PLINTH_BOOT_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "boot/boot_info.h"

/*
 * Copies (plinth.efi) or builds (multiboot2) the boot information into bi, checking every
 * field. info_hpa must lie in the boot direct map (below 4 GiB). 0, or -EINVAL with a sentence
 * in err.
 */
int boot_info_collect(uint32_t loader, uint64_t info_hpa, uint32_t mb2_magic, struct boot_info *bi,
		      char *err, size_t err_len);

/* The module whose name is name, or NULL. */
const struct boot_module *boot_find_module(const struct boot_info *bi, const char *name);

/* Removes (after report()) every module that does not lie wholly where mapped() says memory
 * can be read: a loader's bad address must not become a fault in plinth. Returns how many. */
int boot_drop_unmapped_modules(struct boot_info *bi, bool (*mapped)(uint64_t hpa, uint64_t len),
			       void (*report)(const struct boot_module *m));

#endif
