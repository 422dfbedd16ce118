// SPDX-License-Identifier: MIT
/*
 * plinth.efi: reads \EFI\plinth\plinth.cfg and the files it names, checks for VT-x while the
 * firmware can still show a message and take the boot back, then hands the machine to the core.
 */
#include <efi.h>
#include <efilib.h>
#include "arch/x86/vmx/vmx_caps.h"
#include "boot/boot_info.h"
#include "boot/efi/efi_console.h"
#include "boot/efi/efi_files.h"
#include "boot/efi/efi_handoff.h"
#include "core/config.h"
#include "core/config_files.h"
#include "core/string.h"
#include "plinth_build.h" /* generated: build/gen/plinth_build.h */

#define CONFIG_MAX_BYTES (64 * 1024)
/* Time to read an error on screen before the firmware moves on to the next boot option. */
#define ERROR_PAUSE_US (3 * 1000 * 1000)

static struct plinth_config config;

static void report_diag(void *ctx, const struct config_diag *d)
{
	char line[256];

	config_diag_format(d, line, sizeof(line));
	econ_printf("plinth.efi: error: %s\n", line);
	(*(int *)ctx)++;
}

static EFI_STATUS fail(EFI_STATUS st, const char *what)
{
	econ_printf("plinth.efi: %s; returning to the firmware.\n", what);
	uefi_call_wrapper(BS->Stall, 1, ERROR_PAUSE_US);
	return st;
}

/* LoadOptions is UCS-2 text when the shell or a boot entry passes options; anything else
 * (binary data some boot managers pass) is ignored. The shell passes our own name first. */
static void load_options_to_cmdline(EFI_LOADED_IMAGE *li, char *out, size_t cap)
{
	const CHAR16 *w = li->LoadOptions;
	UINTN n = li->LoadOptionsSize / sizeof(CHAR16), i = 0, o = 0;
	size_t first_end;

	out[0] = 0;
	if (!w || !n)
		return;
	for (i = 0; i < n && w[i]; i++) {
		if (w[i] < 0x20 || w[i] > 0x7e || o + 1 >= cap) {
			out[0] = 0;
			return;
		}
		out[o++] = (char)w[i];
	}
	out[o] = 0;
	for (first_end = 0; out[first_end] && out[first_end] != ' '; first_end++)
		;
	if (first_end >= 4 && (!strncmp(out + first_end - 4, ".efi", 4) ||
			       !strncmp(out + first_end - 4, ".EFI", 4))) {
		while (out[first_end] == ' ')
			first_end++;
		memmove(out, out + first_end, strlen(out + first_end) + 1);
	}
}

static int add_module(struct boot_info *bi, const char *path)
{
	struct boot_module *m;

	for (uint32_t i = 0; i < bi->nmodules; i++)
		if (!strcmp(bi->modules[i].name, path))
			return 0;
	if (bi->nmodules == BOOT_MAX_MODULES) {
		econ_printf("plinth.efi: error: more than %d files to load\n", BOOT_MAX_MODULES);
		return -1;
	}
	m = &bi->modules[bi->nmodules];
	if (strlcpy_pl(m->name, path, sizeof(m->name)) >= sizeof(m->name)) {
		econ_printf("plinth.efi: error: file name '%s' is too long\n", path);
		return -1;
	}
	if (EFI_ERROR(efi_file_read(path, EfiLoaderData, &m->hpa, &m->len))) {
		econ_printf("plinth.efi: error: cannot read %s%s\n", PLINTH_EFI_DIR, path);
		return -1;
	}
	bi->nmodules++;
	return 0;
}

static int load_guest_files(struct boot_info *bi)
{
	for (unsigned int g = 0; g < config.nguests; g++) {
		const struct guest_config *gc = &config.guests[g];

		if (add_module(bi, gc->image))
			return -1;
		for (unsigned int m = 0; m < gc->nmodules; m++)
			if (add_module(bi, gc->modules[m].path))
				return -1;
	}
	return 0;
}

static bool vtx_usable(void)
{
	struct vmx_raw_caps raw;
	struct vmx_caps caps;
	enum vmx_verdict v;
	char sentence[256];

	vmx_caps_read(&raw);
	v = vmx_caps_decode(&raw, &caps);
	if (v == VMX_OK)
		return true;
	vmx_verdict_sentence(v, &raw, sentence, sizeof(sentence));
	econ_printf("plinth.efi: %s\n", sentence);
	return false;
}

static struct boot_info *alloc_boot_info(void)
{
	EFI_PHYSICAL_ADDRESS addr = 0xffffffff; /* the core reads it through its 4 GiB boot map */
	UINTN pages = (sizeof(struct boot_info) + 4095) / 4096;
	struct boot_info *bi;

	if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData,
					pages, &addr)))
		return NULL;
	bi = (struct boot_info *)addr;
	memset(bi, 0, sizeof(*bi));
	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->size_bytes = sizeof(*bi);
	bi->loader = BOOT_LOADER_EFI;
	strlcpy_pl(bi->loader_name, "plinth.efi " PLINTH_VERSION, sizeof(bi->loader_name));
	return bi;
}

/* Pages below 1 MiB for the APs' real-mode start (a start-up IPI names a page there). After
 * ExitBootServices low memory may hold nothing usable, so they are taken now; without them the
 * core runs on the boot CPU alone, and says so. */
static void reserve_ap_trampoline(struct boot_info *bi)
{
	EFI_PHYSICAL_ADDRESS addr = 0x9ffff; /* below the EBDA and the legacy video area */

	if (EFI_ERROR(uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData,
					BOOT_AP_TRAMPOLINE_PAGES, &addr))) {
		econ_printf("plinth.efi: warning: no free pages below 640 KiB for starting the "
			    "other CPUs\n");
		return;
	}
	bi->ap_trampoline_hpa = addr;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_LOADED_IMAGE *li;
	struct boot_info *bi;
	uint64_t cfg_hpa = 0, cfg_len = 0, image_hpa, entry_hpa;
	int errors = 0;
	EFI_STATUS st;

	InitializeLib(image, systab);
	config_defaults(&config);
	st = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st))
		return st;
	bi = alloc_boot_info();
	if (!bi)
		return EFI_OUT_OF_RESOURCES;
	load_options_to_cmdline(li, bi->cmdline, sizeof(bi->cmdline));
	/* The command line may move the console; parse it quietly first, report after. */
	config_parse_cmdline(&config, bi->cmdline, NULL, NULL);
	econ_init(&config.console);
	econ_printf("plinth.efi %s (git %s)\n", PLINTH_VERSION, PLINTH_GIT_REV);
	config_defaults(&config);
	config_parse_cmdline(&config, bi->cmdline, report_diag, &errors);

	st = efi_files_open_volume(image);
	if (EFI_ERROR(st))
		return fail(st, "cannot open the volume plinth.efi was loaded from");
	st = efi_file_read(CONFIG_FILE_NAME, EfiLoaderData, &cfg_hpa, &cfg_len);
	if (st == EFI_NOT_FOUND) {
		econ_printf("plinth.efi: warning: no %s%s; using defaults (no guests)\n",
			    PLINTH_EFI_DIR, CONFIG_FILE_NAME);
	} else if (EFI_ERROR(st) || cfg_len > CONFIG_MAX_BYTES) {
		return fail(EFI_LOAD_ERROR, "cannot read " PLINTH_EFI_DIR CONFIG_FILE_NAME
					    " (unreadable, or larger than 64 KiB)");
	} else {
		config_parse(&config, (const char *)cfg_hpa, cfg_len, CONFIG_FILE_NAME, report_diag,
			     &errors);
		config_check_files(&config, CONFIG_FILE_NAME, efi_file_exists, NULL,
				   "in " PLINTH_EFI_DIR " on the boot volume", report_diag,
				   &errors);
		/* The command line wins over the file's [plinth] keys, as in the core. */
		config_parse_cmdline(&config, bi->cmdline, NULL, NULL);
	}
	if (errors)
		return fail(EFI_INVALID_PARAMETER, "not starting: fix the errors above");

	efi_collect_firmware_info(bi);
	reserve_ap_trampoline(bi);
	if (bi->rsdp_len)
		econ_printf("plinth.efi: ACPI RSDP revision %u at %#llx\n", bi->rsdp[15],
			    (unsigned long long)bi->rsdp_hpa);
	else
		econ_printf("plinth.efi: warning: the firmware publishes no ACPI tables\n");
	if (!vtx_usable())
		return fail(EFI_UNSUPPORTED, "cannot run here");

	if (cfg_len) {
		struct boot_module *m = &bi->modules[bi->nmodules++];

		strlcpy_pl(m->name, CONFIG_FILE_NAME, sizeof(m->name));
		m->hpa = cfg_hpa;
		m->len = cfg_len;
	}
	if (load_guest_files(bi))
		return fail(EFI_LOAD_ERROR, "not starting: a file could not be loaded");
	st = efi_place_core(&image_hpa, &entry_hpa);
	if (EFI_ERROR(st))
		return fail(st, "cannot place the core image below 4 GiB");
	st = efi_exit_and_enter(image, bi, entry_hpa);
	return fail(st, "could not exit boot services");
}
