// SPDX-License-Identifier: MIT
/*
 * An exception in plinth itself is plinth's bug: print everything needed to find it (vector,
 * error code, RIP, control registers, every GPR, a frame-pointer stack walk) and stop this CPU.
 * Printing bypasses the console lock, which the faulting code may hold.
 */
#include "arch/x86/exception.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "core/console.h"
#include "core/printf.h"

#define STACK_WALK_MAX_FRAMES 12

static const char *const exception_names[32] = {
	[0] = "#DE divide error",
	[1] = "#DB debug",
	[2] = "NMI",
	[3] = "#BP breakpoint",
	[4] = "#OF overflow",
	[5] = "#BR bound range",
	[6] = "#UD invalid opcode",
	[7] = "#NM device not available",
	[8] = "#DF double fault",
	[9] = "coprocessor segment overrun",
	[10] = "#TS invalid TSS",
	[11] = "#NP segment not present",
	[12] = "#SS stack fault",
	[13] = "#GP general protection",
	[14] = "#PF page fault",
	[16] = "#MF x87 error",
	[17] = "#AC alignment check",
	[18] = "#MC machine check",
	[19] = "#XM SIMD error",
	[20] = "#VE virtualization exception",
	[21] = "#CP control protection",
	[28] = "#HV hypervisor injection",
	[29] = "#VC VMM communication",
	[30] = "#SX security exception",
};

const char *exception_name(unsigned int vector)
{
	if (vector < 32 && exception_names[vector])
		return exception_names[vector];
	return vector < 32 ? "reserved" : "external interrupt";
}

static __printf(1, 2) void dump(const char *fmt, ...)
{
	char buf[160];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (n > 0)
		console_write_unlocked(buf, (size_t)n);
}

static bool on_known_stack(const struct percpu *cpu, uintptr_t addr, size_t len)
{
	if (addr >= cpu->stack_bottom && addr + len <= cpu->stack_top)
		return true;
	for (int i = 1; i <= IST_COUNT; i++)
		if (addr >= cpu->ist_bottom[i] && addr + len <= cpu->ist_top[i])
			return true;
	return false;
}

/* Follows the RBP chain (plinth is built with frame pointers) while it stays on a stack of
 * this CPU, so a corrupt chain ends the walk instead of faulting again. */
static void stack_walk(const struct percpu *cpu, uint64_t rbp)
{
	dump("    call stack:");
	for (int i = 0; i < STACK_WALK_MAX_FRAMES; i++) {
		const uint64_t *frame = (const uint64_t *)rbp;

		if (!rbp || (rbp & 7) || !on_known_stack(cpu, rbp, 16))
			break;
		dump(" %#llx", (unsigned long long)frame[1]);
		if (frame[0] <= rbp) /* stacks grow down: callers' frames lie above */
			break;
		rbp = frame[0];
	}
	dump("\n");
}

static __noreturn void exception_fatal(struct exc_frame *f, struct percpu *cpu)
{
	unsigned int id = cpu ? cpu->cpu_id : 0;

	dump("\n*** plinth: CPU %u: exception %llu (%s), error code %#llx\n", id,
	     (unsigned long long)f->vector, exception_name(f->vector),
	     (unsigned long long)f->error_code);
	dump("    RIP %016llx  CS %04llx  RFLAGS %016llx\n", (unsigned long long)f->rip,
	     (unsigned long long)f->cs, (unsigned long long)f->rflags);
	dump("    RSP %016llx  SS %04llx\n", (unsigned long long)f->rsp, (unsigned long long)f->ss);
	dump("    CR0 %016llx  CR2 %016llx\n", (unsigned long long)read_cr0(),
	     (unsigned long long)read_cr2());
	dump("    CR3 %016llx  CR4 %016llx\n", (unsigned long long)read_cr3(),
	     (unsigned long long)read_cr4());
	dump("    RAX %016llx  RBX %016llx  RCX %016llx\n", (unsigned long long)f->rax,
	     (unsigned long long)f->rbx, (unsigned long long)f->rcx);
	dump("    RDX %016llx  RSI %016llx  RDI %016llx\n", (unsigned long long)f->rdx,
	     (unsigned long long)f->rsi, (unsigned long long)f->rdi);
	dump("    RBP %016llx  R8  %016llx  R9  %016llx\n", (unsigned long long)f->rbp,
	     (unsigned long long)f->r8, (unsigned long long)f->r9);
	dump("    R10 %016llx  R11 %016llx  R12 %016llx\n", (unsigned long long)f->r10,
	     (unsigned long long)f->r11, (unsigned long long)f->r12);
	dump("    R13 %016llx  R14 %016llx  R15 %016llx\n", (unsigned long long)f->r13,
	     (unsigned long long)f->r14, (unsigned long long)f->r15);
	if (cpu)
		stack_walk(cpu, f->rbp);
	dump("*** plinth: CPU %u stopped.\n", id);
	cpu_halt_forever();
}

void exception_dispatch(struct exc_frame *f)
{
	struct percpu *cpu = this_cpu();

	/* GS may not point at a per-CPU area yet (a fault before percpu_init). */
	if (!cpu || cpu->self != cpu)
		cpu = NULL;
	if (cpu && cpu->exception_depth++ > 0) {
		dump("\n*** plinth: CPU %u: exception %llu while reporting an exception; "
		     "stopped.\n",
		     cpu->cpu_id, (unsigned long long)f->vector);
		cpu_halt_forever();
	}
	if (f->vector == APIC_WAKE_VECTOR || f->vector == APIC_SPURIOUS_VECTOR) {
		/* The idle loop's wake-up (arch/x86/smp.c); a spurious interrupt takes no EOI. */
		if (f->vector == APIC_WAKE_VECTOR)
			apic_eoi();
		if (cpu)
			cpu->exception_depth--;
		return;
	}
	if (f->vector >= 32) {
		/* plinth takes no device interrupts yet: one that arrives is ignored. */
		dump("plinth: unexpected interrupt vector %llu ignored\n",
		     (unsigned long long)f->vector);
		if (cpu)
			cpu->exception_depth--;
		return;
	}
	exception_fatal(f, cpu);
}
