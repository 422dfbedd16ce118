// SPDX-License-Identifier: MIT
/*
 * Application-processor bring-up (SDM Vol. 3A 8.4.4, "MP Initialization Example"): INIT, 10 ms,
 * SIPI, 200 µs, a second SIPI if the CPU has not answered, then a bounded wait. One CPU at a
 * time, so that the trampoline's parameters and the allocator serve one AP at once; a CPU that
 * misses its deadline gets INIT again (parked in wait-for-SIPI) and keeps its stack, which it
 * might still be using.
 */
#include "arch/x86/smp.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/exception.h"
#include "arch/x86/layout.h"
#include "arch/x86/paging.h"
#include "arch/x86/percpu.h"
#include "arch/x86/tsc.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_caps.h"
#include "arch/x86/vmx/vmxon.h"
#include "boot/boot_info.h"
#include "core/compiler.h"
#include "core/errno.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/panic.h"
#include "core/string.h"
#include "drivers/acpi.h"

#define INIT_DELAY_US	    10000 /* INIT to the first SIPI */
#define SIPI_DELAY_US	    200 /* between the SIPIs */
#define ANSWER_TIMEOUT_US   100000 /* SIPI to "online": the AP's whole start, VMXON included */
#define RUN_ON_BUSY_US	    100000 /* smp_run_on's wait for a CPU to finish its last work */
#define TRAMPOLINE_PARAMS   0xf00 /* ap_trampoline.asm's TP_PARAMS */
#define AP_STACK_PAGES	    (BOOT_STACK_BYTES / PAGE_SIZE)
#define AP_IST_STACK_PAGES  (IST_STACK_BYTES / PAGE_SIZE)
#define PDE_2M_IDENTITY_LOW (PTE_P | PTE_W | PTE_PS) /* 0-2 MiB: the trampoline's own page */

/* ap_trampoline.asm's parameter block, at TRAMPOLINE_PARAMS in its page. */
struct trampoline_params {
	uint64_t cr3_low; /* the trampoline's PML4 */
	uint64_t cr3; /* plinth's */
	uint64_t entry; /* ap_entry64 */
	uint64_t stack_top;
	uint64_t arg; /* the AP's struct percpu */
	uint64_t efer; /* EFER bits besides LME */
};

extern const char ap_trampoline[], ap_trampoline_end[];
void ap_entry64(void);
__noreturn void ap_main(struct percpu *p);

static unsigned int cpus_online = 1;
/* What every AP sets up as the boot CPU has it. */
static uint64_t bsp_cr0, bsp_cr4;

static void delay_us(uint64_t us)
{
	uint64_t end = rdtsc() + us * tsc_khz() / 1000;

	while ((int64_t)(rdtsc() - end) < 0)
		cpu_relax();
}

/* The trampoline's page, then a PML4 with plinth's upper half and PML4[0] -> PDPT -> page
 * directory mapping 0-2 MiB at itself, for the instructions right after paging comes on. */
static int trampoline_prepare(const struct boot_info *bi, uint64_t *page_hpa)
{
	uint64_t hpa = bi->ap_trampoline_hpa, *pml4, *pdpt, *pd;
	size_t len = (size_t)(ap_trampoline_end - ap_trampoline);

	if (!hpa && memory_low_pages(BOOT_AP_TRAMPOLINE_PAGES, &hpa)) {
		pr_warn("smp: no usable RAM below 640 KiB for the AP start-up code; running on "
			"the boot CPU alone\n");
		return -ENOMEM;
	}
	if ((hpa & (PAGE_SIZE - 1)) || hpa + BOOT_AP_TRAMPOLINE_PAGES * PAGE_SIZE > 0xa0000) {
		pr_warn("smp: the loader's AP start-up pages at %#llx are not page aligned below "
			"640 KiB; running on the boot CPU alone\n",
			(unsigned long long)hpa);
		return -EINVAL;
	}
	STATIC_ASSERT(TRAMPOLINE_PARAMS + sizeof(struct trampoline_params) <= PAGE_SIZE);
	if (len > TRAMPOLINE_PARAMS)
		panic("smp: the AP trampoline (%zu bytes) overlaps its parameters", len);
	memset(phys_to_virt(hpa), 0, BOOT_AP_TRAMPOLINE_PAGES * PAGE_SIZE);
	memcpy(phys_to_virt(hpa), ap_trampoline, len);
	pml4 = phys_to_virt(hpa + PAGE_SIZE);
	pdpt = phys_to_virt(hpa + 2 * PAGE_SIZE);
	pd = phys_to_virt(hpa + 3 * PAGE_SIZE);
	memcpy(pml4, phys_to_virt(paging_kernel_pml4_hpa()), PAGE_SIZE);
	pml4[0] = (hpa + 2 * PAGE_SIZE) | PTE_P | PTE_W;
	pdpt[0] = (hpa + 3 * PAGE_SIZE) | PTE_P | PTE_W;
	pd[0] = 0 | PDE_2M_IDENTITY_LOW;
	*page_hpa = hpa;
	return 0;
}

/* A stack of npages with its bottom and top; 0 or -ENOMEM. */
static int stack_alloc(uint64_t npages, uintptr_t *bottom, uintptr_t *top)
{
	uint64_t hpa;
	int err = page_alloc(npages, &hpa);

	if (err)
		return err;
	*bottom = (uintptr_t)phys_to_virt(hpa);
	*top = *bottom + npages * PAGE_SIZE;
	return 0;
}

static int percpu_prepare(struct percpu *p, unsigned int cpu_id, uint32_t apic)
{
	uintptr_t bottom, top;
	int err = stack_alloc(AP_STACK_PAGES, &bottom, &top);

	if (err)
		return err;
	percpu_init(p, cpu_id, bottom, top);
	p->apic_id = apic;
	for (int i = 1; i <= IST_COUNT; i++) {
		err = stack_alloc(AP_IST_STACK_PAGES, &p->ist_bottom[i], &p->ist_top[i]);
		if (err)
			return err;
		p->tss.ist[i - 1] = p->ist_top[i];
	}
	return 0;
}

static bool answered(const struct percpu *p)
{
	return __atomic_load_n(&p->online, __ATOMIC_ACQUIRE) ||
	       __atomic_load_n(&p->boot_error, __ATOMIC_ACQUIRE);
}

static bool wait_answer(const struct percpu *p, uint64_t us)
{
	uint64_t end = rdtsc() + us * tsc_khz() / 1000;

	while (!answered(p)) {
		if ((int64_t)(rdtsc() - end) >= 0)
			return answered(p);
		cpu_relax();
	}
	return true;
}

/* Starts the CPU with APIC id apic as cpu_id; true when it is online. */
static bool start_ap(uint64_t page_hpa, unsigned int cpu_id, uint32_t apic)
{
	struct trampoline_params *tp = phys_to_virt(page_hpa + TRAMPOLINE_PARAMS);
	struct percpu *p = &percpu_areas[cpu_id];
	int err = percpu_prepare(p, cpu_id, apic);

	if (err) {
		pr_err("smp: no memory for CPU %u's stacks (APIC id %u); left out\n", cpu_id, apic);
		return false;
	}
	*tp = (struct trampoline_params){
		.cr3_low = page_hpa + PAGE_SIZE,
		.cr3 = paging_kernel_pml4_hpa(),
		.entry = (uint64_t)ap_entry64,
		.stack_top = p->stack_top,
		.arg = (uint64_t)p,
		.efer = X86_EFER_NXE,
	};
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	apic_send_init(apic);
	delay_us(INIT_DELAY_US);
	apic_send_sipi(apic, (uint8_t)(page_hpa >> 12));
	if (!wait_answer(p, SIPI_DELAY_US)) {
		apic_send_sipi(apic, (uint8_t)(page_hpa >> 12));
		wait_answer(p, ANSWER_TIMEOUT_US);
	}
	if (__atomic_load_n(&p->online, __ATOMIC_ACQUIRE)) {
		pr_info("smp: CPU %u (APIC id %u) up, VMX on\n", cpu_id, apic);
		return true;
	}
	if (p->boot_error)
		pr_err("smp: CPU %u (APIC id %u) started but cannot run guests (%s); left out\n",
		       cpu_id, apic, errno_name(p->boot_error));
	else
		pr_err("smp: CPU with APIC id %u did not answer INIT-SIPI-SIPI within %u ms; "
		       "left out\n",
		       apic, ANSWER_TIMEOUT_US / 1000);
	/* Parked in wait-for-SIPI before the next AP reuses the parameters and this per-CPU
	 * slot: a late start must not run on them. */
	apic_send_init(apic);
	delay_us(INIT_DELAY_US);
	return false;
}

static bool same_vmx(const struct vmx_raw_caps *a, const struct vmx_raw_caps *b)
{
	return a->basic == b->basic && a->pinbased == b->pinbased && a->procbased == b->procbased &&
	       a->exit == b->exit && a->entry == b->entry && a->misc == b->misc &&
	       a->cr0_fixed0 == b->cr0_fixed0 && a->cr0_fixed1 == b->cr0_fixed1 &&
	       a->cr4_fixed0 == b->cr4_fixed0 && a->cr4_fixed1 == b->cr4_fixed1 &&
	       a->true_pinbased == b->true_pinbased && a->true_procbased == b->true_procbased &&
	       a->true_exit == b->true_exit && a->true_entry == b->true_entry &&
	       a->procbased2 == b->procbased2 && a->ept_vpid == b->ept_vpid;
}

/* Waits in HLT for smp_run_on's work; the wake-up IPI ends the HLT. */
static __noreturn void ap_idle(struct percpu *p)
{
	for (;;) {
		void (*fn)(void *) = __atomic_load_n(&p->work_fn, __ATOMIC_ACQUIRE);

		if (fn) {
			void *arg = p->work_arg;

			fn(arg);
			__atomic_store_n(&p->work_fn, NULL, __ATOMIC_RELEASE);
			continue;
		}
		/* STI's shadow covers HLT: a wake-up sent after the check still ends it. */
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	}
}

__noreturn void ap_main(struct percpu *p)
{
	struct vmx_raw_caps raw;
	int err;

	gdt_load(p);
	idt_load();
	write_cr0(bsp_cr0);
	write_cr4(bsp_cr4 & ~X86_CR4_VMXE);
	err = apic_init_this_cpu();
	if (!err && apic_id() != p->apic_id)
		err = -EINVAL; /* ACPI named another CPU than the one that started */
	if (!err) {
		vmx_caps_read(&raw);
		if (!same_vmx(&raw, &vmx_host.raw))
			err = -ENODEV;
	}
	if (!err)
		err = vmx_enable_this_cpu(&vmx_host.raw, &vmx_host.caps);
	if (err) {
		__atomic_store_n(&p->boot_error, err, __ATOMIC_RELEASE);
		cpu_halt_forever();
	}
	__atomic_store_n(&p->online, true, __ATOMIC_RELEASE);
	ap_idle(p);
}

static int acpi_read_phys(void *ctx, uint64_t hpa, void *buf, size_t len)
{
	if (!paging_direct_mapped(hpa, len))
		return -EFAULT;
	memcpy(buf, phys_to_virt(hpa), len);
	return 0;
}

#define PHANTOM_APIC_ID 254 /* no CPU of a machine this small has it */

unsigned int smp_boot(const struct boot_info *bi, bool phantom_cpu)
{
	static struct acpi_madt_info cpus;
	const struct acpi_madt_info *madt = NULL;
	uint32_t bsp_apic;
	uint64_t page_hpa;
	unsigned int listed = 0;

	if (bi->rsdp_len &&
	    !acpi_find_cpus(bi->rsdp, bi->rsdp_len, bi->rsdp_hpa, acpi_read_phys, NULL, &cpus))
		madt = &cpus;
	if (apic_init_this_cpu()) {
		pr_warn("smp: this CPU has no x2APIC; plinth runs on the boot CPU alone\n");
		return cpus_online;
	}
	bsp_apic = apic_id();
	percpu_areas[0].apic_id = bsp_apic;
	percpu_areas[0].online = true;
	if (phantom_cpu && madt && madt->nr_cpus < ACPI_MAX_CPUS) {
		pr_info("selftest: adding a CPU with APIC id %u that does not exist\n",
			PHANTOM_APIC_ID);
		cpus.cpus[cpus.nr_cpus++] =
			(struct acpi_cpu){ .apic_id = PHANTOM_APIC_ID, .enabled = true };
	}
	if (!madt || !madt->nr_cpus) {
		pr_info("smp: ACPI lists no other CPU; running on the boot CPU (APIC id %u)\n",
			bsp_apic);
		return cpus_online;
	}
	if (trampoline_prepare(bi, &page_hpa))
		return cpus_online;
	bsp_cr0 = read_cr0();
	bsp_cr4 = read_cr4();
	pr_info("smp: boot CPU is CPU 0 (APIC id %u); AP start-up code at %#llx\n", bsp_apic,
		(unsigned long long)page_hpa);
	for (unsigned int i = 0; i < madt->nr_cpus; i++) {
		const struct acpi_cpu *c = &madt->cpus[i];

		if (c->apic_id == bsp_apic || !c->enabled)
			continue;
		listed++;
		if (cpus_online == MAX_CPUS) {
			pr_warn("smp: more than %u CPUs; APIC id %u and later left out\n", MAX_CPUS,
				c->apic_id);
			break;
		}
		if (start_ap(page_hpa, cpus_online, c->apic_id))
			cpus_online++;
	}
	pr_info("smp: %u of %u CPU%s online with VMX on\n", cpus_online, listed + 1,
		listed ? "s" : "");
	return cpus_online;
}

unsigned int smp_cpus_online(void)
{
	return cpus_online;
}

int smp_run_on(unsigned int cpu_id, void (*fn)(void *arg), void *arg)
{
	struct percpu *p = &percpu_areas[cpu_id];

	uint64_t start = rdtsc();

	if (cpu_id == 0 || cpu_id >= cpus_online || !p->online)
		return -EINVAL;
	/* Its last work may have said it is done a moment before its idle loop took it back. */
	while (__atomic_load_n(&p->work_fn, __ATOMIC_ACQUIRE)) {
		if (rdtsc() - start > RUN_ON_BUSY_US * tsc_khz() / 1000)
			return -EBUSY;
		cpu_relax();
	}
	p->work_arg = arg;
	__atomic_store_n(&p->work_fn, fn, __ATOMIC_RELEASE);
	apic_send_fixed(p->apic_id, APIC_WAKE_VECTOR);
	return 0;
}

void smp_wake(unsigned int cpu_id)
{
	if (cpu_id < cpus_online && percpu_areas[cpu_id].online)
		apic_send_fixed(percpu_areas[cpu_id].apic_id, APIC_WAKE_VECTOR);
}

bool smp_wait_until(bool (*done)(void *arg), void *arg, uint64_t timeout_tsc)
{
	uint64_t deadline = rdtsc() + timeout_tsc;
	bool timer = apic_tsc_deadline_supported();

	while (!done(arg)) {
		if (rdtsc() >= deadline)
			return false;
		if (!timer) {
			cpu_relax();
			continue;
		}
		apic_timer_arm_tsc(deadline);
		if (!done(arg))
			__asm__ volatile("sti; hlt; cli" ::: "memory");
		apic_timer_disarm();
	}
	return true;
}
