/* SPDX-License-Identifier: MIT */
/*
 * Running the configured guests on the CPUs their cpus = lists name (core/partition.h): each
 * group of guests with one CPU set runs on that set's first CPU, one guest after another, and
 * the groups run at the same time. The boot CPU runs CPU 0's group and waits for the others.
 */
#ifndef PLINTH_CORE_GUESTS_RUN_H
#define PLINTH_CORE_GUESTS_RUN_H

struct boot_info;
struct plinth_config;

/* Returns when every guest has ended; prints the plan, each guest's fate and a summary. A
 * configuration whose CPU lists cannot be honoured starts no guest (each problem is printed). */
void guests_run(const struct plinth_config *cfg, const struct boot_info *bi);

#endif
