/* SPDX-License-Identifier: MIT */
/*
 * The ACPI tables a guest reads to find its CPUs: an RSDP (ACPI 2.0+ form), an RSDT and an XSDT
 * that both list one MADT, and the MADT. They are built into a caller's buffer that the caller
 * copies into guest RAM at gpa; every address inside them is a guest-physical address computed
 * from gpa. Pure code: no guest memory access, so it runs on the host under the sanitizers.
 *
 * There is no FADT, so no DSDT either. Linux takes its CPUs from the MADT in setup_arch()
 * (early_acpi_boot_init(), acpi_boot_init()) and reads a FADT there only if one is listed;
 * without one, acpi_subsystem_init() later prints "Unable to enable ACPI" and turns ACPI off,
 * before the other CPUs are started and without forgetting them. A FADT would not get the AML
 * interpreter going anyway: with HW_REDUCED_ACPI set, Linux gives up the 8259s and the PIT
 * this guest has (acpi_generic_reduced_hw_init()); without it, ACPI wants PM1 event and
 * control registers this guest does not have.
 *
 * Layout, from gpa (each table starts on a 16-byte boundary, the padding is zero):
 *   +0    RSDP, revision 2, 36 bytes: RsdtAddress = gpa + 48, XsdtAddress = gpa + 96
 *   +48   RSDT, 40 bytes: one 32-bit entry, the MADT's address
 *   +96   XSDT, 44 bytes: one 64-bit entry, the MADT's address
 *   +144  MADT, revision 5: 44 bytes, then 8 bytes per CPU with an APIC id below 255 (type 0)
 *         or 16 bytes per CPU with a higher id (type 9), then 12 bytes for the I/O APIC if any
 */
#ifndef PLINTH_DRIVERS_VDEV_GUEST_ACPI_H
#define PLINTH_DRIVERS_VDEV_GUEST_ACPI_H

#include <stddef.h>
#include <stdint.h>

/*
 * Where the VM code puts the tables: the system BIOS area, whose 16-byte boundaries between
 * 0xe0000 and 0xfffff an OS scans for the RSDP (ACPI 6.5 section 5.2.5.1), and which the
 * guest's memory map lists as reserved (loader_memory_map(): 0xf0000-0xfffff), so that the OS
 * does not reuse it as RAM.
 */
#define GUEST_ACPI_GPA 0xf0000ull

#define GUEST_ACPI_MAX_CPUS 64

#define GUEST_ACPI_RSDP_OFFSET 0
#define GUEST_ACPI_RSDT_OFFSET 48
#define GUEST_ACPI_XSDT_OFFSET 96
#define GUEST_ACPI_MADT_OFFSET 144

/* Every CPU with an x2APIC entry, and an I/O APIC: 1224 bytes for 64 CPUs. */
#define GUEST_ACPI_MAX_BYTES (GUEST_ACPI_MADT_OFFSET + 44 + 16 * GUEST_ACPI_MAX_CPUS + 12)

/* The MADT's Local APIC Address: where the SDM puts every local APIC after reset. */
#define GUEST_ACPI_LAPIC_GPA 0xfee00000u

struct guest_acpi_ioapic {
	uint8_t id;
	uint32_t gpa; /* its MMIO registers (0xfec00000 on a PC); not 0 */
	uint32_t gsi_base; /* the global system interrupt of its input 0 */
};

/*
 * Builds the tables for ncpus CPUs, CPU i having APIC id apic_ids[i] and ACPI processor UID i
 * (list the boot CPU first, as the ACPI spec asks of firmware). ioapic: NULL for none. buf
 * need not be aligned; gpa must be 16-byte aligned (the RSDP scan only looks there).
 *
 * Returns 0 with *len_out bytes written to buf; -EINVAL when ncpus is 0 or above
 * GUEST_ACPI_MAX_CPUS, an APIC id repeats or is 0xffffffff (the x2APIC broadcast id), the
 * I/O APIC address is 0, gpa is not 16-byte aligned, the tables would not end at or below
 * 4 GiB (the RSDT holds 32-bit addresses), or buf is NULL with a nonzero cap (*len_out is
 * then 0, if len_out is not NULL); -ENOSPC when cap is below the length needed, which is
 * then in *len_out and nothing is written (so buf NULL, cap 0 asks for the length).
 */
int guest_acpi_build(void *buf, size_t cap, uint64_t gpa, const uint32_t *apic_ids,
		     unsigned int ncpus, const struct guest_acpi_ioapic *ioapic, size_t *len_out);

#endif
