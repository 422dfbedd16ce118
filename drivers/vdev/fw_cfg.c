// SPDX-License-Identifier: MIT
/*
 * Accesses as on QEMU's combined I/O region (0x510-0x511): a 16-bit write at 0x510 selects, a
 * byte read at either port reads the next data byte, byte writes are ignored (QEMU dropped data
 * writes in 2.4), and any other access reads all-ones and is ignored.
 */
#include "drivers/vdev/fw_cfg.h"
#include "drivers/vdev/pio_bus.h"
#include "drivers/vdev/vdev_host.h"
#include "core/compiler.h"
#include "core/string.h"

static void put_le(uint8_t *p, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t build_item(const struct fw_cfg *f, uint16_t key, uint8_t *item)
{
	unsigned int cpus = vm_nr_vcpus(f->vm);

	if (key & FW_CFG_ARCH_LOCAL)
		return 0;
	switch (key & ~FW_CFG_WRITE_CHANNEL) {
	case FW_CFG_SIGNATURE:
		memcpy(item, "QEMU", 4);
		return 4;
	case FW_CFG_ID:
		put_le(item, FW_CFG_VERSION, 4);
		return 4;
	case FW_CFG_RAM_SIZE:
		put_le(item, vm_ram_bytes(f->vm), 8);
		return 8;
	case FW_CFG_NB_CPUS:
	case FW_CFG_MAX_CPUS:
		put_le(item, MIN(cpus, 0xffffu), 2);
		return 2;
	case FW_CFG_FILE_DIR:
		memset(item, 0, 4); /* a big-endian count of 0 files */
		return 4;
	default:
		return 0;
	}
}

static void fw_cfg_select(struct fw_cfg *f, uint16_t key)
{
	f->selector = key;
	f->offset = 0;
	f->item_len = build_item(f, key, f->item);
}

void fw_cfg_init(struct fw_cfg *f, struct vm *vm)
{
	memset(f, 0, sizeof(*f));
	f->vm = vm;
	fw_cfg_select(f, FW_CFG_SIGNATURE);
}

static int fw_cfg_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	struct fw_cfg *f = dev;

	if (size != 1)
		return 0;
	if (f->offset < f->item_len)
		*val = f->item[f->offset++];
	else
		*val = 0;
	return 0;
}

static int fw_cfg_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	if (port == FW_CFG_PORT_SEL && size == 2)
		fw_cfg_select(dev, (uint16_t)val);
	return 0;
}

int fw_cfg_register(struct fw_cfg *f, struct pio_bus *bus)
{
	const struct pio_device d = {
		.name = "fw_cfg",
		.base = FW_CFG_PORT_SEL,
		.count = 2,
		.read = fw_cfg_read,
		.write = fw_cfg_write,
		.dev = f,
	};

	return pio_bus_register(bus, &d);
}
