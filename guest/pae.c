// SPDX-License-Identifier: MIT
/*
 * PAE paging (flat, 32-bit): the guest builds a PDPT and page directories of 2 MiB pages in its
 * own RAM, turns on CR4.PAE and CR0.PG, and checks that the four PDPTEs behave as the CPU's
 * registers they are: loaded by MOV to CR0 and MOV to CR4 (which plinth emulates, so it must
 * load them into the VMCS) and by MOV to CR3 (which the CPU performs itself), and kept across
 * VM exits when only memory changes. Linear 0-8 MiB is identity-mapped through PDPTE 0; linear
 * 1 GiB (PDPTE 1) is an alias of physical 4 MiB or 6 MiB, depending on which page directory
 * PDPTE 1 names. The config gives it 8 MiB (tests/boot/configs/guests-pae.cfg).
 */
#include <stdint.h>
#include "lib/check.h"
#include "lib/cpu.h"
#include "lib/entry.h"
#include "lib/printf.h"
#include "lib/trap.h"

#define BIT32(n) (1u << (n))
#define CR0_PG	 BIT32(31)
#define CR4_PSE	 BIT32(4)
#define CR4_PAE	 BIT32(5)

#define PTE_P	BIT32(0)
#define PTE_RW	BIT32(1)
#define PTE_PS	BIT32(7) /* a 2 MiB page in a PAE page directory */
#define PAGE_2M (2u << 20)

#define RAM_BYTES (8u << 20)
#define DATA_A_PA 0x400000u /* what the alias maps through page directory pd_a */
#define DATA_B_PA 0x600000u /* and through pd_b */
#define ALIAS_LA  0x40000000u /* PDPTE 1 */
#define ABSENT_LA 0x80000000u /* PDPTE 2, not present */
#define PATTERN_A 0xa1a2a3a4u
#define PATTERN_B 0xb1b2b3b4u
#define NO_FAULT  0xffffffffu

/* The PDPT is 32-byte aligned (CR3 bits 31:5); the directories are pages. */
static volatile uint64_t pdpt[4] __attribute__((aligned(32)));
static uint64_t pd_identity[512] __attribute__((aligned(4096)));
static uint64_t pd_a[512] __attribute__((aligned(4096)));
static uint64_t pd_b[512] __attribute__((aligned(4096)));

volatile uintptr_t pae_resume_ip;
static volatile uint32_t fault_vector = NO_FAULT, fault_error, fault_cr2;

static uint32_t peek(uint32_t addr)
{
	return *(volatile uint32_t *)addr;
}

static void poke(uint32_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

static uint64_t pdpte(const uint64_t *pd)
{
	return (uint32_t)(uintptr_t)pd | PTE_P;
}

static void on_page_fault(struct trap_frame *f)
{
	fault_vector = (uint32_t)f->vector;
	fault_error = (uint32_t)f->error_code;
	fault_cr2 = read_cr2();
	f->ip = pae_resume_ip;
}

/* Reads la: fault_vector says what it raised, NO_FAULT for nothing. */
static void try_read(uint32_t la)
{
	uint32_t v = 0;

	fault_vector = NO_FAULT;
	__asm__ volatile("movl $1f, pae_resume_ip\n\t"
			 "movl (%1), %0\n"
			 "1:"
			 : "+r"(v)
			 : "r"(la)
			 : "memory");
}

static void build_tables(void)
{
	for (uint32_t i = 0; i < RAM_BYTES / PAGE_2M; i++)
		pd_identity[i] = (uint64_t)(i * PAGE_2M) | PTE_P | PTE_RW | PTE_PS;
	pd_a[0] = DATA_A_PA | PTE_P | PTE_RW | PTE_PS;
	pd_b[0] = DATA_B_PA | PTE_P | PTE_RW | PTE_PS;
	pdpt[0] = pdpte(pd_identity);
	pdpt[1] = pdpte(pd_a);
	pdpt[2] = 0;
	pdpt[3] = 0;
}

static void check_alias(struct checks *c)
{
	uint32_t v = peek(ALIAS_LA), w, r;

	check(c, 2, v == PATTERN_A,
	      "linear 0x%x (PDPTE 1) reads 0x%x, the word at physical 0x%x (0x%x)", ALIAS_LA, v,
	      DATA_A_PA, PATTERN_A);
	poke(ALIAS_LA + 4, 0x12345678);
	w = peek(DATA_A_PA + 4);
	poke(DATA_A_PA + 8, 0x9abcdef0);
	r = peek(ALIAS_LA + 8);
	check(c, 3, w == 0x12345678 && r == 0x9abcdef0,
	      "a write through the alias is seen at 0x%x (0x%x), one there through the alias "
	      "(0x%x)",
	      DATA_A_PA, w, r);
	try_read(ABSENT_LA);
	check(c, 4, fault_vector == TRAP_PF && fault_cr2 == ABSENT_LA && fault_error == 0,
	      "linear 0x%x (PDPTE 2, not present): vector %d, CR2 0x%x, error code 0x%x", ABSENT_LA,
	      (int)fault_vector, fault_cr2, fault_error);
}

int main(void)
{
	struct checks c = { .name = "pae" };
	uint32_t cr0, cr4, v;

	trap_init();
	trap_set_handler(TRAP_PF, on_page_fault);
	poke(DATA_A_PA, PATTERN_A);
	poke(DATA_B_PA, PATTERN_B);
	build_tables();

	cr4 = read_cr4() | CR4_PAE;
	write_cr4(cr4);
	write_cr3((uintptr_t)pdpt);
	cr0 = read_cr0() | CR0_PG;
	write_cr0(cr0); /* plinth emulates it: the PDPTEs come from the VMCS */
	check(&c, 1, (read_cr0() & CR0_PG) && (read_cr4() & CR4_PAE),
	      "PAE paging on: CR0 0x%x, CR4 0x%x, CR3 0x%x", read_cr0(), read_cr4(),
	      (uint32_t)read_cr3());
	check_alias(&c);

	/* Memory is not the PDPTE registers: a new PDPTE 1 in memory changes nothing until CR3 is
	 * loaded, INVLPG or not, whatever exits happen meanwhile (this line is some). */
	pdpt[1] = pdpte(pd_b);
	invlpg(ALIAS_LA);
	printf("pae: PDPTE 1 in memory now names the directory of physical 0x%x\n", DATA_B_PA);
	v = peek(ALIAS_LA);
	check(&c, 5, v == PATTERN_A,
	      "after INVLPG and exits the CPU's PDPTE 1 still maps 0x%x to 0x%x (reads 0x%x)",
	      ALIAS_LA, DATA_A_PA, v);
	write_cr3(read_cr3()); /* no exit: the CPU loads the PDPTEs itself */
	v = peek(ALIAS_LA);
	check(&c, 6, v == PATTERN_B, "MOV to CR3 loaded the new PDPTE 1: 0x%x reads 0x%x (0x%x)",
	      ALIAS_LA, v, PATTERN_B);

	/* CR4.PSE is plinth's: its MOV to CR4 exits and must load the PDPTEs as the CPU would. */
	pdpt[1] = pdpte(pd_a);
	write_cr4(cr4 | CR4_PSE);
	v = peek(ALIAS_LA);
	write_cr4(cr4);
	check(&c, 7, v == PATTERN_A,
	      "MOV to CR4 (PSE) loaded PDPTE 1 again: 0x%x reads 0x%x (0x%x)", ALIAS_LA, v,
	      PATTERN_A);

	/* Paging off, PDPTE 1 changed meanwhile, paging on: MOV to CR0 loads it. */
	write_cr0(cr0 & ~CR0_PG);
	v = peek(DATA_B_PA);
	check(&c, 8, !(read_cr0() & CR0_PG) && v == PATTERN_B,
	      "paging off: CR0 0x%x, physical 0x%x reads 0x%x", read_cr0(), DATA_B_PA, v);
	pdpt[1] = pdpte(pd_b);
	write_cr0(cr0);
	v = peek(ALIAS_LA);
	check(&c, 9, (read_cr0() & CR0_PG) && v == PATTERN_B,
	      "paging on again: MOV to CR0 loaded PDPTE 1: 0x%x reads 0x%x (0x%x)", ALIAS_LA, v,
	      PATTERN_B);
	return (int)checks_done(&c);
}
