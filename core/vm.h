/* SPDX-License-Identifier: MIT */
/*
 * A virtual machine: its RAM and EPT, its CPUID policy, its port bus and devices, its vCPUs,
 * and how it ended. One VM runs at a time on the boot CPU in this version; nothing here assumes
 * that (see the SMP issue).
 */
#ifndef PLINTH_CORE_VM_H
#define PLINTH_CORE_VM_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/cpuid_policy.h"
#include "arch/x86/vmx/ept.h"
#include "core/config.h"
#include "core/guest_mem.h"
#include "core/loader.h"
#include "core/vcpu.h"
#include "drivers/vdev/mmio_bus.h"
#include "drivers/vdev/pc_testdev.h"
#include "drivers/vdev/pio_bus.h"
#include "drivers/vdev/platform.h"

#define VM_MAX_VCPUS   1 /* this version runs one vCPU per VM */
#define VM_MSR_REPORTS 16

enum vm_state {
	VM_CREATED = 0,
	VM_RUNNING,
	VM_EXITED, /* the guest asked to end (isa-debug-exit) */
	VM_STOPPED, /* plinth stopped it */
};

struct vm {
	char name[CONFIG_NAME_LEN];
	unsigned int id;
	const struct guest_config *cfg;
	struct guest_mem mem;
	struct ept ept;
	struct cpuid_policy cpuid;
	unsigned int maxphyaddr; /* the guest's physical-address width (CPUID 0x80000008) */
	struct pio_bus pio;
	struct platform platform;
	struct mmio_bus mmio;
	struct pc_testdev testdev;
	struct vcpu *vcpus[VM_MAX_VCPUS];
	unsigned int nr_vcpus;
	uint64_t start_tsc;
	/* How it ended: set once, by the first stop or exit. */
	enum vm_state state;
	uint32_t exit_status;
	bool stop_requested;
	/* MSRs already reported as unknown (reported once each). */
	uint32_t msr_reported[VM_MSR_REPORTS];
	unsigned int nr_msr_reported;
};

/* Creates a VM for gc with its RAM (zeroed), EPT, devices and boot vCPU, and loads its image
 * and modules. 0 and *out, or a negative errno after printing "guest NAME: ..." saying why. */
int vm_create(const struct guest_config *gc, unsigned int id, const struct loader_module *image,
	      const struct loader_module *mods, unsigned int nmods, struct vm **out);
/* Runs the VM until it exits or is stopped; prints how it ended. */
void vm_run(struct vm *vm);
/* Frees everything the VM holds; its RAM is zeroed again before anyone else gets it. */
void vm_destroy(struct vm *vm);

/* Ends the VM: the current exit returns to the run loop, which does not enter the guest again.
 * The first call wins; reason is printed as "guest NAME stopped: REASON". */
void vm_stop(struct vm *vm, const char *fmt, ...) __printf(2, 3);

/* Whether an MSR was reported already; records it if not (bounded: reports stop when full). */
bool vm_msr_report_once(struct vm *vm, uint32_t msr);

#endif
