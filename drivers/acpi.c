// SPDX-License-Identifier: MIT
/*
 * From the RSDP copy to the list of CPUs. Every table is judged first on its 36-byte header
 * (signature, length bounds, no wrap past 2^64), then read whole into a static buffer and
 * judged on its checksum; its entries are then taken from that buffer only, so what was checked
 * is what is used even if firmware memory changes under us. References: ACPI 6.5 sections
 * 5.2.5 (RSDP), 5.2.6 (table header), 5.2.7 (RSDT), 5.2.8 (XSDT) and 5.2.12 (MADT).
 */
#include "drivers/acpi.h"
#include "core/compiler.h"
#include "core/errno.h"
#include "core/log.h"
#include "core/printf.h"
#include "core/string.h"

#define RSDP_V1_LEN	  20
#define RSDP_V2_LEN	  36
#define RSDP_REVISION	  15
#define RSDP_RSDT_ADDRESS 16
#define RSDP_LENGTH	  20
#define RSDP_XSDT_ADDRESS 24

#define SDT_HEADER_LEN 36
#define SDT_LENGTH     4
#define SDT_REVISION   8

#define MADT_LAPIC_ADDRESS 36
#define MADT_FLAGS	   40
#define MADT_ENTRIES	   44

#define MADT_TYPE_LAPIC		 0
#define MADT_TYPE_IOAPIC	 1
#define MADT_TYPE_LAPIC_OVERRIDE 5
#define MADT_TYPE_X2APIC	 9

#define MADT_CPU_ENABLED	BIT(0)
#define MADT_CPU_ONLINE_CAPABLE BIT(1)
/* Online Capable exists from MADT revision 5 (ACPI 6.3); before, bit 1 is reserved. */
#define MADT_REV_ONLINE_CAPABLE 5

#define XAPIC_ID_INVALID  0xffu
#define X2APIC_ID_INVALID 0xffffffffu
#define REPORT_LIMIT	  32

/* MAXPHYADDR is at most 52 (SDM Vol. 1 3.3.1): nothing physical lies above. */
#define PHYS_ADDR_LIMIT BIT(52)

/*
 * A table is loaded so that it ends where its buffer ends: in the host builds a read past the
 * table's end then hits ASan's redzone after the array instead of stale bytes. One buffer for
 * the root table, one for the MADT, as both are in use while the root's entries are scanned.
 */
static uint8_t root_buf[ACPI_TABLE_MAX_LEN];
static uint8_t madt_buf[ACPI_TABLE_MAX_LEN];

struct acpi_walk {
	acpi_read_fn read;
	void *ctx;
	struct acpi_madt_info *out;
	/* The MADT being walked. */
	uint64_t madt_hpa;
	uint8_t madt_rev;
	bool have_override;
	uint64_t lapic_override;
	unsigned int nr_ioapics_left_out;
};

/* Where a MADT entry is, for messages. */
struct madt_pos {
	unsigned int index;
	size_t off;
};

static unsigned long long ull(uint64_t v)
{
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static const char *plural(unsigned int n)
{
	return n == 1 ? "" : "s";
}

/* ACPI checksums make the byte sum of the whole structure 0 mod 256. */
static uint8_t checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += p[i];
	return sum;
}

/* A signature from firmware memory, printable whatever its bytes are. */
static void sig_text(const uint8_t *sig, char text[5])
{
	for (int i = 0; i < 4; i++)
		text[i] = sig[i] >= 0x20 && sig[i] < 0x7f ? (char)sig[i] : '?';
	text[4] = '\0';
}

/*
 * A problem with the tables: printed, counted, and the offending part ignored. Past the first
 * REPORT_LIMIT only counted: a table of thousands of bad entries must not hold up the boot for
 * minutes of serial output.
 */
static void __printf(2, 3) report(struct acpi_walk *w, const char *fmt, ...)
{
	va_list ap;

	if (++w->out->nr_problems > REPORT_LIMIT)
		return;
	va_start(ap, fmt);
	log_vprintf(LOG_WARN, fmt, ap);
	va_end(ap);
}

/* Says how many problems report() counted without printing. */
static void report_unprinted(const struct acpi_walk *w)
{
	if (w->out->nr_problems > REPORT_LIMIT)
		pr_warn("acpi: %u more problems were counted but not printed\n",
			w->out->nr_problems - REPORT_LIMIT);
}

#define entry_report(w, pos, fmt, ...)                                                      \
	report(w, "acpi: MADT at 0x%llx entry %u (offset 0x%zx): " fmt, ull((w)->madt_hpa), \
	       (pos)->index, (pos)->off, ##__VA_ARGS__)

/* The callback may return anything: only 0 is success, and the error is always negative. */
static int read_phys(struct acpi_walk *w, uint64_t hpa, void *buf, size_t len)
{
	int err = w->read(w->ctx, hpa, buf, len);

	if (err > 0)
		return -EIO;
	return err;
}

static int parse_rsdp(struct acpi_walk *w, const uint8_t *rsdp, uint32_t len, uint64_t hpa,
		      uint64_t *rsdt_hpa, uint64_t *xsdt_hpa)
{
	uint8_t rev, sum;

	*rsdt_hpa = 0;
	*xsdt_hpa = 0;
	if (!len) {
		report(w, "acpi: no RSDP from the boot loader\n");
		return -ENOENT;
	}
	if (len != RSDP_V1_LEN && len != RSDP_V2_LEN) {
		report(w, "acpi: RSDP at 0x%llx: %u bytes copied, expected 20 (ACPI 1.0) or 36\n",
		       ull(hpa), len);
		return -EINVAL;
	}
	if (memcmp(rsdp, "RSD PTR ", 8)) {
		report(w, "acpi: RSDP at 0x%llx: signature is not \"RSD PTR \"\n", ull(hpa));
		return -EINVAL;
	}
	sum = checksum(rsdp, RSDP_V1_LEN);
	if (sum) {
		report(w, "acpi: RSDP at 0x%llx: checksum of the first 20 bytes is 0x%02x, not 0\n",
		       ull(hpa), sum);
		return -EINVAL;
	}
	rev = rsdp[RSDP_REVISION];
	*rsdt_hpa = get32(rsdp + RSDP_RSDT_ADDRESS);
	/*
	 * The first 20 bytes alone are a valid ACPI 1.0 RSDP: a fault in the 2.0 part costs the
	 * XSDT, not the RSDT. The extended checksum covers the 36 bytes defined (as ACPICA's
	 * does); a longer structure's extra bytes mean nothing to us.
	 */
	if (rev < 2) {
		if (len == RSDP_V2_LEN)
			report(w,
			       "acpi: RSDP at 0x%llx: revision %u has 20 bytes, not the 36 copied; "
			       "the rest is ignored\n",
			       ull(hpa), rev);
	} else if (len < RSDP_V2_LEN) {
		report(w,
		       "acpi: RSDP at 0x%llx: revision %u needs 36 bytes but 20 were copied: no "
		       "XSDT address, using the RSDT\n",
		       ull(hpa), rev);
	} else if (get32(rsdp + RSDP_LENGTH) < RSDP_V2_LEN) {
		report(w,
		       "acpi: RSDP at 0x%llx: revision %u with length %u, below 36: the XSDT "
		       "address is not used\n",
		       ull(hpa), rev, get32(rsdp + RSDP_LENGTH));
	} else if ((sum = checksum(rsdp, RSDP_V2_LEN))) {
		report(w,
		       "acpi: RSDP at 0x%llx: extended checksum of the 36 bytes is 0x%02x, not 0: "
		       "the XSDT address is not used\n",
		       ull(hpa), sum);
	} else {
		*xsdt_hpa = get64(rsdp + RSDP_XSDT_ADDRESS);
		if (!*xsdt_hpa)
			report(w,
			       "acpi: RSDP at 0x%llx: revision %u with XSDT address 0; using the "
			       "RSDT\n",
			       ull(hpa), rev);
	}
	if (!*rsdt_hpa && !*xsdt_hpa) {
		report(w, "acpi: RSDP at 0x%llx: neither an RSDT nor an XSDT address\n", ull(hpa));
		return -ENOENT;
	}
	return 0;
}

/* Reads the header of the table at hpa into hdr; where names the table in messages. */
static int read_header(struct acpi_walk *w, const char *where, uint64_t hpa,
		       uint8_t hdr[SDT_HEADER_LEN])
{
	int err;

	if (add_overflows_u64(hpa, SDT_HEADER_LEN)) {
		report(w, "acpi: %s: the 36-byte header would run past 2^64; ignored\n", where);
		return -EINVAL;
	}
	err = read_phys(w, hpa, hdr, SDT_HEADER_LEN);
	if (err)
		report(w, "acpi: %s: reading the 36-byte header failed (%s); ignored\n", where,
		       errno_name(err));
	return err;
}

/*
 * Loads the table at hpa, whose header is hdr, into buf (ACPI_TABLE_MAX_LEN bytes) if its
 * signature is sig, its length sane and its checksum right. Returns where the table starts in
 * buf, or NULL after reporting why it is ignored.
 */
static const uint8_t *load_table(struct acpi_walk *w, const char *where, uint64_t hpa,
				 const uint8_t hdr[SDT_HEADER_LEN], const char *sig, uint8_t *buf,
				 uint32_t *len_out)
{
	uint32_t len = get32(hdr + SDT_LENGTH);
	char text[5];
	uint8_t *t, sum;
	int err;

	if (memcmp(hdr, sig, 4)) {
		sig_text(hdr, text);
		report(w, "acpi: %s: signature \"%s\", expected \"%s\"; ignored\n", where, text,
		       sig);
		return NULL;
	}
	if (len < SDT_HEADER_LEN || len > ACPI_TABLE_MAX_LEN) {
		report(w, "acpi: %s: length %u, expected 36 to %u; ignored\n", where, len,
		       ACPI_TABLE_MAX_LEN);
		return NULL;
	}
	if (add_overflows_u64(hpa, len)) {
		report(w, "acpi: %s: length %u runs past 2^64; ignored\n", where, len);
		return NULL;
	}
	/* The header is not read again: the length just checked is the one used. */
	t = buf + ACPI_TABLE_MAX_LEN - len;
	memcpy(t, hdr, SDT_HEADER_LEN);
	if (len > SDT_HEADER_LEN) {
		err = read_phys(w, hpa + SDT_HEADER_LEN, t + SDT_HEADER_LEN, len - SDT_HEADER_LEN);
		if (err) {
			report(w, "acpi: %s: reading its %u bytes failed (%s); ignored\n", where,
			       len, errno_name(err));
			return NULL;
		}
	}
	sum = checksum(t, len);
	if (sum) {
		report(w, "acpi: %s: checksum of the %u bytes is 0x%02x, not 0; ignored\n", where,
		       len, sum);
		return NULL;
	}
	*len_out = len;
	return t;
}

/*
 * Scans the root table (RSDT: 4-byte entries, XSDT: 8-byte ones) for the first valid MADT and
 * loads it into madt_buf. Later MADTs are reported, not used. 0 or -ENOENT.
 */
static int find_madt(struct acpi_walk *w, const char *sig, uint64_t root_hpa, const uint8_t **madt,
		     uint32_t *madt_len)
{
	size_t entry_len = sig[0] == 'X' ? 8 : 4;
	uint8_t hdr[SDT_HEADER_LEN];
	char where[64];
	const uint8_t *root;
	uint32_t len, n, spare;

	*madt = NULL;
	ksnprintf(where, sizeof(where), "%s at 0x%llx", sig, ull(root_hpa));
	if (read_header(w, where, root_hpa, hdr))
		return -ENOENT;
	root = load_table(w, where, root_hpa, hdr, sig, root_buf, &len);
	if (!root)
		return -ENOENT;
	n = (len - SDT_HEADER_LEN) / entry_len;
	spare = (len - SDT_HEADER_LEN) % entry_len;
	if (spare)
		report(w,
		       "acpi: %s: %u bytes of entries are not a multiple of %zu; the last %u are "
		       "ignored\n",
		       where, len - SDT_HEADER_LEN, entry_len, spare);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *e = root + SDT_HEADER_LEN + i * entry_len;
		uint64_t hpa = entry_len == 8 ? get64(e) : get32(e);
		const uint8_t *t;
		uint32_t tlen;

		if (!hpa)
			continue;
		ksnprintf(where, sizeof(where), "%s entry %u (table at 0x%llx)", sig, i, ull(hpa));
		if (read_header(w, where, hpa, hdr) || memcmp(hdr, "APIC", 4))
			continue;
		ksnprintf(where, sizeof(where), "MADT at 0x%llx (%s entry %u)", ull(hpa), sig, i);
		if (*madt) {
			report(w, "acpi: %s: a second MADT; the one at 0x%llx is used\n", where,
			       ull(w->madt_hpa));
			continue;
		}
		t = load_table(w, where, hpa, hdr, "APIC", madt_buf, &tlen);
		if (!t)
			continue;
		if (tlen < MADT_ENTRIES) {
			report(w,
			       "acpi: %s: length %u is below the 44 bytes before its entries; "
			       "ignored\n",
			       where, tlen);
			continue;
		}
		*madt = t;
		*madt_len = tlen;
		w->madt_hpa = hpa;
	}
	if (!*madt) {
		report(w, "acpi: %s at 0x%llx lists no usable MADT\n", sig, ull(root_hpa));
		return -ENOENT;
	}
	return 0;
}

/* Neither enabled nor online-capable: a slot for an absent processor, not a CPU. */
static bool cpu_present(struct acpi_walk *w, uint32_t flags)
{
	uint32_t usable = MADT_CPU_ENABLED;

	if (w->madt_rev >= MADT_REV_ONLINE_CAPABLE)
		usable |= MADT_CPU_ONLINE_CAPABLE;
	if (flags & usable)
		return true;
	w->out->nr_cpus_disabled++;
	return false;
}

static void add_cpu(struct acpi_walk *w, const struct madt_pos *pos, uint32_t apic_id, uint32_t uid,
		    uint32_t flags, bool x2apic)
{
	struct acpi_madt_info *out = w->out;
	bool enabled = flags & MADT_CPU_ENABLED;

	for (unsigned int i = 0; i < out->nr_cpus; i++) {
		if (out->cpus[i].apic_id == apic_id) {
			entry_report(w, pos,
				     "APIC id %u (ACPI UID %u) was listed before (ACPI UID %u); "
				     "ignored\n",
				     apic_id, uid, out->cpus[i].acpi_uid);
			return;
		}
	}
	/* Counted, reported once at the end; their ids are not checked for duplicates. */
	if (out->nr_cpus == ACPI_MAX_CPUS) {
		out->nr_cpus_left_out++;
		return;
	}
	out->cpus[out->nr_cpus++] = (struct acpi_cpu){
		.apic_id = apic_id,
		.acpi_uid = uid,
		.x2apic = x2apic,
		.enabled = enabled,
		.online_capable = !enabled, /* kept, so cpu_present() saw Online Capable */
	};
}

/* Type 0: uid u8 at 2, APIC id u8 at 3, flags u32 at 4. */
static void parse_lapic(struct acpi_walk *w, const uint8_t *e, const struct madt_pos *pos)
{
	uint32_t flags = get32(e + 4);

	if (!cpu_present(w, flags))
		return;
	if (e[3] == XAPIC_ID_INVALID) {
		entry_report(
			w, pos,
			"processor with ACPI UID %u has APIC id 0xff, the broadcast id; ignored\n",
			e[2]);
		return;
	}
	add_cpu(w, pos, e[3], e[2], flags, false);
}

/* Type 9: reserved u16 at 2, x2APIC id u32 at 4, flags u32 at 8, uid u32 at 12. */
static void parse_x2apic(struct acpi_walk *w, const uint8_t *e, const struct madt_pos *pos)
{
	uint32_t id = get32(e + 4), flags = get32(e + 8), uid = get32(e + 12);

	if (!cpu_present(w, flags))
		return;
	if (id == X2APIC_ID_INVALID) {
		entry_report(w, pos,
			     "processor with ACPI UID %u has x2APIC id 0xffffffff, the broadcast "
			     "id; ignored\n",
			     uid);
		return;
	}
	add_cpu(w, pos, id, uid, flags, true);
}

/* Type 1: id u8 at 2, reserved u8 at 3, address u32 at 4, GSI base u32 at 8. */
static void parse_ioapic(struct acpi_walk *w, const uint8_t *e, const struct madt_pos *pos)
{
	struct acpi_madt_info *out = w->out;
	uint32_t hpa = get32(e + 4);

	if (!hpa) {
		entry_report(w, pos, "I/O APIC id %u at address 0; ignored\n", e[2]);
		return;
	}
	for (unsigned int i = 0; i < out->nr_ioapics; i++) {
		if (out->ioapics[i].id == e[2]) {
			entry_report(
				w, pos,
				"I/O APIC id %u at 0x%x was listed before (at 0x%x); ignored\n",
				e[2], hpa, out->ioapics[i].hpa);
			return;
		}
	}
	if (out->nr_ioapics == ACPI_MAX_IOAPICS) {
		w->nr_ioapics_left_out++;
		return;
	}
	out->ioapics[out->nr_ioapics++] = (struct acpi_ioapic){
		.id = e[2],
		.hpa = hpa,
		.gsi_base = get32(e + 8),
	};
}

static bool lapic_hpa_valid(uint64_t hpa)
{
	return hpa && IS_ALIGNED(hpa, PAGE_SIZE) && hpa < PHYS_ADDR_LIMIT;
}

/* Type 5: reserved u16 at 2, the local APIC's 64-bit address at 4. */
static void parse_lapic_override(struct acpi_walk *w, const uint8_t *e, const struct madt_pos *pos)
{
	uint64_t hpa = get64(e + 4);

	if (!lapic_hpa_valid(hpa)) {
		entry_report(w, pos,
			     "local APIC address override 0x%llx is not a nonzero page-aligned "
			     "address below 2^52; ignored\n",
			     ull(hpa));
		return;
	}
	if (w->have_override) {
		entry_report(w, pos,
			     "a second local APIC address override (0x%llx); the first, 0x%llx, is "
			     "used\n",
			     ull(hpa), ull(w->lapic_override));
		return;
	}
	w->have_override = true;
	w->lapic_override = hpa;
}

typedef void (*madt_entry_fn)(struct acpi_walk *w, const uint8_t *e, const struct madt_pos *pos);

/* The entry types plinth needs, with their fixed lengths; other types are skipped. */
static const struct madt_kind {
	uint8_t len;
	const char *name;
	madt_entry_fn parse;
} madt_kinds[] = {
	[MADT_TYPE_LAPIC] = { 8, "processor local APIC", parse_lapic },
	[MADT_TYPE_IOAPIC] = { 12, "I/O APIC", parse_ioapic },
	[MADT_TYPE_LAPIC_OVERRIDE] = { 12, "local APIC address override", parse_lapic_override },
	[MADT_TYPE_X2APIC] = { 16, "processor local x2APIC", parse_x2apic },
};

/* Each step advances by at least 2 bytes and never past len, so the walk ends. */
static void walk_madt(struct acpi_walk *w, const uint8_t *madt, uint32_t len)
{
	struct madt_pos pos = { .index = 0, .off = MADT_ENTRIES };

	for (; pos.off < len; pos.index++) {
		size_t left = len - pos.off;
		const uint8_t *e = madt + pos.off;
		const struct madt_kind *kind;

		if (left < 2) {
			entry_report(w, &pos, "1 byte left, an entry header needs 2; ignored\n");
			return;
		}
		if (e[1] < 2 || e[1] > left) {
			entry_report(w, &pos,
				     "type %u with length %u, expected 2 to the %zu bytes left; "
				     "the rest of the MADT is ignored\n",
				     e[0], e[1], left);
			return;
		}
		kind = e[0] < ARRAY_SIZE(madt_kinds) ? &madt_kinds[e[0]] : NULL;
		if (kind && kind->parse) {
			if (e[1] != kind->len)
				entry_report(w, &pos,
					     "length %u, type %u (%s) needs %u; entry skipped\n",
					     e[1], e[0], kind->name, kind->len);
			else
				kind->parse(w, e, &pos);
		}
		pos.off += e[1];
	}
}

static void parse_madt(struct acpi_walk *w, const uint8_t *madt, uint32_t len)
{
	struct acpi_madt_info *out = w->out;
	uint32_t lapic32 = get32(madt + MADT_LAPIC_ADDRESS);
	unsigned int enabled = 0;

	out->madt_hpa = w->madt_hpa;
	out->flags = get32(madt + MADT_FLAGS);
	w->madt_rev = madt[SDT_REVISION];
	walk_madt(w, madt, len);

	if (w->have_override) {
		out->lapic_hpa = w->lapic_override;
	} else if (lapic_hpa_valid(lapic32)) {
		out->lapic_hpa = lapic32;
	} else {
		report(w,
		       "acpi: MADT at 0x%llx: local APIC address 0x%x is not a nonzero "
		       "page-aligned address; using 0x%llx\n",
		       ull(w->madt_hpa), lapic32, ACPI_LAPIC_DEFAULT_HPA);
		out->lapic_hpa = ACPI_LAPIC_DEFAULT_HPA;
	}
	if (out->nr_cpus_left_out)
		report(w, "acpi: MADT at 0x%llx: %u more CPUs than the %u kept were left out\n",
		       ull(w->madt_hpa), out->nr_cpus_left_out, ACPI_MAX_CPUS);
	if (w->nr_ioapics_left_out)
		report(w,
		       "acpi: MADT at 0x%llx: %u more I/O APICs than the %u kept were left out\n",
		       ull(w->madt_hpa), w->nr_ioapics_left_out, ACPI_MAX_IOAPICS);
	if (!out->nr_cpus)
		report(w, "acpi: MADT at 0x%llx lists no usable CPU\n", ull(w->madt_hpa));
	for (unsigned int i = 0; i < out->nr_cpus; i++)
		enabled += out->cpus[i].enabled;
	report_unprinted(w);
	pr_info("acpi: MADT at 0x%llx: %u CPU%s (%u enabled, %u online-capable), %u disabled not "
		"kept, %u I/O APIC%s, local APIC at 0x%llx, %u problem%s\n",
		ull(w->madt_hpa), out->nr_cpus, plural(out->nr_cpus), enabled,
		out->nr_cpus - enabled, out->nr_cpus_disabled, out->nr_ioapics,
		plural(out->nr_ioapics), ull(out->lapic_hpa), out->nr_problems,
		plural(out->nr_problems));
}

int acpi_find_cpus(const uint8_t *rsdp, uint32_t rsdp_len, uint64_t rsdp_hpa, acpi_read_fn read,
		   void *ctx, struct acpi_madt_info *out)
{
	struct acpi_walk w = { .read = read, .ctx = ctx, .out = out };
	uint64_t rsdt_hpa, xsdt_hpa;
	const uint8_t *madt = NULL;
	uint32_t madt_len = 0;
	int err;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!read || (!rsdp && rsdp_len)) {
		report(&w, "acpi: called without a read callback or an RSDP\n");
		return -EINVAL;
	}
	err = parse_rsdp(&w, rsdp, rsdp_len, rsdp_hpa, &rsdt_hpa, &xsdt_hpa);
	if (err)
		return err;
	err = -ENOENT;
	if (xsdt_hpa) {
		err = find_madt(&w, "XSDT", xsdt_hpa, &madt, &madt_len);
		if (err && rsdt_hpa)
			pr_warn("acpi: no usable MADT through the XSDT; trying the RSDT at "
				"0x%llx\n",
				ull(rsdt_hpa));
	}
	if (err && rsdt_hpa)
		err = find_madt(&w, "RSDT", rsdt_hpa, &madt, &madt_len);
	if (err) {
		report_unprinted(&w);
		pr_warn("acpi: no usable MADT, so no CPU list (%u problems reported)\n",
			out->nr_problems);
		return err;
	}
	parse_madt(&w, madt, madt_len);
	return 0;
}
