/* SPDX-License-Identifier: MIT */
#ifndef PLINTH_CORE_SELFTEST_H
#define PLINTH_CORE_SELFTEST_H

/* selftest= on the command line: deliberately faults in plinth to prove the exception dump
 * ("pagefault", "gp", "ud"; any other name does nothing here). Does not return when it
 * faults. */
void selftest_run(const char *name);
/* Once the CPUs are up: "console-stall" has CPU 1 take the console lock and stop, so that the
 * next line shows the lock's timeout. */
void selftest_after_smp(const char *name);

#endif
