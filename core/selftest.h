/* SPDX-License-Identifier: MIT */
#ifndef PLINTH_CORE_SELFTEST_H
#define PLINTH_CORE_SELFTEST_H

/* selftest= on the command line: deliberately faults in plinth to prove the exception dump
 * ("pagefault", "gp", "ud"); "none" or "" does nothing. Does not return when it faults. */
void selftest_run(const char *name);

#endif
