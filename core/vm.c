// SPDX-License-Identifier: MIT
/*
 * VM lifetime: RAM from the page allocator (zeroed), EPT over it, CPUID policy, devices, the
 * boot vCPU; running it; and giving everything back. Also the hooks the virtual devices call.
 */
#include <stdarg.h>
#include "arch/x86/cpu.h"
#include "arch/x86/paging.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/tsc.h"
#include "arch/x86/vmx/vcpu_state.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_apic.h"
#include "arch/x86/vmx/vmx_names.h"
#include "core/console.h"
#include "core/control.h"
#include "core/errno.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/partition.h"
#include "core/panic.h"
#include "core/printf.h"
#include "core/string.h"
#include "core/vm.h"
#include "drivers/vdev/guest_acpi.h"
#include "drivers/vdev/uart.h"
#include "drivers/vdev/vdev_host.h"

#define CHUNK_PAGES (GUEST_MEM_CHUNK_BYTES / PAGE_SIZE)

STATIC_ASSERT(PARTITION_MAX_VCPUS == VM_MAX_VCPUS);
STATIC_ASSERT(VM_CHILD_MAX_VCPUS <= VM_MAX_VCPUS);

/* A line the guest's UART finished while this CPU held its VM's device lock: printed after the
 * unlock, so that the VM's other vCPUs do not wait on the serial port for it. */
struct deferred_line {
	bool in_device; /* this CPU holds a device lock */
	bool pending;
	const struct vm *vm;
	size_t len;
	char text[UART_LINE_MAX];
};
static struct deferred_line deferred_lines[MAX_CPUS];

static void print_line(const struct vm *vm, const char *text, size_t len)
{
	pr_info("[%s] %.*s\n", vm->name, (int)len, text);
}

void vm_dev_lock(struct vm *vm)
{
	spin_lock(&vm->dev_lock);
	deferred_lines[this_cpu()->cpu_id].in_device = true;
}

void vm_dev_unlock(struct vm *vm)
{
	struct deferred_line *d = &deferred_lines[this_cpu()->cpu_id];

	d->in_device = false;
	spin_unlock(&vm->dev_lock);
	if (d->pending) {
		d->pending = false;
		print_line(d->vm, d->text, d->len);
	}
}

static uint64_t pages_for(uint64_t bytes)
{
	return (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
}

/* A slot's chunks and arrays back to the allocator: those it got, after a failure too (the
 * arrays come zeroed, so a chunk never allocated is 0). */
static void free_slot(struct guest_mem_slot *s)
{
	if (s->chunk_hpa) {
		for (uint64_t i = 0; i < s->nr_chunks; i++)
			if (s->chunk_hpa[i])
				page_free(s->chunk_hpa[i], pages_for(guest_mem_chunk_bytes(s, i)));
		page_free(virt_to_phys(s->chunk_hpa), pages_for(s->nr_chunks * 8));
	}
	if (s->chunk_hva)
		page_free(virt_to_phys(s->chunk_hva), pages_for(s->nr_chunks * 8));
	s->chunk_hpa = NULL;
	s->chunk_hva = NULL;
}

static void free_ram(struct guest_mem *gm)
{
	for (unsigned int i = 0; i < gm->nr_slots; i++)
		free_slot(&gm->slots[i]);
}

static int alloc_array(uint64_t n, void **out)
{
	uint64_t hpa;
	int err = page_alloc(pages_for(n * 8), &hpa);

	if (!err)
		*out = phys_to_virt(hpa);
	return err;
}

/* Backs a slot whose gpa, bytes and nr_chunks are set (guest_mem_slot_init): its chunks 2 MiB
 * aligned where they are full (EPT maps them with large pages where the GPA lines up too),
 * zeroed by the allocator. On failure nothing stays allocated. */
static int alloc_slot(struct guest_mem_slot *s)
{
	int err = alloc_array(s->nr_chunks, (void **)&s->chunk_hpa);

	if (!err)
		err = alloc_array(s->nr_chunks, (void **)&s->chunk_hva);
	for (uint64_t i = 0; !err && i < s->nr_chunks; i++) {
		uint64_t n = pages_for(guest_mem_chunk_bytes(s, i));

		err = n == CHUNK_PAGES ? page_alloc_aligned(n, CHUNK_PAGES, &s->chunk_hpa[i]) :
					 page_alloc(n, &s->chunk_hpa[i]);
		if (!err)
			s->chunk_hva[i] = phys_to_virt(s->chunk_hpa[i]);
	}
	if (err)
		free_slot(s);
	return err;
}

/* The config's RAM: its layout's one or two slots, each backed on its own. */
static int alloc_ram(struct vm *vm, uint64_t bytes)
{
	struct guest_mem *gm = &vm->mem;
	int err = guest_mem_layout(gm, bytes);

	for (unsigned int i = 0; !err && i < gm->nr_slots; i++)
		err = alloc_slot(&gm->slots[i]);
	if (err)
		free_ram(gm);
	return err;
}

/* SDM Vol. 3A 4.1.4: CPUID 0x80000008 EAX[7:0], or 36 when the leaf is absent. */
static unsigned int guest_maxphyaddr(const struct cpuid_policy *p)
{
	static const struct cpuid_vcpu_state st;
	uint32_t r[4];

	if (p->max_extended < 0x80000008u)
		return 36;
	cpuid_policy_lookup(p, 0x80000008u, 0, &st, r);
	return (r[0] & 0xff) ? (r[0] & 0xff) : 36;
}

/* What every VM has: the structure, its CPUID policy, EPT over the RAM already in vm->mem (none
 * for a child), empty buses. vm_destroy undoes it, also half done. */
static int vm_alloc(const char *name, unsigned int id, unsigned int max_vcpus, struct vm **out)
{
	uint64_t hpa;
	struct vm *vm;
	int err = page_alloc(pages_for(sizeof(*vm)), &hpa);

	if (err)
		return err;
	vm = phys_to_virt(hpa);
	strlcpy_pl(vm->name, name, sizeof(vm->name));
	vm->id = id;
	pio_bus_init(&vm->pio, vm);
	mmio_bus_init(&vm->mmio);
	vm->ept.invept_type = vmx_host.invept_type;
	*out = vm;
	err = cpuid_policy_build(&vm->cpuid, &vmx_host.cpuid, max_vcpus);
	if (err)
		return err;
	vm->maxphyaddr = guest_maxphyaddr(&vm->cpuid);
	vm->cr4_allowed = cr4_allowed_by_cpuid(&vm->cpuid);
	return 0;
}

/* The lowest id no vCPU of vm has (its APIC ID): ids stay unique when vCPUs come and go. */
static uint32_t free_vcpu_id(const struct vm *vm)
{
	uint32_t id = 0;

	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i]->id == id) {
			id++;
			i = (unsigned int)-1; /* look again from the start */
		}
	return id;
}

/* A vCPU in vm->vcpus[vm->nr_vcpus], with the boot state. */
static int alloc_vcpu(struct vm *vm, const struct vcpu_boot_state *boot, struct vcpu **out)
{
	struct vcpu *vcpu;
	uint64_t hpa;
	int err;

	if (vm->nr_vcpus >= VM_MAX_VCPUS)
		return -ENOSPC;
	err = page_alloc(pages_for(sizeof(*vcpu)), &hpa);
	if (err)
		return err;
	vcpu = phys_to_virt(hpa);
	vcpu->vm = vm;
	vcpu->id = free_vcpu_id(vm);
	err = vmx_vcpu_create(vcpu, vm->ept.eptp, boot);
	if (err) {
		page_free(hpa, pages_for(sizeof(*vcpu)));
		return err;
	}
	vm->vcpus[vm->nr_vcpus++] = vcpu;
	*out = vcpu;
	return 0;
}

/* The MADT a guest's OS reads to find its CPUs, at GUEST_ACPI_GPA (reserved in the memory map
 * the loaders give), unless the guest's own image or modules were put there. */
static void place_acpi_tables(struct vm *vm)
{
	uint32_t ids[VM_MAX_VCPUS];
	uint8_t tables[GUEST_ACPI_MAX_BYTES];
	uint8_t *dst;
	size_t len;
	int err;

	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		ids[i] = vm->vcpus[i]->id;
	err = guest_acpi_build(tables, sizeof(tables), GUEST_ACPI_GPA, ids, vm->nr_vcpus, NULL,
			       &len);
	if (err)
		panic("guest_acpi_build: %s for %u vCPUs", errno_name(err), vm->nr_vcpus);
	dst = guest_mem_hva(&vm->mem, GUEST_ACPI_GPA, len);
	if (!dst)
		return; /* less than 1 MiB of RAM: no BIOS area either */
	for (size_t i = 0; i < len; i++)
		if (dst[i]) {
			pr_warn("guest %s: its image or modules use GPA 0x%llx; it gets no ACPI "
				"tables\n",
				vm->name, (unsigned long long)GUEST_ACPI_GPA);
			return;
		}
	memcpy(dst, tables, len);
}

/* One vCPU per CPU of the guest's list; vCPU 0 starts at the entry point, the others wait for
 * INIT and SIPI. */
static int add_vcpus(struct vm *vm, const struct guest_config *gc,
		     const struct vcpu_boot_state *boot)
{
	for (unsigned int i = 0;; i++) {
		int cpu = partition_nth_cpu(gc->cpu_mask, i);
		struct vcpu *vcpu;
		int err;

		if (cpu < 0)
			return 0;
		err = alloc_vcpu(vm, boot, &vcpu);
		if (!err)
			err = vcpu_apic_init(vcpu, (uint32_t)cpu);
		if (err)
			return err;
	}
}

int vm_create(const struct guest_config *gc, unsigned int id, const struct loader_module *image,
	      const struct loader_module *mods, unsigned int nmods, struct vm **out)
{
	struct vcpu_boot_state boot = { 0 };
	struct loader_error lerr = { { 0 } };
	unsigned int nr_vcpus = 0;
	struct vm *vm = NULL;
	int err;

	while (partition_nth_cpu(gc->cpu_mask, nr_vcpus) >= 0)
		nr_vcpus++;
	if (nr_vcpus == 0 || nr_vcpus > VM_MAX_VCPUS) /* partition_plan refuses these */
		panic("vm_create: guest %s has %u CPUs", gc->name, nr_vcpus);
	err = vm_alloc(gc->name, id, nr_vcpus, &vm);
	if (err) {
		pr_err("guest %s: no memory for its VM structure or CPUID policy (%s)\n", gc->name,
		       errno_name(err));
		goto fail;
	}
	vm->cfg = gc;
	cpuid_policy_show_apic(&vm->cpuid);
	err = alloc_ram(vm, gc->memory_bytes);
	if (err) {
		pr_err("guest %s: cannot allocate %llu MiB of RAM (%llu MiB free)\n", gc->name,
		       (unsigned long long)(gc->memory_bytes >> 20),
		       (unsigned long long)(pages_free() * PAGE_SIZE >> 20));
		goto fail;
	}
	err = ept_build(&vm->ept, &vm->mem, vmx_host.caps.ept_2m);
	if (err) {
		pr_err("guest %s: no memory for its EPT\n", gc->name);
		goto fail;
	}
	err = platform_init(&vm->platform, &vm->pio, vm);
	if (!err)
		err = pc_testdev_init(&vm->testdev, &vm->pio, &vm->mmio);
	if (!err)
		err = vm_apic_mmio_register(vm);
	if (err) {
		pr_err("guest %s: cannot set up its devices (%s)\n", gc->name, errno_name(err));
		goto fail;
	}
	err = guest_load(gc, &vm->mem, image->data, image->len, mods, nmods, &boot, &lerr);
	if (err) {
		pr_err("guest %s: %s: %s\n", gc->name, gc->image, lerr.msg);
		goto fail;
	}
	err = add_vcpus(vm, gc, &boot);
	if (err) {
		pr_err("guest %s: cannot set up its vCPUs (%s)\n", gc->name, errno_name(err));
		goto fail;
	}
	/* Shared by vCPUs on different CPUs: one access at a time (the MMIO fast path reads
	 * this flag of the device it already has in hand). */
	for (unsigned int i = 0; vm->nr_vcpus > 1 && i < vm->mmio.nr_devices; i++)
		vm->mmio.devices[i].locked = !vm->mmio.devices[i].per_vcpu;
	place_acpi_tables(vm);
	pr_info("guest %s: %llu %s RAM from HPA 0x%llx, %s image of %llu bytes, entry 0x%llx in "
		"%u-bit mode, EPT %llu pages\n",
		gc->name,
		(unsigned long long)(gc->memory_bytes >> (gc->memory_bytes < MiB ? 10 : 20)),
		gc->memory_bytes < MiB ? "KiB" : "MiB",
		(unsigned long long)vm->mem.slots[0].chunk_hpa[0], guest_format_name(gc->format),
		(unsigned long long)image->len, (unsigned long long)boot.rip, boot.mode_bits,
		(unsigned long long)vm->ept.table_pages);
	*out = vm;
	return 0;
fail:
	if (vm)
		vm_destroy(vm);
	return err;
}

int vm_create_child(struct vm *controller, struct vm **out)
{
	char name[CONFIG_NAME_LEN];
	struct vm *vm = NULL;
	int err;

	ksnprintf(name, sizeof(name), "%s.%u", controller->name, controller->children_created + 1);
	err = vm_alloc(name, controller->id, VM_CHILD_MAX_VCPUS, &vm);
	if (!err)
		err = ept_build(&vm->ept, &vm->mem, vmx_host.caps.ept_2m);
	if (err) {
		if (vm)
			vm_destroy(vm);
		return err;
	}
	vm->controller = controller;
	vm->child_nr = ++controller->children_created;
	*out = vm;
	return 0;
}

int vm_add_vcpu(struct vm *vm, struct vcpu **out)
{
	/* Real mode at F000:FFF0, as after RESET (with CS.base 0xf0000 rather than the reset
	 * alias 0xffff0000: the control guest sets what it wants through SREGS). */
	const struct vcpu_boot_state reset = { .mode_bits = 16, .rip = 0xffff0 };
	int err = alloc_vcpu(vm, &reset, out);

	if (!err)
		vmx_child_vcpu_init(*out);
	return err;
}

static void free_vcpu(struct vcpu *vcpu)
{
	vmx_vcpu_free(vcpu);
	page_free(virt_to_phys(vcpu), pages_for(sizeof(*vcpu)));
}

void vm_remove_vcpu(struct vm *vm, struct vcpu *vcpu)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus && vm->vcpus[i] != vcpu; i++)
		;
	if (i == vm->nr_vcpus)
		panic("vm_remove_vcpu: vCPU not in VM %s", vm->name);
	vm->vcpus[i] = vm->vcpus[--vm->nr_vcpus];
	vm->vcpus[vm->nr_vcpus] = NULL;
	free_vcpu(vcpu);
}

/* The slot is gone from vm->mem: unmap it, drop every cached translation and host pointer
 * into it, then free it. */
static void retire_slot(struct vm *vm, struct guest_mem_slot *s)
{
	ept_unmap_slot(&vm->ept, s);
	vmx_invept(vm->ept.invept_type, vm->ept.eptp);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		vm->vcpus[i]->fetch_walk.valid = false;
		vm->vcpus[i]->fetch_page.hva = NULL;
	}
	free_slot(s);
}

int vm_set_memory_region(struct vm *vm, unsigned int slot, uint64_t gpa, uint64_t bytes)
{
	struct vm *ctl = vm->controller;
	struct guest_mem_slot s;
	uint64_t quota;
	int err;

	if (!ctl || slot >= GUEST_MEM_MAX_SLOTS)
		return -EINVAL;
	if (!bytes) {
		if (!vm->slot_ids[slot].bytes)
			return -EINVAL;
		if (guest_mem_slot_remove(&vm->mem, vm->slot_ids[slot].gpa, &s))
			panic("vm_set_memory_region: slot %u of %s is not in its RAM", slot,
			      vm->name);
		retire_slot(vm, &s);
		ctl->child_bytes_used -= s.bytes;
		vm->slot_ids[slot].gpa = vm->slot_ids[slot].bytes = 0;
		return 0;
	}
	if (vm->slot_ids[slot].bytes) /* KVM neither resizes nor moves a slot here */
		return vm->slot_ids[slot].gpa == gpa && vm->slot_ids[slot].bytes == bytes ? 0 :
											    -EINVAL;
	err = guest_mem_slot_check(&vm->mem, gpa, bytes);
	if (err)
		return err;
	quota = ctl->cfg ? ctl->cfg->child_memory_bytes : 0;
	if (bytes > quota - ctl->child_bytes_used)
		return -ENOSPC;
	guest_mem_slot_init(&s, gpa, bytes);
	err = alloc_slot(&s);
	if (err)
		return err;
	err = ept_map_slot(&vm->ept, &s, vmx_host.caps.ept_2m);
	if (!err) {
		err = guest_mem_slot_insert(&vm->mem, &s);
		if (err < 0) {
			ept_unmap_slot(&vm->ept, &s);
			vmx_invept(vm->ept.invept_type, vm->ept.eptp);
		}
	}
	if (err < 0) {
		free_slot(&s);
		return err;
	}
	ctl->child_bytes_used += bytes;
	vm->slot_ids[slot].gpa = gpa;
	vm->slot_ids[slot].bytes = bytes;
	return 0;
}

static void print_vcpu_stats(const struct vm *vm, const struct vcpu *vcpu)
{
	const struct vcpu_stats *st = &vcpu->stats;
	char line[512], who[CONFIG_NAME_LEN + 16];
	size_t used = 0;

	for (unsigned int r = 0; r < VCPU_STAT_REASONS && used < sizeof(line) - 64; r++)
		if (st->exits_by_reason[r])
			used += (size_t)ksnprintf(line + used, sizeof(line) - used, "%s%s %llu",
						  used ? ", " : "", vmx_exit_reason_name(r),
						  (unsigned long long)st->exits_by_reason[r]);
	if (vm->controller) { /* a child: runs between its control guest's exits */
		pr_info("guest %s vCPU %u: %llu exits (%s), %llu VMREADs, %llu VMWRITEs, %llu "
			"loads "
			"of its deferred registers\n",
			vm->name, vcpu->id, (unsigned long long)st->exits, used ? line : "none",
			(unsigned long long)st->vmreads, (unsigned long long)st->vmwrites,
			(unsigned long long)st->loads);
		return;
	}
	if (vm->nr_vcpus > 1)
		ksnprintf(who, sizeof(who), "%s vCPU %u", vm->name, vcpu->id);
	else
		ksnprintf(who, sizeof(who), "%s", vm->name);
	pr_info("guest %s: %llu exits (%s), %llu VMREADs, %llu VMWRITEs, %llu TSC ticks\n", who,
		(unsigned long long)st->exits, used ? line : "none",
		(unsigned long long)st->vmreads, (unsigned long long)st->vmwrites,
		(unsigned long long)(rdtsc() - vm->start_tsc));
}

/* A vCPU on its own CPU, from the first entry to the VM's end. */
static void vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	uint32_t leader;

	vcpu_load(vcpu);
	vmx_vcpu_run(vcpu);
	vcpu_put(vcpu);
	leader = vcpu->vm->vcpus[0]->home_cpu;
	if (vcpu == vcpu->vm->vcpus[0])
		return;
	/* The last touch of the vCPU: once it is done, the leader may free it. */
	__atomic_store_n(&vcpu->thread_done, true, __ATOMIC_RELEASE);
	smp_wake(leader);
}

static bool threads_done(void *arg)
{
	const struct vm *vm = arg;

	for (unsigned int i = 1; i < vm->nr_vcpus; i++)
		if (!__atomic_load_n(&vm->vcpus[i]->thread_done, __ATOMIC_ACQUIRE))
			return false;
	return true;
}

#define VCPU_STOP_TIMEOUT_MS 2000

void vm_run(struct vm *vm)
{
	vm->state = VM_RUNNING;
	vm->start_tsc = rdtsc();
	for (unsigned int i = 1; i < vm->nr_vcpus; i++) {
		struct vcpu *vcpu = vm->vcpus[i];
		int err = smp_run_on(vcpu->home_cpu, vcpu_thread, vcpu);

		if (err) { /* partition_plan saw the CPU online and idle: plinth's own bug */
			vcpu->thread_done = true;
			vm_stop(vm, "cannot start vCPU %u on CPU %u (%s)", vcpu->id, vcpu->home_cpu,
				errno_name(err));
		}
	}
	vcpu_thread(vm->vcpus[0]);
	/* vCPU 0 ended: the VM stopped or exited, and every vCPU was kicked. */
	if (!smp_wait_until(threads_done, vm, tsc_khz() * VCPU_STOP_TIMEOUT_MS)) {
		pr_err("guest %s: a vCPU has not stopped %u ms after the guest ended; waiting on\n",
		       vm->name, VCPU_STOP_TIMEOUT_MS);
		while (!smp_wait_until(threads_done, vm, tsc_khz() * VCPU_STOP_TIMEOUT_MS))
			;
	}
	platform_stop(&vm->platform);
	if (vm->state == VM_EXITED)
		pr_info("guest %s exited with status %u\n", vm->name, vm->exit_status);
	for (unsigned int i = 0; i < vm->nr_vcpus; i++)
		print_vcpu_stats(vm, vm->vcpus[i]);
}

void vm_destroy(struct vm *vm)
{
	if (!vm->controller)
		control_release(vm); /* its children end with it */
	for (unsigned int i = 0; vm->controller && i < vm->nr_vcpus; i++)
		print_vcpu_stats(vm, vm->vcpus[i]);
	while (vm->nr_vcpus)
		vm_remove_vcpu(vm, vm->vcpus[vm->nr_vcpus - 1]);
	ept_destroy(&vm->ept);
	free_ram(&vm->mem);
	if (vm->controller)
		vm->controller->child_bytes_used -= vm->mem.ram_bytes;
	page_free(virt_to_phys(vm), pages_for(sizeof(*vm)));
}

/* The first stop or exit of a VM wins; its other vCPUs are made to leave guest mode or their
 * HLT, and see it before their next entry. */
static bool claim_stop(struct vm *vm)
{
	if (__atomic_exchange_n(&vm->stop_requested, true, __ATOMIC_ACQ_REL))
		return false;
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu *v = vm->vcpus[i];

		if (v->has_lapic && v->home_cpu != this_cpu()->cpu_id)
			smp_wake(v->home_cpu);
	}
	return true;
}

void vm_stop(struct vm *vm, const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	if (!claim_stop(vm))
		return;
	vm->state = VM_STOPPED;
	va_start(ap, fmt);
	kvsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (!vm->controller) {
		/* Its last words first; a sibling vCPU may be inside the UART. */
		bool lock = vm->nr_vcpus > 1 && !deferred_lines[this_cpu()->cpu_id].in_device;

		if (lock)
			vm_dev_lock(vm);
		platform_stop(&vm->platform);
		if (lock)
			vm_dev_unlock(vm);
	}
	pr_err("guest %s stopped: %s\n", vm->name, reason);
}

bool vm_msr_report_once(struct vm *vm, uint32_t msr)
{
	bool first = true;

	spin_lock(&vm->report_lock); /* its vCPUs report from their own CPUs */
	for (unsigned int i = 0; i < vm->nr_msr_reported && first; i++)
		if (vm->msr_reported[i] == msr)
			first = false;
	if (first && vm->nr_msr_reported == VM_MSR_REPORTS)
		first = false;
	if (first)
		vm->msr_reported[vm->nr_msr_reported++] = msr;
	spin_unlock(&vm->report_lock);
	return first;
}

/* ---- hooks for the virtual devices (drivers/vdev/vdev_host.h) ---- */

const char *vm_name(const struct vm *vm)
{
	return vm->name;
}

/* The sum of the slots. The devices read it as a guest_mem_layout size (CMOS splits it at
 * GUEST_LOW_RAM_MAX), which a config-defined guest's RAM is. */
uint64_t vm_ram_bytes(const struct vm *vm)
{
	return vm->mem.ram_bytes;
}

unsigned int vm_nr_vcpus(const struct vm *vm)
{
	return vm->nr_vcpus;
}

void vm_console_line(struct vm *vm, const char *text, size_t len)
{
	struct deferred_line *d = &deferred_lines[this_cpu()->cpu_id];

	if (!d->in_device) {
		print_line(vm, text, len);
		return;
	}
	if (d->pending) /* a string OUT that ends several lines: all but the last now */
		print_line(d->vm, d->text, d->len);
	d->vm = vm;
	d->len = len < sizeof(d->text) ? len : sizeof(d->text);
	memcpy(d->text, text, d->len);
	d->pending = true;
}

void vm_debug_exit(struct vm *vm, uint32_t value)
{
	if (!claim_stop(vm))
		return;
	vm->state = VM_EXITED;
	vm->exit_status = (value << 1) | 1;
}

void vm_reset_request(struct vm *vm)
{
	vm_stop(vm, "the guest asked for a reset (port 0x92), which plinth does not emulate");
}

void vm_unclaimed_port(struct vm *vm, uint16_t port, unsigned int size, bool is_write)
{
	pr_warn("guest %s: %s of %u byte%s at port 0x%x, which no device claims: %s (reported "
		"once per port)\n",
		vm->name, is_write ? "OUT" : "IN", size, size == 1 ? "" : "s", port,
		is_write ? "ignored" : "reads all-ones");
}

uint64_t vm_time_ns(const struct vm *vm)
{
	return tsc_to_ns(rdtsc());
}
