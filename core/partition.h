/* SPDX-License-Identifier: MIT */
/*
 * Which guests run where (the config's cpus = lists, docs/config.md): guests with the same CPU
 * set form a queue and run one after another on it; guests on disjoint sets run at the same
 * time. Sets that share some CPUs but not all, CPUs that are not online and more CPUs than a
 * guest can have vCPUs are errors naming the guests. Pure C: checked after the CPUs are up.
 */
#ifndef PLINTH_CORE_PARTITION_H
#define PLINTH_CORE_PARTITION_H

#include <stdint.h>
#include "core/config.h"

#define PARTITION_MAX_VCPUS 8 /* CPUs in one guest's set: one vCPU each */

struct partition_group {
	uint64_t cpu_mask;
	unsigned int nguests;
	uint8_t guests[CONFIG_MAX_GUESTS]; /* indices into the config's guests, in file order */
};

struct partition_plan {
	unsigned int ngroups; /* in the order of each group's first guest */
	struct partition_group groups[CONFIG_MAX_GUESTS];
};

/* One error, as a whole sentence without the line end. */
typedef void (*partition_report_fn)(void *ctx, const char *msg);

/* Groups cfg's guests by CPU set into *plan. online_mask: bit n for every CPU that is online.
 * Returns the number of errors reported (0: *plan is complete). */
unsigned int partition_plan(const struct plinth_config *cfg, uint64_t online_mask,
			    struct partition_plan *plan, partition_report_fn report, void *ctx);

/* Writes "0-3,5" for mask into buf (at most size bytes, NUL-terminated). */
void partition_cpus_string(uint64_t mask, char *buf, size_t size);

/* The n-th (0-based) CPU of mask: the CPU vCPU n of a guest on mask runs on. -1 past the end. */
int partition_nth_cpu(uint64_t mask, unsigned int n);

#endif
