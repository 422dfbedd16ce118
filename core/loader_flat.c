// SPDX-License-Identifier: MIT
/*
 * Flat binaries: the image is copied as it is to the configured load address and started at the
 * configured entry in real, protected or long mode. For long mode the loader builds identity
 * page tables at the top of low RAM, where a small image loaded low does not reach.
 */
#include "core/compiler.h"
#include "core/errno.h"
#include "core/loader_internal.h"

#define PTE_P	   BIT(0)
#define PTE_RW	   BIT(1)
#define PTE_PS	   BIT(7) /* a PDE maps a 2 MiB page (SDM Vol. 3A, 4.5) */
#define PT_ENTRIES 512
#define PD_SPAN	   (2 * MiB)
#define PDPT_SPAN  GiB
#define PML4_SPAN  (512 * GiB)

struct page_tables {
	uint64_t pml4_gpa, pdpt_gpa, pd_gpa, end_gpa;
	uint64_t n_pdpt, n_pd;
};

/* Identity-maps [0, 4 GiB) and every byte of RAM above it: four levels, 2 MiB pages, at the top
 * of low RAM. False when low RAM cannot hold them. */
static bool page_tables_layout(const struct guest_mem *gm, struct page_tables *pt)
{
	uint64_t map_end = MAX(4 * GiB, guest_mem_end(gm));
	uint64_t bytes;

	pt->n_pd = (map_end + PDPT_SPAN - 1) / PDPT_SPAN;
	pt->n_pdpt = (map_end + PML4_SPAN - 1) / PML4_SPAN;
	bytes = (1 + pt->n_pdpt + pt->n_pd) * PAGE_SIZE;
	pt->end_gpa = guest_mem_low_end(gm);
	if (bytes > pt->end_gpa)
		return false;
	pt->pml4_gpa = pt->end_gpa - bytes;
	pt->pdpt_gpa = pt->pml4_gpa + PAGE_SIZE;
	pt->pd_gpa = pt->pdpt_gpa + pt->n_pdpt * PAGE_SIZE;
	return true;
}

/* entries[i] = first + i * step | flags for i < n, written in batches. */
static int write_entries(struct guest_mem *gm, uint64_t gpa, uint64_t n, uint64_t first,
			 uint64_t step, uint64_t flags)
{
	uint64_t batch[64];

	for (uint64_t i = 0; i < n;) {
		uint64_t k = MIN(n - i, (uint64_t)ARRAY_SIZE(batch));

		for (uint64_t j = 0; j < k; j++)
			batch[j] = (first + (i + j) * step) | flags;
		if (guest_mem_write(gm, gpa + i * sizeof(batch[0]), batch, k * sizeof(batch[0])))
			return -EFAULT;
		i += k;
	}
	return 0;
}

static int build_page_tables(struct loader *ld, uint64_t image_end_gpa)
{
	struct page_tables pt;
	uint64_t bytes;

	if (!page_tables_layout(ld->gm, &pt))
		return loader_fail(ld, -ENOMEM, "flat image: no room for 64-bit page tables in %s",
				   LOADER_RAM(ld));
	bytes = pt.end_gpa - pt.pml4_gpa;
	if (image_end_gpa > pt.pml4_gpa && ld->gc->load_gpa < pt.end_gpa)
		return loader_fail(ld, -ENOMEM,
				   "flat image: the 64-bit page tables [0x%llx, 0x%llx) at the top "
				   "of low RAM overlap the image [0x%llx, 0x%llx)",
				   ull(pt.pml4_gpa), ull(pt.end_gpa), ull(ld->gc->load_gpa),
				   ull(image_end_gpa));
	if (guest_mem_zero(ld->gm, pt.pml4_gpa, bytes) ||
	    write_entries(ld->gm, pt.pml4_gpa, pt.n_pdpt, pt.pdpt_gpa, PAGE_SIZE, PTE_P | PTE_RW) ||
	    write_entries(ld->gm, pt.pdpt_gpa, pt.n_pd, pt.pd_gpa, PAGE_SIZE, PTE_P | PTE_RW) ||
	    write_entries(ld->gm, pt.pd_gpa, pt.n_pd * PT_ENTRIES, 0, PD_SPAN,
			  PTE_P | PTE_RW | PTE_PS))
		return loader_fail(ld, -EFAULT,
				   "flat image: page tables: copy into guest RAM failed");
	ld->out->cr3 = pt.pml4_gpa;
	return 0;
}

static int check_entry(struct loader *ld, uint64_t entry_gpa, unsigned int mode_bits)
{
	if (!guest_mem_is_ram(ld->gm, entry_gpa, 1))
		return loader_fail(ld, -EINVAL,
				   "flat image: entry 0x%llx is outside guest RAM (%s)",
				   ull(entry_gpa), LOADER_RAM(ld));
	if (mode_bits == 16 && entry_gpa >= MiB)
		return loader_fail(ld, -EINVAL,
				   "flat image: entry 0x%llx is not below 1 MiB, out of reach in "
				   "mode 16 (real mode)",
				   ull(entry_gpa));
	if (mode_bits == 32 && entry_gpa >= 4 * GiB)
		return loader_fail(ld, -EINVAL,
				   "flat image: entry 0x%llx is not below 4 GiB, out of reach in "
				   "mode 32",
				   ull(entry_gpa));
	return 0;
}

int loader_flat(struct loader *ld)
{
	const struct guest_config *gc = ld->gc;
	uint64_t entry_gpa = gc->entry_set ? gc->entry_gpa : gc->load_gpa;
	unsigned int mode_bits = gc->mode_bits;
	int rc;

	if (ld->nmods)
		return loader_fail(
			ld, -EINVAL,
			"flat image: %u modules given, but a flat image has no way to find "
			"them (use format multiboot or multiboot2)",
			ld->nmods);
	if (mode_bits != 16 && mode_bits != 32 && mode_bits != 64)
		return loader_fail(ld, -EINVAL, "flat image: mode %u is not 16, 32 or 64",
				   mode_bits);
	if (ld->len == 0)
		return loader_fail(ld, -ENOEXEC, "flat image: the image is empty");
	if (!guest_mem_is_ram(ld->gm, gc->load_gpa, 1))
		return loader_fail(ld, -EINVAL, "flat image: load 0x%llx is outside guest RAM (%s)",
				   ull(gc->load_gpa), LOADER_RAM(ld));
	if (add_overflows_u64(gc->load_gpa, ld->len) ||
	    !guest_mem_is_ram(ld->gm, gc->load_gpa, ld->len))
		return loader_fail(ld, -ENOMEM,
				   "flat image: load 0x%llx + %zu bytes ends past guest RAM (%s)",
				   ull(gc->load_gpa), ld->len, LOADER_RAM(ld));
	rc = check_entry(ld, entry_gpa, mode_bits);
	if (!rc && mode_bits == 64)
		rc = build_page_tables(ld, gc->load_gpa + ld->len);
	if (rc)
		return rc;
	if (guest_mem_write(ld->gm, gc->load_gpa, ld->image, ld->len))
		return loader_fail(ld, -EFAULT, "flat image: copy into guest RAM failed");
	ld->out->mode_bits = mode_bits;
	ld->out->rip = entry_gpa;
	return 0;
}
