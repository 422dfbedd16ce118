// SPDX-License-Identifier: MIT
/*
 * Port I/O on the virtual platform (flat, 32-bit): fw_cfg, PCI configuration space, an
 * unclaimed port, the UART's scratch and divisor registers, CMOS, the PIT, string I/O, and
 * 16- and 32-bit accesses. Flat guests have no command line, so the RAM size fw_cfg must report
 * is a constant that tests/boot/configs/guests-pio.cfg matches (memory = 8M).
 */
#include <stdbool.h>
#include "lib/check.h"
#include "lib/entry.h"
#include "lib/fw_cfg.h"
#include "lib/io.h"
#include "lib/serial.h"
#include "lib/string.h"

#define PIO_EXPECTED_RAM_BYTES (8u << 20)
#define UNCLAIMED_PORT	       0x1234

/* The PCI device whose configuration space must read all-ones; plinth has none at all. The
 * QEMU test build picks a slot QEMU's pc machine leaves empty. */
#ifndef PIO_PCI_DEV
#define PIO_PCI_DEV 0
#endif
#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA	   0xcfc
#define PCI_ENABLE	   0x80000000u

#define CMOS_INDEX   0x70
#define CMOS_DATA    0x71
#define CMOS_REG_D   0x0d
#define CMOS_D_VALID 0x80

#define PIT_CH2		  0x42
#define PIT_CMD		  0x43
#define PIT_CMD_CH2_MODE2 0xb4 /* channel 2, low then high byte, mode 2, binary */
#define PIT_CMD_CH2_LATCH 0x80
#define PORT_61		  0x61 /* bit 0: channel 2 gate; bit 1: speaker data */

static const char outsb_line[] = "pio: this line came through one rep outsb\n";

static uint16_t pit_ch2_latched(void)
{
	outb(PIT_CMD, PIT_CMD_CH2_LATCH);
	uint8_t lo = inb(PIT_CH2);

	return (uint16_t)(inb(PIT_CH2) << 8 | lo);
}

static bool all_bytes(const void *buf, size_t len, uint8_t v)
{
	const uint8_t *p = buf;

	for (size_t i = 0; i < len; i++) {
		if (p[i] != v)
			return false;
	}
	return true;
}

static void check_fw_cfg(struct checks *c)
{
	char sig[5] = { 0 };

	fw_cfg_read(FW_CFG_SIGNATURE, sig, 4);
	check(c, 1, memcmp(sig, "QEMU", 4) == 0, "fw_cfg signature \"%s\" (expected \"QEMU\")",
	      sig);
	uint32_t id = fw_cfg_read_u32(FW_CFG_ID);

	check(c, 2, id & 1, "fw_cfg id 0x%x has bit 0 (traditional interface)", id);
	uint64_t ram = fw_cfg_read_u64(FW_CFG_RAM_SIZE);

	check(c, 3, ram == PIO_EXPECTED_RAM_BYTES, "fw_cfg RAM size 0x%llx (expected 0x%x)",
	      (unsigned long long)ram, PIO_EXPECTED_RAM_BYTES);
	uint16_t cpus = fw_cfg_read_u16(FW_CFG_NB_CPUS);

	check(c, 4, cpus == 1, "fw_cfg CPU count %u (expected 1)", cpus);
}

static void check_pci(struct checks *c)
{
	uint32_t addr = PCI_ENABLE | (uint32_t)PIO_PCI_DEV << 11;

	outl(PCI_CONFIG_ADDRESS, addr);
	uint32_t back = inl(PCI_CONFIG_ADDRESS);
	uint32_t id = inl(PCI_CONFIG_DATA);

	check(c, 5, id == 0xffffffffu,
	      "PCI 00:%02x.0 vendor/device reads 0x%08x (expected all-ones)", PIO_PCI_DEV, id);
	check(c, 6, back == addr, "32-bit out + in: PCI config address 0x%08x reads back 0x%08x",
	      addr, back);
	outl(PCI_CONFIG_ADDRESS, 0);
}

static void check_unclaimed(struct checks *c)
{
	uint8_t b = inb(UNCLAIMED_PORT);
	uint16_t w = inw(UNCLAIMED_PORT);
	uint32_t l = inl(UNCLAIMED_PORT);

	outb(UNCLAIMED_PORT, 0);
	outl(UNCLAIMED_PORT, 0);
	check(c, 7, b == 0xff && w == 0xffff && l == 0xffffffffu,
	      "unclaimed port 0x%x reads 0x%02x, 0x%04x, 0x%08x by size", UNCLAIMED_PORT, b, w, l);
}

static void check_uart(struct checks *c)
{
	const uint16_t com1 = COM1_PORT;

	outb(com1 + UART_SCR, 0x5a);
	uint8_t s1 = inb(com1 + UART_SCR);

	outb(com1 + UART_SCR, 0xa5);
	uint8_t s2 = inb(com1 + UART_SCR);

	check(c, 8, s1 == 0x5a && s2 == 0xa5,
	      "UART scratch register reads back 0x%02x, 0x%02x (wrote 0x5a, 0xa5)", s1, s2);

	/* With DLAB set, 0x3f8/0x3f9 are the divisor latch: nothing may be printed meanwhile. */
	outb(com1 + UART_LCR, UART_LCR_DLAB | UART_LCR_8N1);
	uint8_t lcr = inb(com1 + UART_LCR);

	outb(com1 + UART_DLL, 0x34);
	outb(com1 + UART_DLM, 0x12);
	uint8_t dll = inb(com1 + UART_DLL), dlm = inb(com1 + UART_DLM);

	outw(com1 + UART_DLL, 0x0c03);
	uint16_t dl16 = inw(com1 + UART_DLL);

	outb(com1 + UART_DLL, 1); /* back to 115200 baud */
	outb(com1 + UART_DLM, 0);
	outb(com1 + UART_LCR, UART_LCR_8N1);
	uint8_t lcr_after = inb(com1 + UART_LCR);

	check(c, 9,
	      lcr == (UART_LCR_DLAB | UART_LCR_8N1) && dll == 0x34 && dlm == 0x12 &&
		      lcr_after == UART_LCR_8N1,
	      "UART LCR 0x%02x, divisor latch 0x%02x%02x (wrote 0x1234), LCR after 0x%02x", lcr,
	      dlm, dll, lcr_after);
	check(c, 10, dl16 == 0x0c03, "16-bit out + in: UART divisor latch 0x%04x (wrote 0x0c03)",
	      dl16);
}

static void check_cmos_pit(struct checks *c)
{
	outb(CMOS_INDEX, CMOS_REG_D);
	uint8_t d = inb(CMOS_DATA);

	check(c, 11, d & CMOS_D_VALID, "CMOS status register D 0x%02x has the valid bit", d);

	outb(PORT_61, (inb(PORT_61) & ~0x03) | 0x01);
	outb(PIT_CMD, PIT_CMD_CH2_MODE2);
	outb(PIT_CH2, 0xff);
	outb(PIT_CH2, 0xff);
	uint16_t first = pit_ch2_latched(), second = first;
	unsigned int reads = 0;

	while (second == first && reads < 10000) {
		second = pit_ch2_latched();
		reads++;
	}
	check(c, 12, second != first, "PIT channel 2 counter 0x%04x, then 0x%04x %u reads later",
	      first, second, reads);
}

static void check_string_io(struct checks *c)
{
	uint8_t bytes[64];
	uint16_t words[32];
	uint32_t dwords[16];

	printf("pio: the next line is written by one rep outsb\n");
	outsb(COM1_PORT + UART_THR, outsb_line, sizeof(outsb_line) - 1);

	memset(bytes, 0, sizeof(bytes));
	memset(words, 0, sizeof(words));
	memset(dwords, 0, sizeof(dwords));
	insb(UNCLAIMED_PORT, bytes, 64);
	insw(UNCLAIMED_PORT, words, 32);
	insl(UNCLAIMED_PORT, dwords, 16);
	check(c, 13, all_bytes(bytes, sizeof(bytes), 0xff),
	      "rep insb of 64 bytes from port 0x%x fills all-ones", UNCLAIMED_PORT);
	check(c, 14, all_bytes(words, sizeof(words), 0xff),
	      "rep insw of 32 words from port 0x%x fills all-ones", UNCLAIMED_PORT);
	check(c, 15, all_bytes(dwords, sizeof(dwords), 0xff),
	      "rep insd of 16 dwords from port 0x%x fills all-ones", UNCLAIMED_PORT);
}

int main(void)
{
	struct checks c = { .name = "pio" };

	check_fw_cfg(&c);
	check_pci(&c);
	check_unclaimed(&c);
	check_uart(&c);
	check_cmos_pit(&c);
	check_string_io(&c);
	return (int)checks_done(&c);
}
