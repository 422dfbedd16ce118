/* SPDX-License-Identifier: MIT */
/* VM-execution, VM-exit and VM-entry control bits (SDM 25.6, 25.7, 25.8), with the SDM's names. */
#ifndef PLINTH_ARCH_X86_VMX_VMX_CONTROLS_H
#define PLINTH_ARCH_X86_VMX_VMX_CONTROLS_H

#include "core/compiler.h"

/* Pin-based VM-execution controls */
#define PIN_EXTERNAL_INTERRUPT_EXITING BIT(0)
#define PIN_NMI_EXITING		       BIT(3)
#define PIN_VIRTUAL_NMIS	       BIT(5)
#define PIN_PREEMPTION_TIMER	       BIT(6)

/* Primary processor-based VM-execution controls */
#define PROC_INTERRUPT_WINDOW_EXITING BIT(2)
#define PROC_USE_TSC_OFFSETTING	      BIT(3)
#define PROC_HLT_EXITING	      BIT(7)
#define PROC_INVLPG_EXITING	      BIT(9)
#define PROC_MWAIT_EXITING	      BIT(10)
#define PROC_RDPMC_EXITING	      BIT(11)
#define PROC_RDTSC_EXITING	      BIT(12)
#define PROC_CR3_LOAD_EXITING	      BIT(15)
#define PROC_CR3_STORE_EXITING	      BIT(16)
#define PROC_CR8_LOAD_EXITING	      BIT(19)
#define PROC_CR8_STORE_EXITING	      BIT(20)
#define PROC_USE_TPR_SHADOW	      BIT(21)
#define PROC_NMI_WINDOW_EXITING	      BIT(22)
#define PROC_MOV_DR_EXITING	      BIT(23)
#define PROC_UNCONDITIONAL_IO_EXITING BIT(24)
#define PROC_USE_IO_BITMAPS	      BIT(25)
#define PROC_MONITOR_TRAP_FLAG	      BIT(27)
#define PROC_USE_MSR_BITMAPS	      BIT(28)
#define PROC_MONITOR_EXITING	      BIT(29)
#define PROC_PAUSE_EXITING	      BIT(30)
#define PROC_ACTIVATE_SECONDARY	      BIT(31)

/* Secondary processor-based VM-execution controls */
#define PROC2_VIRTUALIZE_APIC_ACCESSES BIT(0)
#define PROC2_ENABLE_EPT	       BIT(1)
#define PROC2_DESCRIPTOR_TABLE_EXITING BIT(2)
#define PROC2_ENABLE_RDTSCP	       BIT(3)
#define PROC2_ENABLE_VPID	       BIT(5)
#define PROC2_WBINVD_EXITING	       BIT(6)
#define PROC2_UNRESTRICTED_GUEST       BIT(7)
#define PROC2_RDRAND_EXITING	       BIT(11)
#define PROC2_ENABLE_INVPCID	       BIT(12)
#define PROC2_RDSEED_EXITING	       BIT(16)
#define PROC2_ENABLE_XSAVES	       BIT(20)

/* VM-exit controls */
#define EXIT_SAVE_DEBUG_CONTROLS   BIT(2)
#define EXIT_HOST_ADDR_SPACE_SIZE  BIT(9)
#define EXIT_ACK_INTERRUPT_ON_EXIT BIT(15)
#define EXIT_SAVE_IA32_PAT	   BIT(18)
#define EXIT_LOAD_IA32_PAT	   BIT(19)
#define EXIT_SAVE_IA32_EFER	   BIT(20)
#define EXIT_LOAD_IA32_EFER	   BIT(21)
#define EXIT_SAVE_PREEMPTION_TIMER BIT(22)

/* VM-entry controls */
#define ENTRY_LOAD_DEBUG_CONTROLS BIT(2)
#define ENTRY_IA32E_MODE_GUEST	  BIT(9)
#define ENTRY_LOAD_IA32_PAT	  BIT(14)
#define ENTRY_LOAD_IA32_EFER	  BIT(15)

/* VM-entry/exit interruption-information fields (SDM 25.8.3, 25.9.2) */
#define INTR_INFO_VECTOR_MASK	    0xffu
#define INTR_INFO_TYPE_SHIFT	    8
#define INTR_INFO_TYPE_MASK	    (7u << 8)
#define INTR_INFO_ERROR_CODE	    BIT(11)
#define INTR_INFO_NMI_UNBLOCKING    BIT(12)
#define INTR_INFO_VALID		    BIT(31)
#define INTR_TYPE_EXTERNAL	    0
#define INTR_TYPE_NMI		    2
#define INTR_TYPE_HW_EXCEPTION	    3
#define INTR_TYPE_SW_INTERRUPT	    4
#define INTR_TYPE_PRIV_SW_EXCEPTION 5
#define INTR_TYPE_SW_EXCEPTION	    6

/* Guest interruptibility state (SDM 25.4.2) */
#define INTERRUPTIBILITY_STI	BIT(0)
#define INTERRUPTIBILITY_MOV_SS BIT(1)
#define INTERRUPTIBILITY_NMI	BIT(3)

/* Exit reason bits beyond the basic reason (SDM 25.9.1) */
#define EXIT_REASON_ENTRY_FAILURE BIT(31)
#define EXIT_REASON_BASIC_MASK	  0xffffu

#endif
