/* SPDX-License-Identifier: MIT */
/*
 * QEMU's firmware configuration device, legacy I/O interface only (no DMA): a 16-bit write to
 * the selector port picks an item, byte reads of the data port step through it and read 0 past
 * its end. Items: signature, interface ID, RAM size, CPU counts and an empty file directory;
 * every other selector is an empty item. Selector values are QEMU's
 * (include/standard-headers/linux/qemu_fw_cfg.h, docs/specs/fw_cfg.rst).
 */
#ifndef PLINTH_DRIVERS_VDEV_FW_CFG_H
#define PLINTH_DRIVERS_VDEV_FW_CFG_H

#include <stdint.h>

struct vm;
struct pio_bus;

#define FW_CFG_PORT_SEL	 0x510
#define FW_CFG_PORT_DATA 0x511

#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_ID	 0x0001
#define FW_CFG_RAM_SIZE	 0x0003
#define FW_CFG_NB_CPUS	 0x0005
#define FW_CFG_MAX_CPUS	 0x000f
#define FW_CFG_FILE_DIR	 0x0019

#define FW_CFG_WRITE_CHANNEL 0x4000 /* ignored when selecting, as QEMU does */
#define FW_CFG_ARCH_LOCAL    0x8000 /* x86-specific items (e820, ACPI ...): none here */

#define FW_CFG_VERSION 0x01 /* FW_CFG_ID bit 0: the traditional interface; bit 1 (DMA) clear */

#define FW_CFG_ITEM_MAX 8 /* the largest item here: RAM size */

struct fw_cfg {
	struct vm *vm;
	uint16_t selector;
	uint8_t item[FW_CFG_ITEM_MAX]; /* the selected item, built when selected */
	uint8_t item_len;
	uint8_t offset; /* next byte the data port returns */
};

/* Selects FW_CFG_SIGNATURE, as QEMU does at reset. */
void fw_cfg_init(struct fw_cfg *f, struct vm *vm);
/* Claims FW_CFG_PORT_SEL and FW_CFG_PORT_DATA. */
int fw_cfg_register(struct fw_cfg *f, struct pio_bus *bus);

#endif
