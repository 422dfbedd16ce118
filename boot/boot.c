// SPDX-License-Identifier: MIT
#include "boot/boot.h"
#include "arch/x86/paging.h"
#include "boot/multiboot2/mb2_parse.h"
#include "core/compiler.h"
#include "core/errno.h"
#include "core/printf.h"
#include "core/string.h"

#define BOOT_MAP_END (4 * GiB)

static void terminate(char *s, size_t size)
{
	s[size - 1] = 0;
}

/* plinth.efi is ours, but its output is still checked: a stale loader must not crash us. */
static int collect_efi(const struct boot_info *src, struct boot_info *bi, char *err, size_t err_len)
{
	if (src->magic != BOOT_INFO_MAGIC || src->version != BOOT_INFO_VERSION ||
	    src->size_bytes != sizeof(*src)) {
		ksnprintf(err, err_len,
			  "boot information from plinth.efi has the wrong magic, version or size "
			  "(version %u, %u bytes; expected version %u, %zu bytes): loader and core "
			  "do not match",
			  src->version, src->size_bytes, BOOT_INFO_VERSION, sizeof(*src));
		return -EINVAL;
	}
	memcpy(bi, src, sizeof(*bi));
	if (bi->nmem > BOOT_MAX_MEM_RANGES || bi->nmodules > BOOT_MAX_MODULES ||
	    bi->rsdp_len > sizeof(bi->rsdp)) {
		ksnprintf(err, err_len, "boot information from plinth.efi has out-of-range counts");
		return -EINVAL;
	}
	terminate(bi->cmdline, sizeof(bi->cmdline));
	terminate(bi->loader_name, sizeof(bi->loader_name));
	for (uint32_t i = 0; i < bi->nmodules; i++) {
		terminate(bi->modules[i].name, sizeof(bi->modules[i].name));
		if (add_overflows_u64(bi->modules[i].hpa, bi->modules[i].len)) {
			ksnprintf(err, err_len, "boot module %u wraps around the address space", i);
			return -EINVAL;
		}
	}
	return 0;
}

int boot_info_collect(uint32_t loader, uint64_t info_hpa, uint32_t mb2_magic, struct boot_info *bi,
		      char *err, size_t err_len)
{
	if (!info_hpa || info_hpa >= BOOT_MAP_END) {
		ksnprintf(err, err_len, "boot information at %#llx is outside the first 4 GiB",
			  (unsigned long long)info_hpa);
		return -EINVAL;
	}
	switch (loader) {
	case BOOT_LOADER_EFI:
		if (info_hpa + sizeof(*bi) > BOOT_MAP_END) {
			ksnprintf(err, err_len, "boot information crosses 4 GiB");
			return -EINVAL;
		}
		return collect_efi(phys_to_virt(info_hpa), bi, err, err_len);
	case BOOT_LOADER_MULTIBOOT2:
		return mb2_parse(mb2_magic, phys_to_virt(info_hpa), BOOT_MAP_END - info_hpa,
				 info_hpa, bi, err, err_len);
	default:
		ksnprintf(err, err_len, "unknown loader kind %u", loader);
		return -EINVAL;
	}
}

const struct boot_module *boot_find_module(const struct boot_info *bi, const char *name)
{
	for (uint32_t i = 0; i < bi->nmodules; i++)
		if (!strcmp(bi->modules[i].name, name))
			return &bi->modules[i];
	return NULL;
}

int boot_drop_unmapped_modules(struct boot_info *bi, bool (*mapped)(uint64_t hpa, uint64_t len),
			       void (*report)(const struct boot_module *m))
{
	uint32_t kept = 0;
	int dropped = 0;

	for (uint32_t i = 0; i < bi->nmodules; i++) {
		if (!mapped(bi->modules[i].hpa, bi->modules[i].len)) {
			report(&bi->modules[i]);
			dropped++;
			continue;
		}
		bi->modules[kept++] = bi->modules[i];
	}
	bi->nmodules = kept;
	return dropped;
}
