// SPDX-License-Identifier: MIT
/* The demo guest: flat, 64-bit, loaded at 0x100000. */
#include "lib/entry.h"
#include "lib/printf.h"

int main(void)
{
	printf("Hello from a plinth guest\n");
	return 0;
}
