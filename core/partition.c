// SPDX-License-Identifier: MIT
#include "core/partition.h"
#include "core/printf.h"

#define CPU_LIST_LEN 192 /* "0,2,4,...,62": the longest list of 64 CPUs */

void partition_cpus_string(uint64_t mask, char *buf, size_t size)
{
	size_t used = 0;

	if (!size)
		return;
	buf[0] = '\0';
	for (unsigned int cpu = 0; cpu < 64 && used < size;) {
		unsigned int last = cpu;
		int n;

		if (!(mask & (1ull << cpu))) {
			cpu++;
			continue;
		}
		while (last + 1 < 64 && (mask & (1ull << (last + 1))))
			last++;
		if (last == cpu)
			n = ksnprintf(buf + used, size - used, "%s%u", used ? "," : "", cpu);
		else
			n = ksnprintf(buf + used, size - used, "%s%u-%u", used ? "," : "", cpu,
				      last);
		if (n < 0)
			return;
		used += (size_t)n;
		cpu = last + 1;
	}
}

int partition_nth_cpu(uint64_t mask, unsigned int n)
{
	for (unsigned int cpu = 0; cpu < 64; cpu++) {
		if (!(mask & (1ull << cpu)))
			continue;
		if (!n--)
			return (int)cpu;
	}
	return -1;
}

/* The kernel does not link libgcc, which __builtin_popcountll may call. */
static unsigned int cpu_count(uint64_t mask)
{
	unsigned int n = 0;

	for (; mask; mask &= mask - 1)
		n++;
	return n;
}

/* Where a guest's CPU list was given: its cpus key, or its section when it has the default. */
static int cpus_line(const struct guest_config *g)
{
	return g->cpus_line ? g->cpus_line : g->line;
}

static void reportf(partition_report_fn report, void *ctx, const char *fmt, ...) __printf(3, 4);
static void reportf(partition_report_fn report, void *ctx, const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report(ctx, msg);
}

/* Whether g's own set is usable: not too many CPUs, all of them online. */
static unsigned int check_guest(const struct guest_config *g, uint64_t online_mask,
				partition_report_fn report, void *ctx)
{
	char list[CPU_LIST_LEN], missing[CPU_LIST_LEN], online[CPU_LIST_LEN];
	unsigned int n = cpu_count(g->cpu_mask);
	unsigned int errors = 0;

	partition_cpus_string(g->cpu_mask, list, sizeof(list));
	if (n > PARTITION_MAX_VCPUS) {
		reportf(report, ctx,
			"%s:%d: [guest %s] cpus = %s lists %u CPUs; a guest has one vCPU per CPU "
			"and at most %u",
			CONFIG_FILE_NAME, cpus_line(g), g->name, list, n, PARTITION_MAX_VCPUS);
		errors++;
	}
	if (g->control && n > 1) {
		reportf(report, ctx,
			"%s:%d: [guest %s] cpus = %s: a control guest runs on one CPU (its vCPUs "
			"would share its child VMs)",
			CONFIG_FILE_NAME, cpus_line(g), g->name, list);
		errors++;
	}
	if (g->cpu_mask & ~online_mask) {
		partition_cpus_string(g->cpu_mask & ~online_mask, missing, sizeof(missing));
		partition_cpus_string(online_mask, online, sizeof(online));
		reportf(report, ctx,
			"%s:%d: [guest %s] cpus = %s: CPU %s %s not online (online: %s)",
			CONFIG_FILE_NAME, cpus_line(g), g->name, list, missing,
			cpu_count(g->cpu_mask & ~online_mask) == 1 ? "is" : "are", online);
		errors++;
	}
	return errors;
}

unsigned int partition_plan(const struct plinth_config *cfg, uint64_t online_mask,
			    struct partition_plan *plan, partition_report_fn report, void *ctx)
{
	unsigned int errors = 0;

	plan->ngroups = 0;
	for (unsigned int i = 0; i < cfg->nguests && i < CONFIG_MAX_GUESTS; i++) {
		const struct guest_config *g = &cfg->guests[i];
		struct partition_group *home = NULL;
		bool clash = false;
		unsigned int bad;

		if (!g->cpu_mask) { /* the parser never gives an empty set; still no CPU to run on */
			reportf(report, ctx, "%s:%d: [guest %s] cpus names no CPU",
				CONFIG_FILE_NAME, cpus_line(g), g->name);
			errors++;
			continue;
		}
		bad = check_guest(g, online_mask, report, ctx);
		if (bad) {
			errors += bad;
			continue;
		}
		for (unsigned int k = 0; k < plan->ngroups; k++) {
			struct partition_group *grp = &plan->groups[k];
			const struct guest_config *first = &cfg->guests[grp->guests[0]];
			char a[CPU_LIST_LEN], b[CPU_LIST_LEN], shared[CPU_LIST_LEN];

			if (grp->cpu_mask == g->cpu_mask) {
				home = grp;
				continue;
			}
			if (!(grp->cpu_mask & g->cpu_mask))
				continue;
			partition_cpus_string(first->cpu_mask, a, sizeof(a));
			partition_cpus_string(g->cpu_mask, b, sizeof(b));
			partition_cpus_string(first->cpu_mask & g->cpu_mask, shared,
					      sizeof(shared));
			reportf(report, ctx,
				"%s:%d: [guest %s] cpus = %s overlaps [guest %s] cpus = %s (line "
				"%d) "
				"in CPU %s: guests that share a CPU must list the same CPUs (they "
				"then run one after another)",
				CONFIG_FILE_NAME, cpus_line(g), g->name, b, first->name, a,
				cpus_line(first), shared);
			clash = true;
		}
		if (clash) {
			errors++;
			continue;
		}
		if (!home) {
			home = &plan->groups[plan->ngroups++];
			home->cpu_mask = g->cpu_mask;
			home->nguests = 0;
		}
		home->guests[home->nguests++] = (uint8_t)i;
	}
	return errors;
}
