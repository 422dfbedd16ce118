/* SPDX-License-Identifier: MIT */
/*
 * A guest's RAM as plinth sees it: guest-physical ranges backed by host chunks of up to 2 MiB
 * (2 MiB aligned where they are full, so that EPT can map them with large pages). RAM starts at
 * GPA 0; above GUEST_LOW_RAM_MAX it continues at 4 GiB, leaving a hole for MMIO below 4 GiB as a
 * QEMU pc machine does. Pure C: the core fills the chunk table from the page allocator, host
 * tests from malloc.
 */
#ifndef PLINTH_CORE_GUEST_MEM_H
#define PLINTH_CORE_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_MEM_CHUNK_BYTES (2ull << 20)
#define GUEST_LOW_RAM_MAX     0xc0000000ull /* RAM below 4 GiB ends here at the latest */
#define GUEST_HIGH_RAM_GPA    0x100000000ull
#define GUEST_MEM_MAX_REGIONS 2

struct guest_mem_region {
	uint64_t gpa; /* first byte */
	uint64_t bytes;
	uint64_t ram_offset; /* offset of gpa in the concatenated RAM */
};

struct guest_mem {
	uint64_t ram_bytes;
	struct guest_mem_region regions[GUEST_MEM_MAX_REGIONS];
	unsigned int nr_regions;
	uint64_t nr_chunks; /* chunk i backs RAM offsets [i * CHUNK, (i + 1) * CHUNK) */
	uint8_t **chunk_hva; /* host pointer of each chunk */
	uint64_t *chunk_hpa; /* host-physical address of each chunk (0 in host tests) */
};

/* Fills regions and nr_chunks for ram_bytes (a multiple of 4 KiB); the chunk arrays are the
 * caller's. -EINVAL for 0 or unaligned sizes. */
int guest_mem_layout(struct guest_mem *gm, uint64_t ram_bytes);

/* Bytes of the last chunk (the others are full). */
uint64_t guest_mem_chunk_bytes(const struct guest_mem *gm, uint64_t chunk);

/* Is [gpa, gpa + len) entirely RAM? len 0 is true for any gpa in RAM or at its end. */
bool guest_mem_is_ram(const struct guest_mem *gm, uint64_t gpa, uint64_t len);

/* Copy in or out of guest RAM; -EFAULT (nothing copied) unless the whole range is RAM. */
int guest_mem_write(struct guest_mem *gm, uint64_t gpa, const void *src, uint64_t len);
int guest_mem_read(const struct guest_mem *gm, uint64_t gpa, void *dst, uint64_t len);
int guest_mem_zero(struct guest_mem *gm, uint64_t gpa, uint64_t len);

/* Host pointer to [gpa, gpa + len) if it lies in RAM within one chunk; NULL otherwise. */
void *guest_mem_hva_slow(const struct guest_mem *gm, uint64_t gpa, uint64_t len);
static inline void *guest_mem_hva(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	/* Low RAM (region 0 starts at GPA 0 and at RAM offset 0) is where the exit path's page
	 * walks and instruction fetches land: no region search. */
	uint64_t in_chunk = gpa % GUEST_MEM_CHUNK_BYTES;

	if (gpa < gm->regions[0].bytes && len <= gm->regions[0].bytes - gpa &&
	    len <= GUEST_MEM_CHUNK_BYTES - in_chunk)
		return gm->chunk_hva[gpa / GUEST_MEM_CHUNK_BYTES] + in_chunk;
	return guest_mem_hva_slow(gm, gpa, len);
}

/* The end of RAM below 4 GiB (the first GPA past the low region). */
uint64_t guest_mem_low_end(const struct guest_mem *gm);

#endif
