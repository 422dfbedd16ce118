/* SPDX-License-Identifier: MIT */
/*
 * fillram and scanram: the first marks all of its RAM but its own image, the second (given the
 * same memory size, so it gets the same host pages) looks for any trace of it. Both handle RAM
 * below 3 GiB only, which the identity map covers.
 */
#ifndef GUEST_RAM_MARKER_H
#define GUEST_RAM_MARKER_H

#include <stdint.h>

/* The bytes 0x5a 0xa5 'P' 'L' twice, as a little-endian qword. */
#define RAM_MARKER  0x4c50a55a4c50a55aull
#define LOW_RAM_MAX 0xc0000000ull

#endif
