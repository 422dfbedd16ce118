// SPDX-License-Identifier: MIT
#include "lib/fw_cfg.h"
#include "lib/io.h"
#include "lib/printf.h"
#include "lib/string.h"

void fw_cfg_read(uint16_t key, void *buf, size_t len)
{
	uint8_t *p = buf;

	outw(FW_CFG_PORT_SEL, key);
	for (size_t i = 0; i < len; i++)
		p[i] = inb(FW_CFG_PORT_DATA);
}

static uint64_t read_le(uint16_t key, size_t len)
{
	uint8_t b[8];
	uint64_t v = 0;

	fw_cfg_read(key, b, len);
	while (len--)
		v = v << 8 | b[len];
	return v;
}

uint16_t fw_cfg_read_u16(uint16_t key)
{
	return (uint16_t)read_le(key, 2);
}

uint32_t fw_cfg_read_u32(uint16_t key)
{
	return (uint32_t)read_le(key, 4);
}

uint64_t fw_cfg_read_u64(uint16_t key)
{
	return read_le(key, 8);
}

bool fw_cfg_present(void)
{
	char sig[4];

	fw_cfg_read(FW_CFG_SIGNATURE, sig, sizeof(sig));
	return memcmp(sig, "QEMU", 4) == 0;
}

uint64_t fw_cfg_ram_bytes(const char *who)
{
	if (!fw_cfg_present()) {
		printf("%s: fw_cfg signature is not \"QEMU\"; cannot learn the RAM size\n", who);
		return 0;
	}
	return fw_cfg_read_u64(FW_CFG_RAM_SIZE);
}
