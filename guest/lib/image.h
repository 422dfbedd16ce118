/* SPDX-License-Identifier: MIT */
/* Where the guest's own image lies in guest-physical memory (guest/guest.ld): everything from
 * the first loaded byte to the end of .bss, which holds the stack. */
#ifndef GUEST_LIB_IMAGE_H
#define GUEST_LIB_IMAGE_H

#include <stdint.h>

extern char __image_start[], __image_end[];

static inline uintptr_t image_start_gpa(void)
{
	return (uintptr_t)__image_start;
}

static inline uintptr_t image_end_gpa(void)
{
	return (uintptr_t)__image_end;
}

#endif
