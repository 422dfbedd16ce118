/* SPDX-License-Identifier: MIT */
#ifndef PLINTH_BOOT_EFI_EFI_HANDOFF_H
#define PLINTH_BOOT_EFI_EFI_HANDOFF_H

#include <efi.h>
#include "boot/boot_info.h"

/* Copies the carried core to a 2 MiB-aligned place below 4 GiB; *entry is its entry64. */
EFI_STATUS efi_place_core(uint64_t *image_hpa, uint64_t *entry_hpa);

/* Fills bi->rsdp from the ACPI configuration tables (2.0 preferred), bi->fb from GOP. */
void efi_collect_firmware_info(struct boot_info *bi);

/* Gets the memory map into bi, exits boot services (retrying while the map key is stale, as
 * UEFI 2.10 7.4 requires) and jumps to the core. Returns only on failure, with boot services
 * still available. */
EFI_STATUS efi_exit_and_enter(EFI_HANDLE image, struct boot_info *bi, uint64_t entry_hpa);

#endif
