// SPDX-License-Identifier: MIT
#include "core/version.h"
#include "core/compiler.h"
#include "core/log.h"
#include "plinth_build.h" /* generated: build/gen/plinth_build.h */

/* ELF note layout (linker.ld keeps .note.gnu.build-id and names it __build_id_note). */
struct elf_note {
	uint32_t namesz, descsz, type;
	char name[4]; /* "GNU\0" */
	uint8_t desc[];
};

extern const struct elf_note __build_id_note;

const char *plinth_build_id(void)
{
	static char hex[41];
	static const char digits[] = "0123456789abcdef";
	const struct elf_note *n = &__build_id_note;
	uint32_t len = n->descsz;

	if (n->namesz != 4 || n->type != 3 || len == 0)
		return "unknown";
	if (len > 20)
		len = 20;
	for (uint32_t i = 0; i < len; i++) {
		hex[2 * i] = digits[n->desc[i] >> 4];
		hex[2 * i + 1] = digits[n->desc[i] & 15];
	}
	hex[2 * len] = 0;
	return hex;
}

void plinth_banner(void)
{
	pr_info("\nplinth %s (git %s, build %.12s): type-1 hypervisor for x86-64 with Intel VT-x\n",
		PLINTH_VERSION, PLINTH_GIT_REV, plinth_build_id());
}
