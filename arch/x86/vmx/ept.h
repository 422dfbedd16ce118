/* SPDX-License-Identifier: MIT */
/*
 * A VM's extended page tables: 4-level, write-back, mapping the guest's RAM slots and nothing
 * else (2 MiB pages for whole chunks whose GPA and HPA are both 2 MiB aligned, 4 KiB pages
 * elsewhere). Every GPA that is not RAM is left unmapped, so that an access to it exits with an
 * EPT violation.
 */
#ifndef PLINTH_ARCH_X86_VMX_EPT_H
#define PLINTH_ARCH_X86_VMX_EPT_H

#include <stdbool.h>
#include <stdint.h>
#include "core/guest_mem.h"

/* EPT entry bits (SDM 29.3.2) */
#define EPT_READ       BIT(0)
#define EPT_WRITE      BIT(1)
#define EPT_EXEC       BIT(2)
#define EPT_RWX	       (EPT_READ | EPT_WRITE | EPT_EXEC)
#define EPT_MEMTYPE_WB (6ull << 3)
#define EPT_LARGE      BIT(7)
#define EPT_ADDR_MASK  0x000ffffffffff000ull
/* EPTP (SDM 25.6.11) */
#define EPTP_MEMTYPE_WB	  6ull
#define EPTP_WALK_LENGTH4 (3ull << 3)

struct ept {
	uint64_t pml4_hpa;
	uint64_t eptp;
	uint64_t table_pages; /* for the statistics line */
	uint64_t invept_type; /* INVEPT_SINGLE_CONTEXT or INVEPT_ALL_CONTEXT */
};

/* Builds the tables for gm's RAM, with 2 MiB pages where possible when large_pages (the CPU
 * supports them). 0, or -ENOMEM (everything allocated is freed again). */
int ept_build(struct ept *ept, const struct guest_mem *gm, bool large_pages);
/* Maps one slot into built tables (a slot added to a VM, or ept_build's), where nothing is
 * mapped yet. 0, or -ENOMEM with the leaves it set cleared again. Mapping only adds
 * translations, so it needs no INVEPT, but clearing them after a failure does if a vCPU of the
 * VM ran meanwhile. */
int ept_map_slot(struct ept *ept, const struct guest_mem_slot *s, bool large_pages);
/* Clears the leaves (4 KiB or 2 MiB) that map the slot's range, as ept_map_slot set them. The
 * tables that this empties stay until ept_destroy (a slot mapped there later reuses them), so
 * nothing is freed. The CPU may still hold the old translations: the caller must INVEPT
 * (vmx_invept(ept->invept_type, ept->eptp)) before the slot's RAM is freed or reused. */
void ept_unmap_slot(struct ept *ept, const struct guest_mem_slot *s);
/* Frees the tables and flushes every cached translation made through them (INVEPT), so that
 * the pages can be given to the next VM. */
void ept_destroy(struct ept *ept);

#endif
