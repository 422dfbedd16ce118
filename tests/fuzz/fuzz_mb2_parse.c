// SPDX-License-Identifier: MIT
/* mb2_parse on an arbitrary multiboot2 information structure of exactly the input's size. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/multiboot2/mb2_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct boot_info bi;
	char err[128];
	/* malloc's alignment (16) satisfies the 8 the structure needs; its exact size lets ASan
	 * catch a read past max_len. */
	void *info = malloc(size ? size : 1);

	if (!info)
		return 0;
	memcpy(info, data, size);
	if (mb2_parse(MB2_BOOTLOADER_MAGIC, info, size, 0x10000, &bi, err, sizeof(err)) == 0) {
		if (bi.nmem > BOOT_MAX_MEM_RANGES || bi.nmodules > BOOT_MAX_MODULES)
			abort();
		if (strnlen(bi.cmdline, sizeof(bi.cmdline)) == sizeof(bi.cmdline) ||
		    strnlen(bi.loader_name, sizeof(bi.loader_name)) == sizeof(bi.loader_name) ||
		    bi.rsdp_len > sizeof(bi.rsdp))
			abort();
		for (uint32_t i = 0; i < bi.nmodules; i++) {
			if (strnlen(bi.modules[i].name, BOOT_MODULE_NAME_LEN) ==
				    BOOT_MODULE_NAME_LEN ||
			    !bi.modules[i].name[0])
				abort();
		}
	} else if (strnlen(err, sizeof(err)) == 0 || strnlen(err, sizeof(err)) == sizeof(err)) {
		abort(); /* every failure says why */
	}
	free(info);
	return 0;
}
