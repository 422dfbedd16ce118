/* SPDX-License-Identifier: MIT */
#ifndef PLINTH_CORE_VERSION_H
#define PLINTH_CORE_VERSION_H

#include <stddef.h>

/* The linker's SHA-1 build id in hex ("unknown" when the note is missing). */
const char *plinth_build_id(void);
void plinth_banner(void);

#endif
