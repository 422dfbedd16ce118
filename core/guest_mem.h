/* SPDX-License-Identifier: MIT */
/*
 * A guest's RAM as plinth sees it: up to GUEST_MEM_MAX_SLOTS memory slots, as KVM has them, each
 * a guest-physical range backed by its own host chunks of up to 2 MiB (2 MiB aligned where they
 * are full, so that EPT can map them with large pages). A guest defined by the config has one
 * or two: RAM starts at GPA 0, and above GUEST_LOW_RAM_MAX it continues at 4 GiB, leaving a hole
 * for MMIO below 4 GiB as a QEMU pc machine does (guest_mem_layout). Slots can also be added and
 * removed at any 4 KiB-aligned GPA (guest_mem_slot_insert, guest_mem_slot_remove).
 *
 * Pure C, and nothing here allocates: the chunks and the arrays that list them are the
 * caller's (the core takes them from the page allocator, host tests from malloc). Nothing here
 * locks either: a slot must not be inserted or removed while a vCPU of the VM runs or an exit
 * handler uses the RAM.
 */
#ifndef PLINTH_CORE_GUEST_MEM_H
#define PLINTH_CORE_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_MEM_CHUNK_BYTES (2ull << 20)
#define GUEST_LOW_RAM_MAX     0xc0000000ull /* RAM below 4 GiB ends here at the latest */
#define GUEST_HIGH_RAM_GPA    0x100000000ull
#define GUEST_MEM_MAX_SLOTS   16
/* MAXPHYADDR is at most 52 (SDM Vol. 3A 4.1.4): no slot reaches past it, which also keeps every
 * sum of GPAs and sizes here far from wrapping. */
#define GUEST_MEM_GPA_LIMIT (1ull << 52)

struct guest_mem_slot {
	uint64_t gpa; /* first byte, 4 KiB aligned */
	uint64_t bytes; /* a multiple of 4 KiB, > 0 */
	/* Chunk i backs slot offsets [i * CHUNK, (i + 1) * CHUNK); the last may be short. Chunks
	 * line up with the slot's start, not with GPA 2 MiB boundaries. */
	uint64_t nr_chunks;
	uint8_t **chunk_hva; /* host pointer of each chunk */
	uint64_t *chunk_hpa; /* host-physical address of each chunk (0 in host tests) */
};

struct guest_mem {
	uint64_t ram_bytes; /* sum of the slots' bytes */
	/* slots[0 .. nr_slots) are in use, sorted by gpa, never overlapping; the others are all
	 * zero (guest_mem_hva's fast path relies on an empty slots[0] matching no GPA). */
	struct guest_mem_slot slots[GUEST_MEM_MAX_SLOTS];
	unsigned int nr_slots;
};

/* A config-defined guest's RAM of ram_bytes (a multiple of 4 KiB): slot 0 = [0, min(ram_bytes,
 * GUEST_LOW_RAM_MAX)), slot 1 = the rest from GUEST_HIGH_RAM_GPA. Replaces whatever gm held;
 * fills each slot's gpa, bytes and nr_chunks and leaves its arrays NULL for the caller to fill.
 * -EINVAL for 0 or unaligned sizes. */
int guest_mem_layout(struct guest_mem *gm, uint64_t ram_bytes);

/* Sets s to [gpa, gpa + bytes) with its nr_chunks and NULL arrays, unchecked: the first step of
 * adding a slot (then allocate its arrays and chunks, then guest_mem_slot_insert). */
void guest_mem_slot_init(struct guest_mem_slot *s, uint64_t gpa, uint64_t bytes);

/* 0 if a slot [gpa, gpa + bytes) could be added to gm: -EINVAL for bytes 0, a gpa or bytes not
 * 4 KiB aligned, or an end that wraps or passes GUEST_MEM_GPA_LIMIT; else -EEXIST if it
 * overlaps a slot; else -ENOSPC if all slots are used. */
int guest_mem_slot_check(const struct guest_mem *gm, uint64_t gpa, uint64_t bytes);

/* Adds a copy of *s, whose chunk arrays and chunks the caller has already filled (a slot in gm
 * is always backed), keeping the slots sorted, and counts it in ram_bytes. The index it gets,
 * or guest_mem_slot_check's errors, or -EINVAL if s->nr_chunks does not fit s->bytes or an
 * array is missing; gm is unchanged on an error. */
int guest_mem_slot_insert(struct guest_mem *gm, const struct guest_mem_slot *s);

/* Removes the slot that starts exactly at gpa and copies it to *out, so that the caller can
 * unmap it and free its chunks and arrays; -ENOENT if no slot starts there. Host pointers into
 * it that anything kept (a vCPU's caches) are the caller's to drop. */
int guest_mem_slot_remove(struct guest_mem *gm, uint64_t gpa, struct guest_mem_slot *out);

/* The index of the slot holding gpa, or -ENOENT. */
int guest_mem_slot_index(const struct guest_mem *gm, uint64_t gpa);

/* Bytes of chunk `chunk` of s: CHUNK, but the last one may be short. */
uint64_t guest_mem_chunk_bytes(const struct guest_mem_slot *s, uint64_t chunk);

/*
 * Is [gpa, gpa + len) entirely RAM? len 0 is true for any gpa in a slot or at its end. A range
 * may run from one slot into the next when that one starts exactly where it ends: the guest
 * sees one RAM there, however it is cut into slots. So may the copies; guest_mem_hva never
 * crosses a chunk, so never a slot either.
 */
bool guest_mem_is_ram(const struct guest_mem *gm, uint64_t gpa, uint64_t len);

/* Copy in or out of guest RAM; -EFAULT (nothing copied) unless the whole range is RAM. */
int guest_mem_write(struct guest_mem *gm, uint64_t gpa, const void *src, uint64_t len);
int guest_mem_read(const struct guest_mem *gm, uint64_t gpa, void *dst, uint64_t len);
int guest_mem_zero(struct guest_mem *gm, uint64_t gpa, uint64_t len);

/* Host pointer to [gpa, gpa + len) if it lies in RAM within one chunk; NULL otherwise. */
void *guest_mem_hva_slow(const struct guest_mem *gm, uint64_t gpa, uint64_t len);
static inline void *guest_mem_hva(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	/* Slot 0, the lowest (low RAM from GPA 0 for a config-defined guest), is where the exit
	 * path's page walks and instruction fetches land: no slot search. A gpa below it wraps
	 * to a huge offset and fails the first test. */
	const struct guest_mem_slot *s = &gm->slots[0];
	uint64_t off = gpa - s->gpa;
	uint64_t in_chunk = off % GUEST_MEM_CHUNK_BYTES;

	if (off < s->bytes && len <= s->bytes - off && len <= GUEST_MEM_CHUNK_BYTES - in_chunk)
		return s->chunk_hva[off / GUEST_MEM_CHUNK_BYTES] + in_chunk;
	return guest_mem_hva_slow(gm, gpa, len);
}

/* The end of the slot that starts at GPA 0 (0 if none): low RAM, below 4 GiB for a
 * config-defined guest, where the loader puts what it builds. */
uint64_t guest_mem_low_end(const struct guest_mem *gm);

/* The first GPA past the highest slot (0 if none). */
uint64_t guest_mem_end(const struct guest_mem *gm);

#endif
