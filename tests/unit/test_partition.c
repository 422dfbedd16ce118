// SPDX-License-Identifier: MIT
/* Which guests run where: the cpus = rules of docs/config.md, through real config text. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/config.h"
#include "core/partition.h"

#define MAX_MSGS 8

static struct plinth_config cfg;
static struct partition_plan plan;
static char msgs[MAX_MSGS][400];
static unsigned int nmsgs;

static void collect(void *ctx, const char *msg)
{
	(void)ctx;
	if (nmsgs < MAX_MSGS)
		snprintf(msgs[nmsgs], sizeof(msgs[0]), "%s", msg);
	nmsgs++;
}

static void no_diag(void *ctx, const struct config_diag *d)
{
	(void)ctx;
	fail_msg("config error at line %d: %s", d->line, d->msg);
}

/* Parses text (which must be valid) and plans it with CPUs online_mask online. */
static unsigned int plan_of(const char *text, uint64_t online_mask)
{
	config_defaults(&cfg);
	nmsgs = 0;
	memset(msgs, 0, sizeof(msgs));
	assert_int_equal(config_parse(&cfg, text, strlen(text), "plinth.cfg", no_diag, NULL), 0);
	return partition_plan(&cfg, online_mask, &plan, collect, NULL);
}

static void test_default_guests_queue_on_cpu0(void **state)
{
	(void)state;
	assert_int_equal(plan_of("[guest a]\nimage = a\n[guest b]\nimage = b\n", 1), 0);
	assert_int_equal(plan.ngroups, 1);
	assert_int_equal(plan.groups[0].cpu_mask, 1);
	assert_int_equal(plan.groups[0].nguests, 2);
	assert_int_equal(plan.groups[0].guests[0], 0);
	assert_int_equal(plan.groups[0].guests[1], 1);
}

static void test_disjoint_sets_are_separate_groups(void **state)
{
	(void)state;
	assert_int_equal(plan_of("[guest a]\nimage = a\ncpus = 0\n"
				 "[guest b]\nimage = b\ncpus = 1\n"
				 "[guest c]\nimage = c\ncpus = 2-3\n"
				 "[guest d]\nimage = d\ncpus = 1\n",
				 0xf),
			 0);
	assert_int_equal(plan.ngroups, 3);
	assert_int_equal(plan.groups[0].cpu_mask, 1);
	assert_int_equal(plan.groups[1].cpu_mask, 2);
	assert_int_equal(plan.groups[1].nguests, 2);
	assert_int_equal(plan.groups[1].guests[0], 1);
	assert_int_equal(plan.groups[1].guests[1], 3);
	assert_int_equal(plan.groups[2].cpu_mask, 0xc);
	assert_int_equal(plan.groups[2].guests[0], 2);
}

static void test_partial_overlap_names_both_guests(void **state)
{
	(void)state;
	assert_int_equal(plan_of("[guest a]\nimage = a\ncpus = 0-1\n"
				 "[guest b]\nimage = b\ncpus = 1-2\n",
				 0xf),
			 1);
	assert_int_equal(nmsgs, 1);
	assert_string_equal(msgs[0], "plinth.cfg:6: [guest b] cpus = 1-2 overlaps [guest a] "
				     "cpus = 0-1 (line 3) in CPU 1: guests that share a CPU must "
				     "list the same CPUs (they then run one after another)");
	/* The first guest keeps its place; the clashing one is left out of the plan. */
	assert_int_equal(plan.ngroups, 1);
	assert_int_equal(plan.groups[0].nguests, 1);
}

static void test_default_cpu0_overlaps_a_set_with_cpu0(void **state)
{
	(void)state;
	assert_int_equal(plan_of("[guest a]\nimage = a\n"
				 "[guest b]\nimage = b\ncpus = 0,2\n",
				 0xf),
			 1);
	/* a has no cpus key: the message points at its section. */
	assert_non_null(strstr(msgs[0], "overlaps [guest a] cpus = 0 (line 1) in CPU 0"));
}

static void test_overlap_with_several_groups_is_one_error_per_group(void **state)
{
	(void)state;
	assert_int_equal(plan_of("[guest a]\nimage = a\ncpus = 0\n"
				 "[guest b]\nimage = b\ncpus = 1\n"
				 "[guest c]\nimage = c\ncpus = 0-1\n",
				 0x3),
			 1);
	assert_int_equal(nmsgs, 2);
	assert_non_null(strstr(msgs[0], "[guest c] cpus = 0-1 overlaps [guest a]"));
	assert_non_null(strstr(msgs[1], "[guest c] cpus = 0-1 overlaps [guest b]"));
}

static void test_offline_cpu_is_an_error(void **state)
{
	(void)state;
	assert_int_equal(plan_of("[guest a]\nimage = a\ncpus = 1,3-4\n", 0x3), 1);
	assert_string_equal(msgs[0], "plinth.cfg:3: [guest a] cpus = 1,3-4: CPU 3-4 are not "
				     "online (online: 0-1)");
	assert_int_equal(plan.ngroups, 0);
	assert_int_equal(plan_of("[guest a]\nimage = a\ncpus = 2\n", 0x1), 1);
	assert_string_equal(msgs[0], "plinth.cfg:3: [guest a] cpus = 2: CPU 2 is not online "
				     "(online: 0)");
}

static void test_too_many_cpus_for_one_guest(void **state)
{
	(void)state;
	assert_int_equal(plan_of("[guest a]\nimage = a\ncpus = 0-8\n", 0x3ff), 1);
	assert_string_equal(msgs[0], "plinth.cfg:3: [guest a] cpus = 0-8 lists 9 CPUs; a guest "
				     "has one vCPU per CPU and at most 8");
	assert_int_equal(plan_of("[guest a]\nimage = a\ncpus = 0-7\n", 0xff), 0);
	assert_int_equal(plan.groups[0].cpu_mask, 0xff);
}

static void test_control_guest_has_one_cpu(void **state)
{
	(void)state;
	assert_int_equal(plan_of("[guest a]\nimage = a\ncontrol = yes\ncpus = 0-1\n", 0x3), 1);
	assert_string_equal(msgs[0], "plinth.cfg:4: [guest a] cpus = 0-1: a control guest runs "
				     "on one CPU (its vCPUs would share its child VMs)");
	assert_int_equal(plan_of("[guest a]\nimage = a\ncontrol = yes\ncpus = 1\n", 0x3), 0);
}

static void test_bad_guest_does_not_hide_later_clashes(void **state)
{
	(void)state;
	/* b is refused (offline CPU) and so takes no group; c and d are checked on their own. */
	assert_int_equal(plan_of("[guest b]\nimage = b\ncpus = 0-5\n"
				 "[guest c]\nimage = c\ncpus = 0\n"
				 "[guest d]\nimage = d\ncpus = 0-1\n",
				 0x3),
			 2);
	assert_non_null(strstr(msgs[0], "[guest b]"));
	assert_non_null(strstr(msgs[1], "[guest d] cpus = 0-1 overlaps [guest c]"));
}

static void test_cpus_string(void **state)
{
	char buf[200];

	(void)state;
	partition_cpus_string(0, buf, sizeof(buf));
	assert_string_equal(buf, "");
	partition_cpus_string(0x1, buf, sizeof(buf));
	assert_string_equal(buf, "0");
	partition_cpus_string(0x2d, buf, sizeof(buf));
	assert_string_equal(buf, "0,2-3,5");
	partition_cpus_string(~0ull, buf, sizeof(buf));
	assert_string_equal(buf, "0-63");
	partition_cpus_string(0x5555555555555555ull, buf, sizeof(buf));
	assert_int_equal(strlen(buf), 5 + 27 * 2 + 31); /* 0,2,...,8 then 10,...,62 */
	partition_cpus_string(0x2d, buf, 4); /* truncated, still terminated */
	assert_int_equal(strlen(buf), 3);
}

static void test_nth_cpu(void **state)
{
	(void)state;
	assert_int_equal(partition_nth_cpu(0x2c, 0), 2);
	assert_int_equal(partition_nth_cpu(0x2c, 1), 3);
	assert_int_equal(partition_nth_cpu(0x2c, 2), 5);
	assert_int_equal(partition_nth_cpu(0x2c, 3), -1);
	assert_int_equal(partition_nth_cpu(1ull << 63, 0), 63);
	assert_int_equal(partition_nth_cpu(0, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_guests_queue_on_cpu0),
		cmocka_unit_test(test_disjoint_sets_are_separate_groups),
		cmocka_unit_test(test_partial_overlap_names_both_guests),
		cmocka_unit_test(test_default_cpu0_overlaps_a_set_with_cpu0),
		cmocka_unit_test(test_overlap_with_several_groups_is_one_error_per_group),
		cmocka_unit_test(test_offline_cpu_is_an_error),
		cmocka_unit_test(test_too_many_cpus_for_one_guest),
		cmocka_unit_test(test_control_guest_has_one_cpu),
		cmocka_unit_test(test_bad_guest_does_not_hide_later_clashes),
		cmocka_unit_test(test_cpus_string),
		cmocka_unit_test(test_nth_cpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
