/* SPDX-License-Identifier: MIT */
/* The TSC as plinth's clock: its rate is measured once at boot against the PIT. */
#ifndef PLINTH_ARCH_X86_TSC_H
#define PLINTH_ARCH_X86_TSC_H

#include <stdint.h>

/* Measures the TSC rate (about 10 ms of PIT channel 2). Returns the rate in kHz. */
uint64_t tsc_calibrate(void);
uint64_t tsc_khz(void);
uint64_t tsc_to_ns(uint64_t tsc);

#endif
