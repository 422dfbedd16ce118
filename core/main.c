// SPDX-License-Identifier: MIT
/* From the boot stub to "VMX: ready": the order in which the core takes the machine. */
#include "arch/x86/cpu.h"
#include "arch/x86/exception.h"
#include "arch/x86/io.h"
#include "arch/x86/layout.h"
#include "arch/x86/paging.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/tsc.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_caps.h"
#include "arch/x86/vmx/vmxon.h"
#include "boot/boot.h"
#include "core/config.h"
#include "core/config_files.h"
#include "core/console.h"
#include "core/errno.h"
#include "core/guests_run.h"
#include "core/log.h"
#include "core/memory.h"
#include "core/printf.h"
#include "core/selftest.h"
#include "core/string.h"
#include "core/version.h"
#include "core/vm.h"

void plinth_entry(uint32_t loader, uint64_t info_hpa, uint32_t mb2_magic, uint64_t tsc_at_entry,
		  uint64_t image_hpa);

extern char __image_start[], __image_end[];
extern char boot_stack_bottom[], boot_stack_top[];

static struct boot_info boot_info;
static struct plinth_config config;
static uint8_t bsp_ist_stacks[IST_COUNT + 1][IST_STACK_BYTES] __aligned(16);

/* Command-line problems are found before the console exists (console= is one of them). */
#define EARLY_DIAGS 8
static char early_diags[EARLY_DIAGS][256];
static unsigned int nearly_diags;

static __noreturn void plinth_halt(void)
{
	pr_info("plinth: halted.\n");
	cpu_halt_forever();
}

static void report_diag(void *ctx, const struct config_diag *d)
{
	char line[256];

	config_diag_format(d, line, sizeof(line));
	pr_err("error: %s\n", line);
	if (ctx)
		(*(int *)ctx)++;
}

static void defer_diag(void *ctx, const struct config_diag *d)
{
	/* A diag's strings live only as long as the parser: keep the formatted line. */
	if (nearly_diags < EARLY_DIAGS)
		config_diag_format(d, early_diags[nearly_diags++], sizeof(early_diags[0]));
}

static void bsp_cpu_init(void)
{
	struct percpu *bsp = &percpu_areas[0];

	percpu_init(bsp, 0, (uintptr_t)boot_stack_bottom, (uintptr_t)boot_stack_top);
	for (int i = 1; i <= IST_COUNT; i++) {
		bsp->ist_bottom[i] = (uintptr_t)bsp_ist_stacks[i];
		bsp->ist_top[i] = (uintptr_t)bsp_ist_stacks[i] + IST_STACK_BYTES;
		bsp->tss.ist[i - 1] = bsp->ist_top[i];
	}
	gdt_load(bsp);
	idt_init();
	idt_load();
}

static void print_boot_info(const struct boot_info *bi)
{
	pr_info("boot: %s via %s, core at %#llx (%llu KiB)\n",
		bi->loader == BOOT_LOADER_EFI ? "UEFI" : "multiboot2",
		bi->loader_name[0] ? bi->loader_name : "unknown loader",
		(unsigned long long)bi->image_hpa, (unsigned long long)(bi->image_len / KiB));
	pr_info("boot: command line \"%s\"\n", bi->cmdline);
	for (uint32_t i = 0; i < bi->nmodules; i++)
		pr_info("boot: module %s at %#llx, %llu bytes\n", bi->modules[i].name,
			(unsigned long long)bi->modules[i].hpa,
			(unsigned long long)bi->modules[i].len);
	if (bi->rsdp_len)
		pr_info("boot: ACPI RSDP revision %u at %#llx\n", bi->rsdp[15],
			(unsigned long long)bi->rsdp_hpa);
	else
		pr_warn("boot: no ACPI RSDP from the loader\n");
}

static void report_unmapped_module(const struct boot_module *m)
{
	pr_err("boot: module %s at %#llx (%llu bytes) lies outside physical memory; ignored\n",
	       m->name, (unsigned long long)m->hpa, (unsigned long long)m->len);
}

static bool module_exists(void *ctx, const char *path)
{
	return boot_find_module(ctx, path) != NULL;
}

/* plinth.cfg arrives as a module; the command line then overrides its [plinth] keys. */
static int load_config(void)
{
	const struct boot_module *m = boot_find_module(&boot_info, CONFIG_FILE_NAME);
	int errors = 0;

	if (!m) {
		pr_warn("config: no %s among the boot modules; using defaults (no guests)\n",
			CONFIG_FILE_NAME);
	} else {
		config_parse(&config, phys_to_virt(m->hpa), m->len, CONFIG_FILE_NAME, report_diag,
			     &errors);
		errors += config_check_files(&config, CONFIG_FILE_NAME, module_exists, &boot_info,
					     "among the boot modules", report_diag, NULL);
	}
	config_parse_cmdline(&config, boot_info.cmdline, NULL, NULL);
	return errors;
}

static void report_line(void *ctx, const char *text)
{
	pr_info("%s\n", text);
}

static void vmx_bring_up(uint64_t tsc_at_entry)
{
	struct vmx_raw_caps raw;
	struct vmx_caps caps;
	enum vmx_verdict verdict;
	char sentence[256];
	uint64_t ticks;

	vmx_caps_read(&raw);
	verdict = vmx_caps_decode(&raw, &caps);
	vmx_caps_report(&raw, &caps, report_line, NULL);
	if (verdict != VMX_OK) {
		vmx_verdict_sentence(verdict, &raw, sentence, sizeof(sentence));
		pr_err("plinth: %s\n", sentence);
		plinth_halt();
	}
	if (vmx_enable_this_cpu(&raw, &caps))
		plinth_halt();
	if (vmx_host_init(&raw, &caps))
		plinth_halt();
	ticks = rdtsc() - tsc_at_entry;
	pr_info("VMX: ready (%llu TSC ticks since the core's first instruction, %llu of them "
		"writing to the console)\n",
		(unsigned long long)ticks, (unsigned long long)console_ticks());
}

void plinth_entry(uint32_t loader, uint64_t info_hpa, uint32_t mb2_magic, uint64_t tsc_at_entry,
		  uint64_t image_hpa)
{
	struct console_config console_before;
	char err[256];
	int boot_err, errors, err_code;

	paging_set_image_hpa(image_hpa);
	bsp_cpu_init();
	config_defaults(&config);
	boot_err = boot_info_collect(loader, info_hpa, mb2_magic, &boot_info, err, sizeof(err));
	if (!boot_err)
		config_parse_cmdline(&config, boot_info.cmdline, defer_diag, NULL);
	console_init(&config.console);
	log_set_level(config.loglevel);
	plinth_banner();
	for (unsigned int i = 0; i < nearly_diags; i++)
		pr_err("error: %s\n", early_diags[i]);
	if (boot_err) {
		pr_err("plinth: %s\n", err);
		plinth_halt();
	}
	boot_info.image_hpa = image_hpa;
	boot_info.image_len = (uint64_t)(__image_end - __image_start);
	boot_info.tsc_at_entry = tsc_at_entry;
	print_boot_info(&boot_info);

	if (memory_init(&boot_info))
		plinth_halt();
	err_code = paging_init(memory_phys_top());
	if (err_code) {
		pr_err("plinth: cannot build page tables (%s)\n", errno_name(err_code));
		plinth_halt();
	}
	memory_init_late();
	memory_print_map();
	boot_drop_unmapped_modules(&boot_info, paging_direct_mapped, report_unmapped_module);

	console_before = config.console;
	errors = load_config();
	if (console_before.enabled != config.console.enabled ||
	    console_before.port != config.console.port ||
	    console_before.baud != config.console.baud) {
		pr_info("console: moving to %s as %s says\n",
			config.console.enabled ? "another port" : "nowhere (console=none)",
			CONFIG_FILE_NAME);
		console_init(&config.console);
		plinth_banner();
	}
	log_set_level(config.loglevel);
	errors += nearly_diags; /* the command line's, as plinth.efi counts them too */
	if (errors) {
		pr_err("plinth: %d configuration error%s (%s and command line); not starting any "
		       "guest\n",
		       errors, errors == 1 ? "" : "s", CONFIG_FILE_NAME);
		plinth_halt();
	}
	pr_info("config: %u guest%s configured\n", config.nguests, config.nguests == 1 ? "" : "s");
	selftest_run(config.selftest);

	vmx_bring_up(tsc_at_entry);
	legacy_pic_mask_all();
	pr_info("tsc: %llu kHz (measured against the PIT)\n", (unsigned long long)tsc_calibrate());
	smp_boot(&boot_info, !strcmp(config.selftest, "phantom-cpu"));
	selftest_after_smp(config.selftest);
	guests_run(&config, &boot_info);
	plinth_halt();
}
