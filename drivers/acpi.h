/* SPDX-License-Identifier: MIT */
/*
 * The CPUs of the machine, from ACPI: RSDP -> XSDT (or RSDT) -> MADT. Firmware tables are
 * hostile input here: every length, address and checksum is checked before it is used, a broken
 * table or entry is reported ("acpi: ...", naming the table, its HPA, the entry and the bad
 * value) and ignored, never trusted. Physical memory is only ever read through a callback, so the
 * parser has no hardware access and runs on the host under the sanitizers.
 */
#ifndef PLINTH_DRIVERS_ACPI_H
#define PLINTH_DRIVERS_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_MAX_CPUS	 64
#define ACPI_MAX_IOAPICS 8
/* Largest RSDT, XSDT or MADT accepted: 8187 XSDT entries, or 4000+ x2APIC CPUs. */
#define ACPI_TABLE_MAX_LEN (64 * 1024)
/* Where the local APIC is when the MADT's address is unusable (SDM Vol. 3A 11.4.1). */
#define ACPI_LAPIC_DEFAULT_HPA 0xfee00000ull

struct acpi_cpu {
	uint32_t apic_id; /* xAPIC id (MADT type 0) or x2APIC id (type 9) */
	uint32_t acpi_uid;
	bool x2apic; /* listed by a processor local x2APIC entry */
	bool enabled; /* usable now: start it */
	bool online_capable; /* not enabled, but firmware allows bringing it up later */
};

struct acpi_ioapic {
	uint8_t id;
	uint32_t hpa;
	uint32_t gsi_base;
};

struct acpi_madt_info {
	uint64_t madt_hpa; /* the MADT used */
	uint64_t lapic_hpa; /* MADT local APIC address, the type 5 override, or the default */
	uint32_t flags; /* MADT flags (bit 0 PCAT_COMPAT: 8259 PICs present) */
	/*
	 * CPUs that are enabled or online-capable, in MADT order (the boot CPU is usually first,
	 * but find it by APIC id). CPUs that are neither are not kept: they are slots for absent
	 * processors and often carry placeholder ids; nr_cpus_disabled counts them.
	 */
	unsigned int nr_cpus;
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	unsigned int nr_cpus_disabled;
	unsigned int nr_cpus_left_out; /* valid CPUs beyond ACPI_MAX_CPUS */
	unsigned int nr_ioapics;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	unsigned int nr_problems; /* things reported and ignored (the first 32 are printed) */
};

/* Reads len bytes of host-physical memory at hpa into buf; 0 or a negative errno. */
typedef int (*acpi_read_fn)(void *ctx, uint64_t hpa, void *buf, size_t len);

/*
 * rsdp: the copy of the RSDP the boot path made (boot_info.rsdp, rsdp_len, rsdp_hpa: the HPA is
 * only used in messages). Tables are read through read(ctx, ...). Returns 0 with *out filled
 * (nr_cpus may still be 0 when the MADT lists no usable CPU), -ENOENT when there is no RSDP or
 * no usable MADT, -EINVAL when the RSDP or the arguments are invalid; every reason is printed.
 * Tables are copied into two static 64 KiB buffers: call it from one CPU at a time (the boot
 * CPU, before SMP); nothing is kept between calls.
 */
int acpi_find_cpus(const uint8_t *rsdp, uint32_t rsdp_len, uint64_t rsdp_hpa, acpi_read_fn read,
		   void *ctx, struct acpi_madt_info *out);

#endif
