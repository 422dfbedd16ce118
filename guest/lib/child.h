/* SPDX-License-Identifier: MIT */
/*
 * What a 64-bit control guest needs to start a child in long mode (docs/hypercalls.md): an
 * identity map of the child's first GiB in 2 MiB pages, and flat 64-bit segments as plinth sets
 * them up for its own flat64 guests. For control guests only (guest/lib/control.h).
 */
#ifndef GUEST_LIB_CHILD_H
#define GUEST_LIB_CHILD_H

#include <stdint.h>
#include "plinth/kvm.h"

/* Three pages: PML4, PDPT, page directory, in that order at consecutive GPAs. */
struct child_page_tables {
	uint64_t pml4[512], pdpt[512], pd[512];
} __attribute__((aligned(4096)));

/* Fills t for a child that places it at pml4_gpa. */
void child_identity_map(struct child_page_tables *t, uint64_t pml4_gpa);

/* Long mode, flat 64-bit code 0x08 and data 0x10, paging through cr3. Fields not set here
 * (the descriptor tables, CR2, CR8, APIC base) keep what s held. */
void child_flat64_sregs(struct plinth_kvm_sregs *s, uint64_t cr3);

/*
 * A new child VM with one slot of ram_bytes at GPA 0, the identity map at pml4_gpa and the
 * code [code, end) copied to load_gpa; its handle, or a negated errno.
 */
long child_vm_create(uint64_t ram_bytes, uint64_t pml4_gpa, const void *code, const void *end,
		     uint64_t load_gpa);

/* Puts vcpu in long mode at rip (child_flat64_sregs) through GET/SET_SREGS and SET_REGS, with
 * RFLAGS 2 and every other GPR 0 but those in *regs (may be NULL). */
long child_vcpu_start(long vcpu, uint64_t cr3, uint64_t rip, const struct plinth_kvm_regs *regs);

#endif
