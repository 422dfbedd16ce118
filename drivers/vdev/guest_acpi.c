// SPDX-License-Identifier: MIT
/*
 * Firmware tables for the guest, written byte by byte in little-endian order so that neither
 * the buffer's alignment nor the host's struct layout matters. Everything is checked before
 * the first byte is written. References: ACPI 6.5 sections 5.2.5 (RSDP), 5.2.6 (table
 * header), 5.2.7 (RSDT), 5.2.8 (XSDT) and 5.2.12 (MADT).
 */
#include "drivers/vdev/guest_acpi.h"
#include "core/compiler.h"
#include "core/errno.h"
#include "core/string.h"

#define RSDP_SIGNATURE	       0
#define RSDP_CHECKSUM	       8
#define RSDP_OEM_ID	       9
#define RSDP_REVISION	       15
#define RSDP_RSDT_ADDRESS      16
#define RSDP_LENGTH	       20
#define RSDP_XSDT_ADDRESS      24
#define RSDP_EXTENDED_CHECKSUM 32
#define RSDP_V1_LEN	       20 /* what the first checksum covers */
#define RSDP_V2_LEN	       36
#define RSDP_REV_ACPI_2	       2

#define SDT_SIGNATURE	     0
#define SDT_LENGTH	     4
#define SDT_REVISION	     8
#define SDT_CHECKSUM	     9
#define SDT_OEM_ID	     10
#define SDT_OEM_TABLE_ID     16
#define SDT_OEM_REVISION     24
#define SDT_CREATOR_ID	     28
#define SDT_CREATOR_REVISION 32
#define SDT_HEADER_LEN	     36

#define RSDT_REVISION 1
#define XSDT_REVISION 1
#define RSDT_LEN      (SDT_HEADER_LEN + 4)
#define XSDT_LEN      (SDT_HEADER_LEN + 8)

#define MADT_REVISION	   5 /* ACPI 6.3: the Online Capable flag exists, and is clear here */
#define MADT_LAPIC_ADDRESS 36
#define MADT_FLAGS	   40
#define MADT_ENTRIES	   44
#define MADT_PCAT_COMPAT   BIT(0) /* 8259s present: an OS using the APICs masks them */

#define MADT_TYPE_LAPIC	 0
#define MADT_TYPE_IOAPIC 1
#define MADT_TYPE_X2APIC 9
#define MADT_LAPIC_LEN	 8
#define MADT_IOAPIC_LEN	 12
#define MADT_X2APIC_LEN	 16
#define MADT_CPU_ENABLED BIT(0)

/*
 * The ids a type 0 entry can hold end at 254: 0xff is the xAPIC broadcast id, and ACPI wants
 * type 9 for 255 and up. 0xffffffff, the x2APIC broadcast id, is no CPU's at all.
 */
#define XAPIC_ID_MAX	    0xfeu
#define X2APIC_ID_BROADCAST 0xffffffffu

#define OEM_ID		 "PLINTH"
#define OEM_TABLE_ID	 "PLINTHVM"
#define OEM_REVISION	 1
#define CREATOR_ID	 "PLTH"
#define CREATOR_REVISION 1

/* The RSDT holds 32-bit addresses, and so does the RSDP's RsdtAddress. */
#define TABLES_LIMIT_GPA (4 * GiB)

STATIC_ASSERT(GUEST_ACPI_RSDT_OFFSET >= GUEST_ACPI_RSDP_OFFSET + RSDP_V2_LEN);
STATIC_ASSERT(GUEST_ACPI_XSDT_OFFSET >= GUEST_ACPI_RSDT_OFFSET + RSDT_LEN);
STATIC_ASSERT(GUEST_ACPI_MADT_OFFSET >= GUEST_ACPI_XSDT_OFFSET + XSDT_LEN);
STATIC_ASSERT(IS_ALIGNED(GUEST_ACPI_RSDT_OFFSET | GUEST_ACPI_XSDT_OFFSET | GUEST_ACPI_MADT_OFFSET,
			 16));
STATIC_ASSERT(GUEST_ACPI_MAX_BYTES == GUEST_ACPI_MADT_OFFSET + MADT_ENTRIES +
					      MADT_X2APIC_LEN * GUEST_ACPI_MAX_CPUS +
					      MADT_IOAPIC_LEN);
/* The UID of a type 0 entry is one byte. */
STATIC_ASSERT(GUEST_ACPI_MAX_CPUS <= 256);

static void put_le(uint8_t *p, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The byte that makes the sum of p[0..len) 0 mod 256 when it replaces a zero byte. */
static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += p[i];
	return (uint8_t)-sum;
}

static bool uses_x2apic_entry(uint32_t apic_id)
{
	return apic_id > XAPIC_ID_MAX;
}

static int check_cpus(const uint32_t *apic_ids, unsigned int ncpus)
{
	if (!apic_ids || ncpus == 0 || ncpus > GUEST_ACPI_MAX_CPUS)
		return -EINVAL;
	for (unsigned int i = 0; i < ncpus; i++) {
		if (apic_ids[i] == X2APIC_ID_BROADCAST)
			return -EINVAL;
		for (unsigned int j = 0; j < i; j++)
			if (apic_ids[j] == apic_ids[i])
				return -EINVAL;
	}
	return 0;
}

static size_t madt_len(const uint32_t *apic_ids, unsigned int ncpus,
		       const struct guest_acpi_ioapic *ioapic)
{
	size_t len = MADT_ENTRIES;

	for (unsigned int i = 0; i < ncpus; i++)
		len += uses_x2apic_entry(apic_ids[i]) ? MADT_X2APIC_LEN : MADT_LAPIC_LEN;
	if (ioapic)
		len += MADT_IOAPIC_LEN;
	return len;
}

/* Fills a zeroed 36-byte header but for the length and checksum, which sdt_end() sets. */
static void sdt_begin(uint8_t *t, const char *sig, uint8_t rev)
{
	memcpy(t + SDT_SIGNATURE, sig, 4);
	t[SDT_REVISION] = rev;
	memcpy(t + SDT_OEM_ID, OEM_ID, 6);
	memcpy(t + SDT_OEM_TABLE_ID, OEM_TABLE_ID, 8);
	put_le(t + SDT_OEM_REVISION, OEM_REVISION, 4);
	memcpy(t + SDT_CREATOR_ID, CREATOR_ID, 4);
	put_le(t + SDT_CREATOR_REVISION, CREATOR_REVISION, 4);
}

static void sdt_end(uint8_t *t, size_t len)
{
	put_le(t + SDT_LENGTH, len, 4);
	t[SDT_CHECKSUM] = checksum(t, len);
}

static void build_rsdp(uint8_t *p, uint64_t gpa)
{
	memcpy(p + RSDP_SIGNATURE, "RSD PTR ", 8);
	memcpy(p + RSDP_OEM_ID, OEM_ID, 6);
	p[RSDP_REVISION] = RSDP_REV_ACPI_2;
	put_le(p + RSDP_RSDT_ADDRESS, gpa + GUEST_ACPI_RSDT_OFFSET, 4);
	put_le(p + RSDP_LENGTH, RSDP_V2_LEN, 4);
	put_le(p + RSDP_XSDT_ADDRESS, gpa + GUEST_ACPI_XSDT_OFFSET, 8);
	/* The first checksum first: the extended one covers its byte too. */
	p[RSDP_CHECKSUM] = checksum(p, RSDP_V1_LEN);
	p[RSDP_EXTENDED_CHECKSUM] = checksum(p, RSDP_V2_LEN);
}

static void build_root(uint8_t *t, const char *sig, uint64_t madt_gpa)
{
	bool xsdt = sig[0] == 'X';

	sdt_begin(t, sig, xsdt ? XSDT_REVISION : RSDT_REVISION);
	put_le(t + SDT_HEADER_LEN, madt_gpa, xsdt ? 8 : 4);
	sdt_end(t, xsdt ? XSDT_LEN : RSDT_LEN);
}

/* Returns the entry's length. The UID is the CPU's index, as the header promises. */
static size_t put_cpu(uint8_t *e, uint32_t apic_id, uint32_t uid)
{
	if (uses_x2apic_entry(apic_id)) {
		e[0] = MADT_TYPE_X2APIC;
		e[1] = MADT_X2APIC_LEN;
		put_le(e + 4, apic_id, 4);
		put_le(e + 8, MADT_CPU_ENABLED, 4);
		put_le(e + 12, uid, 4);
		return MADT_X2APIC_LEN;
	}
	e[0] = MADT_TYPE_LAPIC;
	e[1] = MADT_LAPIC_LEN;
	e[2] = (uint8_t)uid;
	e[3] = (uint8_t)apic_id;
	put_le(e + 4, MADT_CPU_ENABLED, 4);
	return MADT_LAPIC_LEN;
}

static void build_madt(uint8_t *t, const uint32_t *apic_ids, unsigned int ncpus,
		       const struct guest_acpi_ioapic *ioapic)
{
	size_t off = MADT_ENTRIES;

	sdt_begin(t, "APIC", MADT_REVISION);
	put_le(t + MADT_LAPIC_ADDRESS, GUEST_ACPI_LAPIC_GPA, 4);
	put_le(t + MADT_FLAGS, MADT_PCAT_COMPAT, 4);
	for (unsigned int i = 0; i < ncpus; i++)
		off += put_cpu(t + off, apic_ids[i], i);
	if (ioapic) {
		t[off] = MADT_TYPE_IOAPIC;
		t[off + 1] = MADT_IOAPIC_LEN;
		t[off + 2] = ioapic->id;
		put_le(t + off + 4, ioapic->gpa, 4);
		put_le(t + off + 8, ioapic->gsi_base, 4);
		off += MADT_IOAPIC_LEN;
	}
	sdt_end(t, off);
}

int guest_acpi_build(void *buf, size_t cap, uint64_t gpa, const uint32_t *apic_ids,
		     unsigned int ncpus, const struct guest_acpi_ioapic *ioapic, size_t *len_out)
{
	uint8_t *p = buf;
	size_t len;
	int err;

	if (!len_out)
		return -EINVAL;
	*len_out = 0;
	if (!p && cap)
		return -EINVAL;
	err = check_cpus(apic_ids, ncpus);
	if (err)
		return err;
	if (ioapic && !ioapic->gpa)
		return -EINVAL;
	len = GUEST_ACPI_MADT_OFFSET + madt_len(apic_ids, ncpus, ioapic);
	/* len is at most GUEST_ACPI_MAX_BYTES, so the subtraction cannot wrap. */
	if (!IS_ALIGNED(gpa, 16) || gpa > TABLES_LIMIT_GPA - len)
		return -EINVAL;
	*len_out = len;
	if (cap < len)
		return -ENOSPC;

	memset(p, 0, len);
	build_rsdp(p + GUEST_ACPI_RSDP_OFFSET, gpa);
	build_root(p + GUEST_ACPI_RSDT_OFFSET, "RSDT", gpa + GUEST_ACPI_MADT_OFFSET);
	build_root(p + GUEST_ACPI_XSDT_OFFSET, "XSDT", gpa + GUEST_ACPI_MADT_OFFSET);
	build_madt(p + GUEST_ACPI_MADT_OFFSET, apic_ids, ncpus, ioapic);
	return 0;
}
