/* SPDX-License-Identifier: MIT */
/*
 * What the virtual devices need from the VM that owns them. The core implements these in
 * core/vm.c; host tests provide their own.
 */
#ifndef PLINTH_DRIVERS_VDEV_VDEV_HOST_H
#define PLINTH_DRIVERS_VDEV_VDEV_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

const char *vm_name(const struct vm *vm);
uint64_t vm_ram_bytes(const struct vm *vm);
unsigned int vm_nr_vcpus(const struct vm *vm);
/* One line the guest wrote to its COM1, without the line end; printed with the guest's name.
 * text is not NUL-terminated; it holds len (at most UART_LINE_MAX) printable ASCII bytes or tabs. */
void vm_console_line(struct vm *vm, const char *text, size_t len);
/* isa-debug-exit: the guest ends with status (value << 1) | 1 once the current exit returns. */
void vm_debug_exit(struct vm *vm, uint32_t value);
/* The guest asked for a platform reset (port 0x92 bit 0, port 0xcf9 bit 2). There is no VM reset
 * yet: the core decides what happens (stopping the guest with a message, as QEMU -no-reboot
 * does). May be called again if the guest goes on writing before the current exit returns. */
void vm_reset_request(struct vm *vm);
/* Called by the port bus once per unclaimed port, the first time the guest touches it. */
void vm_unclaimed_port(struct vm *vm, uint16_t port, unsigned int size, bool is_write);
/* Monotonic time for device models (PIT counters, RTC seconds), in nanoseconds. */
uint64_t vm_time_ns(const struct vm *vm);

#endif
