/* SPDX-License-Identifier: MIT */
/* Files on the volume plinth.efi was loaded from, under \EFI\plinth\. */
#ifndef PLINTH_BOOT_EFI_EFI_FILES_H
#define PLINTH_BOOT_EFI_EFI_FILES_H

#include <efi.h>
#include <stdbool.h>
#include <stdint.h>

#define PLINTH_EFI_DIR "\\EFI\\plinth\\"

EFI_STATUS efi_files_open_volume(EFI_HANDLE image);
bool efi_file_exists(void *ctx, const char *rel_path);
/* Reads the whole file into pages of type mem_type; *hpa, *len. EFI_NOT_FOUND when absent. */
EFI_STATUS efi_file_read(const char *rel_path, EFI_MEMORY_TYPE mem_type, uint64_t *hpa,
			 uint64_t *len);

#endif
