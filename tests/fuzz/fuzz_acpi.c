// SPDX-License-Identifier: MIT
/*
 * acpi_find_cpus on arbitrary firmware tables. The input is
 *   byte 0:      bit 0: the RSDP copy is 36 bytes (else 20);
 *                bit 1: force the "RSD PTR " signature and fix both RSDP checksums;
 *                bit 2: fix each table's checksum when its header is read (below);
 *                bits 3-7: when not 0, the copy's length is this value + 5 instead (6 to 36)
 *   bytes 1-36:  the RSDP copy (zero-padded when the input is shorter)
 *   the rest:    physical memory from MEM_HPA up, and the same bytes again at the top of the
 *                address space (ending at 2^64 - 1) so that tables near 2^64 can be read;
 *                everything else reads as -EFAULT.
 * Table addresses in the input point into that memory. Bits 1 and 2 let mutated tables pass
 * their checksums, so the fuzzer reaches the MADT walk; without them it explores the checks.
 * Checked: results stay within bounds and meet the rules drivers/acpi.c promises, failures
 * are explained, every message is one "acpi: " line.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/acpi.h"
#include "core/console.h"
#include "core/errno.h"

#define MEM_HPA	       0x1000ull
#define RSDP_HPA       0xe0000ull
#define CTL_RSDP_36    0x01
#define CTL_FIX_RSDP   0x02
#define CTL_FIX_TABLES 0x04
#define CTL_LEN_SHIFT  3

struct fake_mem {
	uint8_t *bytes;
	size_t len;
	bool fix_tables;
};

static unsigned int nlines;

void console_write(const char *s, size_t len)
{
	if (len < 7 || memcmp(s, "acpi: ", 6) || s[len - 1] != '\n' || memchr(s, '\n', len - 1))
		abort();
	nlines++;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint8_t sum8(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	for (size_t i = 0; i < len; i++)
		s += p[i];
	return s;
}

/* Makes the table whose header is at off sum to 0, if it lies wholly in memory. */
static void fix_table(struct fake_mem *m, size_t off)
{
	uint32_t len = get32(m->bytes + off + 4);

	if (len < 36 || len > m->len - off)
		return;
	m->bytes[off + 9] = 0;
	m->bytes[off + 9] = -sum8(m->bytes + off, len);
}

/* Is [hpa, hpa + len) inside the window of memory that starts at base? */
static bool in_window(const struct fake_mem *m, uint64_t base, uint64_t hpa, size_t len,
		      size_t *off)
{
	if (hpa < base || hpa - base > m->len || len > m->len - (hpa - base))
		return false;
	*off = hpa - base;
	return true;
}

static uint64_t top_base(const struct fake_mem *m)
{
	return m->len ? 0 - (uint64_t)m->len : UINT64_MAX;
}

static int fake_read(void *ctx, uint64_t hpa, void *buf, size_t len)
{
	struct fake_mem *m = ctx;
	size_t off;

	if (len == 0 || len > ACPI_TABLE_MAX_LEN)
		abort(); /* the parser bounds every read */
	if (!in_window(m, MEM_HPA, hpa, len, &off) && !in_window(m, top_base(m), hpa, len, &off))
		return -EFAULT;
	/* Only headers are read 36 bytes at a time (a table body of 36 bytes is read at +36:
	 * fixing there is harmless, it is just other memory contents). */
	if (m->fix_tables && len == 36)
		fix_table(m, off);
	memcpy(buf, m->bytes + off, len);
	return 0;
}

static bool lapic_hpa_ok(uint64_t hpa)
{
	return hpa && !(hpa & 0xfff) && hpa < (1ull << 52);
}

static void check(const struct acpi_madt_info *out, const struct fake_mem *m)
{
	size_t off;

	if (out->nr_cpus > ACPI_MAX_CPUS || out->nr_ioapics > ACPI_MAX_IOAPICS)
		abort();
	if (!in_window(m, MEM_HPA, out->madt_hpa, 44, &off) &&
	    !in_window(m, top_base(m), out->madt_hpa, 44, &off))
		abort(); /* the MADT used lies in memory, with at least its fixed part */
	if (!lapic_hpa_ok(out->lapic_hpa))
		abort();
	if (out->nr_cpus_left_out && out->nr_cpus != ACPI_MAX_CPUS)
		abort();
	for (unsigned int i = 0; i < out->nr_cpus; i++) {
		const struct acpi_cpu *c = &out->cpus[i];

		if (c->enabled == c->online_capable)
			abort(); /* exactly one: disabled CPUs are not kept */
		if (c->x2apic ? c->apic_id == 0xffffffffu : c->apic_id >= 0xff)
			abort();
		for (unsigned int j = 0; j < i; j++) {
			if (out->cpus[j].apic_id == c->apic_id)
				abort();
		}
	}
	for (unsigned int i = 0; i < out->nr_ioapics; i++) {
		if (!out->ioapics[i].hpa)
			abort();
		for (unsigned int j = 0; j < i; j++) {
			if (out->ioapics[j].id == out->ioapics[i].id)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct acpi_madt_info out;
	uint8_t rsdp[36] = { 0 };
	struct fake_mem m = { 0 };
	uint32_t rsdp_len;
	uint8_t ctl;
	int err;

	if (size < 1)
		return 0;
	ctl = data[0];
	memcpy(rsdp, data + 1, size - 1 < 36 ? size - 1 : 36);
	if (ctl & CTL_FIX_RSDP) {
		memcpy(rsdp, "RSD PTR ", 8);
		rsdp[8] = 0;
		rsdp[8] = -sum8(rsdp, 20);
		rsdp[32] = 0;
		rsdp[32] = -sum8(rsdp, 36);
	}
	/* An exact-size copy: ASan sees any read past the end, and the fixes need it writable. */
	m.len = size > 37 ? size - 37 : 0;
	m.bytes = malloc(m.len ? m.len : 1);
	if (!m.bytes)
		return 0;
	if (m.len)
		memcpy(m.bytes, data + 37, m.len);
	m.fix_tables = ctl & CTL_FIX_TABLES;
	nlines = 0;

	rsdp_len = ctl & CTL_RSDP_36 ? 36 : 20;
	if (ctl >> CTL_LEN_SHIFT)
		rsdp_len = (ctl >> CTL_LEN_SHIFT) + 5;
	err = acpi_find_cpus(rsdp, rsdp_len, RSDP_HPA, fake_read, &m, &out);
	if (err == 0)
		check(&out, &m);
	else if ((err != -EINVAL && err != -ENOENT) || !out.nr_problems || !nlines)
		abort(); /* every failure says why */
	free(m.bytes);
	return 0;
}
