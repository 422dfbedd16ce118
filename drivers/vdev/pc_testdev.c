// SPDX-License-Identifier: MIT
#include "drivers/vdev/pc_testdev.h"
#include "core/string.h"

static int iomem_read(void *dev, uint64_t offset, void *buf, unsigned int len)
{
	struct pc_testdev *t = dev;

	memcpy(buf, t->iomem + offset, len);
	return 0;
}

static int iomem_write(void *dev, uint64_t offset, const void *buf, unsigned int len)
{
	struct pc_testdev *t = dev;

	memcpy(t->iomem + offset, buf, len);
	return 0;
}

/* Port 0xe0..0xe3 holds one 32-bit value; a narrower access reaches its bytes. */
static int port_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	struct pc_testdev *t = dev;
	unsigned int shift = (port - PC_TESTDEV_PORT) * 8;

	*val = t->port_data >> shift;
	return 0;
}

static int port_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	struct pc_testdev *t = dev;
	unsigned int shift = (port - PC_TESTDEV_PORT) * 8;
	uint32_t mask = (size == 4 ? ~0u : (1u << (size * 8)) - 1) << shift;

	t->port_data = (t->port_data & ~mask) | ((val << shift) & mask);
	return 0;
}

static int flush_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	return 0; /* QEMU drops a TLB page here; plinth keeps no guest translations */
}

static int flush_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	return 0; /* all-ones, as the bus pre-fills */
}

int pc_testdev_init(struct pc_testdev *t, struct pio_bus *pio, struct mmio_bus *mmio)
{
	const struct mmio_device iomem = {
		.name = "pc-testdev iomem",
		.gpa = PC_TESTDEV_IOMEM_GPA,
		.len = PC_TESTDEV_IOMEM_BYTES,
		.read = iomem_read,
		.write = iomem_write,
		.dev = t,
	};
	const struct pio_device data = {
		.name = "pc-testdev",
		.base = PC_TESTDEV_PORT,
		.count = 4,
		.read = port_read,
		.write = port_write,
		.dev = t,
	};
	const struct pio_device flush = {
		.name = "pc-testdev flush",
		.base = PC_TESTDEV_FLUSH_PORT,
		.count = 4,
		.read = flush_read,
		.write = flush_write,
		.dev = t,
	};
	int err;

	memset(t, 0, sizeof(*t));
	err = mmio_bus_register(mmio, &iomem);
	if (!err)
		err = pio_bus_register(pio, &data);
	if (!err)
		err = pio_bus_register(pio, &flush);
	return err;
}
