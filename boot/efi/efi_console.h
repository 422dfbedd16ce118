/* SPDX-License-Identifier: MIT */
/* plinth.efi's output: the UEFI console, plus the UART when the console does not reach it. */
#ifndef PLINTH_BOOT_EFI_EFI_CONSOLE_H
#define PLINTH_BOOT_EFI_EFI_CONSOLE_H

#include <efi.h>
#include "core/compiler.h"
#include "core/config.h"

void econ_init(const struct console_config *uart);
void econ_printf(const char *fmt, ...) __printf(1, 2);

#endif
