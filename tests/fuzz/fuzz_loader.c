// SPDX-License-Identifier: MIT
/*
 * guest_load on arbitrary images (input layout: tests/fuzz/fuzz_loader_input.h). The image is
 * copied to a buffer of exactly its size and guest RAM chunks are exact allocations, so ASan
 * catches a read past the image or a write past RAM. A success must describe a startable vCPU;
 * a refusal must say why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/loader.h"
#include "tests/fuzz/fuzz_loader_input.h"
#include "tests/unit/guest_mem_host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_config gc;
	struct guest_mem gm = { 0 };
	struct loader_module mods[FUZZ_LOADER_NMODS];
	struct vcpu_boot_state out;
	struct loader_error err;
	const uint8_t *image;
	uint64_t ram_bytes;
	unsigned int nmods;
	size_t len;
	uint8_t *copy;
	int rc;

	if (!fuzz_loader_decode(data, size, &gc, &ram_bytes, mods, &nmods, &image, &len))
		return 0;
	copy = malloc(len ? len : 1);
	if (!copy || host_guest_mem_alloc(&gm, ram_bytes)) {
		free(copy);
		return 0;
	}
	memcpy(copy, image, len);
	memset(&err, 0x55, sizeof(err)); /* guest_load must set msg either way */
	rc = guest_load(&gc, &gm, copy, len, mods, nmods, &out, &err);
	if (rc == 0) {
		if (err.msg[0] || !guest_mem_is_ram(&gm, out.rip, 1))
			abort();
		if (out.mode_bits != 16 && out.mode_bits != 32 && out.mode_bits != 64)
			abort();
		if (out.mode_bits == 64 && !guest_mem_is_ram(&gm, out.cr3, 4096))
			abort();
		if (gc.format != GUEST_FORMAT_FLAT &&
		    (!guest_mem_is_ram(&gm, out.rbx, 8) || out.rbx >= (1ull << 32) || out.rbx % 8))
			abort();
	} else if (rc >= 0 || strnlen(err.msg, sizeof(err.msg)) == 0 ||
		   strnlen(err.msg, sizeof(err.msg)) == sizeof(err.msg)) {
		abort();
	}
	host_guest_mem_free(&gm);
	free(copy);
	return 0;
}
