// SPDX-License-Identifier: MIT
/*
 * A C99 printf without floating point. One formatter writes to a sink that either calls back
 * per character or fills a bounded buffer; both count every character the full output has.
 */
#include <stdint.h>
#include "core/printf.h"

enum {
	F_LEFT = 1 << 0, /* '-' */
	F_PLUS = 1 << 1, /* '+' */
	F_SPACE = 1 << 2, /* ' ' */
	F_ALT = 1 << 3, /* '#' */
	F_ZERO = 1 << 4, /* '0' */
};

enum length { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

struct spec {
	unsigned int flags;
	int width; /* 0: none */
	int prec; /* -1: none */
	enum length len;
	char conv;
};

struct sink {
	void (*putc)(void *ctx, char c); /* NULL: write to buf */
	void *ctx;
	char *buf;
	size_t size; /* buf capacity including the terminating NUL */
	size_t count; /* characters of the full output so far */
};

/* Widths and precisions beyond this are clamped; the result would not fit an int anyway. */
#define FIELD_MAX 0x3fffffff

static void emit_repeat(struct sink *s, char c, size_t n)
{
	if (s->putc) {
		for (size_t i = 0; i < n; i++)
			s->putc(s->ctx, c);
	} else {
		for (size_t i = 0; i < n && s->count + i + 1 < s->size; i++)
			s->buf[s->count + i] = c;
	}
	s->count += n;
}

static void emit_bytes(struct sink *s, const char *p, size_t n)
{
	if (s->putc) {
		for (size_t i = 0; i < n; i++)
			s->putc(s->ctx, p[i]);
	} else {
		for (size_t i = 0; i < n && s->count + i + 1 < s->size; i++)
			s->buf[s->count + i] = p[i];
	}
	s->count += n;
}

static size_t bounded_len(const char *str, size_t max)
{
	size_t n = 0;

	while (n < max && str[n])
		n++;
	return n;
}

/* Emits body (of body_len) inside a field of sp->width, padded with spaces. */
static void emit_field(struct sink *s, const struct spec *sp, const char *body, size_t body_len)
{
	size_t pad = (size_t)sp->width > body_len ? (size_t)sp->width - body_len : 0;

	if (!(sp->flags & F_LEFT))
		emit_repeat(s, ' ', pad);
	emit_bytes(s, body, body_len);
	if (sp->flags & F_LEFT)
		emit_repeat(s, ' ', pad);
}

static size_t to_digits(char *end, uintmax_t v, unsigned int base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *p = end;

	do {
		*--p = digits[v % base];
		v /= base;
	} while (v);
	return end - p;
}

/* The integer conversions: sign or prefix, then zeros to the precision (or to the width with
 * the '0' flag), then digits, all inside the field width. */
static void format_int(struct sink *s, const struct spec *sp, uintmax_t mag, bool neg)
{
	char digits[24]; /* 2^64 in octal has 22 digits */
	char prefix[3];
	size_t nprefix = 0, ndigits = 0, zeros = 0, pad = 0;
	unsigned int base = 10;
	bool is_signed = sp->conv == 'd' || sp->conv == 'i';

	if (sp->conv == 'o')
		base = 8;
	else if (sp->conv == 'x' || sp->conv == 'X' || sp->conv == 'p')
		base = 16;

	if (!(sp->prec == 0 && mag == 0))
		ndigits = to_digits(digits + sizeof(digits), mag, base, sp->conv == 'X');

	if (is_signed && neg)
		prefix[nprefix++] = '-';
	else if (is_signed && (sp->flags & F_PLUS))
		prefix[nprefix++] = '+';
	else if (is_signed && (sp->flags & F_SPACE))
		prefix[nprefix++] = ' ';
	if (sp->conv == 'p' || (base == 16 && (sp->flags & F_ALT) && mag != 0)) {
		prefix[nprefix++] = '0';
		prefix[nprefix++] = sp->conv == 'X' ? 'X' : 'x';
	}

	if (sp->prec >= 0 && (size_t)sp->prec > ndigits)
		zeros = sp->prec - ndigits;
	/* '#' with 'o' raises the precision just enough for a leading zero. */
	if (base == 8 && (sp->flags & F_ALT) && zeros == 0 &&
	    (ndigits == 0 || digits[sizeof(digits) - ndigits] != '0'))
		zeros = 1;

	size_t len = nprefix + zeros + ndigits;

	if ((size_t)sp->width > len) {
		if ((sp->flags & (F_ZERO | F_LEFT)) == F_ZERO && sp->prec < 0)
			zeros += sp->width - len;
		else
			pad = sp->width - len;
	}

	if (!(sp->flags & F_LEFT))
		emit_repeat(s, ' ', pad);
	emit_bytes(s, prefix, nprefix);
	emit_repeat(s, '0', zeros);
	emit_bytes(s, digits + sizeof(digits) - ndigits, ndigits);
	if (sp->flags & F_LEFT)
		emit_repeat(s, ' ', pad);
}

static intmax_t fetch_signed(enum length len, va_list *ap)
{
	switch (len) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z: /* the signed type of size_t's width */
	case LEN_T:
		return va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

static uintmax_t fetch_unsigned(enum length len, va_list *ap)
{
	switch (len) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
	case LEN_T:
		return va_arg(*ap, size_t);
	case LEN_J:
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

static int parse_number(const char **pp)
{
	const char *p = *pp;
	int n = 0;

	while (*p >= '0' && *p <= '9') {
		n = n > FIELD_MAX / 10 ? FIELD_MAX : n * 10 + (*p - '0');
		p++;
	}
	*pp = p;
	return n > FIELD_MAX ? FIELD_MAX : n;
}

static unsigned int parse_flags(const char **pp)
{
	unsigned int flags = 0;

	for (;; (*pp)++) {
		switch (**pp) {
		case '-':
			flags |= F_LEFT;
			break;
		case '+':
			flags |= F_PLUS;
			break;
		case ' ':
			flags |= F_SPACE;
			break;
		case '#':
			flags |= F_ALT;
			break;
		case '0':
			flags |= F_ZERO;
			break;
		default:
			return flags;
		}
	}
}

static enum length parse_length(const char **pp)
{
	const char *p = *pp;
	enum length len = LEN_NONE;

	switch (*p) {
	case 'h':
		len = p[1] == 'h' ? LEN_HH : LEN_H;
		break;
	case 'l':
		len = p[1] == 'l' ? LEN_LL : LEN_L;
		break;
	case 'z':
		len = LEN_Z;
		break;
	case 't':
		len = LEN_T;
		break;
	case 'j':
		len = LEN_J;
		break;
	default:
		return LEN_NONE;
	}
	*pp = p + ((len == LEN_HH || len == LEN_LL) ? 2 : 1);
	return len;
}

/* Parses what follows a '%' up to and including the conversion character. */
static const char *parse_spec(const char *p, struct spec *sp, va_list *ap)
{
	sp->flags = parse_flags(&p);
	sp->width = 0;
	if (*p == '*') {
		int w = va_arg(*ap, int);

		/* A negative width argument is a '-' flag and a positive width (C99 7.19.6.1). */
		if (w < 0) {
			sp->flags |= F_LEFT;
			w = w < -FIELD_MAX ? FIELD_MAX : -w;
		}
		sp->width = w > FIELD_MAX ? FIELD_MAX : w;
		p++;
	} else {
		sp->width = parse_number(&p);
	}
	sp->prec = -1;
	if (*p == '.') {
		p++;
		if (*p == '*') {
			int pr = va_arg(*ap, int);

			sp->prec = pr < 0 ? -1 : (pr > FIELD_MAX ? FIELD_MAX : pr);
			p++;
		} else {
			sp->prec = parse_number(&p);
		}
	}
	sp->len = parse_length(&p);
	sp->conv = *p;
	return *p ? p + 1 : p;
}

static void format_one(struct sink *s, const struct spec *sp, va_list *ap)
{
	switch (sp->conv) {
	case 'd':
	case 'i': {
		intmax_t v = fetch_signed(sp->len, ap);

		/* Negate in unsigned arithmetic: -INTMAX_MIN does not exist. */
		format_int(s, sp, v < 0 ? -(uintmax_t)v : (uintmax_t)v, v < 0);
		break;
	}
	case 'u':
	case 'o':
	case 'x':
	case 'X':
		format_int(s, sp, fetch_unsigned(sp->len, ap), false);
		break;
	case 'p':
		format_int(s, sp, (uintptr_t)va_arg(*ap, void *), false);
		break;
	case 'c': {
		char c = (char)va_arg(*ap, int);

		emit_field(s, sp, &c, 1);
		break;
	}
	case 's': {
		const char *str = va_arg(*ap, const char *);

		if (!str)
			str = "(null)";
		emit_field(s, sp, str,
			   bounded_len(str, sp->prec < 0 ? SIZE_MAX : (size_t)sp->prec));
		break;
	}
	case '%':
		emit_bytes(s, "%", 1);
		break;
	case '\0':
		/* A lone '%' at the end of the format: print it rather than lose it. */
		emit_bytes(s, "%", 1);
		break;
	default:
		/* Unknown conversions (and %n, deliberately unsupported) are printed as written. */
		emit_bytes(s, "%", 1);
		emit_bytes(s, &sp->conv, 1);
		break;
	}
}

static int format(struct sink *s, const char *fmt, va_list ap)
{
	va_list aq;

	/* Work on a copy so that the helpers can take its address (va_list may be an array). */
	va_copy(aq, ap);
	while (*fmt) {
		const char *pct = fmt;
		struct spec sp;

		while (*pct && *pct != '%')
			pct++;
		emit_bytes(s, fmt, pct - fmt);
		if (!*pct)
			break;
		fmt = parse_spec(pct + 1, &sp, &aq);
		format_one(s, &sp, &aq);
	}
	va_end(aq);
	return s->count > INT32_MAX ? INT32_MAX : (int)s->count;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { .buf = buf, .size = size };
	int ret = format(&s, fmt, ap);

	if (size)
		buf[s.count < size ? s.count : size - 1] = '\0';
	return ret;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return ret;
}

int kvcbprintf(void (*putc)(void *ctx, char c), void *ctx, const char *fmt, va_list ap)
{
	struct sink s = { .putc = putc, .ctx = ctx };

	return format(&s, fmt, ap);
}
