// SPDX-License-Identifier: MIT
/*
 * Bitmap page allocator. Two bitmaps of one bit per page: "in use" (reserved or allocated) and
 * "reserved". Scans go a 64-bit word at a time. Bits past npages in the last word stay set in
 * both maps, so a scan never has to special-case the tail.
 */
#include "core/palloc.h"
#include "core/compiler.h"
#include "core/errno.h"

#define MAX_PFN (1ull << (64 - PAGE_SHIFT)) /* one past the last page frame of the space */

static uint64_t nwords(uint64_t npages)
{
	return (npages + 63) / 64;
}

/* gcc would call libgcc's __popcountdi2 without -mpopcnt, and the core links no libgcc. */
static unsigned int popcount64(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (x * 0x0101010101010101ull) >> 56;
}

/* The bits of word w that lie in [first, end). */
static uint64_t word_mask(uint64_t w, uint64_t first, uint64_t end)
{
	uint64_t lo = MAX(first, w * 64) - w * 64;
	uint64_t hi = MIN(end, w * 64 + 64) - w * 64;

	if (hi - lo == 64)
		return ~0ull;
	return ((1ull << (hi - lo)) - 1) << lo;
}

/* Sets or clears bits [first, end) of map; returns how many bits changed. */
static uint64_t update_bits(uint64_t *map, uint64_t first, uint64_t end, bool set)
{
	uint64_t changed = 0;

	if (first >= end)
		return 0;
	for (uint64_t w = first / 64; w * 64 < end; w++) {
		uint64_t mask = word_mask(w, first, end);

		changed += popcount64(set ? mask & ~map[w] : mask & map[w]);
		map[w] = set ? map[w] | mask : map[w] & ~mask;
	}
	return changed;
}

/* First index in [from, end) whose bit is set (want_set) or clear; end when there is none. */
static uint64_t find_next(const uint64_t *map, uint64_t from, uint64_t end, bool want_set)
{
	if (from >= end)
		return end;
	for (uint64_t w = from / 64; w * 64 < end; w++) {
		uint64_t bits = (want_set ? map[w] : ~map[w]) & word_mask(w, from, end);

		if (bits)
			return w * 64 + __builtin_ctzll(bits);
	}
	return end;
}

int palloc_init(struct palloc *pa, uint64_t *bitmap, size_t bitmap_bytes, uint64_t base_hpa,
		uint64_t npages)
{
	uint64_t base_pfn = base_hpa >> PAGE_SHIFT;

	if (!bitmap || !npages || !IS_ALIGNED(base_hpa, PAGE_SIZE))
		return -EINVAL;
	if (npages > MAX_PFN - base_pfn || bitmap_bytes < PALLOC_BITMAP_BYTES(npages))
		return -EINVAL;

	uint64_t words = nwords(npages);

	pa->bitmap = bitmap;
	pa->reserved = bitmap + words;
	for (uint64_t w = 0; w < 2 * words; w++)
		bitmap[w] = ~0ull;
	pa->base_hpa = base_hpa;
	pa->npages = npages;
	pa->free_pages = 0;
	pa->hint = 0;
	return 0;
}

/*
 * Page indices [*first, *end) of the span that [hpa, hpa + len) covers: wholly (inward) or in
 * part (outward). A range that runs past 2^64 is clipped there. False when nothing is left.
 */
static bool span_pages(const struct palloc *pa, uint64_t hpa, uint64_t len, bool outward,
		       uint64_t *first, uint64_t *end)
{
	uint64_t base_pfn = pa->base_hpa >> PAGE_SHIFT;
	uint64_t start_pfn, end_pfn;

	if (len == 0)
		return false;
	if (add_overflows_u64(hpa, len)) {
		end_pfn = MAX_PFN;
	} else {
		uint64_t end_hpa = hpa + len;

		end_pfn = (end_hpa >> PAGE_SHIFT) + (outward && !IS_ALIGNED(end_hpa, PAGE_SIZE));
	}
	start_pfn = (hpa >> PAGE_SHIFT) + (!outward && !IS_ALIGNED(hpa, PAGE_SIZE));

	start_pfn = MAX(start_pfn, base_pfn);
	end_pfn = MIN(end_pfn, base_pfn + pa->npages);
	if (start_pfn >= end_pfn)
		return false;
	*first = start_pfn - base_pfn;
	*end = end_pfn - base_pfn;
	return true;
}

void palloc_make_free(struct palloc *pa, uint64_t hpa, uint64_t len)
{
	uint64_t first, end;

	if (!span_pages(pa, hpa, len, false, &first, &end))
		return;
	update_bits(pa->reserved, first, end, false);
	pa->free_pages += update_bits(pa->bitmap, first, end, false);
}

void palloc_reserve(struct palloc *pa, uint64_t hpa, uint64_t len)
{
	uint64_t first, end;

	if (!span_pages(pa, hpa, len, true, &first, &end))
		return;
	update_bits(pa->reserved, first, end, true);
	pa->free_pages -= update_bits(pa->bitmap, first, end, true);
}

/* The first index >= i whose physical address is aligned to align pages (UINT64_MAX: none). */
static uint64_t align_index(const struct palloc *pa, uint64_t i, uint64_t align)
{
	uint64_t pfn = (pa->base_hpa >> PAGE_SHIFT) + i;

	if (pfn > UINT64_MAX - (align - 1))
		return UINT64_MAX;
	return ALIGN_UP(pfn, align) - (pa->base_hpa >> PAGE_SHIFT);
}

/* First fit in [from, end): returns the first page index of n free aligned pages, or end. */
static uint64_t search(const struct palloc *pa, uint64_t from, uint64_t end, uint64_t n,
		       uint64_t align)
{
	uint64_t i = from;

	for (;;) {
		i = align_index(pa, find_next(pa->bitmap, i, end, false), align);
		if (i >= end || end - i < n)
			return end;
		uint64_t used = find_next(pa->bitmap, i, i + n, true);
		if (used == i + n)
			return i;
		i = used + 1;
	}
}

int palloc_alloc(struct palloc *pa, uint64_t npages, uint64_t align_pages, uint64_t limit_hpa,
		 uint64_t *hpa)
{
	uint64_t end = pa->npages;
	uint64_t align = align_pages ? align_pages : 1;
	uint64_t i;

	if (npages == 0 || (align & (align - 1)))
		return -EINVAL;
	if (limit_hpa) {
		if (limit_hpa <= pa->base_hpa)
			return -ENOMEM;
		end = MIN(end, (limit_hpa - pa->base_hpa) >> PAGE_SHIFT);
	}
	if (npages > end || npages > pa->free_pages)
		return -ENOMEM;

	i = search(pa, MIN(pa->hint, end), end, npages, align);
	if (i == end && pa->hint)
		i = search(pa, 0, end, npages, align);
	if (i == end)
		return -ENOMEM;

	update_bits(pa->bitmap, i, i + npages, true);
	pa->free_pages -= npages;
	pa->hint = i + npages < pa->npages ? i + npages : 0;
	*hpa = pa->base_hpa + (i << PAGE_SHIFT);
	return 0;
}

int palloc_free(struct palloc *pa, uint64_t hpa, uint64_t npages)
{
	uint64_t i, end;

	if (!IS_ALIGNED(hpa, PAGE_SIZE) || hpa < pa->base_hpa || npages == 0)
		return -EINVAL;
	i = (hpa - pa->base_hpa) >> PAGE_SHIFT;
	if (i >= pa->npages || npages > pa->npages - i)
		return -EINVAL;
	end = i + npages;
	/* Every page must be allocated: in use, and not one the owner reserved. */
	if (find_next(pa->bitmap, i, end, false) != end ||
	    find_next(pa->reserved, i, end, true) != end)
		return -EINVAL;

	update_bits(pa->bitmap, i, end, false);
	pa->free_pages += npages;
	if (i < pa->hint)
		pa->hint = i;
	return 0;
}

bool palloc_is_free(const struct palloc *pa, uint64_t hpa)
{
	uint64_t i;

	if (hpa < pa->base_hpa)
		return false;
	i = (hpa - pa->base_hpa) >> PAGE_SHIFT;
	return i < pa->npages && !(pa->bitmap[i / 64] & BIT(i % 64));
}
