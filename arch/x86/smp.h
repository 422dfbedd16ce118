/* SPDX-License-Identifier: MIT */
/*
 * Every CPU of the machine: the application processors that ACPI lists are started with
 * INIT-SIPI-SIPI through a real-mode trampoline below 1 MiB, one at a time, each into long mode
 * on plinth's page tables with its own GDT, TSS, IDT stacks and per-CPU area, then VMXON. A CPU
 * that does not answer, or whose VMX differs from the boot CPU's, is reported and left out. Once
 * up, a CPU waits in HLT for work (smp_run_on).
 */
#ifndef PLINTH_ARCH_X86_SMP_H
#define PLINTH_ARCH_X86_SMP_H

#include <stdbool.h>
#include <stdint.h>

struct boot_info;

/* Starts the CPUs the ACPI MADT lists (drivers/acpi.c) and prints each one's fate; needs VMX
 * on the boot CPU and the TSC calibrated. phantom_cpu (selftest=phantom-cpu) adds one that
 * does not exist. Returns how many CPUs are online, the boot CPU too. */
unsigned int smp_boot(const struct boot_info *bi, bool phantom_cpu);

/* How many CPUs are online; their per-CPU areas are percpu_areas[0 .. n-1]. */
unsigned int smp_cpus_online(void);

/* Gives fn(arg) to online CPU cpu_id (not the caller) to run from its idle loop: 0, -EBUSY
 * when it still has work after 100 ms, -EINVAL for a CPU that is not online. */
int smp_run_on(unsigned int cpu_id, void (*fn)(void *arg), void *arg);

/* Ends a HLT of online CPU cpu_id (or makes it leave guest mode with an external-interrupt
 * exit): the wake-up IPI. Whatever it should look at must be stored before. */
void smp_wake(unsigned int cpu_id);

/* Waits in HLT until done(arg), looking again at every wake-up IPI: true, or false once
 * timeout_tsc ticks have passed without it. */
bool smp_wait_until(bool (*done)(void *arg), void *arg, uint64_t timeout_tsc);

#endif
