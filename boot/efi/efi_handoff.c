// SPDX-License-Identifier: MIT
#include "boot/efi/efi_handoff.h"
#include <efilib.h>
#include "boot/efi/core_header.h"
#include "boot/efi/efi_console.h"
#include "boot/efi_memtype.h"
#include "core/string.h"

extern const uint8_t core_blob[] __attribute__((visibility("hidden")));
extern const uint8_t core_blob_end[] __attribute__((visibility("hidden")));

#define TWO_MIB		  0x200000ull
#define BELOW_4G	  0xffffffffull
#define EXIT_BS_ATTEMPTS  8
#define MAP_SLACK_ENTRIES 16

EFI_STATUS efi_place_core(uint64_t *image_hpa, uint64_t *entry_hpa)
{
	const struct core_header *h = (const struct core_header *)core_blob;
	uint64_t blob_len = (uint64_t)(core_blob_end - core_blob);
	uint64_t image_len, pages, base;
	EFI_PHYSICAL_ADDRESS addr = BELOW_4G;
	EFI_STATUS st;

	if (blob_len < sizeof(*h) || memcmp(h->magic, CORE_HEADER_MAGIC, 8) || h->version != 1 ||
	    h->image_end_va <= h->image_start_va || h->entry64_va < h->image_start_va ||
	    h->file_end_va - h->image_start_va != blob_len ||
	    h->image_end_va - h->image_start_va < blob_len)
		return EFI_LOAD_ERROR;
	image_len = h->image_end_va - h->image_start_va;
	/* Over-allocate by 2 MiB and give back the unaligned head and tail. LoaderCode, not
	 * LoaderData: firmware NX policies may cover data types. */
	pages = (image_len + TWO_MIB) / 4096;
	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderCode, pages,
			       &addr);
	if (EFI_ERROR(st))
		return st;
	base = (addr + TWO_MIB - 1) & ~(TWO_MIB - 1);
	if (base > addr)
		uefi_call_wrapper(BS->FreePages, 2, addr, (base - addr) / 4096);
	if (addr + pages * 4096 > base + image_len)
		uefi_call_wrapper(BS->FreePages, 2, base + image_len,
				  (addr + pages * 4096 - base - image_len) / 4096);
	memcpy((void *)base, core_blob, blob_len);
	memset((void *)(base + blob_len), 0, image_len - blob_len);
	*image_hpa = base;
	*entry_hpa = base + (h->entry64_va - h->image_start_va);
	return EFI_SUCCESS;
}

static bool rsdp_valid(const uint8_t *p, uint32_t len)
{
	uint8_t sum = 0;

	if (memcmp(p, "RSD PTR ", 8))
		return false;
	for (uint32_t i = 0; i < 20; i++)
		sum += p[i];
	if (sum)
		return false;
	if (len == 36) {
		for (uint32_t i = 0; i < 36; i++)
			sum += p[i];
		return sum == 0;
	}
	return true;
}

static void collect_rsdp(struct boot_info *bi)
{
	static EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
	const uint8_t *found = NULL;
	uint32_t len = 0;

	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];
		const uint8_t *p = t->VendorTable;

		if (!p)
			continue;
		if (!CompareGuid(&t->VendorGuid, &acpi20) && p[15] >= 2 && rsdp_valid(p, 36)) {
			found = p;
			len = 36;
			break;
		}
		if (!found && !CompareGuid(&t->VendorGuid, &acpi10) && rsdp_valid(p, 20)) {
			found = p;
			len = 20;
		}
	}
	if (found) {
		memcpy(bi->rsdp, found, len);
		bi->rsdp_len = len;
		bi->rsdp_hpa = (uint64_t)found;
	}
}

static void collect_framebuffer(struct boot_info *bi)
{
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop;
	EFI_GUID guid = EFI_GRAPHICS_OUTPUT_PROTOCOL_GUID;

	if (EFI_ERROR(uefi_call_wrapper(BS->LocateProtocol, 3, &guid, NULL, (void **)&gop)) ||
	    !gop->Mode || !gop->Mode->Info)
		return;
	if (gop->Mode->Info->PixelFormat != PixelRedGreenBlueReserved8BitPerColor &&
	    gop->Mode->Info->PixelFormat != PixelBlueGreenRedReserved8BitPerColor)
		return;
	bi->fb.hpa = gop->Mode->FrameBufferBase;
	bi->fb.width = gop->Mode->Info->HorizontalResolution;
	bi->fb.height = gop->Mode->Info->VerticalResolution;
	bi->fb.pitch_bytes = gop->Mode->Info->PixelsPerScanLine * 4;
	bi->fb.bpp = 32;
}

void efi_collect_firmware_info(struct boot_info *bi)
{
	collect_rsdp(bi);
	collect_framebuffer(bi);
}

/* EFI descriptors → bi->mem, merging neighbours of one type. No allocation: this runs between
 * GetMemoryMap and ExitBootServices. */
static EFI_STATUS convert_map(const UINT8 *map, UINTN map_size, UINTN desc_size,
			      struct boot_info *bi)
{
	bi->nmem = 0;
	for (UINTN off = 0; off + desc_size <= map_size; off += desc_size) {
		const EFI_MEMORY_DESCRIPTOR *d = (const EFI_MEMORY_DESCRIPTOR *)(map + off);
		uint32_t type = efi_mem_type(d->Type, d->Attribute);
		uint64_t len = d->NumberOfPages * 4096;
		struct mem_range *prev = bi->nmem ? &bi->mem[bi->nmem - 1] : NULL;

		if (!len)
			continue;
		if (prev && prev->type == type && prev->base + prev->len == d->PhysicalStart) {
			prev->len += len;
			continue;
		}
		if (bi->nmem == BOOT_MAX_MEM_RANGES)
			return EFI_BUFFER_TOO_SMALL;
		bi->mem[bi->nmem++] = (struct mem_range){ d->PhysicalStart, len, type, 0 };
	}
	return EFI_SUCCESS;
}

static __attribute__((noreturn)) void enter_core(uint64_t entry_hpa, struct boot_info *bi)
{
	__asm__ volatile("cli\n\t"
			 "jmp *%0"
			 :
			 : "r"(entry_hpa), "D"((uint64_t)BOOT_LOADER_EFI), "S"(bi), "d"(0ull)
			 : "memory");
	__builtin_unreachable();
}

EFI_STATUS efi_exit_and_enter(EFI_HANDLE image, struct boot_info *bi, uint64_t entry_hpa)
{
	UINTN map_size = 0, key, desc_size, buf_size;
	UINT32 desc_version;
	UINT8 *map = NULL;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->GetMemoryMap, 5, &map_size, NULL, &key, &desc_size,
			       &desc_version);
	if (st != EFI_BUFFER_TOO_SMALL)
		return EFI_ERROR(st) ? st : EFI_LOAD_ERROR;
	/* Room for the map to grow by the allocation of this very buffer, and more. */
	buf_size = map_size + MAP_SLACK_ENTRIES * desc_size;
	map = AllocatePool(buf_size);
	if (!map)
		return EFI_OUT_OF_RESOURCES;
	econ_printf("plinth.efi: exiting boot services and starting the core\n");
	for (int attempt = 0; attempt < EXIT_BS_ATTEMPTS; attempt++) {
		map_size = buf_size;
		st = uefi_call_wrapper(BS->GetMemoryMap, 5, &map_size, (EFI_MEMORY_DESCRIPTOR *)map,
				       &key, &desc_size, &desc_version);
		if (EFI_ERROR(st))
			break;
		st = convert_map(map, map_size, desc_size, bi);
		if (EFI_ERROR(st))
			break;
		st = uefi_call_wrapper(BS->ExitBootServices, 2, image, key);
		if (!EFI_ERROR(st))
			enter_core(entry_hpa, bi);
		/* EFI_INVALID_PARAMETER: the map changed under us; get it again and retry. */
	}
	return st;
}
