/* SPDX-License-Identifier: MIT */
#ifndef GUEST_LIB_EXIT_H
#define GUEST_LIB_EXIT_H

#include <stdint.h>

#define DEBUG_EXIT_PORT 0xf4

/* Ends the guest through isa-debug-exit: plinth (and QEMU) report status (value << 1) | 1.
 * Value 0 means success; guests use small non-zero values to name the check that failed. */
__attribute__((noreturn)) void debug_exit(uint32_t value);

#endif
