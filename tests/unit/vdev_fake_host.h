/* SPDX-License-Identifier: MIT */
/*
 * A fake VM behind drivers/vdev/vdev_host.h for the device tests and the fuzzer: it records the
 * console lines, debug-exit values, reset requests and unclaimed-port reports the devices make,
 * and gives them a time the test sets. It also checks what the hooks promise the core: a console
 * line is at most UART_LINE_MAX printable bytes (or tabs), and no port is reported twice
 * (bad_lines, duplicate_reports stay 0). Needs no cmocka, so the fuzzer can use it.
 */
#ifndef PLINTH_TESTS_VDEV_FAKE_HOST_H
#define PLINTH_TESTS_VDEV_FAKE_HOST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/vdev/pio_bus.h"
#include "drivers/vdev/uart.h"
#include "drivers/vdev/vdev_host.h"

#define FAKE_MAX_LINES	512 /* lines kept; more are counted */
#define FAKE_MAX_EVENTS 64 /* exits and reports kept; more are counted */

struct fake_report {
	uint16_t port;
	unsigned int size;
	bool is_write;
};

struct vm {
	const char *name;
	uint64_t ram_bytes;
	unsigned int nr_vcpus;
	uint64_t time_ns;

	char lines[FAKE_MAX_LINES][UART_LINE_MAX + 1]; /* NUL-terminated copies */
	size_t line_lens[FAKE_MAX_LINES];
	unsigned int nr_lines;
	uint64_t line_bytes; /* over all lines */
	unsigned int bad_lines;

	uint32_t exit_values[FAKE_MAX_EVENTS];
	unsigned int nr_exits;
	unsigned int nr_resets;

	struct fake_report reports[FAKE_MAX_EVENTS];
	unsigned int nr_reports;
	unsigned int duplicate_reports;
	uint64_t reported[65536 / 64];
};

const char *vm_name(const struct vm *vm)
{
	return vm->name;
}

uint64_t vm_ram_bytes(const struct vm *vm)
{
	return vm->ram_bytes;
}

unsigned int vm_nr_vcpus(const struct vm *vm)
{
	return vm->nr_vcpus;
}

uint64_t vm_time_ns(const struct vm *vm)
{
	return vm->time_ns;
}

void vm_console_line(struct vm *vm, const char *text, size_t len)
{
	bool bad = len > UART_LINE_MAX || (len && !text);

	for (size_t i = 0; !bad && i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if ((c < 0x20 || c > 0x7e) && c != '\t')
			bad = true;
	}
	if (bad) {
		vm->bad_lines++;
		return;
	}
	if (vm->nr_lines < FAKE_MAX_LINES) {
		memcpy(vm->lines[vm->nr_lines], text, len);
		vm->lines[vm->nr_lines][len] = '\0';
		vm->line_lens[vm->nr_lines] = len;
	}
	vm->nr_lines++;
	vm->line_bytes += len;
}

void vm_debug_exit(struct vm *vm, uint32_t value)
{
	if (vm->nr_exits < FAKE_MAX_EVENTS)
		vm->exit_values[vm->nr_exits] = value;
	vm->nr_exits++;
}

void vm_reset_request(struct vm *vm)
{
	vm->nr_resets++;
}

void vm_unclaimed_port(struct vm *vm, uint16_t port, unsigned int size, bool is_write)
{
	uint64_t bit = 1ull << (port % 64);

	if (vm->reported[port / 64] & bit)
		vm->duplicate_reports++;
	vm->reported[port / 64] |= bit;
	if (vm->nr_reports < FAKE_MAX_EVENTS)
		vm->reports[vm->nr_reports] = (struct fake_report){ port, size, is_write };
	vm->nr_reports++;
}

/* A VM with 256 MiB and one vCPU at time 0, and an empty bus for it. */
static inline struct vm *fake_vm_new(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	if (!vm)
		abort();
	vm->name = "fake";
	vm->ram_bytes = 256ull << 20;
	vm->nr_vcpus = 1;
	return vm;
}

static inline struct pio_bus *fake_bus_new(struct vm *vm)
{
	struct pio_bus *bus = malloc(sizeof(*bus));

	if (!bus)
		abort();
	pio_bus_init(bus, vm);
	return bus;
}

/* in/out as a guest does them; an access the bus refuses is a test failure (abort). */
static inline uint32_t fake_in(struct pio_bus *bus, uint16_t port, unsigned int size)
{
	uint32_t val = 0x5a5a5a5a;

	if (pio_bus_access(bus, port, size, false, &val))
		abort();
	return val;
}

static inline void fake_out(struct pio_bus *bus, uint16_t port, unsigned int size, uint32_t val)
{
	if (pio_bus_access(bus, port, size, true, &val))
		abort();
}

static inline uint8_t fake_inb(struct pio_bus *bus, uint16_t port)
{
	return (uint8_t)fake_in(bus, port, 1);
}

static inline void fake_outb(struct pio_bus *bus, uint16_t port, uint8_t val)
{
	fake_out(bus, port, 1, val);
}

#endif
