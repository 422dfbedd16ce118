/* SPDX-License-Identifier: MIT */
/*
 * QEMU's fw_cfg, legacy I/O interface: write a 16-bit key to the selector port, then read the
 * item's bytes one at a time from the data port (each read advances). Multi-byte items are
 * little-endian.
 */
#ifndef GUEST_LIB_FW_CFG_H
#define GUEST_LIB_FW_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FW_CFG_PORT_SEL	 0x510
#define FW_CFG_PORT_DATA 0x511

#define FW_CFG_SIGNATURE 0x00 /* "QEMU" */
#define FW_CFG_ID	 0x01 /* bit 0: the traditional interface; bit 1: DMA */
#define FW_CFG_RAM_SIZE	 0x03 /* bytes, 64-bit */
#define FW_CFG_NB_CPUS	 0x05 /* 16-bit */

void fw_cfg_read(uint16_t key, void *buf, size_t len);
uint16_t fw_cfg_read_u16(uint16_t key);
uint32_t fw_cfg_read_u32(uint16_t key);
uint64_t fw_cfg_read_u64(uint16_t key);
/* Is the signature "QEMU"? */
bool fw_cfg_present(void);
/* The RAM size, or 0 (after printing why) when fw_cfg is missing. */
uint64_t fw_cfg_ram_bytes(const char *who);

#endif
