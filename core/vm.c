// SPDX-License-Identifier: MIT
/*
 * VM lifetime: RAM from the page allocator (zeroed), EPT over it, CPUID policy, devices, the
 * boot vCPU; running it; and giving everything back. Also the hooks the virtual devices call.
 */
#include <stdarg.h>
#include "arch/x86/cpu.h"
#include "arch/x86/paging.h"
#include "arch/x86/tsc.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_names.h"
#include "core/console.h"
#include "core/errno.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/printf.h"
#include "core/string.h"
#include "core/vm.h"
#include "drivers/vdev/vdev_host.h"

#define CHUNK_PAGES (GUEST_MEM_CHUNK_BYTES / PAGE_SIZE)

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

int vm_create(const struct guest_config *gc, unsigned int id, const struct loader_module *image,
	      const struct loader_module *mods, unsigned int nmods, struct vm **out)
{
	struct vcpu_boot_state boot = { 0 };
	struct loader_error lerr = { { 0 } };
	struct vcpu *vcpu;
	uint64_t hpa;
	struct vm *vm;
	int err;

	err = page_alloc(pages_for(sizeof(*vm)), &hpa);
	if (err) {
		pr_err("guest %s: no memory for its VM structure\n", gc->name);
		return err;
	}
	vm = phys_to_virt(hpa);
	strlcpy_pl(vm->name, gc->name, sizeof(vm->name));
	vm->id = id;
	vm->cfg = gc;
	vm->nr_vcpus = 1;

	err = alloc_ram(vm, gc->memory_bytes);
	if (err) {
		pr_err("guest %s: cannot allocate %llu MiB of RAM (%llu MiB free)\n", gc->name,
		       (unsigned long long)(gc->memory_bytes >> 20),
		       (unsigned long long)(pages_free() * PAGE_SIZE >> 20));
		goto fail;
	}
	err = cpuid_policy_build(&vm->cpuid, &vmx_host.cpuid, vm->nr_vcpus);
	if (err) {
		pr_err("guest %s: cannot build its CPUID policy (%s)\n", gc->name, errno_name(err));
		goto fail;
	}
	vm->maxphyaddr = guest_maxphyaddr(&vm->cpuid);
	vm->ept.invept_type = vmx_host.invept_type;
	err = ept_build(&vm->ept, &vm->mem, vmx_host.caps.ept_2m);
	if (err) {
		pr_err("guest %s: no memory for its EPT\n", gc->name);
		goto fail;
	}
	pio_bus_init(&vm->pio, vm);
	mmio_bus_init(&vm->mmio);
	err = platform_init(&vm->platform, &vm->pio, vm);
	if (!err)
		err = pc_testdev_init(&vm->testdev, &vm->pio, &vm->mmio);
	if (err) {
		pr_err("guest %s: cannot set up its devices (%s)\n", gc->name, errno_name(err));
		goto fail;
	}
	err = guest_load(gc, &vm->mem, image->data, image->len, mods, nmods, &boot, &lerr);
	if (err) {
		pr_err("guest %s: %s: %s\n", gc->name, gc->image, lerr.msg);
		goto fail;
	}

	err = page_alloc(pages_for(sizeof(*vcpu)), &hpa);
	if (err) {
		pr_err("guest %s: no memory for its vCPU\n", gc->name);
		goto fail;
	}
	vcpu = phys_to_virt(hpa);
	vcpu->vm = vm;
	vcpu->id = 0;
	vm->vcpus[0] = vcpu;
	err = vmx_vcpu_create(vcpu, vm->ept.eptp, &boot);
	if (err) {
		pr_err("guest %s: cannot set up its vCPU (%s)\n", gc->name, errno_name(err));
		page_free(hpa, pages_for(sizeof(*vcpu)));
		vm->vcpus[0] = NULL;
		goto fail;
	}
	pr_info("guest %s: %llu MiB RAM from HPA 0x%llx, %s image of %llu bytes, entry 0x%llx in "
		"%u-bit mode, EPT %llu pages\n",
		gc->name, (unsigned long long)(gc->memory_bytes >> 20),
		(unsigned long long)vm->mem.slots[0].chunk_hpa[0], guest_format_name(gc->format),
		(unsigned long long)image->len, (unsigned long long)boot.rip, boot.mode_bits,
		(unsigned long long)vm->ept.table_pages);
	*out = vm;
	return 0;
fail:
	vm_destroy(vm);
	return err;
}

static void print_stats(struct vm *vm)
{
	const struct vcpu_stats *st = &vm->vcpus[0]->stats;
	char line[512];
	size_t used = 0;

	for (unsigned int r = 0; r < VCPU_STAT_REASONS && used < sizeof(line) - 64; r++)
		if (st->exits_by_reason[r])
			used += (size_t)ksnprintf(line + used, sizeof(line) - used, "%s%s %llu",
						  used ? ", " : "", vmx_exit_reason_name(r),
						  (unsigned long long)st->exits_by_reason[r]);
	pr_info("guest %s: %llu exits (%s), %llu VMREADs, %llu VMWRITEs, %llu TSC ticks\n",
		vm->name, (unsigned long long)st->exits, used ? line : "none",
		(unsigned long long)st->vmreads, (unsigned long long)st->vmwrites,
		(unsigned long long)(rdtsc() - vm->start_tsc));
}

void vm_run(struct vm *vm)
{
	struct vcpu *vcpu = vm->vcpus[0];

	vm->state = VM_RUNNING;
	vm->start_tsc = rdtsc();
	vcpu_load(vcpu);
	vmx_vcpu_run(vcpu);
	vcpu_put(vcpu);
	platform_stop(&vm->platform);
	if (vm->state == VM_EXITED)
		pr_info("guest %s exited with status %u\n", vm->name, vm->exit_status);
	print_stats(vm);
}

void vm_destroy(struct vm *vm)
{
	if (vm->vcpus[0]) {
		vmx_vcpu_free(vm->vcpus[0]);
		page_free(virt_to_phys(vm->vcpus[0]), pages_for(sizeof(struct vcpu)));
	}
	ept_destroy(&vm->ept);
	free_ram(&vm->mem);
	page_free(virt_to_phys(vm), pages_for(sizeof(*vm)));
}

void vm_stop(struct vm *vm, const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	if (vm->stop_requested)
		return;
	vm->stop_requested = true;
	vm->state = VM_STOPPED;
	va_start(ap, fmt);
	kvsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	platform_stop(&vm->platform); /* its last words first */
	pr_err("guest %s stopped: %s\n", vm->name, reason);
}

bool vm_msr_report_once(struct vm *vm, uint32_t msr)
{
	for (unsigned int i = 0; i < vm->nr_msr_reported; i++)
		if (vm->msr_reported[i] == msr)
			return false;
	if (vm->nr_msr_reported == VM_MSR_REPORTS)
		return false;
	vm->msr_reported[vm->nr_msr_reported++] = msr;
	return true;
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
	pr_info("[%s] %.*s\n", vm->name, (int)len, text);
}

void vm_debug_exit(struct vm *vm, uint32_t value)
{
	if (vm->stop_requested)
		return;
	vm->stop_requested = true;
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
