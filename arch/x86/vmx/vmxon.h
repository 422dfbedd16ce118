/* SPDX-License-Identifier: MIT */
#ifndef PLINTH_ARCH_X86_VMX_VMXON_H
#define PLINTH_ARCH_X86_VMX_VMXON_H

#include "arch/x86/vmx/vmx_caps.h"

/* Enters VMX root operation on this CPU: IA32_FEATURE_CONTROL set and locked when firmware
 * left it unlocked, the CR0/CR4 fixed bits applied, a VMXON region, VMXON. 0 or -errno, after
 * printing what failed. */
int vmx_enable_this_cpu(const struct vmx_raw_caps *raw, const struct vmx_caps *caps);

#endif
