// SPDX-License-Identifier: MIT
/*
 * guest_acpi_build against plinth's own ACPI parser (drivers/acpi.c) as the oracle: the tables
 * are built into a buffer that stands for guest memory at their gpa, and acpi_find_cpus must
 * find exactly the CPUs asked for, through the XSDT and through the RSDT, without a single
 * problem reported. The bytes are checked too (checksums, lengths, revisions, addresses), and
 * every refusal.
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

#include "drivers/vdev/guest_acpi.h"
#include "drivers/acpi.h"
#include "core/console.h"
#include "core/errno.h"

#define GPA	    GUEST_ACPI_GPA
#define RSDT_GPA    (GPA + GUEST_ACPI_RSDT_OFFSET)
#define XSDT_GPA    (GPA + GUEST_ACPI_XSDT_OFFSET)
#define MADT_GPA    (GPA + GUEST_ACPI_MADT_OFFSET)
#define IOAPIC_GPA  0xfec00000u
#define FOUR_GIB    0x100000000ull
#define LEN_1_XAPIC (GUEST_ACPI_MADT_OFFSET + 44 + 8)
#define POISON	    0xa5

/* ---- guest memory: the built tables at their gpa, nothing else ------------------------------ */
static uint8_t mem[GUEST_ACPI_MAX_BYTES];
static uint64_t mem_gpa;
static size_t mem_len;

static int guest_read(void *ctx, uint64_t gpa, void *buf, size_t len)
{
	assert_ptr_equal(ctx, mem);
	if (gpa < mem_gpa || gpa - mem_gpa > mem_len || len > mem_len - (gpa - mem_gpa))
		return -EFAULT;
	memcpy(buf, mem + (gpa - mem_gpa), len);
	return 0;
}

/* ---- the parser's log: tests/unit/acpi_log.h ---- */

/* ---- helpers -------------------------------------------------------------------------------- */
static uint32_t get32(uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, mem + (gpa - mem_gpa), 4);
	return v;
}

static uint64_t get64(uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, mem + (gpa - mem_gpa), 8);
	return v;
}

static uint8_t *at(uint64_t gpa)
{
	return mem + (gpa - mem_gpa);
}

static uint8_t sum8(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	for (size_t i = 0; i < len; i++)
		s += p[i];
	return s;
}

static void build_at(uint64_t gpa, const uint32_t *ids, unsigned int n,
		     const struct guest_acpi_ioapic *ioapic)
{
	size_t len = 0;

	memset(mem, POISON, sizeof(mem));
	assert_int_equal(guest_acpi_build(mem, sizeof(mem), gpa, ids, n, ioapic, &len), 0);
	assert_true(len > GUEST_ACPI_MADT_OFFSET && len <= GUEST_ACPI_MAX_BYTES);
	mem_gpa = gpa;
	mem_len = len;
	/* Nothing past the length is touched. */
	for (size_t i = len; i < sizeof(mem); i++)
		assert_int_equal(mem[i], POISON);
}

static void build(const uint32_t *ids, unsigned int n, const struct guest_acpi_ioapic *ioapic)
{
	build_at(GPA, ids, n, ioapic);
}

static struct acpi_madt_info info;

/* What an OS does: read the RSDP where the scan found it, and follow it. */
static int find_with_rsdp_len(uint32_t rsdp_len)
{
	log_len = 0;
	log_text[0] = '\0';
	memset(&info, POISON, sizeof(info));
	return acpi_find_cpus(mem, rsdp_len, mem_gpa, guest_read, mem, &info);
}

static int find(void)
{
	return find_with_rsdp_len(36);
}

/* The parser found exactly these CPUs, in this order, with UID = index, and nothing amiss. */
static void expect_cpus(const uint32_t *ids, unsigned int n, unsigned int problems)
{
	assert_int_equal(info.madt_hpa, mem_gpa + GUEST_ACPI_MADT_OFFSET);
	assert_int_equal(info.lapic_hpa, 0xfee00000);
	assert_int_equal(info.flags, 1); /* PCAT_COMPAT */
	assert_int_equal(info.nr_cpus, n);
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(info.cpus[i].apic_id, ids[i]);
		assert_int_equal(info.cpus[i].acpi_uid, i);
		assert_int_equal(info.cpus[i].x2apic, ids[i] >= 255);
		assert_true(info.cpus[i].enabled);
		assert_false(info.cpus[i].online_capable);
	}
	assert_int_equal(info.nr_cpus_disabled, 0);
	assert_int_equal(info.nr_cpus_left_out, 0);
	assert_int_equal(info.nr_problems, problems);
}

static void expect_found(const uint32_t *ids, unsigned int n)
{
	assert_int_equal(find(), 0);
	expect_cpus(ids, n, 0);
	assert_int_equal(info.nr_ioapics, 0);
}

/* A table header as the ACPI spec and the brief want it. */
static void expect_sdt(uint64_t gpa, const char *sig, uint8_t rev, uint32_t len)
{
	assert_memory_equal(at(gpa), sig, 4);
	assert_int_equal(get32(gpa + 4), len);
	assert_int_equal(at(gpa)[8], rev);
	assert_int_equal(sum8(at(gpa), len), 0);
	assert_memory_equal(at(gpa + 10), "PLINTH", 6);
	assert_memory_equal(at(gpa + 16), "PLINTHVM", 8);
	assert_memory_equal(at(gpa + 28), "PLTH", 4);
}

static void ids_from(uint32_t *ids, unsigned int n, uint32_t first, uint32_t step)
{
	for (unsigned int i = 0; i < n; i++)
		ids[i] = first + i * step;
}

/* ---- CPUs found ----------------------------------------------------------------------------- */
static void test_one_cpu(void **state)
{
	static const uint32_t ids[] = { 0 };

	build(ids, 1, NULL);
	assert_int_equal(mem_len, LEN_1_XAPIC);
	expect_found(ids, 1);
	expect_log("acpi: MADT at 0xf0090: 1 CPU (1 enabled, 0 online-capable), 0 disabled not "
		   "kept, 0 I/O APICs, local APIC at 0xfee00000, 0 problems\n");
}

static void test_two_cpus(void **state)
{
	static const uint32_t ids[] = { 0, 1 };

	build(ids, 2, NULL);
	assert_int_equal(mem_len, GUEST_ACPI_MADT_OFFSET + 44 + 2 * 8);
	expect_found(ids, 2);
}

static void test_four_cpus_sparse_ids_boot_cpu_not_0(void **state)
{
	static const uint32_t ids[] = { 6, 0, 2, 4 };

	build(ids, 4, NULL);
	expect_found(ids, 4);
}

static void test_64_cpus(void **state)
{
	uint32_t ids[64];

	ids_from(ids, 64, 0, 1);
	build(ids, 64, NULL);
	assert_int_equal(mem_len, GUEST_ACPI_MADT_OFFSET + 44 + 64 * 8);
	expect_found(ids, 64);
}

static void test_x2apic_entries_from_id_255(void **state)
{
	static const uint32_t ids[] = { 0, 254, 255, 256, 0x12345678, 1 };
	/* Where each entry starts in the MADT, and its type. */
	static const struct {
		unsigned int off, type, len;
	} entries[] = { { 44, 0, 8 },  { 52, 0, 8 },  { 60, 9, 16 },
			{ 76, 9, 16 }, { 92, 9, 16 }, { 108, 0, 8 } };

	build(ids, 6, NULL);
	assert_int_equal(mem_len, GUEST_ACPI_MADT_OFFSET + 116);
	expect_found(ids, 6);
	for (unsigned int i = 0; i < 6; i++) {
		const uint8_t *e = at(MADT_GPA + entries[i].off);

		assert_int_equal(e[0], entries[i].type);
		assert_int_equal(e[1], entries[i].len);
		if (entries[i].type == 0) {
			assert_int_equal(e[2], i); /* UID */
			assert_int_equal(e[3], ids[i]);
			assert_int_equal(get32(MADT_GPA + entries[i].off + 4), 1);
		} else {
			assert_int_equal(e[2] | e[3], 0); /* reserved */
			assert_int_equal(get32(MADT_GPA + entries[i].off + 4), ids[i]);
			assert_int_equal(get32(MADT_GPA + entries[i].off + 8), 1);
			assert_int_equal(get32(MADT_GPA + entries[i].off + 12), i);
		}
	}
}

static void test_64_x2apic_cpus_and_ioapic_fill_max_bytes(void **state)
{
	const struct guest_acpi_ioapic ioapic = { .id = 0, .gpa = IOAPIC_GPA, .gsi_base = 0 };
	uint32_t ids[64];

	ids_from(ids, 64, 0x100, 3);
	build(ids, 64, &ioapic);
	assert_int_equal(mem_len, GUEST_ACPI_MAX_BYTES);
	assert_int_equal(GUEST_ACPI_MAX_BYTES, 1224);
	assert_int_equal(find(), 0);
	expect_cpus(ids, 64, 0);
	assert_int_equal(info.nr_ioapics, 1);
}

static void test_ioapic_entry(void **state)
{
	static const uint32_t ids[] = { 0, 1 };
	const struct guest_acpi_ioapic ioapic = { .id = 2, .gpa = IOAPIC_GPA, .gsi_base = 24 };
	const uint8_t *e;

	build(ids, 2, &ioapic);
	assert_int_equal(mem_len, GUEST_ACPI_MADT_OFFSET + 44 + 2 * 8 + 12);
	assert_int_equal(find(), 0);
	expect_cpus(ids, 2, 0);
	assert_int_equal(info.nr_ioapics, 1);
	assert_int_equal(info.ioapics[0].id, 2);
	assert_int_equal(info.ioapics[0].hpa, IOAPIC_GPA);
	assert_int_equal(info.ioapics[0].gsi_base, 24);
	/* Last, after the CPUs: type 1, length 12, id, a reserved 0, address, GSI base. */
	e = at(MADT_GPA + 44 + 2 * 8);
	assert_int_equal(e[0], 1);
	assert_int_equal(e[1], 12);
	assert_int_equal(e[2], 2);
	assert_int_equal(e[3], 0);
	assert_int_equal(get32(MADT_GPA + 44 + 16 + 4), IOAPIC_GPA);
	assert_int_equal(get32(MADT_GPA + 44 + 16 + 8), 24);
	expect_log("1 I/O APIC, local APIC at 0xfee00000, 0 problems\n");
}

/* ---- the bytes ------------------------------------------------------------------------------ */
static void test_rsdp(void **state)
{
	static const uint32_t ids[] = { 0, 1 };

	build(ids, 2, NULL);
	assert_memory_equal(mem, "RSD PTR ", 8);
	assert_int_equal(sum8(mem, 20), 0);
	assert_int_equal(sum8(mem, 36), 0);
	assert_memory_equal(mem + 9, "PLINTH", 6);
	assert_int_equal(mem[15], 2); /* revision: ACPI 2.0+ */
	assert_int_equal(get32(GPA + 16), RSDT_GPA);
	assert_int_equal(get32(GPA + 20), 36);
	assert_int_equal(get64(GPA + 24), XSDT_GPA);
	assert_int_equal(mem[33] | mem[34] | mem[35], 0);
}

static void test_root_tables_and_madt_header(void **state)
{
	static const uint32_t ids[] = { 0, 300 };
	const uint32_t madt_len = 44 + 8 + 16;

	build(ids, 2, NULL);
	expect_sdt(RSDT_GPA, "RSDT", 1, 40);
	assert_int_equal(get32(RSDT_GPA + 36), MADT_GPA);
	expect_sdt(XSDT_GPA, "XSDT", 1, 44);
	assert_int_equal(get64(XSDT_GPA + 36), MADT_GPA);
	expect_sdt(MADT_GPA, "APIC", 5, madt_len);
	assert_int_equal(get32(MADT_GPA + 36), 0xfee00000);
	assert_int_equal(get32(MADT_GPA + 40), 1);
	assert_int_equal(mem_len, GUEST_ACPI_MADT_OFFSET + madt_len);
	/* The padding between the tables is zero. */
	for (size_t i = 36; i < GUEST_ACPI_RSDT_OFFSET; i++)
		assert_int_equal(mem[i], 0);
	for (size_t i = GUEST_ACPI_RSDT_OFFSET + 40; i < GUEST_ACPI_XSDT_OFFSET; i++)
		assert_int_equal(mem[i], 0);
	for (size_t i = GUEST_ACPI_XSDT_OFFSET + 44; i < GUEST_ACPI_MADT_OFFSET; i++)
		assert_int_equal(mem[i], 0);
}

static void test_addresses_follow_gpa(void **state)
{
	static const uint32_t ids[] = { 1, 0 };
	const uint64_t gpa = 0xf5a30;

	build_at(gpa, ids, 2, NULL);
	assert_int_equal(get32(gpa + 16), gpa + 48);
	assert_int_equal(get64(gpa + 24), gpa + 96);
	assert_int_equal(get32(gpa + 48 + 36), gpa + 144);
	assert_int_equal(get64(gpa + 96 + 36), gpa + 144);
	expect_found(ids, 2);
}

/* The highest 16-byte boundary the tables fit below 4 GiB from: 204 bytes, rounded up to 208. */
#define TOP_GPA_2_CPUS (FOUR_GIB - 208)

static void test_tables_ending_just_below_4_gib(void **state)
{
	static const uint32_t ids[] = { 0, 1 };

	build_at(TOP_GPA_2_CPUS, ids, 2, NULL);
	assert_int_equal(mem_len, 204);
	expect_found(ids, 2);
}

/* ---- both roots ----------------------------------------------------------------------------- */
static void test_rsdt_used_when_xsdt_checksum_broken(void **state)
{
	static const uint32_t ids[] = { 0, 1, 2, 300 };

	build(ids, 4, NULL);
	at(XSDT_GPA)[9]++;
	assert_int_equal(find(), 0);
	expect_cpus(ids, 4, 1);
	expect_log("acpi: XSDT at 0xf0060: checksum of the 44 bytes is 0x01, not 0; ignored\n");
	expect_log("acpi: no usable MADT through the XSDT; trying the RSDT at 0xf0030\n");
}

static void test_xsdt_alone_suffices(void **state)
{
	static const uint32_t ids[] = { 0, 1, 2, 3 };

	build(ids, 4, NULL);
	at(RSDT_GPA)[9]++; /* never read when the XSDT works */
	expect_found(ids, 4);
}

static void test_acpi_1_reader_uses_rsdt(void **state)
{
	static const uint32_t ids[] = { 0, 1, 2, 3 };

	/* An ACPI 1.0 OS reads 20 bytes of RSDP: the first checksum alone must hold. */
	build(ids, 4, NULL);
	at(XSDT_GPA)[9]++;
	assert_int_equal(find_with_rsdp_len(20), 0);
	expect_cpus(ids, 4, 1);
	expect_log("revision 2 needs 36 bytes but 20 were copied: no XSDT address, using the "
		   "RSDT\n");
}

/* ---- refusals ------------------------------------------------------------------------------- */
/* The call fails with err and writes nothing but *len_out (want_len). */
static void expect_refused(int err, uint64_t gpa, const uint32_t *ids, unsigned int n,
			   const struct guest_acpi_ioapic *ioapic, size_t cap, size_t want_len)
{
	size_t len = 12345;

	memset(mem, POISON, sizeof(mem));
	assert_int_equal(guest_acpi_build(mem, cap, gpa, ids, n, ioapic, &len), err);
	assert_int_equal(len, want_len);
	for (size_t i = 0; i < sizeof(mem); i++)
		assert_int_equal(mem[i], POISON);
}

static void test_invalid_cpu_lists(void **state)
{
	static const uint32_t dup_xapic[] = { 0, 1, 2, 1 };
	static const uint32_t dup_x2apic[] = { 300, 0, 300 };
	static const uint32_t broadcast[] = { 0, 0xffffffff };
	uint32_t ids[GUEST_ACPI_MAX_CPUS + 1];

	ids_from(ids, GUEST_ACPI_MAX_CPUS + 1, 0, 1);
	expect_refused(-EINVAL, GPA, ids, 0, NULL, sizeof(mem), 0);
	expect_refused(-EINVAL, GPA, ids, GUEST_ACPI_MAX_CPUS + 1, NULL, sizeof(mem), 0);
	expect_refused(-EINVAL, GPA, dup_xapic, 4, NULL, sizeof(mem), 0);
	expect_refused(-EINVAL, GPA, dup_x2apic, 3, NULL, sizeof(mem), 0);
	expect_refused(-EINVAL, GPA, broadcast, 2, NULL, sizeof(mem), 0);
	expect_refused(-EINVAL, GPA, NULL, 1, NULL, sizeof(mem), 0);
	/* The same lists, cut short of their faults, are fine. */
	build(dup_xapic, 3, NULL);
	build(dup_x2apic, 2, NULL);
	build(broadcast, 1, NULL);
	build(ids, GUEST_ACPI_MAX_CPUS, NULL);
}

static void test_invalid_placement(void **state)
{
	static const uint32_t ids[] = { 0, 1 };

	expect_refused(-EINVAL, GPA + 8, ids, 2, NULL, sizeof(mem), 0);
	expect_refused(-EINVAL, GPA + 1, ids, 2, NULL, sizeof(mem), 0);
	/* One 16-byte step too high: the MADT's last 12 bytes would be above 4 GiB. */
	expect_refused(-EINVAL, TOP_GPA_2_CPUS + 16, ids, 2, NULL, sizeof(mem), 0);
	expect_refused(-EINVAL, FOUR_GIB, ids, 2, NULL, sizeof(mem), 0);
	expect_refused(-EINVAL, 0xfffffffffffffff0ull, ids, 2, NULL, sizeof(mem), 0);
}

static void test_invalid_ioapic_and_pointers(void **state)
{
	static const uint32_t ids[] = { 0 };
	const struct guest_acpi_ioapic no_address = { .id = 1, .gpa = 0, .gsi_base = 0 };
	size_t len = 1;

	expect_refused(-EINVAL, GPA, ids, 1, &no_address, sizeof(mem), 0);
	assert_int_equal(guest_acpi_build(mem, sizeof(mem), GPA, ids, 1, NULL, NULL), -EINVAL);
	/* Room claimed, but no buffer. */
	assert_int_equal(guest_acpi_build(NULL, 4096, GPA, ids, 1, NULL, &len), -EINVAL);
	assert_int_equal(len, 0);
}

static void test_no_space(void **state)
{
	static const uint32_t ids[] = { 0, 1 };
	const struct guest_acpi_ioapic ioapic = { .id = 2, .gpa = IOAPIC_GPA, .gsi_base = 0 };
	const size_t len = GUEST_ACPI_MADT_OFFSET + 44 + 2 * 8;
	size_t got = 0;
	uint8_t *exact;

	expect_refused(-ENOSPC, GPA, ids, 2, NULL, len - 1, len);
	expect_refused(-ENOSPC, GPA, ids, 2, &ioapic, len, len + 12);
	expect_refused(-ENOSPC, GPA, ids, 2, NULL, 0, len);
	/* No buffer and no room: a question about the length. */
	assert_int_equal(guest_acpi_build(NULL, 0, GPA, ids, 2, NULL, &got), -ENOSPC);
	assert_int_equal(got, len);
	/* Exactly enough: ASan sees any byte written past it. */
	exact = malloc(len);
	assert_non_null(exact);
	assert_int_equal(guest_acpi_build(exact, len, GPA, ids, 2, NULL, &got), 0);
	assert_int_equal(got, len);
	assert_memory_equal(exact, "RSD PTR ", 8);
	free(exact);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_cpu),
		cmocka_unit_test(test_two_cpus),
		cmocka_unit_test(test_four_cpus_sparse_ids_boot_cpu_not_0),
		cmocka_unit_test(test_64_cpus),
		cmocka_unit_test(test_x2apic_entries_from_id_255),
		cmocka_unit_test(test_64_x2apic_cpus_and_ioapic_fill_max_bytes),
		cmocka_unit_test(test_ioapic_entry),
		cmocka_unit_test(test_rsdp),
		cmocka_unit_test(test_root_tables_and_madt_header),
		cmocka_unit_test(test_addresses_follow_gpa),
		cmocka_unit_test(test_tables_ending_just_below_4_gib),
		cmocka_unit_test(test_rsdt_used_when_xsdt_checksum_broken),
		cmocka_unit_test(test_xsdt_alone_suffices),
		cmocka_unit_test(test_acpi_1_reader_uses_rsdt),
		cmocka_unit_test(test_invalid_cpu_lists),
		cmocka_unit_test(test_invalid_placement),
		cmocka_unit_test(test_invalid_ioapic_and_pointers),
		cmocka_unit_test(test_no_space),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
