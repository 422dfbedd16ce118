// SPDX-License-Identifier: MIT
/*
 * Prints numbered lines as fast as it can, then exits 0: two of it pinned to different CPUs
 * show that their lines reach plinth's console whole while both run (scenario smp-pinned).
 */
#include "lib/entry.h"
#include "lib/printf.h"

#define LINES 40

int main(void)
{
	for (int i = 1; i <= LINES; i++)
		printf("chatter: line %d of %d: the quick brown fox jumps over the lazy dog\n", i,
		       LINES);
	return 0;
}
