// SPDX-License-Identifier: MIT
#ifdef __x86_64__
#include "lib/child.h"
#include "lib/control.h"

#define PTE_P_RW 0x3
#define PDE_2M	 0x83 /* present, writable, 2 MiB page */

void child_identity_map(struct child_page_tables *t, uint64_t pml4_gpa)
{
	for (unsigned int i = 0; i < 512; i++) {
		t->pml4[i] = 0;
		t->pdpt[i] = 0;
		t->pd[i] = ((uint64_t)i << 21) | PDE_2M;
	}
	t->pml4[0] = (pml4_gpa + 0x1000) | PTE_P_RW;
	t->pdpt[0] = (pml4_gpa + 0x2000) | PTE_P_RW;
}

void child_flat64_sregs(struct plinth_kvm_sregs *s, uint64_t cr3)
{
	/* 4 GiB, present, code or data (S), page granular; code is 64-bit, data 32-bit. */
	struct plinth_kvm_segment seg = { .limit = 0xffffffff, .present = 1, .s = 1, .g = 1 };
	struct plinth_kvm_segment code = seg, data = seg;

	code.selector = 0x08;
	code.type = 11; /* execute/read, accessed */
	code.l = 1;
	data.selector = 0x10;
	data.type = 3; /* read/write, accessed */
	data.db = 1;
	s->cs = code;
	s->ds = s->es = s->fs = s->gs = s->ss = data;
	s->tr = (struct plinth_kvm_segment){ .limit = 0xffff, .type = 11, .present = 1 };
	s->ldt = (struct plinth_kvm_segment){ .type = 2, .unusable = 1 };
	s->cr0 = 0x80050033; /* PG AM WP NE ET MP PE */
	s->cr3 = cr3;
	s->cr4 = 0x20; /* PAE */
	s->efer = 0x500; /* LMA LME */
}

long child_vm_create(uint64_t ram_bytes, uint64_t pml4_gpa, const void *code, const void *end,
		     uint64_t load_gpa)
{
	static struct child_page_tables tables;
	long vm = plinth_create_vm();
	long err;

	if (vm < 0)
		return vm;
	child_identity_map(&tables, pml4_gpa);
	err = plinth_set_memory_region(vm, 0, 0, ram_bytes);
	if (!err)
		err = plinth_write_guest_memory(vm, pml4_gpa, &tables, sizeof(tables));
	if (!err)
		err = plinth_write_guest_memory(vm, load_gpa, code,
						(uint64_t)((const char *)end - (const char *)code));
	if (err) {
		plinth_destroy_vm(vm);
		return err;
	}
	return vm;
}

long child_vcpu_start(long vcpu, uint64_t cr3, uint64_t rip, const struct plinth_kvm_regs *regs)
{
	struct plinth_kvm_regs r = { 0 };
	struct plinth_kvm_sregs s;
	long err = plinth_vcpu_state(PLINTH_HC_GET_SREGS, vcpu, &s);

	if (err)
		return err;
	child_flat64_sregs(&s, cr3);
	err = plinth_vcpu_state(PLINTH_HC_SET_SREGS, vcpu, &s);
	if (err)
		return err;
	if (regs)
		r = *regs;
	r.rip = rip;
	r.rflags = 2;
	return plinth_vcpu_state(PLINTH_HC_SET_REGS, vcpu, &r);
}
#endif
