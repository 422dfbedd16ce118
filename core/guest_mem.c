// SPDX-License-Identifier: MIT
/* Guest RAM slots and copies in and out of them (see guest_mem.h). */
#include "core/guest_mem.h"
#include "core/compiler.h"
#include "core/errno.h"
#include "core/string.h"

static uint64_t chunks_for(uint64_t bytes)
{
	return (bytes + GUEST_MEM_CHUNK_BYTES - 1) / GUEST_MEM_CHUNK_BYTES;
}

void guest_mem_slot_init(struct guest_mem_slot *s, uint64_t gpa, uint64_t bytes)
{
	*s = (struct guest_mem_slot){ .gpa = gpa, .bytes = bytes, .nr_chunks = chunks_for(bytes) };
}

int guest_mem_layout(struct guest_mem *gm, uint64_t ram_bytes)
{
	uint64_t low;

	if (ram_bytes == 0 || !IS_ALIGNED(ram_bytes, PAGE_SIZE) ||
	    ram_bytes > (1ull << 46)) /* far beyond any config limit; keeps sums exact */
		return -EINVAL;
	memset(gm, 0, sizeof(*gm));
	gm->ram_bytes = ram_bytes;
	low = MIN(ram_bytes, GUEST_LOW_RAM_MAX);
	guest_mem_slot_init(&gm->slots[0], 0, low);
	gm->nr_slots = 1;
	if (ram_bytes > low) {
		guest_mem_slot_init(&gm->slots[1], GUEST_HIGH_RAM_GPA, ram_bytes - low);
		gm->nr_slots = 2;
	}
	return 0;
}

int guest_mem_slot_check(const struct guest_mem *gm, uint64_t gpa, uint64_t bytes)
{
	/* gpa < LIMIT and bytes <= LIMIT - gpa: no sum below can wrap. */
	if (bytes == 0 || !IS_ALIGNED(gpa, PAGE_SIZE) || !IS_ALIGNED(bytes, PAGE_SIZE) ||
	    gpa >= GUEST_MEM_GPA_LIMIT || bytes > GUEST_MEM_GPA_LIMIT - gpa)
		return -EINVAL;
	for (unsigned int i = 0; i < gm->nr_slots; i++) {
		const struct guest_mem_slot *s = &gm->slots[i];

		if (gpa < s->gpa + s->bytes && s->gpa < gpa + bytes)
			return -EEXIST;
	}
	return gm->nr_slots < GUEST_MEM_MAX_SLOTS ? 0 : -ENOSPC;
}

int guest_mem_slot_insert(struct guest_mem *gm, const struct guest_mem_slot *s)
{
	int err = guest_mem_slot_check(gm, s->gpa, s->bytes);
	unsigned int i;

	if (err)
		return err;
	if (s->nr_chunks != chunks_for(s->bytes) || !s->chunk_hva || !s->chunk_hpa)
		return -EINVAL;
	/* No overlap, so the first slot above gpa is also the first above the whole range. */
	for (i = gm->nr_slots; i > 0 && gm->slots[i - 1].gpa > s->gpa; i--)
		gm->slots[i] = gm->slots[i - 1];
	gm->slots[i] = *s;
	gm->nr_slots++;
	gm->ram_bytes += s->bytes;
	return (int)i;
}

int guest_mem_slot_remove(struct guest_mem *gm, uint64_t gpa, struct guest_mem_slot *out)
{
	unsigned int i;

	for (i = 0; i < gm->nr_slots && gm->slots[i].gpa != gpa; i++)
		;
	if (i == gm->nr_slots)
		return -ENOENT;
	*out = gm->slots[i];
	gm->ram_bytes -= out->bytes;
	for (gm->nr_slots--; i < gm->nr_slots; i++)
		gm->slots[i] = gm->slots[i + 1];
	/* Unused slots stay zero: an empty slots[0] must match no GPA in guest_mem_hva. */
	gm->slots[gm->nr_slots] = (struct guest_mem_slot){ 0 };
	return 0;
}

int guest_mem_slot_index(const struct guest_mem *gm, uint64_t gpa)
{
	for (unsigned int i = 0; i < gm->nr_slots; i++)
		if (gpa - gm->slots[i].gpa < gm->slots[i].bytes) /* wraps below the slot */
			return (int)i;
	return -ENOENT;
}

uint64_t guest_mem_chunk_bytes(const struct guest_mem_slot *s, uint64_t chunk)
{
	if (chunk + 1 < s->nr_chunks)
		return GUEST_MEM_CHUNK_BYTES;
	return s->bytes - chunk * GUEST_MEM_CHUNK_BYTES;
}

uint64_t guest_mem_low_end(const struct guest_mem *gm)
{
	return gm->nr_slots && gm->slots[0].gpa == 0 ? gm->slots[0].bytes : 0;
}

uint64_t guest_mem_end(const struct guest_mem *gm)
{
	const struct guest_mem_slot *last;

	if (!gm->nr_slots)
		return 0;
	last = &gm->slots[gm->nr_slots - 1];
	return last->gpa + last->bytes;
}

/* The index of the slot holding gpa when [gpa, gpa + len) (len > 0) is RAM, through adjacent
 * slots if it has to; -1 otherwise. */
static int range_slot(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	int first = guest_mem_slot_index(gm, gpa);
	uint64_t avail;

	if (first < 0)
		return -1;
	avail = gm->slots[first].gpa + gm->slots[first].bytes - gpa;
	/* avail stays below GUEST_MEM_GPA_LIMIT, and the slots run out before len can wrap it. */
	for (unsigned int i = (unsigned int)first; len > avail; i++) {
		uint64_t end = gm->slots[i].gpa + gm->slots[i].bytes;

		if (i + 1 == gm->nr_slots || gm->slots[i + 1].gpa != end)
			return -1;
		avail += gm->slots[i + 1].bytes;
	}
	return first;
}

bool guest_mem_is_ram(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	if (len == 0) {
		for (unsigned int i = 0; i < gm->nr_slots; i++)
			if (gpa - gm->slots[i].gpa <= gm->slots[i].bytes)
				return true;
		return false;
	}
	return range_slot(gm, gpa, len) >= 0;
}

void *guest_mem_hva_slow(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	int i = guest_mem_slot_index(gm, gpa);
	const struct guest_mem_slot *s;
	uint64_t off, in_chunk;

	if (i < 0)
		return NULL;
	s = &gm->slots[i];
	off = gpa - s->gpa;
	in_chunk = off % GUEST_MEM_CHUNK_BYTES;
	if (len > s->bytes - off || len > GUEST_MEM_CHUNK_BYTES - in_chunk)
		return NULL;
	return s->chunk_hva[off / GUEST_MEM_CHUNK_BYTES] + in_chunk;
}

enum copy_dir { COPY_IN, COPY_OUT, COPY_ZERO };

static int copy(const struct guest_mem *gm, uint64_t gpa, void *buf, uint64_t len,
		enum copy_dir dir)
{
	const struct guest_mem_slot *s;
	uint8_t *p = buf;
	uint64_t off;
	int i;

	if (len == 0)
		return guest_mem_is_ram(gm, gpa, 0) ? 0 : -EFAULT;
	i = range_slot(gm, gpa, len);
	if (i < 0)
		return -EFAULT;
	s = &gm->slots[i];
	off = gpa - s->gpa;
	while (len) {
		uint64_t in_chunk, n;
		uint8_t *hva;

		if (off == s->bytes) { /* on into the adjacent slot, which range_slot found */
			s++;
			off = 0;
		}
		in_chunk = off % GUEST_MEM_CHUNK_BYTES;
		/* Neither past the chunk nor past the slot, whose last chunk may be short. */
		n = MIN(len, MIN(GUEST_MEM_CHUNK_BYTES - in_chunk, s->bytes - off));
		hva = s->chunk_hva[off / GUEST_MEM_CHUNK_BYTES] + in_chunk;
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
