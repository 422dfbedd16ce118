// SPDX-License-Identifier: MIT
#include "boot/efi/efi_console.h"
#include <efilib.h>
#include "core/printf.h"
#include "core/string.h"
#include "drivers/uart16550.h"

/* Device path node types (UEFI spec 10.3): messaging / UART. */
#define DP_TYPE_MESSAGING 0x03
#define DP_SUBTYPE_UART	  0x0e
#define DP_TYPE_END	  0x7f

static struct uart16550 econ_uart;

/* Does the ConOut variable (a multi-instance device path) include a UART? Then firmware already
 * mirrors its console to serial, and writing the UART ourselves would print everything twice. */
static bool conout_reaches_serial(void)
{
	UINTN size = 0;
	UINT8 *dp = LibGetVariableAndSize(L"ConOut", &EfiGlobalVariable, &size);
	bool found = false;

	if (!dp)
		return false;
	for (UINTN off = 0; off + 4 <= size;) {
		UINT8 type = dp[off], subtype = dp[off + 1];
		UINT16 len = (UINT16)(dp[off + 2] | (dp[off + 3] << 8));

		if (len < 4 || off + len > size)
			break;
		if (type == DP_TYPE_MESSAGING && subtype == DP_SUBTYPE_UART)
			found = true;
		off += len;
	}
	FreePool(dp);
	return found;
}

void econ_init(const struct console_config *uart)
{
	econ_uart.present = false;
	if (uart->enabled && !conout_reaches_serial())
		uart16550_init(&econ_uart, uart->port, uart->baud);
}

static void conout_write(const char *s)
{
	CHAR16 wide[256];
	UINTN n = 0;

	for (; *s; s++) {
		if (n + 3 >= ARRAY_SIZE(wide)) {
			wide[n] = 0;
			uefi_call_wrapper(ST->ConOut->OutputString, 2, ST->ConOut, wide);
			n = 0;
		}
		if (*s == '\n')
			wide[n++] = L'\r';
		wide[n++] = (CHAR16)(unsigned char)*s;
	}
	wide[n] = 0;
	uefi_call_wrapper(ST->ConOut->OutputString, 2, ST->ConOut, wide);
}

void econ_printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	conout_write(buf);
	uart16550_write(&econ_uart, buf, strlen(buf));
}
