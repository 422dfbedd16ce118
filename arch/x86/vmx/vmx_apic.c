// SPDX-License-Identifier: MIT
/*
 * The virtual local APIC of a config-defined VM's vCPUs (drivers/vdev/lapic.c holds the model)
 * and what hangs off it: IPIs between vCPUs on different CPUs, INIT and start-up, HLT, the
 * timer, and interrupt injection.
 *
 * Each vCPU's APIC is touched only by the CPU it runs on. Other vCPUs post to it instead
 * (posted_irr, posted_events: atomic ORs) and wake its CPU with plinth's wake-up IPI, which
 * makes the vCPU leave guest mode (an external-interrupt exit) or its HLT; it takes what was
 * posted right before its next entry. That keeps locks off the exit path.
 *
 * The guest's APIC timer is the VMX-preemption timer while the guest runs (its value is the
 * time left, when that is shorter than plinth's slice) and the host APIC timer in TSC-deadline
 * mode while the vCPU waits.
 */
#include "arch/x86/vmx/vmx_apic.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/tsc.h"
#include "arch/x86/vmx/vmcs_fields.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_controls.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "core/errno.h"
#include "core/log.h"
#include "core/vm.h"

#define NO_DEADLINE UINT64_MAX

static void send_ipi(void *ctx, const struct lapic_ipi *ipi);
static const struct lapic_ops apic_ops = { .send_ipi = send_ipi };

/* The guest's TSC, which its APIC timer and IA32_TSC_DEADLINE count in. */
static uint64_t guest_now(const struct vcpu *vcpu)
{
	return rdtsc() + vcpu->tsc_offset;
}

int vcpu_apic_init(struct vcpu *vcpu, uint32_t home_cpu)
{
	int err = lapic_init(&vcpu->lapic, vcpu->id, vcpu->id == 0, (uint32_t)tsc_khz(), &apic_ops,
			     vcpu);

	if (err)
		return err;
	vcpu->has_lapic = true;
	vcpu->home_cpu = home_cpu;
	vcpu->apic_deadline = NO_DEADLINE;
	vcpu->preempt_value = vmx_host.preemption_timer_value;
	/* vCPU 0 starts at the entry point; the others wait for INIT and SIPI, as APs do. */
	vcpu->mp_state = vcpu->id == 0 ? VCPU_MP_RUNNABLE : VCPU_MP_WAIT_SIPI;
	vcpu->apic_busy = vcpu->mp_state != VCPU_MP_RUNNABLE;
	return 0;
}

/* The vCPU's CPU looks at what was posted to it: out of guest mode, or out of HLT. */
static void kick(struct vcpu *vcpu)
{
	if (vcpu->home_cpu != this_cpu()->cpu_id)
		smp_wake(vcpu->home_cpu);
}

static void post(struct vcpu *to, uint32_t events)
{
	__atomic_fetch_or(&to->posted_events, events, __ATOMIC_RELEASE);
	kick(to);
}

static void deliver(struct vcpu *from, struct vcpu *to, const struct lapic_ipi *ipi)
{
	switch (ipi->delivery_mode) {
	case LAPIC_DM_FIXED:
	case LAPIC_DM_LOWEST:
		if (to == from) {
			lapic_deliver_fixed(&to->lapic, ipi->vector, false);
			to->apic_check = true;
			to->apic_busy = true;
			return;
		}
		__atomic_fetch_or(&to->posted_irr[ipi->vector / 32], 1u << (ipi->vector % 32),
				  __ATOMIC_RELAXED);
		post(to, VCPU_POSTED_IRR);
		return;
	case LAPIC_DM_NMI:
		post(to, VCPU_POSTED_NMI);
		return;
	case LAPIC_DM_INIT:
		/* A start-up IPI not yet taken came before this INIT, so it found the vCPU
		 * running, where it is ignored; the INIT must not be followed by it. */
		__atomic_fetch_and(&to->posted_events, ~(uint32_t)VCPU_POSTED_SIPI,
				   __ATOMIC_RELAXED);
		post(to, VCPU_POSTED_INIT);
		return;
	case LAPIC_DM_STARTUP:
		/* The last vector wins if two arrive before the target looks (so it would on a
		 * bus that delivers them back to back). */
		__atomic_store_n(&to->posted_sipi_vector, ipi->vector, __ATOMIC_RELAXED);
		post(to, VCPU_POSTED_SIPI);
		return;
	default: /* SMI: there is no SMM */
		return;
	}
}

/* The APIC of from sent ipi: every vCPU of the VM whose APIC it names gets it. */
static void send_ipi(void *ctx, const struct lapic_ipi *ipi)
{
	struct vcpu *from = ctx;
	struct vm *vm = from->vm;

	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *to = vm->vcpus[i];

		if (!lapic_match_dest(&to->lapic, ipi, to == from))
			continue;
		deliver(from, to, ipi);
		/* Lowest priority goes to one APIC: the first that matches (no arbitration). */
		if (ipi->delivery_mode == LAPIC_DM_LOWEST)
			return;
	}
}

void vcpu_apic_changed(struct vcpu *vcpu)
{
	uint64_t deadline = lapic_timer_deadline(&vcpu->lapic);

	vcpu->apic_check = true;
	vcpu->apic_busy = true;
	/* In host ticks, for the preemption timer and the host APIC timer. */
	vcpu->apic_deadline = deadline == NO_DEADLINE ? NO_DEADLINE : deadline - vcpu->tsc_offset;
}

/* INIT: the APIC resets and the vCPU waits for a start-up IPI. An INIT to the boot vCPU is a
 * reset of the machine, which plinth does not emulate. */
static void take_init(struct vcpu *vcpu)
{
	if (vcpu->lapic.apic_base & LAPIC_BASE_BSP) {
		vm_stop(vcpu->vm,
			"vCPU %u (the boot processor) got INIT, which resets the machine; plinth "
			"does "
			"not emulate a reset",
			vcpu->id);
		return;
	}
	lapic_init_signal(&vcpu->lapic);
	vcpu->mp_state = VCPU_MP_WAIT_SIPI;
	vcpu->nmi_pending = false;
	vcpu_apic_changed(vcpu);
}

static void take_sipi(struct vcpu *vcpu, uint8_t vector)
{
	uint64_t gpa = (uint64_t)vector << 12;

	if (vcpu->mp_state != VCPU_MP_WAIT_SIPI)
		return; /* SDM 8.4.2: a start-up IPI to a running CPU is ignored */
	if (!guest_mem_is_ram(&vcpu->vm->mem, gpa, 4096)) {
		vm_stop(vcpu->vm,
			"vCPU %u got a start-up IPI with vector 0x%02x: its code at GPA 0x%llx is "
			"not in the guest's RAM",
			vcpu->id, vector, (unsigned long long)gpa);
		return;
	}
	if (vmx_vcpu_start_at(vcpu, vector)) {
		vm_stop(vcpu->vm, "vCPU %u: cannot set its state for a start-up IPI", vcpu->id);
		return;
	}
	vcpu->mp_state = VCPU_MP_RUNNABLE;
}

static void take_posted(struct vcpu *vcpu, uint32_t events)
{
	if (events & VCPU_POSTED_INIT)
		take_init(vcpu);
	if (events & VCPU_POSTED_SIPI)
		take_sipi(vcpu, __atomic_load_n(&vcpu->posted_sipi_vector, __ATOMIC_RELAXED));
	if (events & VCPU_POSTED_IRR) {
		for (unsigned int w = 0; w < LAPIC_NR_VECTOR_WORDS; w++) {
			uint32_t bits =
				__atomic_exchange_n(&vcpu->posted_irr[w], 0, __ATOMIC_ACQUIRE);

			while (bits) {
				unsigned int b = (unsigned int)__builtin_ctz(bits);

				bits &= bits - 1;
				lapic_deliver_fixed(&vcpu->lapic, (uint8_t)(w * 32 + b), false);
			}
		}
		vcpu->apic_check = true;
	}
	if ((events & VCPU_POSTED_NMI) && vcpu->mp_state != VCPU_MP_WAIT_SIPI)
		vcpu->nmi_pending = true;
}

static bool guest_if(struct vcpu *vcpu)
{
	return vcpu_reg_read(vcpu, VCPU_REG_RFLAGS) & X86_RFLAGS_IF;
}

/* Whether the guest takes an external interrupt at the next entry (SDM 26.3.1.1 + 6.8.3). */
static bool interruptible(struct vcpu *vcpu)
{
	return guest_if(vcpu) && !(vcpu_reg_read(vcpu, VCPU_REG_INTERRUPTIBILITY) &
				   (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
}

/* Interrupt-window and NMI-window exiting: the only per-vCPU processor-based controls. */
static void set_window(struct vcpu *vcpu, uint32_t bit, bool on)
{
	uint32_t windows = on ? vcpu->windows | bit : vcpu->windows & ~bit;

	if (windows == vcpu->windows)
		return;
	vcpu->windows = windows;
	vcpu->stats.vmwrites++;
	vmx_vmwrite(VMCS_PROC_BASED_CTLS, vmx_host.proc | windows);
}

static void set_irq_window(struct vcpu *vcpu, bool on)
{
	set_window(vcpu, PROC_INTERRUPT_WINDOW_EXITING, on);
}

/* With virtual NMIs, the guest's IRET ends NMI blocking and the NMI window says when; without,
 * IRET leaves the blocking set (SDM 25.3), so a second NMI waits for an interrupt window. */
static void want_nmi_window(struct vcpu *vcpu)
{
	if (vmx_host.pin & PIN_VIRTUAL_NMIS)
		set_window(vcpu, PROC_NMI_WINDOW_EXITING, true);
	else
		set_irq_window(vcpu, true);
}

/* An NMI first, then the APIC's interrupt; one event per entry. */
static void inject(struct vcpu *vcpu)
{
	int vector;

	if (vcpu->event.pending) {
		/* An exception or a re-queued event goes first: come back as soon as the guest
		 * can take more, not at the next exit it happens to make. */
		if (vcpu->nmi_pending || vcpu->apic_check)
			set_irq_window(vcpu, true);
		return;
	}
	if (vcpu->nmi_pending) {
		if (!(vcpu_reg_read(vcpu, VCPU_REG_INTERRUPTIBILITY) &
		      (INTERRUPTIBILITY_NMI | INTERRUPTIBILITY_MOV_SS | INTERRUPTIBILITY_STI))) {
			vcpu->nmi_pending = false;
			vcpu->event = (struct vcpu_event){ .pending = true,
							   .vector = 2,
							   .type = INTR_TYPE_NMI };
			return;
		}
		want_nmi_window(vcpu);
	}
	if (!vcpu->apic_check)
		return;
	vector = lapic_pending_vector(&vcpu->lapic);
	if (vector < 0) {
		vcpu->apic_check = false;
		set_irq_window(vcpu, false);
		return;
	}
	if (!interruptible(vcpu)) {
		set_irq_window(vcpu, true); /* the interrupt-window exit brings us back */
		return;
	}
	lapic_ack(&vcpu->lapic, (uint8_t)vector);
	vcpu->event = (struct vcpu_event){ .pending = true,
					   .vector = (uint8_t)vector,
					   .type = INTR_TYPE_EXTERNAL };
	/* More may be pending, of a higher class than the new ISR: look again next entry. */
	set_irq_window(vcpu, false);
}

/* Whether a halted vCPU has something that ends its HLT (SDM: an unmasked interrupt, NMI,
 * INIT, SMI). */
static bool halt_ends(struct vcpu *vcpu)
{
	return vcpu->nmi_pending || (guest_if(vcpu) && lapic_pending_vector(&vcpu->lapic) >= 0);
}

/* Whether this waiting vCPU can only be woken by another: it waits for SIPI, or it halted with
 * interrupts off or no timer set (no device raises interrupts yet). */
static bool needs_another(struct vcpu *vcpu)
{
	return vcpu->mp_state == VCPU_MP_WAIT_SIPI || !guest_if(vcpu) ||
	       vcpu->apic_deadline == NO_DEADLINE;
}

/* Whether every vCPU of the VM waits for another with nothing posted to it: then none ever
 * will wake. Each vCPU says so (asleep) before it looks at the others, so of two that fall
 * asleep at once at least one sees the other. */
static bool all_asleep(const struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu *v = vm->vcpus[i];

		if (!__atomic_load_n(&v->asleep, __ATOMIC_SEQ_CST) ||
		    __atomic_load_n(&v->posted_events, __ATOMIC_SEQ_CST))
			return false;
	}
	return true;
}

/* Waits in HLT for a wake-up IPI or the guest's timer, whichever comes first. */
static void wait_for_event(struct vcpu *vcpu)
{
	static bool no_tsc_deadline_said;
	uint64_t deadline = vcpu->apic_deadline;
	bool asleep = needs_another(vcpu);

	if (asleep) {
		__atomic_store_n(&vcpu->asleep, true, __ATOMIC_SEQ_CST);
		if (all_asleep(vcpu->vm)) {
			__atomic_store_n(&vcpu->asleep, false, __ATOMIC_SEQ_CST);
			vm_stop(vcpu->vm,
				"every vCPU is halted with nothing to wake it or waits for a "
				"start-up IPI: the guest can never run again");
			return;
		}
	}

	if (deadline != NO_DEADLINE && !apic_tsc_deadline_supported()) {
		if (!no_tsc_deadline_said) {
			no_tsc_deadline_said = true;
			pr_warn("apic: this CPU has no TSC-deadline timer; waiting vCPUs poll\n");
		}
		cpu_relax();
		goto out;
	}
	if (deadline != NO_DEADLINE)
		apic_timer_arm_tsc(deadline);
	if (!__atomic_load_n(&vcpu->posted_events, __ATOMIC_ACQUIRE) &&
	    !__atomic_load_n(&vcpu->vm->stop_requested, __ATOMIC_ACQUIRE) &&
	    (deadline == NO_DEADLINE || rdtsc() < deadline))
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	if (deadline != NO_DEADLINE)
		apic_timer_disarm();
out:
	if (asleep)
		__atomic_store_n(&vcpu->asleep, false, __ATOMIC_SEQ_CST);
}

/* The time the guest may run before its APIC timer is due, as a preemption-timer value. */
static void set_preemption_timer(struct vcpu *vcpu)
{
	uint32_t value = vmx_host.preemption_timer_value;

	if (vcpu->apic_deadline != NO_DEADLINE) {
		uint64_t now = rdtsc();
		uint64_t left = vcpu->apic_deadline > now ? vcpu->apic_deadline - now : 0;
		uint64_t ticks = left >> vmx_host.caps.preemption_timer_shift;

		if (ticks < value)
			value = (uint32_t)ticks;
	}
	if (value == vcpu->preempt_value)
		return;
	vcpu->preempt_value = value;
	vcpu->stats.vmwrites++;
	vmx_vmwrite(VMCS_PREEMPTION_TIMER_VALUE, value);
}

bool vcpu_apic_before_entry(struct vcpu *vcpu)
{
	struct vm *vm = vcpu->vm;

	for (;;) {
		if (unlikely(__atomic_load_n(&vcpu->posted_events, __ATOMIC_RELAXED)))
			take_posted(vcpu,
				    __atomic_exchange_n(&vcpu->posted_events, 0, __ATOMIC_ACQUIRE));
		if (vcpu->apic_deadline != NO_DEADLINE && rdtsc() >= vcpu->apic_deadline) {
			lapic_timer_expire(&vcpu->lapic, guest_now(vcpu));
			vcpu_apic_changed(vcpu);
		}
		if (__atomic_load_n(&vm->stop_requested, __ATOMIC_ACQUIRE))
			return false;
		if (vcpu->mp_state == VCPU_MP_HALTED && halt_ends(vcpu))
			vcpu->mp_state = VCPU_MP_RUNNABLE;
		if (vcpu->mp_state == VCPU_MP_RUNNABLE)
			break;
		wait_for_event(vcpu);
	}
	inject(vcpu);
	if (vmx_host.pin & PIN_PREEMPTION_TIMER)
		set_preemption_timer(vcpu);
	vcpu->apic_busy = vcpu->apic_check || vcpu->nmi_pending ||
			  vcpu->apic_deadline != NO_DEADLINE ||
			  vcpu->preempt_value != vmx_host.preemption_timer_value;
	return true;
}

int vcpu_apic_hlt(struct vcpu *vcpu)
{
	uint64_t shadow = vcpu_reg_read(vcpu, VCPU_REG_INTERRUPTIBILITY);

	vcpu_skip_insn(vcpu, 1);
	/* "sti; hlt": the HLT ran in STI's shadow, which ends with it. Left set, it would cover
	 * the instruction after the HLT, and an interrupt that wakes the vCPU would wait past
	 * it (past the CLI of "sti; hlt; cli", for ever). */
	if (shadow & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
		vcpu_reg_write(vcpu, VCPU_REG_INTERRUPTIBILITY,
			       shadow &
				       ~(uint64_t)(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
	/* Alone, with interrupts off or no timer set, nothing can ever end this HLT. */
	if (vcpu->vm->nr_vcpus == 1 && !halt_ends(vcpu) &&
	    (!guest_if(vcpu) || vcpu->apic_deadline == NO_DEADLINE)) {
		vm_stop(vcpu->vm, "HLT at RIP 0x%llx with nothing to wake it (%s)",
			(unsigned long long)vcpu_reg_read(vcpu, VCPU_REG_RIP) - 1,
			guest_if(vcpu) ? "no APIC timer is set" : "interrupts are off");
		return -EIO;
	}
	vcpu->mp_state = VCPU_MP_HALTED;
	vcpu->apic_busy = true;
	return 0;
}

int vcpu_apic_nmi_window(struct vcpu *vcpu)
{
	set_window(vcpu, PROC_NMI_WINDOW_EXITING, false);
	vcpu->apic_busy = true;
	return 0;
}

int vcpu_apic_irq_window(struct vcpu *vcpu)
{
	set_irq_window(vcpu, false);
	vcpu->apic_check = true;
	vcpu->apic_busy = true;
	return 0;
}

#define MSR_IA32_APIC_BASE 0x1b

int vcpu_apic_msr_read(struct vcpu *vcpu, uint32_t msr, uint64_t *value)
{
	int err = 0;

	if (msr == MSR_IA32_APIC_BASE)
		*value = lapic_apic_base(&vcpu->lapic);
	else if (msr == MSR_IA32_TSC_DEADLINE)
		*value = lapic_tsc_deadline_read(&vcpu->lapic, guest_now(vcpu));
	else if (msr >= MSR_IA32_X2APIC_FIRST && msr <= MSR_IA32_X2APIC_LAST)
		err = lapic_msr_read(&vcpu->lapic, msr, guest_now(vcpu), value);
	else
		return -ENOENT;
	vcpu_apic_changed(vcpu); /* a read brings the timer up to date */
	return err;
}

int vcpu_apic_msr_write(struct vcpu *vcpu, uint32_t msr, uint64_t value)
{
	int err = 0;

	if (msr == MSR_IA32_APIC_BASE) {
		err = lapic_set_apic_base(&vcpu->lapic, value, vcpu->vm->maxphyaddr);
		if (err == -EOPNOTSUPP) {
			vm_stop(vcpu->vm,
				"vCPU %u moved its APIC to 0x%llx; plinth keeps it at 0xfee00000",
				vcpu->id, (unsigned long long)(value & ~0xfffull));
			err = 0;
		}
	} else if (msr == MSR_IA32_TSC_DEADLINE) {
		lapic_tsc_deadline_write(&vcpu->lapic, guest_now(vcpu), value);
	} else if (msr >= MSR_IA32_X2APIC_FIRST && msr <= MSR_IA32_X2APIC_LAST) {
		err = lapic_msr_write(&vcpu->lapic, msr, guest_now(vcpu), value);
	} else {
		return -ENOENT;
	}
	vcpu_apic_changed(vcpu);
	return err;
}

/* The vCPU whose access exited is the one loaded on this CPU. */
static int apic_mmio_read(void *dev, uint64_t offset, void *buf, unsigned int len)
{
	struct vcpu *vcpu = this_cpu()->vcpu;
	uint8_t *out = buf;

	for (unsigned int done = 0; done < len;) {
		unsigned int n = len - done >= 8 ? 8 : len - done;
		uint64_t v;
		int err = lapic_mmio_read(&vcpu->lapic, (uint32_t)(offset + done), n,
					  guest_now(vcpu), &v);

		if (err)
			return err;
		for (unsigned int i = 0; i < n; i++)
			out[done + i] = (uint8_t)(v >> (8 * i));
		done += n;
	}
	vcpu_apic_changed(vcpu);
	return 0;
}

static int apic_mmio_write(void *dev, uint64_t offset, const void *buf, unsigned int len)
{
	struct vcpu *vcpu = this_cpu()->vcpu;
	const uint8_t *in = buf;

	for (unsigned int done = 0; done < len;) {
		unsigned int n = len - done >= 8 ? 8 : len - done;
		uint64_t v = 0;
		int err;

		for (unsigned int i = 0; i < n; i++)
			v |= (uint64_t)in[done + i] << (8 * i);
		err = lapic_mmio_write(&vcpu->lapic, (uint32_t)(offset + done), n, guest_now(vcpu),
				       v);
		if (err)
			return err;
		done += n;
	}
	vcpu_apic_changed(vcpu);
	return 0;
}

int vm_apic_mmio_register(struct vm *vm)
{
	const struct mmio_device d = {
		.name = "local APIC",
		.gpa = LAPIC_BASE_DEFAULT,
		.len = LAPIC_MMIO_BYTES,
		.read = apic_mmio_read,
		.write = apic_mmio_write,
		.dev = vm,
		.per_vcpu = true,
	};

	return mmio_bus_register(&vm->mmio, &d);
}
