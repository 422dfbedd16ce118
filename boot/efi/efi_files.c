// SPDX-License-Identifier: MIT
#include "boot/efi/efi_files.h"
#include <efilib.h>
#include "core/config.h"
#include "core/string.h"

#define MAX_FILE_BYTES (1ull << 32) /* a guest image larger than 4 GiB is a mistake */

static EFI_FILE_HANDLE volume_root;

EFI_STATUS efi_files_open_volume(EFI_HANDLE image)
{
	EFI_LOADED_IMAGE *loaded;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol,
			       (void **)&loaded);
	if (EFI_ERROR(st))
		return st;
	volume_root = LibOpenRoot(loaded->DeviceHandle);
	return volume_root ? EFI_SUCCESS : EFI_NOT_FOUND;
}

/* "guests/a.bin" → L"\EFI\plinth\guests\a.bin". The config parser has already refused
 * anything but [A-Za-z0-9._-/] without "..", so a byte-wise widening is exact. */
static bool make_path(const char *rel, CHAR16 *out, size_t cap)
{
	static const char prefix[] = PLINTH_EFI_DIR;
	size_t n = 0;

	for (const char *p = prefix; *p; p++)
		out[n++] = (CHAR16)*p;
	for (const char *p = rel; *p; p++) {
		if (n + 1 >= cap)
			return false;
		out[n++] = *p == '/' ? L'\\' : (CHAR16)(unsigned char)*p;
	}
	out[n] = 0;
	return true;
}

static EFI_FILE_HANDLE open_file(const char *rel)
{
	CHAR16 path[CONFIG_PATH_LEN + 32];
	EFI_FILE_HANDLE fh;

	if (!volume_root || !make_path(rel, path, ARRAY_SIZE(path)))
		return NULL;
	if (EFI_ERROR(uefi_call_wrapper(volume_root->Open, 5, volume_root, &fh, path,
					EFI_FILE_MODE_READ, 0)))
		return NULL;
	return fh;
}

bool efi_file_exists(void *ctx, const char *rel_path)
{
	EFI_FILE_HANDLE fh = open_file(rel_path);

	if (!fh)
		return false;
	uefi_call_wrapper(fh->Close, 1, fh);
	return true;
}

EFI_STATUS efi_file_read(const char *rel_path, EFI_MEMORY_TYPE mem_type, uint64_t *hpa,
			 uint64_t *len)
{
	EFI_FILE_HANDLE fh = open_file(rel_path);
	EFI_FILE_INFO *info;
	EFI_PHYSICAL_ADDRESS addr = 0;
	UINTN size, pages;
	EFI_STATUS st;

	if (!fh)
		return EFI_NOT_FOUND;
	info = LibFileInfo(fh);
	if (!info) {
		uefi_call_wrapper(fh->Close, 1, fh);
		return EFI_DEVICE_ERROR;
	}
	size = info->FileSize;
	FreePool(info);
	if (size > MAX_FILE_BYTES) {
		uefi_call_wrapper(fh->Close, 1, fh);
		return EFI_BAD_BUFFER_SIZE;
	}
	pages = (size + 4095) / 4096;
	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, mem_type, pages ? pages : 1,
			       &addr);
	if (!EFI_ERROR(st)) {
		UINTN got = size;

		st = uefi_call_wrapper(fh->Read, 3, fh, &got, (void *)addr);
		if (!EFI_ERROR(st) && got != size)
			st = EFI_DEVICE_ERROR;
		if (EFI_ERROR(st))
			uefi_call_wrapper(BS->FreePages, 2, addr, pages ? pages : 1);
	}
	uefi_call_wrapper(fh->Close, 1, fh);
	if (EFI_ERROR(st))
		return st;
	*hpa = addr;
	*len = size;
	return EFI_SUCCESS;
}
