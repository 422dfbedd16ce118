/* SPDX-License-Identifier: MIT */
/* Human-readable names for what VMX reports, for the console (never on the exit path). */
#ifndef PLINTH_ARCH_X86_VMX_VMX_NAMES_H
#define PLINTH_ARCH_X86_VMX_VMX_NAMES_H

#include <stdint.h>

/* "CPUID", "EPT violation", ...; "unknown" for reasons plinth does not name. */
const char *vmx_exit_reason_name(uint32_t basic_reason);
/* The SDM's text for VM-instruction error n (SDM 31.4), or "unknown VM-instruction error". */
const char *vmx_instruction_error_name(uint32_t error);

#endif
