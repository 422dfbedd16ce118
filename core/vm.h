/* SPDX-License-Identifier: MIT */
/*
 * A virtual machine: its RAM and EPT, its CPUID policy, its port bus and devices, its vCPUs,
 * and how it ended. A config-defined VM has one vCPU per CPU of its cpus = list, each run on
 * its own CPU (vm_run); a child's vCPUs run on its control guest's CPU, inside RUN.
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
#include "core/spinlock.h"
#include "core/vcpu.h"
#include "drivers/vdev/mmio_bus.h"
#include "drivers/vdev/pc_testdev.h"
#include "drivers/vdev/pio_bus.h"
#include "drivers/vdev/platform.h"

#define VM_MAX_VCPUS	   8 /* a config-defined VM: one per CPU of its cpus = list */
#define VM_CHILD_MAX_VCPUS 4
#define VM_MSR_REPORTS	   16

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
	uint64_t cr4_allowed; /* the CR4 bits its CPUID lets it set (cr4_allowed_by_cpuid) */
	struct pio_bus pio;
	struct platform platform;
	struct mmio_bus mmio;
	struct pc_testdev testdev;
	/* Its devices (both buses) are shared by its vCPUs, which run on different CPUs: one
	 * access at a time. Held only for the access itself, and only with several vCPUs (a
	 * child's vCPUs all run on its control guest's CPU). */
	spinlock_t dev_lock;
	struct vcpu *vcpus[VM_MAX_VCPUS];
	unsigned int nr_vcpus;
	uint64_t start_tsc;
	/* How it ended: set once, by the first stop or exit. */
	enum vm_state state;
	uint32_t exit_status;
	bool stop_requested;
	/* A child VM: the control guest's VM that created it (its owner), its KVM slot numbers
	 * (the GPA and size of each; size 0: unused) and its number among the control guest's
	 * children. NULL, zeros for a config-defined VM. */
	struct vm *controller;
	struct {
		uint64_t gpa, bytes;
	} slot_ids[GUEST_MEM_MAX_SLOTS];
	unsigned int child_nr;
	/* A control VM: child_memory bytes its children's slots use, and children created. */
	uint64_t child_bytes_used;
	unsigned int children_created;
	/* MSRs already reported as unknown (reported once each). */
	uint32_t msr_reported[VM_MSR_REPORTS];
	unsigned int nr_msr_reported;
	spinlock_t report_lock;
};

/* Creates a VM for gc with its RAM (zeroed), EPT, devices and boot vCPU, and loads its image
 * and modules. 0 and *out, or a negative errno after printing "guest NAME: ..." saying why. */
int vm_create(const struct guest_config *gc, unsigned int id, const struct loader_module *image,
	      const struct loader_module *mods, unsigned int nmods, struct vm **out);
/* A child VM of controller's: no RAM, no vCPUs, no devices (every port and every GPA outside
 * its slots goes to the control guest). 0, or -ENOMEM. */
int vm_create_child(struct vm *controller, struct vm **out);
/* A vCPU in the reset state (real mode at F000:FFF0), 0, -ENOSPC when the VM has VM_MAX_VCPUS (a child:
 * VM_CHILD_MAX_VCPUS, which control.c enforces),
 * or -ENOMEM. vm_remove_vcpu frees it (it must be put). */
int vm_add_vcpu(struct vm *vm, struct vcpu **out);
void vm_remove_vcpu(struct vm *vm, struct vcpu *vcpu);
/* KVM_SET_USER_MEMORY_REGION for a child VM: slot < GUEST_MEM_MAX_SLOTS gets [gpa, gpa + bytes)
 * of zeroed RAM from its controller's child_memory (bytes 0 deletes the slot and gives the RAM
 * back). 0, -EINVAL (bad slot, unaligned, the slot holds another range), -EEXIST (overlap),
 * -ENOSPC (beyond the quota) or -ENOMEM. */
int vm_set_memory_region(struct vm *vm, unsigned int slot, uint64_t gpa, uint64_t bytes);
/* Runs the VM until it exits or is stopped; prints how it ended. */
void vm_run(struct vm *vm);
/* Frees everything the VM holds (a child's RAM goes back to its controller's quota); its RAM
 * is zeroed again before anyone else gets it. */
void vm_destroy(struct vm *vm);

/* Ends the VM: the current exit returns to the run loop, which does not enter the guest again.
 * The first call wins; reason is printed as "guest NAME stopped: REASON". */
void vm_stop(struct vm *vm, const char *fmt, ...) __printf(2, 3);

/* The buses under vm->dev_lock: what every guest access to a device goes through. A VM with
 * one vCPU, and the APIC page (each vCPU's own), need no lock. */
void vm_dev_lock(struct vm *vm);
void vm_dev_unlock(struct vm *vm); /* prints the console lines the access finished */

static inline int vm_pio_access(struct vm *vm, uint16_t port, unsigned int size, bool write,
				uint32_t *val)
{
	int err;

	if (likely(vm->nr_vcpus <= 1))
		return pio_bus_access(&vm->pio, port, size, write, val);
	vm_dev_lock(vm);
	err = pio_bus_access(&vm->pio, port, size, write, val);
	vm_dev_unlock(vm);
	return err;
}

static inline int vm_mmio_access(struct vm *vm, const struct mmio_device *dev, uint64_t gpa,
				 void *buf, unsigned int len, bool write)
{
	bool shared = dev ? dev->locked : vm->nr_vcpus > 1;
	int err;

	if (shared)
		vm_dev_lock(vm);
	err = dev ? mmio_device_access(dev, gpa, buf, len, write) :
		    mmio_bus_access(&vm->mmio, gpa, buf, len, write);
	if (shared)
		vm_dev_unlock(vm);
	return err;
}

/* Whether an MSR was reported already; records it if not (bounded: reports stop when full). */
bool vm_msr_report_once(struct vm *vm, uint32_t msr);

#endif
