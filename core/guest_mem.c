// SPDX-License-Identifier: MIT
/* Guest RAM layout and copies in and out of it (see guest_mem.h). */
#include "core/guest_mem.h"
#include "core/compiler.h"
#include "core/errno.h"
#include "core/string.h"

int guest_mem_layout(struct guest_mem *gm, uint64_t ram_bytes)
{
	uint64_t low;

	if (ram_bytes == 0 || !IS_ALIGNED(ram_bytes, PAGE_SIZE) ||
	    ram_bytes > (1ull << 46)) /* far beyond any config limit; keeps sums exact */
		return -EINVAL;
	gm->ram_bytes = ram_bytes;
	low = MIN(ram_bytes, GUEST_LOW_RAM_MAX);
	gm->regions[0] = (struct guest_mem_region){ .gpa = 0, .bytes = low, .ram_offset = 0 };
	gm->nr_regions = 1;
	if (ram_bytes > low) {
		gm->regions[1] = (struct guest_mem_region){ .gpa = GUEST_HIGH_RAM_GPA,
							    .bytes = ram_bytes - low,
							    .ram_offset = low };
		gm->nr_regions = 2;
	}
	gm->nr_chunks = (ram_bytes + GUEST_MEM_CHUNK_BYTES - 1) / GUEST_MEM_CHUNK_BYTES;
	return 0;
}

uint64_t guest_mem_chunk_bytes(const struct guest_mem *gm, uint64_t chunk)
{
	if (chunk + 1 < gm->nr_chunks)
		return GUEST_MEM_CHUNK_BYTES;
	return gm->ram_bytes - chunk * GUEST_MEM_CHUNK_BYTES;
}

uint64_t guest_mem_low_end(const struct guest_mem *gm)
{
	return gm->regions[0].bytes;
}

/* The RAM offset of gpa and how many bytes of RAM follow it contiguously in GPA space; false
 * when gpa is not RAM. */
static bool gpa_to_offset(const struct guest_mem *gm, uint64_t gpa, uint64_t *off, uint64_t *avail)
{
	for (unsigned int i = 0; i < gm->nr_regions; i++) {
		const struct guest_mem_region *r = &gm->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->bytes) {
			*off = r->ram_offset + (gpa - r->gpa);
			*avail = r->bytes - (gpa - r->gpa);
			return true;
		}
	}
	return false;
}

bool guest_mem_is_ram(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	uint64_t off, avail;

	if (len == 0) {
		for (unsigned int i = 0; i < gm->nr_regions; i++)
			if (gpa >= gm->regions[i].gpa &&
			    gpa - gm->regions[i].gpa <= gm->regions[i].bytes)
				return true;
		return false;
	}
	/* A range never spans the hole between the regions. */
	return gpa_to_offset(gm, gpa, &off, &avail) && len <= avail;
}

void *guest_mem_hva_slow(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	uint64_t off, avail, in_chunk;

	if (!gpa_to_offset(gm, gpa, &off, &avail) || len > avail)
		return NULL;
	in_chunk = off % GUEST_MEM_CHUNK_BYTES;
	if (len > GUEST_MEM_CHUNK_BYTES - in_chunk)
		return NULL;
	return gm->chunk_hva[off / GUEST_MEM_CHUNK_BYTES] + in_chunk;
}

enum copy_dir { COPY_IN, COPY_OUT, COPY_ZERO };

static int copy(const struct guest_mem *gm, uint64_t gpa, void *buf, uint64_t len,
		enum copy_dir dir)
{
	uint64_t off, avail;
	uint8_t *p = buf;

	if (len == 0)
		return guest_mem_is_ram(gm, gpa, 0) ? 0 : -EFAULT;
	if (!gpa_to_offset(gm, gpa, &off, &avail) || len > avail)
		return -EFAULT;
	while (len) {
		uint64_t in_chunk = off % GUEST_MEM_CHUNK_BYTES;
		uint64_t n = MIN(len, GUEST_MEM_CHUNK_BYTES - in_chunk);
		uint8_t *hva = gm->chunk_hva[off / GUEST_MEM_CHUNK_BYTES] + in_chunk;

		if (dir == COPY_IN)
			memcpy(hva, p, n);
		else if (dir == COPY_OUT)
			memcpy(p, hva, n);
		else
			memset(hva, 0, n);
		if (p)
			p += n;
		off += n;
		len -= n;
	}
	return 0;
}

int guest_mem_write(struct guest_mem *gm, uint64_t gpa, const void *src, uint64_t len)
{
	return copy(gm, gpa, (void *)src, len, COPY_IN);
}

int guest_mem_read(const struct guest_mem *gm, uint64_t gpa, void *dst, uint64_t len)
{
	return copy(gm, gpa, dst, len, COPY_OUT);
}

int guest_mem_zero(struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	return copy(gm, gpa, NULL, len, COPY_ZERO);
}
