/* SPDX-License-Identifier: MIT */
/*
 * How fuzz_loader reads its input, shared with tests/unit/test_loader.c (which writes the seeds
 * and checks that each one loads):
 *   byte 0: format = b % 3 (flat, multiboot, multiboot2); RAM = sizes[(b / 3) % 4]
 *   byte 1: bits 0-1 flat mode (16, 32, 64, 64); bits 2-3 flat load address; bits 4-5 number
 *           of modules; bit 6 entry = load + 0x10; bit 7 a non-empty command line
 *   the rest: the image
 */
#ifndef PLINTH_TESTS_FUZZ_LOADER_INPUT_H
#define PLINTH_TESTS_FUZZ_LOADER_INPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "core/config.h"
#include "core/loader.h"

#define FUZZ_LOADER_NMODS 3

static const uint64_t fuzz_loader_ram_bytes[4] = { 64 << 10, 1280 << 10, 3 << 20, 8 << 20 };
static const uint8_t fuzz_loader_modes[4] = { 16, 32, 64, 64 };
static const uint64_t fuzz_loader_loads[4] = { 0, 0x7c00, 0x10000, 0x100000 };
static const size_t fuzz_loader_mod_len[FUZZ_LOADER_NMODS] = { 4096, 1, 70000 };
static const char *const fuzz_loader_mod_args[FUZZ_LOADER_NMODS] = { "initrd.img rdinit=/init", "",
								     "extra.bin" };

static inline uint8_t fuzz_loader_byte0(enum guest_format format, unsigned int ram_index)
{
	return (uint8_t)(format + 3 * ram_index);
}

/* Fills gc, *ram_bytes and the modules from data; false when the input is too short. */
static inline bool fuzz_loader_decode(const uint8_t *data, size_t size, struct guest_config *gc,
				      uint64_t *ram_bytes, struct loader_module *mods,
				      unsigned int *nmods, const uint8_t **image, size_t *len)
{
	static uint8_t mod_data[70000];

	if (!mod_data[0])
		memset(mod_data, 0x5a, sizeof(mod_data));
	if (size < 2)
		return false;
	memset(gc, 0, sizeof(*gc));
	gc->format = (enum guest_format)(data[0] % 3);
	*ram_bytes = fuzz_loader_ram_bytes[(data[0] / 3) % 4];
	gc->memory_bytes = *ram_bytes;
	gc->mode_bits = fuzz_loader_modes[data[1] & 3];
	gc->load_gpa = fuzz_loader_loads[(data[1] >> 2) & 3];
	gc->entry_set = data[1] & 0x40;
	gc->entry_gpa = gc->load_gpa + 0x10;
	if (data[1] & 0x80)
		strcpy(gc->cmdline, "console=ttyS0 fuzz");
	*nmods = (data[1] >> 4) & 3;
	for (unsigned int i = 0; i < FUZZ_LOADER_NMODS; i++)
		mods[i] = (struct loader_module){ mod_data, fuzz_loader_mod_len[i],
						  fuzz_loader_mod_args[i] };
	*image = data + 2;
	*len = size - 2;
	return true;
}

#endif
