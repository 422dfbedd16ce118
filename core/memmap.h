/* SPDX-License-Identifier: MIT */
/*
 * Memory-map normalisation. Firmware maps can be unsorted, overlapping and contain zero-length
 * entries; the result is sorted, non-overlapping, without empty ranges, with adjacent ranges of
 * the same type merged. Where ranges overlap, the most restrictive type wins (anything beats
 * MEM_USABLE; among the others the higher enum value wins, so MEM_BAD beats MEM_RESERVED).
 * Ranges that run past 2^64 are clipped. Unknown types are treated as MEM_RESERVED.
 */
#ifndef PLINTH_CORE_MEMMAP_H
#define PLINTH_CORE_MEMMAP_H

#include <stddef.h>
#include <stdint.h>
#include "boot/boot_info.h"

/*
 * Normalises in[0..n_in) into out[0..cap_out). Returns the number of output ranges, or -ENOSPC
 * when they do not fit in cap_out (out is then unspecified). in and out must not overlap.
 * scratch must hold 2 * n_in uint64_t values.
 */
int memmap_normalize(const struct mem_range *in, size_t n_in, struct mem_range *out, size_t cap_out,
		     uint64_t *scratch);

const char *mem_type_name(uint32_t type);

/* Sum of lengths of ranges of the given type. */
uint64_t memmap_total(const struct mem_range *map, size_t n, uint32_t type);

#endif
