// SPDX-License-Identifier: MIT
#include "core/memory.h"
#include "arch/x86/paging.h"
#include "core/compiler.h"
#include "core/errno.h"
#include "core/heap.h"
#include "core/log.h"
#include "core/memmap.h"
#include "core/palloc.h"
#include "core/spinlock.h"
#include "core/string.h"

/* Normalising can split ranges; twice the input is the bound. */
#define MEM_MAP_CAP    (2 * BOOT_MAX_MEM_RANGES)
#define LOW_MEMORY_END (1 * MiB) /* real-mode area: firmware data, later the AP trampoline */
#define BOOT_MAP_END   (4 * GiB) /* what entry64's direct map covers */

static struct mem_range mem_map[MEM_MAP_CAP];
static uint64_t memmap_scratch[2 * BOOT_MAX_MEM_RANGES];
static size_t mem_map_len;
static struct palloc phys_pages;
static spinlock_t phys_pages_lock = SPINLOCK_INIT; /* every CPU allocates */
static uint64_t bitmap_hpa;
static struct heap kernel_heap;
/* Until paging_init maps all memory, pages must come from the boot direct map's 4 GiB. */
static uint64_t alloc_limit_hpa = BOOT_MAP_END;

struct reservation {
	uint64_t hpa, len;
};

/* What must never be handed out besides the non-usable map ranges. */
static struct reservation reservations[BOOT_MAX_MODULES + 2];
static size_t nreservations;

static void add_reservation(uint64_t hpa, uint64_t len)
{
	if (len && nreservations < ARRAY_SIZE(reservations))
		reservations[nreservations++] = (struct reservation){ hpa, len };
}

static bool overlaps_reservation(uint64_t hpa, uint64_t len, uint64_t *past_end)
{
	for (size_t i = 0; i < nreservations; i++) {
		const struct reservation *r = &reservations[i];

		if (hpa < r->hpa + r->len && r->hpa < hpa + len) {
			*past_end = r->hpa + r->len;
			return true;
		}
	}
	return false;
}

/* The bitmap needs a home before there is an allocator: the first usable stretch above 1 MiB
 * and below 4 GiB that no reservation touches. */
static int place_bitmap(uint64_t bytes, uint64_t *hpa)
{
	for (size_t i = 0; i < mem_map_len; i++) {
		const struct mem_range *r = &mem_map[i];
		uint64_t start = ALIGN_UP(MAX(r->base, LOW_MEMORY_END), PAGE_SIZE);
		uint64_t end = MIN(r->base + r->len, BOOT_MAP_END);
		uint64_t past;

		if (r->type != MEM_USABLE)
			continue;
		while (start + bytes <= end) {
			if (!overlaps_reservation(start, bytes, &past)) {
				*hpa = start;
				return 0;
			}
			start = ALIGN_UP(past, PAGE_SIZE);
		}
	}
	return -ENOMEM;
}

int memory_init(const struct boot_info *bi)
{
	uint64_t lo = UINT64_MAX, hi = 0, npages, bitmap_bytes;
	int n, err;

	n = memmap_normalize(bi->mem, bi->nmem, mem_map, ARRAY_SIZE(mem_map), memmap_scratch);
	if (n < 0) {
		pr_err("memory: the firmware memory map has too many ranges (%u)\n", bi->nmem);
		return n;
	}
	mem_map_len = (size_t)n;
	for (size_t i = 0; i < mem_map_len; i++) {
		if (mem_map[i].type != MEM_USABLE)
			continue;
		lo = MIN(lo, mem_map[i].base);
		hi = MAX(hi, mem_map[i].base + mem_map[i].len);
	}
	if (hi <= lo) {
		pr_err("memory: the memory map lists no usable memory\n");
		return -ENOMEM;
	}
	lo = ALIGN_DOWN(lo, PAGE_SIZE);
	hi = ALIGN_DOWN(hi, PAGE_SIZE);
	npages = (hi - lo) / PAGE_SIZE;
	bitmap_bytes = ALIGN_UP(PALLOC_BITMAP_BYTES(npages), PAGE_SIZE);

	add_reservation(bi->image_hpa, bi->image_len);
	for (uint32_t i = 0; i < bi->nmodules; i++)
		add_reservation(
			ALIGN_DOWN(bi->modules[i].hpa, PAGE_SIZE),
			ALIGN_UP(bi->modules[i].len + (bi->modules[i].hpa & (PAGE_SIZE - 1)),
				 PAGE_SIZE));
	if (place_bitmap(bitmap_bytes, &bitmap_hpa)) {
		pr_err("memory: no room below 4 GiB for the page bitmap (%llu KiB)\n",
		       (unsigned long long)(bitmap_bytes / KiB));
		return -ENOMEM;
	}
	add_reservation(bitmap_hpa, bitmap_bytes);

	err = palloc_init(&phys_pages, phys_to_virt(bitmap_hpa), bitmap_bytes, lo, npages);
	if (err) {
		pr_err("memory: cannot set up the page allocator (%s)\n", errno_name(err));
		return err;
	}
	for (size_t i = 0; i < mem_map_len; i++)
		if (mem_map[i].type == MEM_USABLE)
			palloc_make_free(&phys_pages, mem_map[i].base, mem_map[i].len);
	palloc_reserve(&phys_pages, 0, LOW_MEMORY_END);
	for (size_t i = 0; i < nreservations; i++)
		palloc_reserve(&phys_pages, reservations[i].hpa, reservations[i].len);
	return 0;
}

static void *heap_pages_alloc(void *ctx, size_t npages)
{
	uint64_t hpa;

	return page_alloc(npages, &hpa) ? NULL : phys_to_virt(hpa);
}

static void heap_pages_free(void *ctx, void *va, size_t npages)
{
	page_free(virt_to_phys(va), npages);
}

void memory_init_late(void)
{
	static const struct heap_page_source src = {
		.alloc_pages = heap_pages_alloc,
		.free_pages = heap_pages_free,
	};

	alloc_limit_hpa = 0;
	heap_init(&kernel_heap, &src);
	kheap_set(&kernel_heap);
}

/* Reserved ranges (device MMIO, possibly far up) do not count: a firmware map that lists one
 * at 2^46 must not make plinth build page tables for 64 TiB. Devices are mapped when used. */
uint64_t memory_phys_top(void)
{
	uint64_t top = 0;

	for (size_t i = 0; i < mem_map_len; i++) {
		const struct mem_range *r = &mem_map[i];

		if (r->type == MEM_USABLE || r->type == MEM_ACPI_RECLAIM ||
		    r->type == MEM_ACPI_NVS || r->type == MEM_PERSISTENT)
			top = MAX(top, r->base + r->len);
	}
	return top;
}

int page_alloc_aligned(uint64_t npages, uint64_t align_pages, uint64_t *hpa)
{
	int err;

	spin_lock(&phys_pages_lock);
	err = palloc_alloc(&phys_pages, npages, align_pages, alloc_limit_hpa, hpa);
	spin_unlock(&phys_pages_lock);
	if (!err)
		memset(phys_to_virt(*hpa), 0, npages * PAGE_SIZE);
	return err;
}

int page_alloc(uint64_t npages, uint64_t *hpa)
{
	return page_alloc_aligned(npages, 1, hpa);
}

int page_free(uint64_t hpa, uint64_t npages)
{
	int err;

	spin_lock(&phys_pages_lock);
	err = palloc_free(&phys_pages, hpa, npages);
	spin_unlock(&phys_pages_lock);
	return err;
}

uint64_t pages_free(void)
{
	return phys_pages.free_pages;
}

#define LOW_PAGES_START 0x1000ull /* past the real-mode IVT and BIOS data area */
#define LOW_PAGES_END	0x9f000ull /* below the smallest EBDA */

int memory_low_pages(uint64_t npages, uint64_t *hpa)
{
	uint64_t bytes = npages * PAGE_SIZE, past;

	/* The highest fit: firmware and loaders crowd the bottom of low memory. */
	for (size_t i = mem_map_len; i-- > 0;) {
		const struct mem_range *r = &mem_map[i];
		uint64_t start = ALIGN_UP(MAX(r->base, LOW_PAGES_START), PAGE_SIZE);
		uint64_t end = ALIGN_DOWN(MIN(r->base + r->len, LOW_PAGES_END), PAGE_SIZE);

		if (r->type != MEM_USABLE || end < start + bytes)
			continue;
		for (uint64_t at = end - bytes;; at -= PAGE_SIZE) {
			if (!overlaps_reservation(at, bytes, &past)) {
				*hpa = at;
				return 0;
			}
			if (at < start + PAGE_SIZE)
				break;
		}
	}
	return -ENOMEM;
}

void memory_print_map(void)
{
	for (size_t i = 0; i < mem_map_len; i++) {
		const struct mem_range *r = &mem_map[i];

		pr_debug("  %016llx-%016llx %s\n", (unsigned long long)r->base,
			 (unsigned long long)(r->base + r->len - 1), mem_type_name(r->type));
	}
	pr_info("memory: %llu MiB usable, %llu MiB free after plinth's own, in %zu map ranges\n",
		(unsigned long long)(memmap_total(mem_map, mem_map_len, MEM_USABLE) / MiB),
		(unsigned long long)(phys_pages.free_pages * PAGE_SIZE / MiB), mem_map_len);
}
