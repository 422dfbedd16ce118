// SPDX-License-Identifier: MIT
/*
 * Hostile (flat, 64-bit): a storm of instructions plinth must answer with an exception, not a
 * crash: VMXON (plinth injects #UD: no nested VMX), RDMSR and WRMSR of an MSR no CPU has (#GP),
 * and UD2 (#UD from the CPU itself), 1000 rounds each, counted by its own #UD/#GP handler.
 */
#include "lib/entry.h"
#include "lib/exit.h"
#include "lib/printf.h"
#include "lib/trap.h"

#define ROUNDS 1000

enum probe { PROBE_VMXON, PROBE_RDMSR, PROBE_WRMSR, PROBE_UD2, NR_PROBES };

void storm_vmxon(void);
void storm_rdmsr(void);
void storm_wrmsr(void);
void storm_ud2(void);
extern volatile uintptr_t storm_resume_ip;

static void (*const probes[NR_PROBES])(void) = { storm_vmxon, storm_rdmsr, storm_wrmsr, storm_ud2 };
static const char *const probe_names[NR_PROBES] = { "VMXON", "RDMSR", "WRMSR", "UD2" };
static const unsigned int expected_vector[NR_PROBES] = { TRAP_UD, TRAP_GP, TRAP_GP, TRAP_UD };

static enum probe current;
static unsigned int caught[NR_PROBES][TRAP_VECTORS];
static unsigned int not_faulted[NR_PROBES];

static void on_fault(struct trap_frame *f)
{
	if (!storm_resume_ip) {
		printf("storm: %s at 0x%lx outside a probe\n",
		       trap_mnemonic((unsigned int)f->vector), (unsigned long)f->ip);
		debug_exit(TRAP_EXIT_UNEXPECTED);
	}
	caught[current][f->vector]++;
	f->ip = storm_resume_ip;
	storm_resume_ip = 0;
}

int main(void)
{
	trap_init();
	trap_set_handler(TRAP_UD, on_fault);
	trap_set_handler(TRAP_GP, on_fault);
	printf("storm: %u rounds of VMXON, RDMSR 0x12345678, WRMSR 0x12345678, UD2\n", ROUNDS);
	for (unsigned int round = 0; round < ROUNDS; round++) {
		for (current = 0; current < NR_PROBES; current++) {
			probes[current]();
			if (storm_resume_ip) {
				not_faulted[current]++;
				storm_resume_ip = 0;
			}
		}
	}

	unsigned int ud_vmxon = caught[PROBE_VMXON][TRAP_UD];
	unsigned int gp_msr = caught[PROBE_RDMSR][TRAP_GP] + caught[PROBE_WRMSR][TRAP_GP];
	unsigned int ud_ud2 = caught[PROBE_UD2][TRAP_UD];
	int ret = 0;

	printf("storm: %u #UD from VMXON, %u #GP from MSRs, %u #UD from UD2\n", ud_vmxon, gp_msr,
	       ud_ud2);
	for (unsigned int p = 0; p < NR_PROBES; p++) {
		if (caught[p][expected_vector[p]] == ROUNDS && !not_faulted[p])
			continue;
		printf("storm: %s: %u #UD, %u #GP, %u rounds without a fault (expected %u %s)\n",
		       probe_names[p], caught[p][TRAP_UD], caught[p][TRAP_GP], not_faulted[p],
		       ROUNDS, trap_mnemonic(expected_vector[p]));
		if (!ret)
			ret = 1 + (int)p;
	}
	return ret;
}
