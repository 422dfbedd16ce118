// SPDX-License-Identifier: MIT
/*
 * MC146818 behaviour, from the Motorola data sheet, with these choices:
 * - The time and calendar registers are views of one clock, so they are always a valid date;
 *   values a guest writes are limited to their field's range (a 31st of February becomes the
 *   28th/29th once updates resume). The weekday is the guest's to set: it advances with the date.
 * - Status B's DM (binary) and 24/12 bits change how the registers read at once; the real part
 *   leaves already stored values in the old format until the guest rewrites them.
 * - UIP (status A bit 7) is set during the last 244 us of each second, before the update, as on
 *   the real part; guests that wait for an update edge therefore see one every second.
 * - Status C reports UF (an update happened since the last read) and PF (a periodic tick
 *   happened since the last read, at status A's rate); AF is never set. No interrupt is raised.
 * - The divider bits of status A are kept but do not stop the clock.
 */
#include "drivers/vdev/cmos.h"
#include "drivers/vdev/pio_bus.h"
#include "drivers/vdev/vdev_host.h"
#include "core/compiler.h"
#include "core/guest_mem.h"
#include "core/string.h"

#define NS_PER_SEC   1000000000ull
#define SECS_PER_DAY 86400
#define UIP_NS	     244000ull /* update-in-progress lead time (data sheet, tBUC) */

#define RTC_SECONDS	 0x00
#define RTC_MINUTES	 0x02
#define RTC_HOURS	 0x04
#define RTC_DAY_OF_WEEK	 0x06
#define RTC_DAY_OF_MONTH 0x07
#define RTC_MONTH	 0x08
#define RTC_YEAR	 0x09
#define RTC_REG_A	 0x0a
#define RTC_REG_B	 0x0b
#define RTC_REG_C	 0x0c
#define RTC_REG_D	 0x0d
#define RTC_CENTURY	 0x32

#define REG_A_UIP  0x80
#define REG_A_RATE 0x0f
#define REG_B_SET  0x80
#define REG_B_PIE  0x40
#define REG_B_UIE  0x10
#define REG_B_DM   0x04 /* 1: binary, 0: BCD */
#define REG_B_24H  0x02
#define REG_C_IRQF 0x80
#define REG_C_PF   0x40
#define REG_C_UF   0x10
#define REG_D_VRT  0x80
#define HOUR_PM	   0x80
#define INDEX_NMI  0x80

/* CMOS bytes QEMU's pc machine fills in for firmware (hw/i386/pc.c, pc_cmos_init). */
#define CMOS_EQUIPMENT	    0x14
#define CMOS_BASE_MEM_LO    0x15
#define CMOS_EXT_MEM_LO	    0x17
#define CMOS_EXT_MEM2_LO    0x30
#define CMOS_MEM_ABOVE_16M  0x34
#define CMOS_MEM_ABOVE_4G   0x5b
#define CMOS_NR_CPUS_MINUS1 0x5f
#define EQUIPMENT_FPU_MOUSE 0x06

/* ---- civil calendar (proleptic Gregorian), days counted from 1970-01-01 ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static bool is_leap(unsigned int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned int days_in_month(unsigned int y, unsigned int m)
{
	static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Counting years from March makes February, with its leap day, the end of the year. */
static int64_t days_from_civil(int64_t y, unsigned int m, unsigned int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned int *m, unsigned int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* The weekday register of a day (Sunday = 1), plus the guest's offset. 1970-01-01 was a Thursday. */
static uint8_t weekday(int64_t days, uint8_t offset)
{
	int64_t w = (days + 4) % 7;

	if (w < 0)
		w += 7;
	return (uint8_t)((w + offset) % 7 + 1);
}

static struct cmos_time time_from_unix(int64_t t, uint8_t wday_offset)
{
	int64_t days = floor_div(t, SECS_PER_DAY), secs = t - days * SECS_PER_DAY, y;
	struct cmos_time tm;
	unsigned int m, d;

	civil_from_days(days, &y, &m, &d);
	tm.sec = (uint8_t)(secs % 60);
	tm.min = (uint8_t)(secs / 60 % 60);
	tm.hour = (uint8_t)(secs / 3600);
	tm.wday = weekday(days, wday_offset);
	tm.mday = (uint8_t)d;
	tm.mon = (uint8_t)m;
	tm.year = (uint16_t)(y % 10000); /* 584 years of uptime past 9999 wrap harmlessly */
	return tm;
}

/* Limits each field to its range; with whole_date, the day to the month's length too. */
static void clamp_time(struct cmos_time *t, bool whole_date)
{
	t->sec = MIN(t->sec, 59);
	t->min = MIN(t->min, 59);
	t->hour = MIN(t->hour, 23);
	t->wday = t->wday < 1 ? 1 : MIN(t->wday, 7);
	t->mon = t->mon < 1 ? 1 : MIN(t->mon, 12);
	t->year = MIN(t->year, 9999);
	t->mday = t->mday < 1 ? 1 : MIN(t->mday, 31);
	if (whole_date)
		t->mday = (uint8_t)MIN(t->mday, days_in_month(t->year, t->mon));
}

/* ---- the clock ---- */

static bool halted(const struct cmos *c)
{
	return c->ram[RTC_REG_B] & REG_B_SET;
}

static uint64_t since_base(const struct cmos *c, uint64_t now)
{
	return now > c->base_ns ? now - c->base_ns : 0;
}

static int64_t clock_unix(const struct cmos *c, uint64_t now)
{
	return c->base_unix + (int64_t)(since_base(c, now) / NS_PER_SEC);
}

static struct cmos_time time_at(const struct cmos *c, uint64_t now)
{
	if (halted(c))
		return c->held;
	return time_from_unix(clock_unix(c, now), c->wday_offset);
}

struct cmos_time cmos_time_now(const struct cmos *c)
{
	return time_at(c, vm_time_ns(c->vm));
}

/* Sets the running clock to t; the sub-second phase goes on, as the divider chain does. */
static void set_clock(struct cmos *c, struct cmos_time t, uint64_t now)
{
	int64_t days;

	clamp_time(&t, true);
	c->base_ns += since_base(c, now) / NS_PER_SEC * NS_PER_SEC;
	days = days_from_civil(t.year, t.mon, t.mday);
	c->base_unix = days * SECS_PER_DAY + t.hour * 3600 + t.min * 60 + t.sec;
	c->wday_offset = (uint8_t)((t.wday + 7 - weekday(days, 0)) % 7);
}

static bool update_in_progress(const struct cmos *c, uint64_t now)
{
	return !halted(c) && since_base(c, now) % NS_PER_SEC >= NS_PER_SEC - UIP_NS;
}

/* Periodic ticks of status A's rate since time 0 (rates 1 and 2 act as 8 and 9, as on the part
 * with a 32.768 kHz time base); 0 when the periodic rate is off. */
static uint64_t periodic_ticks(const struct cmos *c, uint64_t now)
{
	unsigned int rate = c->ram[RTC_REG_A] & REG_A_RATE;
	uint64_t ticks_32k = now / NS_PER_SEC * 32768 + now % NS_PER_SEC * 32768 / NS_PER_SEC;

	if (rate == 0)
		return 0;
	if (rate < 3)
		rate += 7;
	return ticks_32k >> (rate - 1);
}

/* ---- register encoding ---- */

static bool binary_mode(const struct cmos *c)
{
	return c->ram[RTC_REG_B] & REG_B_DM;
}

static uint8_t encode(const struct cmos *c, unsigned int v)
{
	v %= 100;
	return (uint8_t)(binary_mode(c) ? v : (v / 10) << 4 | v % 10);
}

static unsigned int decode(const struct cmos *c, uint8_t v)
{
	return binary_mode(c) ? v : (v >> 4) * 10u + (v & 0xf);
}

static uint8_t encode_hour(const struct cmos *c, unsigned int hour)
{
	unsigned int h12 = hour % 12 ? hour % 12 : 12;

	if (c->ram[RTC_REG_B] & REG_B_24H)
		return encode(c, hour);
	return encode(c, h12) | (hour >= 12 ? HOUR_PM : 0);
}

static unsigned int decode_hour(const struct cmos *c, uint8_t v)
{
	if (c->ram[RTC_REG_B] & REG_B_24H)
		return decode(c, v);
	return decode(c, v & ~HOUR_PM) % 12 + (v & HOUR_PM ? 12 : 0);
}

static bool is_time_reg(uint8_t reg)
{
	return reg == RTC_SECONDS || reg == RTC_MINUTES || reg == RTC_HOURS ||
	       (reg >= RTC_DAY_OF_WEEK && reg <= RTC_YEAR) || reg == RTC_CENTURY;
}

static uint8_t time_reg_read(const struct cmos *c, uint8_t reg, uint64_t now)
{
	struct cmos_time t = time_at(c, now);

	switch (reg) {
	case RTC_SECONDS:
		return encode(c, t.sec);
	case RTC_MINUTES:
		return encode(c, t.min);
	case RTC_HOURS:
		return encode_hour(c, t.hour);
	case RTC_DAY_OF_WEEK:
		return encode(c, t.wday);
	case RTC_DAY_OF_MONTH:
		return encode(c, t.mday);
	case RTC_MONTH:
		return encode(c, t.mon);
	case RTC_YEAR:
		return encode(c, t.year % 100);
	default:
		return encode(c, t.year / 100);
	}
}

static void time_reg_write(struct cmos *c, uint8_t reg, uint8_t val, uint64_t now)
{
	struct cmos_time t = time_at(c, now);
	unsigned int v = reg == RTC_HOURS ? decode_hour(c, val) : decode(c, val);

	switch (reg) {
	case RTC_SECONDS:
		t.sec = (uint8_t)MIN(v, 59u);
		break;
	case RTC_MINUTES:
		t.min = (uint8_t)MIN(v, 59u);
		break;
	case RTC_HOURS:
		t.hour = (uint8_t)MIN(v, 23u);
		break;
	case RTC_DAY_OF_WEEK:
		t.wday = (uint8_t)MIN(v, 7u);
		break;
	case RTC_DAY_OF_MONTH:
		t.mday = (uint8_t)MIN(v, 31u);
		break;
	case RTC_MONTH:
		t.mon = (uint8_t)MIN(v, 12u);
		break;
	case RTC_YEAR:
		t.year = (uint16_t)(t.year / 100 * 100 + MIN(v, 99u));
		break;
	default:
		t.year = (uint16_t)(MIN(v, 99u) * 100 + t.year % 100);
		break;
	}
	if (halted(c)) {
		clamp_time(&t, false); /* the date is checked when updates resume */
		c->held = t;
	} else {
		set_clock(c, t, now);
	}
}

static void reg_b_write(struct cmos *c, uint8_t val, uint64_t now)
{
	bool was_halted = halted(c);

	if (!was_halted && (val & REG_B_SET))
		c->held = time_at(c, now);
	if (val & REG_B_SET)
		val &= ~REG_B_UIE; /* setting SET clears UIE (data sheet) */
	c->ram[RTC_REG_B] = val;
	if (was_halted && !(val & REG_B_SET))
		set_clock(c, c->held, now);
}

static uint8_t reg_c_read(struct cmos *c, uint64_t now)
{
	int64_t second = clock_unix(c, now);
	uint64_t periodic = periodic_ticks(c, now);
	bool uf = !halted(c) && second != c->c_read_second;
	bool pf = (c->ram[RTC_REG_A] & REG_A_RATE) && periodic != c->c_read_periodic;
	uint8_t v = (uf ? REG_C_UF : 0) | (pf ? REG_C_PF : 0);

	if ((uf && (c->ram[RTC_REG_B] & REG_B_UIE)) || (pf && (c->ram[RTC_REG_B] & REG_B_PIE)))
		v |= REG_C_IRQF;
	if (!halted(c))
		c->c_read_second = second;
	c->c_read_periodic = periodic;
	return v;
}

static uint8_t data_read(struct cmos *c, uint64_t now)
{
	uint8_t reg = c->index;

	if (is_time_reg(reg))
		return time_reg_read(c, reg, now);
	switch (reg) {
	case RTC_REG_A:
		return (c->ram[reg] & ~REG_A_UIP) | (update_in_progress(c, now) ? REG_A_UIP : 0);
	case RTC_REG_C:
		return reg_c_read(c, now);
	case RTC_REG_D:
		return REG_D_VRT;
	default:
		return c->ram[reg];
	}
}

static void data_write(struct cmos *c, uint8_t val, uint64_t now)
{
	uint8_t reg = c->index;

	if (is_time_reg(reg)) {
		time_reg_write(c, reg, val, now);
		return;
	}
	switch (reg) {
	case RTC_REG_A:
		c->ram[reg] = val & ~REG_A_UIP;
		break;
	case RTC_REG_B:
		reg_b_write(c, val, now);
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		break; /* read-only */
	default:
		c->ram[reg] = val;
		break;
	}
}

static int cmos_read(void *dev, uint16_t port, unsigned int size, uint32_t *val)
{
	struct cmos *c = dev;

	if (port == CMOS_PORT_DATA)
		*val = data_read(c, vm_time_ns(c->vm));
	return 0; /* the index port is write-only: all-ones, as on QEMU */
}

static int cmos_write(void *dev, uint16_t port, unsigned int size, uint32_t val)
{
	struct cmos *c = dev;

	if (port == CMOS_PORT_DATA) {
		data_write(c, (uint8_t)val, vm_time_ns(c->vm));
	} else {
		c->index = val & (CMOS_NR_BYTES - 1);
		c->nmi_disabled = val & INDEX_NMI;
	}
	return 0;
}

static void put_le(uint8_t *p, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void fill_memory_sizes(struct cmos *c)
{
	uint64_t ram = vm_ram_bytes(c->vm);
	uint64_t low = MIN(ram, GUEST_LOW_RAM_MAX), high = ram - low;
	uint64_t ext_kib = low > MiB ? (low - MiB) / KiB : 0;
	uint64_t above_16m = low > 16 * MiB ? (low - 16 * MiB) / (64 * KiB) : 0;
	unsigned int cpus = vm_nr_vcpus(c->vm);

	put_le(&c->ram[CMOS_BASE_MEM_LO], MIN(low / KiB, 640), 2);
	put_le(&c->ram[CMOS_EXT_MEM_LO], MIN(ext_kib, 0xffff), 2);
	put_le(&c->ram[CMOS_EXT_MEM2_LO], MIN(ext_kib, 0xffff), 2);
	put_le(&c->ram[CMOS_MEM_ABOVE_16M], MIN(above_16m, 0xffff), 2);
	put_le(&c->ram[CMOS_MEM_ABOVE_4G], MIN(high / (64 * KiB), 0xffffff), 3);
	c->ram[CMOS_NR_CPUS_MINUS1] = (uint8_t)(cpus ? MIN(cpus - 1, 0xffu) : 0);
	c->ram[CMOS_EQUIPMENT] = EQUIPMENT_FPU_MOUSE;
}

void cmos_init(struct cmos *c, struct vm *vm, int64_t start_unix)
{
	uint64_t now = vm_time_ns(vm);

	memset(c, 0, sizeof(*c));
	c->vm = vm;
	c->ram[RTC_REG_A] = 0x26; /* 32.768 kHz time base, 1024 Hz periodic rate */
	c->ram[RTC_REG_B] = REG_B_24H;
	c->ram[RTC_REG_D] = REG_D_VRT;
	c->base_unix = start_unix;
	c->base_ns = now;
	c->c_read_second = clock_unix(c, now);
	c->c_read_periodic = periodic_ticks(c, now);
	fill_memory_sizes(c);
}

int cmos_register(struct cmos *c, struct pio_bus *bus)
{
	const struct pio_device d = {
		.name = "rtc-cmos",
		.base = CMOS_PORT_INDEX,
		.count = 2,
		.byte_wide = true,
		.read = cmos_read,
		.write = cmos_write,
		.dev = c,
	};

	return pio_bus_register(bus, &d);
}
