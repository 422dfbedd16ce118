// SPDX-License-Identifier: MIT
/*
 * QEMU test builds only: VMCALL raises #UD on a CPU without VMX; this handler answers it the way
 * plinth would, so that bench runs on QEMU. Every call counts as one exit costing a made-up
 * FAKE_VMREADS and FAKE_VMWRITES, which bench's table must then show for its VMCALL row.
 */
#include "lib/entry.h"
#include "lib/exit.h"
#include "lib/printf.h"
#include "lib/trap.h"
#include "plinth/hypercall.h"

#define FAKE_VMREADS  3
#define FAKE_VMWRITES 1

static uint64_t exits, vmreads, vmwrites;

static void on_ud(struct trap_frame *f)
{
	const uint8_t *insn = (const uint8_t *)f->ip;

	if (insn[0] != 0x0f || insn[1] != 0x01 || insn[2] != 0xc1) {
		printf("fake_vmcall: #UD at 0x%lx is not a VMCALL\n", (unsigned long)f->ip);
		debug_exit(TRAP_EXIT_UNEXPECTED);
	}
	exits++;
	if (f->ax == PLINTH_HC_VCPU_STATS) {
		f->bx = exits;
		f->cx = vmreads;
		f->dx = vmwrites;
	}
	f->ax = f->ax <= PLINTH_HC_VCPU_STATS ? 0 : (uintptr_t)-38; /* -ENOSYS */
	vmreads += FAKE_VMREADS; /* this call's own accesses come after its figures */
	vmwrites += FAKE_VMWRITES;
	f->ip += 3;
}

int mb_entry_main(uint32_t magic, uintptr_t info)
{
	(void)magic;
	(void)info;
	trap_init();
	trap_set_handler(TRAP_UD, on_ud);
	return main();
}
