// SPDX-License-Identifier: MIT
/*
 * acpi_find_cpus against firmware tables built in a fake physical memory: a few regions, each
 * with an HPA base, read through a callback that fails with -EFAULT anywhere else. Every test
 * breaks one rule of drivers/acpi.c and checks both the outcome and the message; the log goes
 * through the real core/log.c into console_write below.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/acpi_log.h"

#include "drivers/acpi.h"
#include "core/console.h"
#include "core/errno.h"

#define RSDP_HPA   0xe0000ull
#define TABLES_HPA 0x7fe0000ull
#define TABLES_LEN 0x20000
#define RSDT_HPA   0x7fe0000ull
#define XSDT_HPA   0x7fe1000ull
#define MADT_HPA   0x7fe2000ull
#define MADT2_HPA  0x7fe3000ull
#define MADT3_HPA  0x7fe4000ull
#define FACP_HPA   0x7fe5000ull
#define BIG_HPA	   0x7fe8000ull /* room for a table past the maximum length */
#define HIGH_HPA   0x100000000ull /* above 4 GiB: only an XSDT can point here */
#define TOP_HPA	   0xfffffffffffff000ull /* the last page of the address space */
#define UNMAPPED   0x9000000ull
#define LAPIC_HPA  0xfee00000u
#define IOAPIC_HPA 0xfec00000u
#define EN	   1u /* MADT processor flags: enabled */
#define OC	   2u /* online capable */

/* ---- fake physical memory ------------------------------------------------------------------ */
struct region {
	uint64_t hpa;
	size_t len;
	uint8_t *bytes;
};

static struct region regions[4];
static unsigned int nregions;

static int fake_read(void *ctx, uint64_t hpa, void *buf, size_t len)
{
	assert_ptr_equal(ctx, regions);
	/* The parser's own bound: it never asks for more than one table's maximum. */
	assert_true(len > 0 && len <= ACPI_TABLE_MAX_LEN);
	for (unsigned int i = 0; i < nregions; i++) {
		const struct region *r = &regions[i];

		if (hpa >= r->hpa && hpa - r->hpa <= r->len && len <= r->len - (hpa - r->hpa)) {
			memcpy(buf, r->bytes + (hpa - r->hpa), len);
			return 0;
		}
	}
	return -EFAULT;
}

static void add_region(uint64_t hpa, size_t len)
{
	assert_true(nregions < 4);
	regions[nregions].hpa = hpa;
	regions[nregions].len = len;
	regions[nregions].bytes = calloc(1, len);
	assert_non_null(regions[nregions].bytes);
	nregions++;
}

/* The bytes at hpa, which the test says are inside a region with n bytes to spare. */
static uint8_t *at(uint64_t hpa, size_t n)
{
	for (unsigned int i = 0; i < nregions; i++) {
		const struct region *r = &regions[i];

		if (hpa >= r->hpa && hpa - r->hpa <= r->len && n <= r->len - (hpa - r->hpa))
			return r->bytes + (hpa - r->hpa);
	}
	fail_msg("0x%llx is outside the fake memory", (unsigned long long)hpa);
	return NULL;
}

static void put8(uint64_t hpa, uint8_t v)
{
	*at(hpa, 1) = v;
}

static void put32(uint64_t hpa, uint32_t v)
{
	memcpy(at(hpa, 4), &v, 4);
}

static void put64(uint64_t hpa, uint64_t v)
{
	memcpy(at(hpa, 8), &v, 8);
}

/* ---- the parser's log: tests/unit/acpi_log.h ---- */

static unsigned int log_count(const char *needle)
{
	unsigned int n = 0;

	for (const char *p = log_text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* ---- table builders ------------------------------------------------------------------------ */
static uint8_t sum8(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	for (size_t i = 0; i < len; i++)
		s += p[i];
	return s;
}

static void table_header(uint64_t hpa, const char *sig, uint8_t rev)
{
	memcpy(at(hpa, 36), sig, 4);
	put8(hpa + 8, rev);
	memcpy(at(hpa + 10, 6), "PLINTH", 6);
}

/* Sets the length and makes the checksum over it right. */
static void table_end(uint64_t hpa, uint32_t len)
{
	put32(hpa + 4, len);
	put8(hpa + 9, 0);
	put8(hpa + 9, (uint8_t)-sum8(at(hpa, len), len));
}

static void table_break_checksum(uint64_t hpa)
{
	put8(hpa + 9, *at(hpa + 9, 1) + 1);
}

static void make_rsdt(uint64_t hpa, const uint32_t *entries, unsigned int n)
{
	table_header(hpa, "RSDT", 1);
	for (unsigned int i = 0; i < n; i++)
		put32(hpa + 36 + 4 * i, entries[i]);
	table_end(hpa, 36 + 4 * n);
}

/* XSDT entries sit at offset 36 + 8i: never 8-byte aligned. */
static void make_xsdt(uint64_t hpa, const uint64_t *entries, unsigned int n)
{
	table_header(hpa, "XSDT", 1);
	for (unsigned int i = 0; i < n; i++)
		put64(hpa + 36 + 8 * i, entries[i]);
	table_end(hpa, 36 + 8 * n);
}

struct madt {
	uint64_t hpa;
	uint32_t len;
};

static struct madt madt_begin_rev(uint64_t hpa, uint32_t lapic, uint8_t rev)
{
	table_header(hpa, "APIC", rev);
	put32(hpa + 36, lapic);
	put32(hpa + 40, 1); /* PCAT_COMPAT */
	return (struct madt){ hpa, 44 };
}

static struct madt madt_begin(uint64_t hpa)
{
	return madt_begin_rev(hpa, LAPIC_HPA, 5);
}

static void madt_bytes(struct madt *m, const uint8_t *e, size_t n)
{
	memcpy(at(m->hpa + m->len, n), e, n);
	m->len += n;
}

static void madt_lapic(struct madt *m, uint8_t uid, uint8_t id, uint32_t flags)
{
	uint8_t e[8] = { 0, 8, uid, id };

	memcpy(e + 4, &flags, 4);
	madt_bytes(m, e, sizeof(e));
}

static void madt_x2apic(struct madt *m, uint32_t id, uint32_t uid, uint32_t flags)
{
	uint8_t e[16] = { 9, 16 };

	memcpy(e + 4, &id, 4);
	memcpy(e + 8, &flags, 4);
	memcpy(e + 12, &uid, 4);
	madt_bytes(m, e, sizeof(e));
}

static void madt_ioapic(struct madt *m, uint8_t id, uint32_t hpa, uint32_t gsi_base)
{
	uint8_t e[12] = { 1, 12, id };

	memcpy(e + 4, &hpa, 4);
	memcpy(e + 8, &gsi_base, 4);
	madt_bytes(m, e, sizeof(e));
}

static void madt_override(struct madt *m, uint64_t hpa)
{
	uint8_t e[12] = { 5, 12 };

	memcpy(e + 4, &hpa, 8);
	madt_bytes(m, e, sizeof(e));
}

static void madt_end(struct madt *m)
{
	table_end(m->hpa, m->len);
}

/* Two CPUs, an I/O APIC and an interrupt source override (a type the parser skips). */
static void make_madt(uint64_t hpa, unsigned int ncpus)
{
	static const uint8_t iso[10] = { 2, 10, 0, 0, 2 };
	struct madt m = madt_begin(hpa);

	for (unsigned int i = 0; i < ncpus; i++)
		madt_lapic(&m, i, i, EN);
	madt_ioapic(&m, 8, IOAPIC_HPA, 0);
	madt_bytes(&m, iso, sizeof(iso));
	madt_end(&m);
}

struct rsdp {
	uint8_t b[36];
	uint32_t len;
};

static void rsdp_fix(struct rsdp *r)
{
	r->b[8] = 0;
	r->b[8] = -sum8(r->b, 20);
	r->b[32] = 0;
	r->b[32] = -sum8(r->b, 36);
}

static struct rsdp make_rsdp(uint8_t rev, uint32_t rsdt, uint64_t xsdt)
{
	struct rsdp r = { .len = rev >= 2 ? 36 : 20 };
	uint32_t len = 36;

	memcpy(r.b, "RSD PTR ", 8);
	memcpy(r.b + 9, "PLINTH", 6);
	r.b[15] = rev;
	memcpy(r.b + 16, &rsdt, 4);
	if (rev >= 2) {
		memcpy(r.b + 20, &len, 4);
		memcpy(r.b + 24, &xsdt, 8);
	}
	rsdp_fix(&r);
	return r;
}

/* ---- running the parser -------------------------------------------------------------------- */
static struct acpi_madt_info info;

static int find(const struct rsdp *r)
{
	return acpi_find_cpus(r->b, r->len, RSDP_HPA, fake_read, regions, &info);
}

/* An ACPI 1.0 machine: RSDT -> FACP, MADT (2 CPUs). */
static struct rsdp rsdt_machine(void)
{
	const uint32_t entries[] = { FACP_HPA, MADT_HPA };

	table_header(FACP_HPA, "FACP", 6);
	table_end(FACP_HPA, 36);
	make_madt(MADT_HPA, 2);
	make_rsdt(RSDT_HPA, entries, 2);
	return make_rsdp(0, RSDT_HPA, 0);
}

/* An ACPI 2.0 machine: the XSDT leads to a MADT above 4 GiB with 3 CPUs, the RSDT to one with
 * 2, so that which one was used shows in the result. */
static struct rsdp xsdt_machine(void)
{
	const uint64_t entries[] = { FACP_HPA, HIGH_HPA };

	rsdt_machine();
	make_madt(HIGH_HPA, 3);
	make_xsdt(XSDT_HPA, entries, 2);
	return make_rsdp(2, RSDT_HPA, XSDT_HPA);
}

static void expect_rsdt_madt(void)
{
	assert_int_equal(info.madt_hpa, MADT_HPA);
	assert_int_equal(info.nr_cpus, 2);
}

static int setup(void **state)
{
	add_region(TABLES_HPA, TABLES_LEN);
	add_region(HIGH_HPA, 0x1000);
	memset(&info, 0xa5, sizeof(info));
	log_len = 0;
	log_text[0] = '\0';
	return 0;
}

static int teardown(void **state)
{
	for (unsigned int i = 0; i < nregions; i++)
		free(regions[i].bytes);
	nregions = 0;
	return 0;
}

/* ---- the RSDP ------------------------------------------------------------------------------ */
static void test_rsdt_machine_lists_cpus_and_ioapic(void **state)
{
	struct rsdp r = rsdt_machine();

	assert_int_equal(find(&r), 0);
	expect_rsdt_madt();
	assert_int_equal(info.lapic_hpa, LAPIC_HPA);
	assert_int_equal(info.flags, 1);
	for (unsigned int i = 0; i < 2; i++) {
		assert_int_equal(info.cpus[i].apic_id, i);
		assert_int_equal(info.cpus[i].acpi_uid, i);
		assert_true(info.cpus[i].enabled);
		assert_false(info.cpus[i].x2apic);
		assert_false(info.cpus[i].online_capable);
	}
	assert_int_equal(info.nr_ioapics, 1);
	assert_int_equal(info.ioapics[0].id, 8);
	assert_int_equal(info.ioapics[0].hpa, IOAPIC_HPA);
	assert_int_equal(info.ioapics[0].gsi_base, 0);
	assert_int_equal(info.nr_cpus_disabled, 0);
	assert_int_equal(info.nr_cpus_left_out, 0);
	assert_int_equal(info.nr_problems, 0);
	expect_log("acpi: MADT at 0x7fe2000: 2 CPUs (2 enabled");
}

static void test_xsdt_preferred_over_rsdt(void **state)
{
	struct rsdp r = xsdt_machine();

	assert_int_equal(find(&r), 0);
	assert_int_equal(info.madt_hpa, HIGH_HPA);
	assert_int_equal(info.nr_cpus, 3);
	assert_int_equal(info.nr_problems, 0);
}

static void test_no_rsdp(void **state)
{
	assert_int_equal(acpi_find_cpus(NULL, 0, 0, fake_read, regions, &info), -ENOENT);
	expect_log("acpi: no RSDP from the boot loader\n");
	assert_int_equal(info.nr_problems, 1);
}

static void test_bad_arguments(void **state)
{
	struct rsdp r = rsdt_machine();

	assert_int_equal(acpi_find_cpus(r.b, r.len, RSDP_HPA, fake_read, regions, NULL), -EINVAL);
	assert_int_equal(acpi_find_cpus(r.b, r.len, RSDP_HPA, NULL, regions, &info), -EINVAL);
	assert_int_equal(acpi_find_cpus(NULL, 20, RSDP_HPA, fake_read, regions, &info), -EINVAL);
	expect_log("acpi: called without a read callback or an RSDP\n");
}

static void test_rsdp_bad_signature(void **state)
{
	struct rsdp r = rsdt_machine();

	r.b[4] = 'X';
	rsdp_fix(&r);
	assert_int_equal(find(&r), -EINVAL);
	expect_log("acpi: RSDP at 0xe0000: signature is not \"RSD PTR \"\n");
}

static void test_rsdp_bad_checksum(void **state)
{
	struct rsdp r = rsdt_machine();

	r.b[10]++;
	assert_int_equal(find(&r), -EINVAL);
	expect_log("acpi: RSDP at 0xe0000: checksum of the first 20 bytes is 0x01, not 0\n");
	assert_int_equal(info.nr_problems, 1);
}

static void test_rsdp_copy_neither_20_nor_36_bytes(void **state)
{
	struct rsdp r = xsdt_machine();

	r.len = 24;
	assert_int_equal(find(&r), -EINVAL);
	expect_log("acpi: RSDP at 0xe0000: 24 bytes copied, expected 20 (ACPI 1.0) or 36\n");
}

static void test_rsdp_revision_2_copy_of_20_bytes_uses_rsdt(void **state)
{
	struct rsdp r = xsdt_machine();

	/* Bytes 20-35 hold a valid XSDT address, but they were not copied. */
	r.len = 20;
	assert_int_equal(find(&r), 0);
	expect_rsdt_madt();
	expect_log("revision 2 needs 36 bytes but 20 were copied");
}

static void test_rsdp_revision_0_copy_of_36_bytes(void **state)
{
	struct rsdp r = rsdt_machine();

	r.len = 36;
	memset(r.b + 20, 0xee, 16); /* whatever followed the RSDP in memory */
	assert_int_equal(find(&r), 0);
	expect_rsdt_madt();
	expect_log("acpi: RSDP at 0xe0000: revision 0 has 20 bytes, not the 36 copied");
}

static void test_rsdp_length_field_below_36_uses_rsdt(void **state)
{
	struct rsdp r = xsdt_machine();
	uint32_t len = 20;

	memcpy(r.b + 20, &len, 4);
	rsdp_fix(&r);
	assert_int_equal(find(&r), 0);
	expect_rsdt_madt();
	expect_log("revision 2 with length 20, below 36: the XSDT address is not used");
}

static void test_rsdp_bad_extended_checksum_uses_rsdt(void **state)
{
	struct rsdp r = xsdt_machine();

	r.b[33]++; /* reserved, covered by the extended checksum only */
	assert_int_equal(find(&r), 0);
	expect_rsdt_madt();
	expect_log(
		"extended checksum of the 36 bytes is 0x01, not 0: the XSDT address is not used");
}

static void test_rsdp_without_table_addresses(void **state)
{
	struct rsdp r = make_rsdp(0, 0, 0);

	assert_int_equal(find(&r), -ENOENT);
	expect_log("acpi: RSDP at 0xe0000: neither an RSDT nor an XSDT address\n");
}

/* ---- the RSDT and the XSDT ----------------------------------------------------------------- */
static void test_xsdt_bad_checksum_falls_back_to_rsdt(void **state)
{
	struct rsdp r = xsdt_machine();

	table_break_checksum(XSDT_HPA);
	assert_int_equal(find(&r), 0);
	expect_rsdt_madt();
	expect_log("acpi: XSDT at 0x7fe1000: checksum of the 52 bytes is 0x01, not 0; ignored\n");
	expect_log("acpi: no usable MADT through the XSDT; trying the RSDT at 0x7fe0000\n");
}

static void test_xsdt_bad_signature_falls_back_to_rsdt(void **state)
{
	struct rsdp r = xsdt_machine();

	memcpy(at(XSDT_HPA, 4), "RS\x01T", 4);
	table_end(XSDT_HPA, 52);
	assert_int_equal(find(&r), 0);
	expect_rsdt_madt();
	expect_log("acpi: XSDT at 0x7fe1000: signature \"RS?T\", expected \"XSDT\"; ignored\n");
}

static void test_xsdt_without_madt_falls_back_to_rsdt(void **state)
{
	struct rsdp r = xsdt_machine();
	const uint64_t entries[] = { FACP_HPA };

	make_xsdt(XSDT_HPA, entries, 1);
	assert_int_equal(find(&r), 0);
	expect_rsdt_madt();
	expect_log("acpi: XSDT at 0x7fe1000 lists no usable MADT\n");
}

static void test_root_entries_partial_last_entry_ignored(void **state)
{
	struct rsdp r = xsdt_machine();
	const uint64_t entries[] = { FACP_HPA, HIGH_HPA };

	/* 12 bytes of entries: one whole 8-byte entry (FACP); the MADT's address is cut short. */
	make_xsdt(XSDT_HPA, entries, 2);
	table_end(XSDT_HPA, 36 + 12);
	assert_int_equal(find(&r), 0);
	expect_rsdt_madt();
	expect_log("acpi: XSDT at 0x7fe1000: 12 bytes of entries are not a multiple of 8; the last "
		   "4 are ignored\n");
}

static void test_rsdt_partial_entry_and_zero_entries(void **state)
{
	struct rsdp r = rsdt_machine();
	const uint32_t entries[] = { 0, MADT_HPA, 0 };

	make_rsdt(RSDT_HPA, entries, 3);
	table_end(RSDT_HPA, 36 + 4 * 3 + 3);
	assert_int_equal(find(&r), 0);
	expect_rsdt_madt();
	/* The zero entries are skipped without a word; the 3 spare bytes are reported. */
	assert_int_equal(info.nr_problems, 1);
	expect_log("acpi: RSDT at 0x7fe0000: 15 bytes of entries are not a multiple of 4; the last "
		   "3 are ignored\n");
}

static void test_root_table_longer_than_maximum(void **state)
{
	struct rsdp r;

	/* A valid table in every other respect: 16 KiB of entries pointing at the MADT. */
	rsdt_machine();
	r = make_rsdp(0, BIG_HPA, 0);
	table_header(BIG_HPA, "RSDT", 1);
	for (unsigned int i = 0; i < (ACPI_TABLE_MAX_LEN + 4 - 36) / 4; i++)
		put32(BIG_HPA + 36 + 4 * i, MADT_HPA);
	table_end(BIG_HPA, ACPI_TABLE_MAX_LEN + 4);
	assert_int_equal(find(&r), -ENOENT);
	expect_log("acpi: RSDT at 0x7fe8000: length 65540, expected 36 to 65536; ignored\n");
	expect_log("acpi: no usable MADT, so no CPU list");
}

/* ---- finding the MADT ---------------------------------------------------------------------- */
static void test_madt_bad_checksum_ignored(void **state)
{
	struct rsdp r = rsdt_machine();

	table_break_checksum(MADT_HPA);
	assert_int_equal(find(&r), -ENOENT);
	expect_log("acpi: MADT at 0x7fe2000 (RSDT entry 1): checksum of the 82 bytes is 0x01, not "
		   "0; ignored\n");
	expect_log("acpi: RSDT at 0x7fe0000 lists no usable MADT\n");
}

static void test_first_valid_madt_used_and_second_reported(void **state)
{
	struct rsdp r = rsdt_machine();
	const uint32_t entries[] = { MADT_HPA, MADT2_HPA, FACP_HPA, MADT3_HPA };

	table_break_checksum(MADT_HPA);
	make_madt(MADT2_HPA, 4);
	make_madt(MADT3_HPA, 5);
	make_rsdt(RSDT_HPA, entries, 4);
	assert_int_equal(find(&r), 0);
	assert_int_equal(info.madt_hpa, MADT2_HPA);
	assert_int_equal(info.nr_cpus, 4);
	assert_int_equal(info.nr_problems, 2);
	expect_log("acpi: MADT at 0x7fe4000 (RSDT entry 3): a second MADT; the one at 0x7fe3000 is "
		   "used\n");
}

static void test_madt_length_above_maximum_ignored(void **state)
{
	struct rsdp r = rsdt_machine();
	struct madt m = madt_begin(MADT_HPA);
	static const uint8_t pad[2] = { 0x80, 2 };

	madt_lapic(&m, 0, 0, EN);
	while (m.len < ACPI_TABLE_MAX_LEN + 1 - 2)
		madt_bytes(&m, pad, 2);
	madt_bytes(&m, pad, 1);
	madt_end(&m);
	assert_int_equal(m.len, ACPI_TABLE_MAX_LEN + 1);
	assert_int_equal(find(&r), -ENOENT);
	expect_log("acpi: MADT at 0x7fe2000 (RSDT entry 1): length 65537, expected 36 to 65536; "
		   "ignored\n");
}

static void test_madt_of_maximum_length_accepted(void **state)
{
	struct rsdp r = rsdt_machine();
	struct madt m = madt_begin(MADT_HPA);
	uint8_t pad[255] = { 0x80, 255 };

	madt_lapic(&m, 0, 0, EN);
	while (ACPI_TABLE_MAX_LEN - m.len >= 255 + 2)
		madt_bytes(&m, pad, 255);
	pad[1] = ACPI_TABLE_MAX_LEN - m.len;
	madt_bytes(&m, pad, pad[1]);
	madt_lapic(&m, 1, 1, EN); /* past the maximum: not part of the table */
	m.len -= 8;
	madt_end(&m);
	assert_int_equal(m.len, ACPI_TABLE_MAX_LEN);
	assert_int_equal(find(&r), 0);
	assert_int_equal(info.nr_cpus, 1);
	assert_int_equal(info.nr_problems, 0);
}

static void test_table_length_below_header(void **state)
{
	struct rsdp r = rsdt_machine();

	table_end(MADT_HPA, 30);
	assert_int_equal(find(&r), -ENOENT);
	expect_log("acpi: MADT at 0x7fe2000 (RSDT entry 1): length 30, expected 36 to 65536; "
		   "ignored\n");
}

static void test_madt_shorter_than_fixed_part(void **state)
{
	struct rsdp r = rsdt_machine();

	table_end(MADT_HPA, 40);
	assert_int_equal(find(&r), -ENOENT);
	expect_log("acpi: MADT at 0x7fe2000 (RSDT entry 1): length 40 is below the 44 bytes before "
		   "its entries; ignored\n");
}

static void test_table_address_wrap(void **state)
{
	struct rsdp r = xsdt_machine();
	const uint64_t entries[] = { 0xffffffffffffffe8ull, TOP_HPA };

	add_region(TOP_HPA, 0x1000);
	make_madt(TOP_HPA, 1);
	put32(TOP_HPA + 4, 0x2000);
	make_xsdt(XSDT_HPA, entries, 2);
	assert_int_equal(find(&r), 0);
	expect_rsdt_madt();
	expect_log("acpi: XSDT entry 0 (table at 0xffffffffffffffe8): the 36-byte header would run "
		   "past 2^64; ignored\n");
	expect_log("acpi: MADT at 0xfffffffffffff000 (XSDT entry 1): length 8192 runs past 2^64; "
		   "ignored\n");
}

static void test_read_failures_reported(void **state)
{
	const uint32_t entries[] = { UNMAPPED, TABLES_HPA + TABLES_LEN - 36 };
	struct rsdp r;

	rsdt_machine();
	r = make_rsdp(2, RSDT_HPA, UNMAPPED);
	/* A MADT header at the very end of the region: its body is not there. */
	table_header(TABLES_HPA + TABLES_LEN - 36, "APIC", 5);
	put32(TABLES_HPA + TABLES_LEN - 32, 100);
	make_rsdt(RSDT_HPA, entries, 2);
	assert_int_equal(find(&r), -ENOENT);
	expect_log(
		"acpi: XSDT at 0x9000000: reading the 36-byte header failed (EFAULT); ignored\n");
	expect_log("acpi: RSDT entry 0 (table at 0x9000000): reading the 36-byte header failed "
		   "(EFAULT); ignored\n");
	expect_log("acpi: MADT at 0x7ffffdc (RSDT entry 1): reading its 100 bytes failed (EFAULT); "
		   "ignored\n");
}

static int positive_read(void *ctx, uint64_t hpa, void *buf, size_t len)
{
	return 1; /* not the documented contract: must still count as a failure */
}

static void test_read_callback_positive_result_is_failure(void **state)
{
	struct rsdp r = rsdt_machine();

	assert_int_equal(acpi_find_cpus(r.b, r.len, RSDP_HPA, positive_read, NULL, &info), -ENOENT);
	expect_log("acpi: RSDT at 0x7fe0000: reading the 36-byte header failed (EIO); ignored\n");
}

/* ---- walking the MADT ---------------------------------------------------------------------- */
static void test_entry_past_madt_end_stops_walk(void **state)
{
	struct rsdp r = rsdt_machine();
	struct madt m = madt_begin(MADT_HPA);

	madt_lapic(&m, 0, 0, EN);
	madt_x2apic(&m, 0x100, 1, EN);
	madt_lapic(&m, 2, 2, EN);
	m.len -= 16; /* the x2APIC entry loses its second half, the last entry is gone */
	madt_end(&m);
	assert_int_equal(find(&r), 0);
	assert_int_equal(info.nr_cpus, 1);
	expect_log("acpi: MADT at 0x7fe2000 entry 1 (offset 0x34): type 9 with length 16, expected "
		   "2 to the 8 bytes left; the rest of the MADT is ignored\n");
}

static void test_entry_length_below_2_stops_walk(void **state)
{
	struct rsdp r = rsdt_machine();
	struct madt m = madt_begin(MADT_HPA);
	static const uint8_t empty[2] = { 0x80, 0 };

	madt_lapic(&m, 0, 0, EN);
	madt_bytes(&m, empty, 2);
	madt_lapic(&m, 1, 1, EN);
	madt_end(&m);
	assert_int_equal(find(&r), 0);
	assert_int_equal(info.nr_cpus, 1);
	expect_log("entry 1 (offset 0x34): type 128 with length 0, expected 2 to the 10 bytes "
		   "left; the rest of the MADT is ignored\n");
}

static void test_one_byte_after_last_entry(void **state)
{
	struct rsdp r = rsdt_machine();
	struct madt m = madt_begin(MADT_HPA);
	static const uint8_t stray = 0;

	madt_lapic(&m, 0, 0, EN);
	madt_bytes(&m, &stray, 1);
	madt_end(&m);
	assert_int_equal(find(&r), 0);
	assert_int_equal(info.nr_cpus, 1);
	expect_log("entry 1 (offset 0x34): 1 byte left, an entry header needs 2; ignored\n");
}

static void test_message_names_madt_hpa_entry_and_offset(void **state)
{
	struct rsdp r = rsdt_machine();
	struct madt m = madt_begin(MADT_HPA);
	static const uint8_t short_lapic[6] = { 0, 6, 1, 1, EN };

	madt_lapic(&m, 0, 0, EN);
	madt_bytes(&m, short_lapic, sizeof(short_lapic));
	madt_end(&m);
	assert_int_equal(find(&r), 0);
	assert_string_equal(
		log_text, "acpi: MADT at 0x7fe2000 entry 1 (offset 0x34): length 6, type 0 "
			  "(processor local APIC) needs 8; entry skipped\n"
			  "acpi: MADT at 0x7fe2000: 1 CPU (1 enabled, 0 online-capable), 0 "
			  "disabled not kept, 0 I/O APICs, local APIC at 0xfee00000, 1 problem\n");
}

static void test_known_type_with_wrong_length_skipped(void **state)
{
	struct rsdp r = rsdt_machine();
	struct madt m = madt_begin(MADT_HPA);
	const uint8_t long_lapic[10] = { 0, 10, 5, 5, EN };
	const uint8_t short_x2apic[12] = { 9, 12, 0, 0, 6, 0, 0, 0, EN };
	const uint8_t long_ioapic[16] = { 1, 16, 3, 0, 0, 0, 0xc0, 0xfe };
	const uint8_t short_override[10] = { 5, 10, 0, 0, 0, 0, 0xd0, 0xfe };

	madt_bytes(&m, long_lapic, sizeof(long_lapic));
	madt_bytes(&m, short_x2apic, sizeof(short_x2apic));
	madt_bytes(&m, long_ioapic, sizeof(long_ioapic));
	madt_bytes(&m, short_override, sizeof(short_override));
	madt_lapic(&m, 1, 1, EN);
	madt_end(&m);
	assert_int_equal(find(&r), 0);
	assert_int_equal(info.nr_cpus, 1);
	assert_int_equal(info.cpus[0].apic_id, 1);
	assert_int_equal(info.nr_ioapics, 0);
	assert_int_equal(info.lapic_hpa, LAPIC_HPA);
	assert_int_equal(info.nr_problems, 4);
	expect_log("entry 0 (offset 0x2c): length 10, type 0 (processor local APIC) needs 8; entry "
		   "skipped\n");
	expect_log("entry 1 (offset 0x36): length 12, type 9 (processor local x2APIC) needs 16; "
		   "entry skipped\n");
	expect_log("entry 2 (offset 0x42): length 16, type 1 (I/O APIC) needs 12; entry skipped\n");
	expect_log("entry 3 (offset 0x52): length 10, type 5 (local APIC address override) needs "
		   "12; entry skipped\n");
}

static void test_other_entry_types_skipped_silently(void **state)
{
	struct rsdp r = rsdt_machine();
	struct madt m = madt_begin(MADT_HPA);
	static const uint8_t nmi[6] = { 4, 6, 0xff, 5, 0, 1 };
	static const uint8_t iso[10] = { 2, 10, 0, 9, 9 };
	static const uint8_t oem[3] = { 0x7f, 3, 0xaa };
	static const uint8_t last[2] = { 0xff, 2 };

	madt_bytes(&m, nmi, sizeof(nmi));
	madt_bytes(&m, iso, sizeof(iso));
	madt_bytes(&m, oem, sizeof(oem));
	madt_lapic(&m, 0, 0, EN);
	madt_bytes(&m, last, sizeof(last));
	madt_end(&m);
	assert_int_equal(find(&r), 0);
	assert_int_equal(info.nr_cpus, 1);
	assert_int_equal(info.nr_problems, 0);
}

static void test_disabled_cpus_dropped_online_capable_kept(void **state)
{
	struct rsdp r = rsdt_machine();
	struct madt m = madt_begin(MADT_HPA);

	madt_lapic(&m, 0, 0, EN);
	madt_lapic(&m, 1, 1, 0);
	madt_lapic(&m, 2, 2, OC);
	madt_lapic(&m, 3, 0xff, 0); /* an empty socket's placeholder: not a problem */
	madt_lapic(&m, 4, 0, 0); /* nor a duplicate */
	madt_x2apic(&m, 300, 5, 0);
	madt_x2apic(&m, 301, 6, OC);
	madt_end(&m);
	assert_int_equal(find(&r), 0);
	assert_int_equal(info.nr_cpus, 3);
	assert_int_equal(info.nr_cpus_disabled, 4);
	assert_int_equal(info.nr_problems, 0);
	assert_true(info.cpus[0].enabled);
	assert_int_equal(info.cpus[1].apic_id, 2);
	assert_false(info.cpus[1].enabled);
	assert_true(info.cpus[1].online_capable);
	assert_int_equal(info.cpus[2].apic_id, 301);
	assert_true(info.cpus[2].x2apic);
	assert_true(info.cpus[2].online_capable);
	expect_log("3 CPUs (1 enabled, 2 online-capable), 4 disabled not kept");
}

static void test_online_capable_needs_madt_revision_5(void **state)
{
	struct rsdp r = rsdt_machine();
	struct madt m = madt_begin_rev(MADT_HPA, LAPIC_HPA, 4);

	madt_lapic(&m, 0, 0, EN);
	madt_lapic(&m, 1, 1, OC); /* bit 1 is reserved in revision 4 */
	madt_end(&m);
	assert_int_equal(find(&r), 0);
	assert_int_equal(info.nr_cpus, 1);
	assert_int_equal(info.nr_cpus_disabled, 1);
}

static void test_apic_id_0xff_ignored(void **state)
{
	struct rsdp r = rsdt_machine();
	struct madt m = madt_begin(MADT_HPA);

	madt_lapic(&m, 0, 0, EN);
	madt_lapic(&m, 7, 0xff, EN);
	madt_end(&m);
	assert_int_equal(find(&r), 0);
	assert_int_equal(info.nr_cpus, 1);
	assert_int_equal(info.nr_problems, 1);
	expect_log("acpi: MADT at 0x7fe2000 entry 1 (offset 0x34): processor with ACPI UID 7 has "
		   "APIC id 0xff, the broadcast id; ignored\n");
}

static void test_duplicate_apic_ids_ignored(void **state)
{
	struct rsdp r = rsdt_machine();
	struct madt m = madt_begin(MADT_HPA);

	madt_lapic(&m, 0, 0, EN);
	madt_lapic(&m, 1, 1, EN);
	madt_lapic(&m, 2, 1, EN);
	madt_x2apic(&m, 0, 9, EN); /* an x2APIC entry for an id below 255 a type 0 listed */
	madt_x2apic(&m, 300, 10, EN);
	madt_x2apic(&m, 300, 11, OC);
	madt_end(&m);
	assert_int_equal(find(&r), 0);
	assert_int_equal(info.nr_cpus, 3);
	assert_int_equal(info.cpus[1].acpi_uid, 1);
	assert_int_equal(info.cpus[2].apic_id, 300);
	assert_int_equal(info.cpus[2].acpi_uid, 10);
	assert_int_equal(info.nr_problems, 3);
	expect_log("entry 2 (offset 0x3c): APIC id 1 (ACPI UID 2) was listed before (ACPI UID 1); "
		   "ignored\n");
	expect_log("entry 3 (offset 0x44): APIC id 0 (ACPI UID 9) was listed before (ACPI UID 0); "
		   "ignored\n");
	expect_log("entry 5 (offset 0x64): APIC id 300 (ACPI UID 11) was listed before (ACPI UID "
		   "10); ignored\n");
}

static void test_x2apic_entries(void **state)
{
	struct rsdp r = rsdt_machine();
	struct madt m = madt_begin(MADT_HPA);

	madt_x2apic(&m, 0x100, 0x10, EN);
	madt_x2apic(&m, 0x12345678, 0xabcdef01, EN);
	madt_x2apic(&m, 0xffffffff, 0x12, EN);
	madt_x2apic(&m, 7, 0x13, EN);
	madt_end(&m);
	assert_int_equal(find(&r), 0);
	assert_int_equal(info.nr_cpus, 3);
	assert_int_equal(info.cpus[0].apic_id, 0x100);
	assert_int_equal(info.cpus[0].acpi_uid, 0x10);
	assert_int_equal(info.cpus[1].apic_id, 0x12345678);
	assert_int_equal(info.cpus[1].acpi_uid, 0xabcdef01);
	assert_int_equal(info.cpus[2].apic_id, 7);
	for (unsigned int i = 0; i < 3; i++) {
		assert_true(info.cpus[i].x2apic);
		assert_true(info.cpus[i].enabled);
	}
	expect_log("entry 2 (offset 0x4c): processor with ACPI UID 18 has x2APIC id 0xffffffff, "
		   "the broadcast id; ignored\n");
}

static void test_more_than_max_cpus_reported_once(void **state)
{
	struct rsdp r = rsdt_machine();
	struct madt m = madt_begin(MADT_HPA);

	for (unsigned int i = 0; i < ACPI_MAX_CPUS + 6; i++)
		madt_lapic(&m, i, i, EN);
	madt_lapic(&m, 99, 3, EN); /* a duplicate of a kept one is still found */
	madt_end(&m);
	assert_int_equal(find(&r), 0);
	assert_int_equal(info.nr_cpus, ACPI_MAX_CPUS);
	assert_int_equal(info.nr_cpus_left_out, 6);
	assert_int_equal(info.cpus[ACPI_MAX_CPUS - 1].apic_id, ACPI_MAX_CPUS - 1);
	assert_int_equal(info.nr_problems, 2);
	assert_int_equal(log_count("left out"), 1);
	expect_log("acpi: MADT at 0x7fe2000: 6 more CPUs than the 64 kept were left out\n");
}

static void test_problems_past_the_limit_counted_not_printed(void **state)
{
	struct rsdp r = rsdt_machine();
	struct madt m = madt_begin(MADT_HPA);

	madt_lapic(&m, 0, 0, EN);
	for (unsigned int i = 1; i <= 40; i++)
		madt_lapic(&m, i, 0, EN);
	madt_end(&m);
	assert_int_equal(find(&r), 0);
	assert_int_equal(info.nr_cpus, 1);
	assert_int_equal(info.nr_problems, 40);
	assert_int_equal(log_count("was listed before"), 32);
	expect_log("acpi: 8 more problems were counted but not printed\n");
	expect_log("1 CPU (1 enabled, 0 online-capable), 0 disabled not kept, 0 I/O APICs, local "
		   "APIC at 0xfee00000, 40 problems\n");
}

static void test_lapic_address_override(void **state)
{
	struct rsdp r = rsdt_machine();
	struct madt m = madt_begin_rev(MADT_HPA, 0, 5);

	madt_lapic(&m, 0, 0, EN);
	madt_override(&m, 0xfed00000);
	madt_override(&m, 0x100000000ull);
	madt_end(&m);
	assert_int_equal(find(&r), 0);
	assert_int_equal(info.lapic_hpa, 0xfed00000);
	assert_int_equal(info.nr_problems, 1);
	expect_log("entry 2 (offset 0x40): a second local APIC address override (0x100000000); the "
		   "first, 0xfed00000, is used\n");
}

static void test_invalid_lapic_override_ignored(void **state)
{
	struct rsdp r = rsdt_machine();
	struct madt m = madt_begin_rev(MADT_HPA, 0xfee01000, 5);

	madt_lapic(&m, 0, 0, EN);
	madt_override(&m, 0xfee00800);
	madt_override(&m, 0);
	madt_override(&m, 1ull << 52);
	madt_end(&m);
	assert_int_equal(find(&r), 0);
	assert_int_equal(info.lapic_hpa, 0xfee01000);
	assert_int_equal(info.nr_problems, 3);
	expect_log("entry 1 (offset 0x34): local APIC address override 0xfee00800 is not a nonzero "
		   "page-aligned address below 2^52; ignored\n");
	expect_log("override 0x0 is not");
	expect_log("override 0x10000000000000 is not");
}

static void test_invalid_lapic_address_falls_back_to_default(void **state)
{
	static const uint32_t bad[] = { 0, 0xfee00800 };

	for (unsigned int i = 0; i < 2; i++) {
		struct rsdp r = rsdt_machine();
		struct madt m = madt_begin_rev(MADT_HPA, bad[i], 5);

		madt_lapic(&m, 0, 0, EN);
		madt_end(&m);
		log_len = 0;
		assert_int_equal(find(&r), 0);
		assert_int_equal(info.lapic_hpa, 0xfee00000);
		assert_int_equal(info.nr_problems, 1);
	}
	expect_log("acpi: MADT at 0x7fe2000: local APIC address 0xfee00800 is not a nonzero "
		   "page-aligned address; using 0xfee00000\n");
}

static void test_ioapics(void **state)
{
	struct rsdp r = rsdt_machine();
	struct madt m = madt_begin(MADT_HPA);

	madt_lapic(&m, 0, 0, EN);
	madt_ioapic(&m, 1, 0, 0);
	for (unsigned int i = 0; i < ACPI_MAX_IOAPICS + 2; i++)
		madt_ioapic(&m, i, IOAPIC_HPA + 0x1000 * i, 24 * i);
	madt_ioapic(&m, 2, 0xfec80000, 100);
	madt_end(&m);
	assert_int_equal(find(&r), 0);
	assert_int_equal(info.nr_ioapics, ACPI_MAX_IOAPICS);
	for (unsigned int i = 0; i < ACPI_MAX_IOAPICS; i++) {
		assert_int_equal(info.ioapics[i].id, i);
		assert_int_equal(info.ioapics[i].hpa, IOAPIC_HPA + 0x1000 * i);
		assert_int_equal(info.ioapics[i].gsi_base, 24 * i);
	}
	assert_int_equal(info.nr_problems, 3);
	expect_log("entry 1 (offset 0x34): I/O APIC id 1 at address 0; ignored\n");
	expect_log("I/O APIC id 2 at 0xfec80000 was listed before (at 0xfec02000); ignored\n");
	expect_log("acpi: MADT at 0x7fe2000: 2 more I/O APICs than the 8 kept were left out\n");
}

static void test_madt_without_usable_cpu(void **state)
{
	struct rsdp r = rsdt_machine();
	struct madt m = madt_begin(MADT_HPA);

	madt_lapic(&m, 0, 0, 0);
	madt_end(&m);
	assert_int_equal(find(&r), 0);
	assert_int_equal(info.nr_cpus, 0);
	expect_log("acpi: MADT at 0x7fe2000 lists no usable CPU\n");
}

static void test_calls_are_independent(void **state)
{
	struct rsdp r = xsdt_machine();

	assert_int_equal(find(&r), 0);
	assert_int_equal(info.nr_cpus, 3);
	table_break_checksum(HIGH_HPA);
	assert_int_equal(find(&r), 0);
	expect_rsdt_madt();
	assert_int_equal(info.nr_problems, 2); /* the MADT, then the XSDT without one */
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_rsdt_machine_lists_cpus_and_ioapic),
		T(test_xsdt_preferred_over_rsdt),
		T(test_no_rsdp),
		T(test_bad_arguments),
		T(test_rsdp_bad_signature),
		T(test_rsdp_bad_checksum),
		T(test_rsdp_copy_neither_20_nor_36_bytes),
		T(test_rsdp_revision_2_copy_of_20_bytes_uses_rsdt),
		T(test_rsdp_revision_0_copy_of_36_bytes),
		T(test_rsdp_length_field_below_36_uses_rsdt),
		T(test_rsdp_bad_extended_checksum_uses_rsdt),
		T(test_rsdp_without_table_addresses),
		T(test_xsdt_bad_checksum_falls_back_to_rsdt),
		T(test_xsdt_bad_signature_falls_back_to_rsdt),
		T(test_xsdt_without_madt_falls_back_to_rsdt),
		T(test_root_entries_partial_last_entry_ignored),
		T(test_rsdt_partial_entry_and_zero_entries),
		T(test_root_table_longer_than_maximum),
		T(test_madt_bad_checksum_ignored),
		T(test_first_valid_madt_used_and_second_reported),
		T(test_madt_length_above_maximum_ignored),
		T(test_madt_of_maximum_length_accepted),
		T(test_table_length_below_header),
		T(test_madt_shorter_than_fixed_part),
		T(test_table_address_wrap),
		T(test_read_failures_reported),
		T(test_read_callback_positive_result_is_failure),
		T(test_entry_past_madt_end_stops_walk),
		T(test_entry_length_below_2_stops_walk),
		T(test_one_byte_after_last_entry),
		T(test_message_names_madt_hpa_entry_and_offset),
		T(test_known_type_with_wrong_length_skipped),
		T(test_other_entry_types_skipped_silently),
		T(test_disabled_cpus_dropped_online_capable_kept),
		T(test_online_capable_needs_madt_revision_5),
		T(test_apic_id_0xff_ignored),
		T(test_duplicate_apic_ids_ignored),
		T(test_x2apic_entries),
		T(test_more_than_max_cpus_reported_once),
		T(test_problems_past_the_limit_counted_not_printed),
		T(test_lapic_address_override),
		T(test_invalid_lapic_override_ignored),
		T(test_invalid_lapic_address_falls_back_to_default),
		T(test_ioapics),
		T(test_madt_without_usable_cpu),
		T(test_calls_are_independent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
