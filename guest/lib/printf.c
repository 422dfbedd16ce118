// SPDX-License-Identifier: MIT
/*
 * One formatter writing to a sink: COM1 or a bounded buffer. 64-bit numbers are converted
 * without 64-bit division, which a 32-bit build would need libgcc for.
 */
#include <stdbool.h>
#include <stdint.h>
#include "lib/printf.h"
#include "lib/serial.h"

struct sink {
	bool to_com1;
	char *buf;
	size_t size;
	size_t count; /* characters of the full output so far */
};

static void put(struct sink *s, char c)
{
	if (s->to_com1)
		serial_putc(c);
	else if (s->count + 1 < s->size)
		s->buf[s->count] = c;
	s->count++;
}

static void put_repeat(struct sink *s, char c, int n)
{
	while (n-- > 0)
		put(s, c);
}

/* *n /= base, returning the remainder; shifts and 32-bit divisions only. */
static unsigned int divmod(uint64_t *n, unsigned int base)
{
	uint32_t hi = (uint32_t)(*n >> 32);
	uint32_t q_hi = hi / base;
	uint64_t rem = hi % base;
	uint32_t lo = (uint32_t)*n, q_lo = 0;

	for (int bit = 31; bit >= 0; bit--) {
		rem = rem << 1 | (lo >> bit & 1);
		if (rem >= base) {
			rem -= base;
			q_lo |= 1u << bit;
		}
	}
	*n = (uint64_t)q_hi << 32 | q_lo;
	return (unsigned int)rem;
}

struct spec {
	bool left, zero;
	int width, prec; /* prec -1: none */
};

static void put_number(struct sink *s, const struct spec *sp, uint64_t v, bool negative,
		       unsigned int base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[divmod(&v, base)];
	} while (v);
	int ndigits = n > sp->prec ? n : sp->prec;
	int len = ndigits + (negative ? 1 : 0);
	int pad = sp->width > len ? sp->width - len : 0;
	bool zero_pad = sp->zero && !sp->left && sp->prec < 0;

	if (!sp->left && !zero_pad)
		put_repeat(s, ' ', pad);
	if (negative)
		put(s, '-');
	if (zero_pad)
		put_repeat(s, '0', pad);
	put_repeat(s, '0', ndigits - n);
	while (n)
		put(s, tmp[--n]);
	if (sp->left)
		put_repeat(s, ' ', pad);
}

static void put_string(struct sink *s, const struct spec *sp, const char *str)
{
	int len = 0;

	if (!str)
		str = "(null)";
	while (str[len] && (sp->prec < 0 || len < sp->prec))
		len++;
	int pad = sp->width > len ? sp->width - len : 0;

	if (!sp->left)
		put_repeat(s, ' ', pad);
	for (int i = 0; i < len; i++)
		put(s, str[i]);
	if (sp->left)
		put_repeat(s, ' ', pad);
}

static int parse_int(const char **p, va_list *ap)
{
	int v = 0;

	if (**p == '*') {
		(*p)++;
		return va_arg(*ap, int);
	}
	while (**p >= '0' && **p <= '9')
		v = v * 10 + (*(*p)++ - '0');
	return v;
}

static void format(struct sink *s, const char *fmt, va_list ap_in)
{
	va_list ap;

	va_copy(ap, ap_in);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(s, *p);
			continue;
		}
		struct spec sp = { .prec = -1 };

		for (p++; *p == '-' || *p == '0'; p++) {
			if (*p == '-')
				sp.left = true;
			else
				sp.zero = true;
		}
		sp.width = parse_int(&p, &ap);
		if (sp.width < 0) {
			sp.left = true;
			sp.width = -sp.width;
		}
		if (*p == '.') {
			p++;
			sp.prec = parse_int(&p, &ap);
		}
		int longs = 0;

		for (; *p == 'l' || *p == 'z'; p++)
			longs += *p == 'z' ? (sizeof(size_t) == sizeof(long) ? 1 : 0) : 1;

		uint64_t u;
		int64_t d;

		switch (*p) {
		case 'd':
		case 'i':
			d = longs >= 2 ? va_arg(ap, long long) :
			    longs == 1 ? va_arg(ap, long) :
					 va_arg(ap, int);
			put_number(s, &sp, d < 0 ? 0 - (uint64_t)d : (uint64_t)d, d < 0, 10, false);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = longs >= 2 ? va_arg(ap, unsigned long long) :
			    longs == 1 ? va_arg(ap, unsigned long) :
					 va_arg(ap, unsigned int);
			put_number(s, &sp, u, false, *p == 'u' ? 10 : 16, *p == 'X');
			break;
		case 'p':
			put(s, '0');
			put(s, 'x');
			put_number(s, &sp, (uintptr_t)va_arg(ap, void *), false, 16, false);
			break;
		case 'c':
			put_repeat(s, ' ', sp.left ? 0 : sp.width - 1);
			put(s, (char)va_arg(ap, int));
			put_repeat(s, ' ', sp.left ? sp.width - 1 : 0);
			break;
		case 's':
			put_string(s, &sp, va_arg(ap, const char *));
			break;
		case '%':
			put(s, '%');
			break;
		case '\0':
			p--; /* a lone '%' at the end */
			break;
		default: /* unknown: print it as written */
			put(s, '%');
			put(s, *p);
			break;
		}
	}
	va_end(ap);
}

int vprintf(const char *fmt, va_list ap)
{
	struct sink s = { .to_com1 = true };

	format(&s, fmt, ap);
	return (int)s.count;
}

int printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { .buf = buf, .size = size };

	format(&s, fmt, ap);
	if (size)
		buf[s.count < size ? s.count : size - 1] = '\0';
	return (int)s.count;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
