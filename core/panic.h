/* SPDX-License-Identifier: MIT */
/* For plinth's own broken invariants only: never for anything a guest or a config can cause. */
#ifndef PLINTH_CORE_PANIC_H
#define PLINTH_CORE_PANIC_H

#include "core/compiler.h"

__noreturn void panic(const char *fmt, ...) __printf(1, 2);

#endif
