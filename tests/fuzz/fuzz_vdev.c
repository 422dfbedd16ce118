// SPDX-License-Identifier: MIT
/*
 * The whole port-I/O platform under a stream of guest accesses. Input: a 9-byte header (start
 * time in ns, little-endian; a byte choosing RAM size and vCPU count), then 7-byte records:
 *   op:   bits 0-1 size (1, 2, 4, or the invalid 3), bit 2 write, bit 3 port from the table
 *         below (else the raw port), bits 4-7 k: advance time by 4^k ns first (k = 15: the
 *         guest stops instead: platform_stop)
 *   port: 2 bytes little-endian (with bit 3, the low byte indexes the table)
 *   val:  4 bytes little-endian
 * Checked: no crash or sanitizer report; every access with a valid size succeeds and reads
 * only size bytes; invalid sizes are refused; console lines keep the hook's promise (length,
 * printable) and no unclaimed port is reported twice.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/vdev/platform.h"
#include "core/errno.h"
#include "tests/unit/vdev_fake_host.h"

#define HEADER_LEN 9
#define RECORD_LEN 7

static const uint16_t ports[] = {
	0x20,  0x21,  0x40,  0x41,  0x42,  0x43,   0x61,   0x70,   0x71,   0x80,  0x92,
	0xa0,  0xa1,  0xf4,  0xf7,  0x3f7, 0x3f8,  0x3f9,  0x3fa,  0x3fb,  0x3fc, 0x3fd,
	0x3fe, 0x3ff, 0x4d0, 0x4d1, 0x50f, 0x510,  0x511,  0xcf8,  0xcf9,  0xcfa, 0xcfb,
	0xcfc, 0xcfd, 0xcfe, 0xcff, 0xd00, 0x1234, 0xfffd, 0xfffe, 0xffff,
};

static uint64_t get_le(const uint8_t *p, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void check_host(const struct vm *vm)
{
	if (vm->bad_lines || vm->duplicate_reports)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm vm;
	static struct pio_bus bus;
	static struct platform plat;
	static const unsigned int sizes[4] = { 1, 2, 4, 3 };
	uint8_t cfg;

	if (size < HEADER_LEN)
		return 0;
	memset(&vm, 0, sizeof(vm));
	vm.name = "fuzz";
	vm.time_ns = get_le(data, 8);
	cfg = data[8];
	vm.ram_bytes = (uint64_t)((cfg & 0x0f) + 1) << (20 + (cfg >> 4) * 2); /* 1 MiB .. 16 TiB */
	vm.nr_vcpus = 1 + (cfg & 0x07) * 37;
	pio_bus_init(&bus, &vm);
	if (platform_init(&plat, &bus, &vm))
		abort();

	for (size_t at = HEADER_LEN; at + RECORD_LEN <= size; at += RECORD_LEN) {
		const uint8_t *rec = data + at;
		unsigned int len = sizes[rec[0] & 3], k = rec[0] >> 4;
		bool is_write = rec[0] & 4;
		uint16_t port = (uint16_t)get_le(rec + 1, 2);
		uint32_t val = (uint32_t)get_le(rec + 3, 4);
		uint32_t mask = len == 4 ? 0xffffffffu : (1u << (8 * len)) - 1;
		uint64_t adv = k ? 1ull << (2 * k) : 0;
		int ret;

		if (k == 15)
			platform_stop(&plat);
		else if (vm.time_ns + adv >= vm.time_ns)
			vm.time_ns += adv;
		else
			vm.time_ns = UINT64_MAX;
		if (rec[0] & 8)
			port = ports[rec[1] % (sizeof(ports) / sizeof(ports[0]))];
		ret = pio_bus_access(&bus, port, len, is_write, &val);
		if (len == 3 ? ret != -EINVAL : ret != 0)
			abort();
		if (len != 3 && !is_write && (val & ~mask))
			abort();
		check_host(&vm);
	}
	platform_stop(&plat);
	check_host(&vm);
	return 0;
}
