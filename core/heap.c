// SPDX-License-Identifier: MIT
/*
 * Size-class heap. Every object, small or large, is preceded by a 16-byte header holding a
 * magic, its class and the size asked for: heap_free finds the class there, counts the bytes
 * exactly, and catches a double free or a foreign pointer by the magic. Small objects are slots
 * carved from whole pages and kept on a free list per class once freed (their pages are never
 * given back); large ones are whole pages from the page source, returned on free.
 * Not thread-safe: callers serialise.
 */
#include "core/heap.h"
#include "core/compiler.h"
#include "core/errno.h"
#include "core/spinlock.h"
#include "core/string.h"

#define HEAP_MIN_SHIFT 4 /* smallest class: 16 bytes */
#define HEAP_MAX_SMALL (16u << (HEAP_NCLASSES - 1))
#define CLASS_LARGE    0xffff
#define MAGIC_LIVE     0x70486541u /* "AeHp" */
#define MAGIC_FREE     0x66526545u /* "EeRf" */

struct obj_header {
	uint32_t magic;
	uint16_t cls; /* size class, or CLASS_LARGE */
	uint16_t reserved;
	uint64_t size; /* bytes asked for */
};
STATIC_ASSERT(sizeof(struct obj_header) == 16);

/* A free slot links to the next one through its (unused) payload. */
struct free_slot {
	struct obj_header hdr;
	struct free_slot *next;
};

static size_t class_size(unsigned int cls)
{
	return (size_t)1 << (cls + HEAP_MIN_SHIFT);
}

static size_t slot_size(unsigned int cls)
{
	return sizeof(struct obj_header) + class_size(cls);
}

static unsigned int class_of(size_t size)
{
	unsigned int cls = 0;

	while (class_size(cls) < size)
		cls++;
	return cls;
}

static size_t large_pages(uint64_t size)
{
	return (sizeof(struct obj_header) + size + PAGE_SIZE - 1) / PAGE_SIZE;
}

void heap_init(struct heap *h, const struct heap_page_source *src)
{
	memset(h, 0, sizeof(*h));
	h->src = *src;
}

/* Carves a fresh page into free slots of class cls. */
static int refill(struct heap *h, unsigned int cls)
{
	char *page = h->src.alloc_pages(h->src.ctx, 1);
	size_t slot = slot_size(cls);

	if (!page)
		return -ENOMEM;
	h->pages_held++;
	/* Push in reverse so that the list hands slots out in address order. */
	for (size_t n = PAGE_SIZE / slot; n-- > 0;) {
		struct free_slot *s = (struct free_slot *)(page + n * slot);

		s->hdr = (struct obj_header){ .magic = MAGIC_FREE, .cls = cls };
		s->next = h->free_list[cls];
		h->free_list[cls] = s;
	}
	return 0;
}

static struct obj_header *alloc_small(struct heap *h, size_t size)
{
	unsigned int cls = class_of(size);
	struct free_slot *s;

	if (!h->free_list[cls] && refill(h, cls))
		return NULL;
	s = h->free_list[cls];
	if (s->hdr.magic != MAGIC_FREE || s->hdr.cls != cls)
		return NULL; /* the free list was overwritten: refuse rather than spread it */
	h->free_list[cls] = s->next;
	memset(s, 0, slot_size(cls));
	s->hdr.cls = cls;
	return &s->hdr;
}

static struct obj_header *alloc_large(struct heap *h, size_t size)
{
	struct obj_header *hdr;

	if (size > SIZE_MAX - sizeof(*hdr) - PAGE_SIZE)
		return NULL;
	hdr = h->src.alloc_pages(h->src.ctx, large_pages(size));
	if (!hdr)
		return NULL;
	h->pages_held += large_pages(size);
	hdr->cls = CLASS_LARGE;
	return hdr;
}

void *heap_alloc(struct heap *h, size_t size)
{
	struct obj_header *hdr;

	if (size == 0)
		return NULL;
	hdr = size <= HEAP_MAX_SMALL ? alloc_small(h, size) : alloc_large(h, size);
	if (!hdr)
		return NULL;
	hdr->magic = MAGIC_LIVE;
	hdr->size = size;
	h->live_allocations++;
	h->bytes_in_use += size;
	return hdr + 1;
}

/* Is hdr, a live header, where heap_alloc could have put one of its class? */
static bool header_placed_right(const struct obj_header *hdr)
{
	uintptr_t off = (uintptr_t)hdr % PAGE_SIZE;

	if (hdr->cls == CLASS_LARGE)
		return off == 0 && hdr->size > HEAP_MAX_SMALL;
	if (hdr->cls >= HEAP_NCLASSES || hdr->size > class_size(hdr->cls))
		return false;
	return off % slot_size(hdr->cls) == 0 &&
	       off / slot_size(hdr->cls) < PAGE_SIZE / slot_size(hdr->cls);
}

int heap_free(struct heap *h, void *p)
{
	struct obj_header *hdr;

	if (!p)
		return 0;
	/* Every payload sits 16 bytes into a slot or a page, so it is never page aligned; checking
	 * that first keeps us from reading the header of a page that may not be mapped. */
	if ((uintptr_t)p % 16 || (uintptr_t)p % PAGE_SIZE == 0)
		return -EINVAL;
	hdr = (struct obj_header *)p - 1;
	if (hdr->magic != MAGIC_LIVE || !header_placed_right(hdr))
		return -EINVAL;

	h->live_allocations--;
	h->bytes_in_use -= hdr->size;
	if (hdr->cls == CLASS_LARGE) {
		size_t npages = large_pages(hdr->size);

		hdr->magic = 0;
		h->pages_held -= npages;
		h->src.free_pages(h->src.ctx, hdr, npages);
		return 0;
	}

	struct free_slot *s = (struct free_slot *)hdr;

	s->hdr.magic = MAGIC_FREE;
	s->next = h->free_list[hdr->cls];
	h->free_list[hdr->cls] = s;
	return 0;
}

static struct heap *kheap;
static spinlock_t kheap_lock = SPINLOCK_INIT; /* every CPU allocates */

void kheap_set(struct heap *h)
{
	kheap = h;
}

void *kmalloc(size_t size)
{
	void *p;

	if (!kheap)
		return NULL;
	spin_lock(&kheap_lock);
	p = heap_alloc(kheap, size);
	spin_unlock(&kheap_lock);
	return p;
}

void kfree(void *p)
{
	/* A bad pointer is plinth's own bug; heap_free has refused it and changed nothing. */
	if (!kheap)
		return;
	spin_lock(&kheap_lock);
	heap_free(kheap, p);
	spin_unlock(&kheap_lock);
}
