// SPDX-License-Identifier: MIT
#include "core/guests_run.h"
#include "arch/x86/cpu.h"
#include "arch/x86/paging.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "boot/boot.h"
#include "core/config.h"
#include "core/heap.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/partition.h"
#include "core/printf.h"
#include "core/string.h"
#include "core/vm.h"

/* One group's run, shared between the CPU that runs it and the boot CPU that waits for it. */
struct group_run {
	const struct plinth_config *cfg;
	const struct boot_info *bi;
	const struct partition_group *grp;
	unsigned int cpu;
	unsigned int ran;
	bool done;
};

static struct loader_module *module_of(const struct boot_info *bi, const char *path,
				       struct loader_module *out)
{
	const struct boot_module *m = boot_find_module(bi, path);

	if (!m)
		return NULL;
	out->data = phys_to_virt(m->hpa);
	out->len = m->len;
	return out;
}

/* Each module's "PATH ARGS" string, as the loaders pass it on. */
struct module_args {
	char s[CONFIG_MAX_MODULES][CONFIG_PATH_LEN + CONFIG_ARGS_LEN + 2];
};

/* One guest from start to end. Returns whether it ran. */
static bool run_guest(const struct group_run *gr, unsigned int idx)
{
	const struct guest_config *gc = &gr->cfg->guests[idx];
	struct loader_module image, mods[CONFIG_MAX_MODULES];
	struct module_args *args;
	struct vm *vm;
	bool ran = false;

	if (!module_of(gr->bi, gc->image, &image)) {
		pr_err("guest %s: image %s was not loaded; skipping the guest\n", gc->name,
		       gc->image);
		return false;
	}
	args = kmalloc(sizeof(*args));
	if (!args) {
		pr_err("guest %s: no memory for its module list; skipping the guest\n", gc->name);
		return false;
	}
	for (unsigned int i = 0; i < gc->nmodules; i++) {
		const struct guest_module_config *mc = &gc->modules[i];

		if (!module_of(gr->bi, mc->path, &mods[i])) {
			pr_err("guest %s: module %s was not loaded; skipping the guest\n", gc->name,
			       mc->path);
			goto out;
		}
		ksnprintf(args->s[i], sizeof(args->s[i]), "%s%s%s", mc->path,
			  mc->args[0] ? " " : "", mc->args);
		mods[i].args = args->s[i];
	}
	if (vm_create(gc, idx + 1, &image, mods, gc->nmodules, &vm))
		goto out;
	if (idx == 0 && !strcmp(gr->cfg->selftest, "vmentry")) {
		pr_info("selftest: clearing RFLAGS bit 1 of guest %s, which VM entry must refuse\n",
			gc->name);
		vcpu_reg_write(vm->vcpus[0], VCPU_REG_RFLAGS, 0);
	}
	pr_info("guest %s: starting on CPU %u\n", gc->name, gr->cpu);
	vm_run(vm);
	vm_destroy(vm);
	ran = true;
out:
	kfree(args);
	return ran;
}

/* A guest that fails or is stopped does not keep the next of its group from running. */
static void run_group(void *arg)
{
	struct group_run *gr = arg;

	for (unsigned int i = 0; i < gr->grp->nguests; i++)
		gr->ran += run_guest(gr, gr->grp->guests[i]);
	__atomic_store_n(&gr->done, true, __ATOMIC_RELEASE);
	if (gr->cpu != 0)
		smp_wake(0);
}

static void report_plan_error(void *ctx, const char *msg)
{
	pr_err("error: %s\n", msg);
}

static bool all_done(const struct group_run *runs, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (!__atomic_load_n(&runs[i].done, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

void guests_run(const struct plinth_config *cfg, const struct boot_info *bi)
{
	static struct partition_plan plan;
	static struct group_run runs[CONFIG_MAX_GUESTS];
	unsigned int online = smp_cpus_online(), errors, ran = 0;
	uint64_t online_mask = online >= 64 ? ~0ull : (1ull << online) - 1;
	struct group_run *mine = NULL;

	if (!cfg->nguests) {
		pr_info("plinth: no guests configured; add a [guest NAME] section to %s "
			"(docs/config.md)\n",
			CONFIG_FILE_NAME);
		return;
	}
	errors = partition_plan(cfg, online_mask, &plan, report_plan_error, NULL);
	if (errors) {
		pr_err("plinth: %u configuration error%s in the guests' CPUs (%u CPU%s online); "
		       "not starting any guest\n",
		       errors, errors == 1 ? "" : "s", online, online == 1 ? "" : "s");
		return;
	}
	for (unsigned int i = 0; i < plan.ngroups; i++) {
		struct group_run *gr = &runs[i];
		char list[192];
		int err;

		*gr = (struct group_run){ .cfg = cfg, .bi = bi, .grp = &plan.groups[i] };
		gr->cpu = (unsigned int)partition_nth_cpu(gr->grp->cpu_mask, 0);
		partition_cpus_string(gr->grp->cpu_mask, list, sizeof(list));
		if (plan.ngroups > 1)
			pr_info("plinth: CPU%s %s: %u guest%s, from guest %s\n",
				gr->grp->cpu_mask & (gr->grp->cpu_mask - 1) ? "s" : "", list,
				gr->grp->nguests, gr->grp->nguests == 1 ? "" : "s",
				cfg->guests[gr->grp->guests[0]].name);
		if (gr->cpu == 0) {
			mine = gr;
			continue;
		}
		err = smp_run_on(gr->cpu, run_group, gr);
		if (err) { /* every CPU was checked online and idle: plinth's own bug */
			pr_err("plinth: cannot hand CPU %u its guests (%s); they do not run\n",
			       gr->cpu, errno_name(err));
			gr->done = true;
		}
	}
	if (mine)
		run_group(mine);
	/* The others wake this CPU as each of their groups ends. */
	while (!all_done(runs, plan.ngroups))
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	for (unsigned int i = 0; i < plan.ngroups; i++)
		ran += runs[i].ran;
	pr_info("plinth: %u of %u guest%s ran; all have ended\n", ran, cfg->nguests,
		cfg->nguests == 1 ? "" : "s");
}
