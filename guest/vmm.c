// SPDX-License-Identifier: MIT
/*
 * A control guest that is a small KVM-style VMM (flat, 64-bit): it creates a child VM, gives it
 * 4 MiB of RAM from its child_memory, copies the hello guest in with an identity map for long
 * mode, sets the registers through the run area's kvm_dirty_regs, and runs it, serving its COM1
 * and its isa-debug-exit through IO exits, until the child ends:
 * "vmm: child exited with status N". Then it destroys the VM and checks that its memory came
 * back.
 */
#include "lib/check.h"
#include "lib/child.h"
#include "lib/control.h"
#include "lib/entry.h"
#include "lib/printf.h"
#include "lib/string.h"

#define CHILD_RAM   (4ul << 20)
#define CHILD_LOAD  0x100000ul
#define CHILD_PML4  0x1000ul /* then the PDPT and one page directory */
#define COM1	    0x3f8
#define COM1_LSR    (COM1 + 5)
#define LSR_TX_IDLE 0x60 /* transmitter holding register and shift register empty */
#define DEBUG_EXIT  0xf4
#define MAX_EXITS   100000
#define EINTR	    4

extern const char child_image[], child_image_end[];

static struct plinth_kvm_run run __attribute__((aligned(4096)));

/* One line of the child's COM1 output at a time, printed as ours. */
static char line[128];
static unsigned int line_len;

static void com1_out(uint8_t c)
{
	if (c != '\n' && line_len < sizeof(line) - 1) {
		line[line_len++] = (char)c;
		return;
	}
	line[line_len] = 0;
	printf("vmm: child: %s\n", line);
	line_len = 0;
}

/* Serves one IO exit; returns 1 when the child has ended through its debug-exit port. */
static int serve_io(uint32_t *status)
{
	uint8_t *data = (uint8_t *)&run + run.io.data_offset;
	uint32_t value = 0;

	memcpy(&value, data, run.io.size);
	if (run.io.direction == PLINTH_KVM_EXIT_IO_OUT) {
		if (run.io.port == COM1)
			com1_out((uint8_t)value);
		else if (run.io.port == DEBUG_EXIT) {
			*status = (value << 1) | 1;
			return 1;
		}
		return 0;
	}
	value = run.io.port == COM1_LSR ? LSR_TX_IDLE : 0xffffffffu;
	memcpy(data, &value, run.io.size);
	return 0;
}

int main(void)
{
	struct checks c = { .name = "vmm" };
	long pages = plinth_check_extension(PLINTH_CAP_CHILD_PAGES);
	long vm, vcpu, r = 0;
	unsigned long exits = 0, calls = 0;
	uint32_t status = 0;
	int ended = 0;

	if (!check(&c, 1, plinth_check_extension(PLINTH_CAP_CONTROL) == 1,
		   "plinth says this guest may use the control API"))
		return (int)checks_done(&c);
	vm = child_vm_create(CHILD_RAM, CHILD_PML4, child_image, child_image_end, CHILD_LOAD);
	if (!check(&c, 2, vm > 0,
		   "CREATE_VM gave handle 0x%lx: 4 MiB of child RAM with the hello "
		   "guest at 0x%lx",
		   vm, CHILD_LOAD))
		return (int)checks_done(&c);
	vcpu = plinth_create_vcpu(vm, &run);
	check(&c, 3, vcpu > 0, "CREATE_VCPU gave handle 0x%lx, run area at %p", vcpu, (void *)&run);

	/* The registers go in through the run area: sregs as plinth has them, then changed. */
	r = plinth_vcpu_state(PLINTH_HC_GET_SREGS, vcpu, &run.s.regs.sregs);
	child_flat64_sregs(&run.s.regs.sregs, CHILD_PML4);
	memset(&run.s.regs.regs, 0, sizeof(run.s.regs.regs));
	run.s.regs.regs.rip = CHILD_LOAD;
	run.s.regs.regs.rflags = 2;
	run.kvm_dirty_regs = PLINTH_KVM_SYNC_X86_REGS | PLINTH_KVM_SYNC_X86_SREGS;
	run.kvm_valid_regs = 0;

	while (!ended && exits < MAX_EXITS) {
		r = plinth_run(vcpu);
		calls++;
		if (r == -EINTR)
			continue; /* the child's time slice ended: run it on */
		if (r)
			break;
		exits++;
		switch (run.exit_reason) {
		case PLINTH_KVM_EXIT_IO:
			ended = serve_io(&status);
			break;
		case PLINTH_KVM_EXIT_HLT:
			printf("vmm: child halted\n");
			ended = 1;
			break;
		default:
			printf("vmm: child exit %u, which this VMM does not serve\n",
			       run.exit_reason);
			ended = 1;
			break;
		}
	}
	check(&c, 4, r == 0 && run.kvm_dirty_regs == 0,
	      "RUN took the registers from kvm_dirty_regs and cleared it (RUN %ld)", r);
	check(&c, 5, ended && run.exit_reason == PLINTH_KVM_EXIT_IO,
	      "the child ended through its debug-exit port after %lu exits, %lu RUN calls", exits,
	      calls);
	printf("vmm: child exited with status %u\n", status);
	r = plinth_destroy_vm(vm);
	check(&c, 6, r == 0, "DESTROY_VM (%ld)", r);
	check(&c, 7, plinth_run(vcpu) == -9, "the vCPU handle is dead after DESTROY_VM");
	check(&c, 8, plinth_check_extension(PLINTH_CAP_CHILD_PAGES) == pages,
	      "all %ld child pages are back", pages);
	return (int)checks_done(&c);
}
