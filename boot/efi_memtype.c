// SPDX-License-Identifier: MIT
/* UEFI memory types (UEFI 2.10, section 7.2, EFI_MEMORY_TYPE) → boot_info's E820 numbering. */
#include "boot/efi_memtype.h"
#include "boot/boot_info.h"

enum {
	EFI_RESERVED_MEMORY_TYPE = 0,
	EFI_LOADER_CODE = 1,
	EFI_LOADER_DATA = 2,
	EFI_BOOT_SERVICES_CODE = 3,
	EFI_BOOT_SERVICES_DATA = 4,
	EFI_RUNTIME_SERVICES_CODE = 5,
	EFI_RUNTIME_SERVICES_DATA = 6,
	EFI_CONVENTIONAL_MEMORY = 7,
	EFI_UNUSABLE_MEMORY = 8,
	EFI_ACPI_RECLAIM_MEMORY = 9,
	EFI_ACPI_MEMORY_NVS = 10,
	EFI_MEMORY_MAPPED_IO = 11,
	EFI_MEMORY_MAPPED_IO_PORT_SPACE = 12,
	EFI_PAL_CODE = 13,
	EFI_PERSISTENT_MEMORY = 14,
	EFI_UNACCEPTED_MEMORY = 15,
};

uint32_t efi_mem_type(uint32_t efi_type, uint64_t attribute)
{
	switch (efi_type) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
	case EFI_CONVENTIONAL_MEMORY:
		/* Free after ExitBootServices, unless firmware still needs it at runtime. */
		return (attribute & EFI_MEMORY_RUNTIME_ATTR) ? MEM_RESERVED : MEM_USABLE;
	case EFI_ACPI_RECLAIM_MEMORY:
		return MEM_ACPI_RECLAIM;
	case EFI_ACPI_MEMORY_NVS:
		return MEM_ACPI_NVS;
	case EFI_UNUSABLE_MEMORY:
		return MEM_BAD;
	case EFI_PERSISTENT_MEMORY:
		return MEM_PERSISTENT;
	default:
		/* Reserved, runtime services, MMIO, PAL code, unaccepted (would need the TDX/SNP
		 * accept protocol) and types from newer specifications. */
		return MEM_RESERVED;
	}
}
