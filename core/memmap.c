// SPDX-License-Identifier: MIT
/*
 * Memory-map normalisation as a sweep over range boundaries: every non-empty input range gives
 * a start and an end event; the events are heap-sorted by address (no recursion, no allocation)
 * and swept while counting, per type, how many input ranges cover the current address. Between
 * two event addresses the covering type of highest rank is the output type.
 */
#include "core/memmap.h"
#include "core/compiler.h"
#include "core/errno.h"

/* The types an input range can count as; anything unknown counts as MEM_RESERVED. */
#define NTYPES 8

/* Events live in scratch as (input index << 1) | is_end. */
static size_t ev_index(uint64_t ev)
{
	return (size_t)(ev >> 1);
}

static bool ev_is_end(uint64_t ev)
{
	return ev & 1;
}

/* An address in [0, 2^64]: top means 2^64, the end of a range that reaches the last byte. */
struct pos {
	uint64_t addr;
	bool top;
};

static uint32_t effective_type(uint32_t type)
{
	switch (type) {
	case MEM_USABLE:
	case MEM_RESERVED:
	case MEM_ACPI_RECLAIM:
	case MEM_ACPI_NVS:
	case MEM_BAD:
	case MEM_PERSISTENT:
		return type;
	default:
		return MEM_RESERVED;
	}
}

static struct pos event_pos(const struct mem_range *in, uint64_t ev)
{
	const struct mem_range *r = &in[ev_index(ev)];

	if (!ev_is_end(ev))
		return (struct pos){ r->base, false };
	/* Clip at 2^64: a range that wraps ends at the top of the address space. */
	if (add_overflows_u64(r->base, r->len))
		return (struct pos){ 0, true };
	return (struct pos){ r->base + r->len, false };
}

static bool pos_less(struct pos a, struct pos b)
{
	if (a.top != b.top)
		return b.top;
	return a.addr < b.addr;
}

static bool pos_equal(struct pos a, struct pos b)
{
	return a.top == b.top && (a.top || a.addr == b.addr);
}

static void sift_down(const struct mem_range *in, uint64_t *ev, size_t root, size_t n)
{
	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n &&
		    pos_less(event_pos(in, ev[child]), event_pos(in, ev[child + 1])))
			child++;
		if (!pos_less(event_pos(in, ev[root]), event_pos(in, ev[child])))
			return;
		uint64_t t = ev[root];
		ev[root] = ev[child];
		ev[child] = t;
		root = child;
	}
}

static void sort_events(const struct mem_range *in, uint64_t *ev, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(in, ev, i, n);
	for (size_t end = n; end-- > 1;) {
		uint64_t t = ev[0];
		ev[0] = ev[end];
		ev[end] = t;
		sift_down(in, ev, 0, end);
	}
}

/* The most restrictive type with a non-zero cover count; 0 when nothing covers. */
static uint32_t winning_type(const size_t count[NTYPES])
{
	for (uint32_t t = NTYPES - 1; t > MEM_USABLE; t--) {
		if (count[t])
			return t;
	}
	return count[MEM_USABLE] ? MEM_USABLE : 0;
}

/* The output being built: the last range may still grow while the sweep goes on. */
struct out_state {
	struct mem_range *out;
	size_t cap, n;
	struct pos end; /* end of out[n - 1] */
};

static uint64_t len_to(uint64_t base, struct pos end)
{
	/* [0, 2^64) has no uint64_t length; it loses its last byte, which is never RAM. */
	if (end.top)
		return base ? 0 - base : UINT64_MAX;
	return end.addr - base;
}

static int out_append(struct out_state *o, struct pos start, struct pos end, uint32_t type)
{
	struct mem_range *last = o->n ? &o->out[o->n - 1] : NULL;

	if (last && last->type == type && pos_equal(o->end, start)) {
		last->len = len_to(last->base, end);
	} else {
		if (o->n == o->cap)
			return -ENOSPC;
		o->out[o->n++] = (struct mem_range){ .base = start.addr,
						     .len = len_to(start.addr, end),
						     .type = type };
	}
	o->end = end;
	return 0;
}

int memmap_normalize(const struct mem_range *in, size_t n_in, struct mem_range *out, size_t cap_out,
		     uint64_t *scratch)
{
	struct out_state o = { .out = out, .cap = cap_out };
	size_t count[NTYPES] = { 0 };
	size_t nev = 0;

	for (size_t i = 0; i < n_in; i++) {
		if (in[i].len == 0)
			continue;
		scratch[nev++] = (uint64_t)i << 1;
		scratch[nev++] = ((uint64_t)i << 1) | 1;
	}
	sort_events(in, scratch, nev);

	for (size_t i = 0; i < nev;) {
		struct pos here = event_pos(in, scratch[i]);

		/* Apply every event at this address before deciding what follows it. */
		for (; i < nev && pos_equal(event_pos(in, scratch[i]), here); i++) {
			uint32_t t = effective_type(in[ev_index(scratch[i])].type);

			if (ev_is_end(scratch[i]))
				count[t]--;
			else
				count[t]++;
		}
		uint32_t type = winning_type(count);

		if (type == 0 || i == nev)
			continue;
		int err = out_append(&o, here, event_pos(in, scratch[i]), type);
		if (err)
			return err;
	}
	return (int)o.n;
}

const char *mem_type_name(uint32_t type)
{
	switch (type) {
	case MEM_USABLE:
		return "usable";
	case MEM_RESERVED:
		return "reserved";
	case MEM_ACPI_RECLAIM:
		return "ACPI reclaimable";
	case MEM_ACPI_NVS:
		return "ACPI NVS";
	case MEM_BAD:
		return "bad";
	case MEM_PERSISTENT:
		return "persistent";
	default:
		return "unknown";
	}
}

uint64_t memmap_total(const struct mem_range *map, size_t n, uint32_t type)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++) {
		if (map[i].type != type)
			continue;
		/* Saturate: only an unnormalised map can add up past 2^64. */
		sum = add_overflows_u64(sum, map[i].len) ? UINT64_MAX : sum + map[i].len;
	}
	return sum;
}
