// SPDX-License-Identifier: MIT
/*
 * memmap_normalize on arbitrary ranges, checking what the core relies on: the output is sorted,
 * disjoint and non-empty, and every usable output byte was usable in the input and covered by
 * no other kind of input range.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/memmap.h"

#define RECORD_LEN 17 /* base, len, type */
#define MAX_IN	   512

/* Inclusive interval [first, last]: it can hold a range that ends at 2^64. */
struct ival {
	uint64_t first, last;
};

static bool known_type(uint32_t t)
{
	return t == MEM_USABLE || t == MEM_RESERVED || t == MEM_ACPI_RECLAIM || t == MEM_ACPI_NVS ||
	       t == MEM_BAD || t == MEM_PERSISTENT;
}

static struct ival to_ival(const struct mem_range *r)
{
	uint64_t end = r->base + r->len;

	return (struct ival){ r->base, end < r->base || end == 0 ? UINT64_MAX : end - 1 };
}

static bool intersects(struct ival a, struct ival b)
{
	return a.first <= b.last && b.first <= a.last;
}

static int by_first(const void *a, const void *b)
{
	const struct ival *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/* Is [want.first, want.last] wholly covered by the usable input ranges? */
static bool covered_by_usable(const struct mem_range *in, size_t n, struct ival want,
			      struct ival *pieces)
{
	size_t np = 0;
	uint64_t next = want.first;

	for (size_t i = 0; i < n; i++) {
		if (in[i].len && in[i].type == MEM_USABLE && intersects(to_ival(&in[i]), want))
			pieces[np++] = to_ival(&in[i]);
	}
	qsort(pieces, np, sizeof(pieces[0]), by_first);
	for (size_t i = 0; i < np; i++) {
		if (pieces[i].first > next)
			return false;
		if (pieces[i].last >= want.last)
			return true;
		if (pieces[i].last >= next)
			next = pieces[i].last + 1;
	}
	return false;
}

static void check(const struct mem_range *in, size_t n, const struct mem_range *out, int nout)
{
	static struct ival pieces[MAX_IN];

	for (int k = 0; k < nout; k++) {
		const struct mem_range *r = &out[k];
		struct ival iv = to_ival(r);

		if (r->len == 0 || !known_type(r->type))
			abort();
		/* The sum may wrap only to exactly 2^64, the end of the last range. */
		if (r->base + r->len < r->base && (r->base + r->len != 0 || k != nout - 1))
			abort();
		if (k > 0 && to_ival(&out[k - 1]).last >= r->base)
			abort(); /* unsorted or overlapping */
		if (k > 0 && out[k - 1].base + out[k - 1].len == r->base &&
		    out[k - 1].type == r->type)
			abort(); /* not merged */
		if (r->type != MEM_USABLE)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (in[i].len && in[i].type != MEM_USABLE &&
			    intersects(to_ival(&in[i]), iv))
				abort();
		}
		if (!covered_by_usable(in, n, iv, pieces))
			abort();
	}
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mem_range in[MAX_IN], out[2 * MAX_IN];
	static uint64_t scratch[2 * MAX_IN];
	size_t n = 0;
	int nout;

	for (; n < MAX_IN && (n + 1) * RECORD_LEN <= size; n++) {
		const uint8_t *rec = data + n * RECORD_LEN;
		uint8_t t = rec[16];

		in[n] = (struct mem_range){ .base = get64(rec),
					    .len = get64(rec + 8),
					    .type = t & 7 };
		/* The high bit folds the range into the first MiB, where overlaps are common. */
		if (t & 0x80) {
			in[n].base %= 0x100000;
			in[n].len %= 0x40000;
		}
		if (t & 0x40)
			in[n].type = t; /* an unknown type */
	}
	nout = memmap_normalize(in, n, out, 2 * MAX_IN, scratch);
	if (nout < 0)
		abort(); /* 2n + 1 ranges always fit */
	check(in, n, out, nout);
	return 0;
}
