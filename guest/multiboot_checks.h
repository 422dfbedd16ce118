/* SPDX-License-Identifier: MIT */
/*
 * What the mb1 and mb2 guests expect from their loader: the command line and module of
 * tests/boot/configs/guests-multiboot.cfg, the boot loader's name, and the guest memory map
 * plinth documents for a RAM size (learnt from fw_cfg):
 *
 *   [0, 0x9fc00) available, [0x9fc00, 0xa0000) reserved, [0xf0000, 0x100000) reserved,
 *   [1 MiB, end of RAM below 3 GiB) available, then the rest of RAM from 4 GiB, available.
 *
 * Built with GUEST_QEMU_TEST, the checks accept what QEMU and GRUB pass instead (their name,
 * the kernel's path before its command line, and a BIOS memory map), so that the same code can
 * be proved on QEMU without VMX.
 */
#ifndef GUEST_MULTIBOOT_CHECKS_H
#define GUEST_MULTIBOOT_CHECKS_H

#include <stdint.h>
#include "lib/check.h"

#define MB_EXPECT_CMDLINE	"mb-test answer=42 # kept"
#define MB_EXPECT_MODULE_STRING "mb/module.txt mod-arg=1 second"
#define MB_EXPECT_LOADER	"plinth"

#define MB_MEM_AVAILABLE 1
#define MB_MEM_RESERVED	 2

struct mem_range {
	uint64_t base, len;
	uint32_t type;
};

/* Checks numbered from first: the command line, then the loader's name. */
void mb_check_cmdline(struct checks *c, unsigned int id, const char *cmdline);
void mb_check_loader_name(struct checks *c, unsigned int id, const char *name);
/* mem_lower and mem_upper (KiB) against the map for ram_bytes. */
void mb_check_meminfo(struct checks *c, unsigned int id, uint32_t lower, uint32_t upper,
		      uint64_t ram_bytes);
/* The loader's memory map (prints it) against the documented one. */
void mb_check_mmap(struct checks *c, unsigned int id, const struct mem_range *got, unsigned int n,
		   uint64_t ram_bytes);
/* Checks id (bytes and length) and id + 1 (string) for the one module. */
void mb_check_module(struct checks *c, unsigned int id, uint32_t start, uint32_t end,
		     const char *string, uint64_t ram_bytes);

#endif
