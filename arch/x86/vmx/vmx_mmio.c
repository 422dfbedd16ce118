// SPDX-License-Identifier: MIT
/*
 * MMIO: an EPT violation on a device's range is one guest instruction that plinth performs
 * itself. The emulator (emulate/) knows nothing of VMX; these ops connect it to the vCPU's
 * register cache (so a register is read from the VMCS only if the instruction uses it), the
 * guest's page tables and RAM, and the VM's MMIO and port buses.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vcpu_mem.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_exit.h"
#include "core/errno.h"
#include "core/printf.h"
#include "core/string.h"
#include "core/vm.h"
#include "emulate/emulate.h"

#define X86_RFLAGS_VM BIT(17)

#define MMIO_SHARED 1 /* not an errno: the access goes through mmio_slow, which takes the lock */

/* One emulation: the vCPU and the device found at the exit's GPA. */
struct mmio_emul {
	struct vcpu *vcpu;
	const struct mmio_device *dev;
};

static struct vcpu *vcpu_of(struct emul_ctxt *ctxt)
{
	return ((struct mmio_emul *)ctxt->opaque)->vcpu;
}

/* enum emul_reg and enum vcpu_reg agree on 0-17 (GPRs, RIP, RFLAGS). */
STATIC_ASSERT((int)EMUL_REG_RIP == (int)VCPU_REG_RIP);
STATIC_ASSERT((int)EMUL_REG_RFLAGS == (int)VCPU_REG_RFLAGS);

static uint64_t op_read_gpr(struct emul_ctxt *ctxt, unsigned int reg)
{
	return vcpu_reg_read_any(vcpu_of(ctxt), (enum vcpu_reg)reg);
}

static void op_write_gpr(struct emul_ctxt *ctxt, unsigned int reg, uint64_t val)
{
	struct vcpu *vcpu = vcpu_of(ctxt);

	/* The emulator writes GPRs, RIP and RFLAGS only: all of them writable. */
	vcpu->regs[reg] = val;
	if (reg == VCPU_REG_RSP || reg >= 16) {
		vcpu->regs_avail |= BIT(reg);
		vcpu->regs_dirty |= BIT(reg);
	}
}

static int op_translate(struct emul_ctxt *ctxt, uint64_t la, unsigned int access, uint64_t *gpa,
			struct emul_fault *fault)
{
	return vcpu_translate(vcpu_of(ctxt), la, access, gpa, fault);
}

/* The host address of [gpa, gpa + len) in guest RAM, or NULL. The access lies within one page,
 * so within one 2 MiB chunk of guest RAM, or not in RAM at all. */
static void *ram_hva(struct emul_ctxt *ctxt, uint64_t gpa, unsigned int len)
{
	return guest_mem_hva(&vcpu_of(ctxt)->vm->mem, gpa, len);
}

static int op_read_phys(struct emul_ctxt *ctxt, uint64_t gpa, void *buf, unsigned int len)
{
	const void *hva = ram_hva(ctxt, gpa, len);

	if (!hva)
		return EMUL_MMIO;
	memcpy(buf, hva, len);
	return EMUL_OK;
}

static int op_write_phys(struct emul_ctxt *ctxt, uint64_t gpa, const void *buf, unsigned int len)
{
	void *hva = ram_hva(ctxt, gpa, len);

	if (!hva)
		return EMUL_MMIO;
	memcpy(hva, buf, len);
	return EMUL_OK;
}

/* Not the device whose page exited, or a device that refused: the bus, or stop the guest. */
static __attribute__((noinline, cold)) int
mmio_slow(struct emul_ctxt *ctxt, uint64_t gpa, void *buf, unsigned int len, bool write, int err)
{
	const struct mmio_emul *m = ctxt->opaque;
	struct vm *vm = m->vcpu->vm;

	if (err == MMIO_SHARED) /* the device, under the VM's device lock */
		err = vm_mmio_access(vm, m->dev, gpa, buf, len, write);
	if (err == -ENODEV)
		err = vm_mmio_access(vm, NULL, gpa, buf, len, write);
	if (!err)
		return EMUL_OK;
	if (err == -EAGAIN && m->vcpu->run_exit)
		return EMUL_ERROR; /* a child's access that waits for its control guest */
	if (err == -ENODEV)
		vm_stop(vm,
			"%s GPA 0x%llx (%u bytes) from an emulated instruction: neither RAM nor "
			"a device",
			write ? "write to" : "read from", (unsigned long long)gpa, len);
	else
		vm_stop(vm, "a device refused a %u-byte %s at GPA 0x%llx (%s)", len,
			write ? "write" : "read", (unsigned long long)gpa, errno_name(err));
	return EMUL_ERROR;
}

/* Almost always the device whose page exited, found already by the exit handler. */
static inline int mmio(struct emul_ctxt *ctxt, uint64_t gpa, void *buf, unsigned int len,
		       bool write)
{
	const struct mmio_emul *m = ctxt->opaque;
	int err = unlikely(m->dev->locked) ? MMIO_SHARED :
					     mmio_device_access(m->dev, gpa, buf, len, write);

	return likely(!err) ? EMUL_OK : mmio_slow(ctxt, gpa, buf, len, write, err);
}

static int op_mmio_read(struct emul_ctxt *ctxt, uint64_t gpa, void *buf, unsigned int len)
{
	return mmio(ctxt, gpa, buf, len, false);
}

static int op_mmio_write(struct emul_ctxt *ctxt, uint64_t gpa, const void *buf, unsigned int len)
{
	return mmio(ctxt, gpa, (void *)buf, len, true);
}

static int op_pio_in(struct emul_ctxt *ctxt, uint16_t port, unsigned int len, uint32_t *val)
{
	*val = ~0u;
	return vm_pio_access(vcpu_of(ctxt)->vm, port, len, false, val) ? EMUL_ERROR : EMUL_OK;
}

static int op_pio_out(struct emul_ctxt *ctxt, uint16_t port, unsigned int len, uint32_t val)
{
	return vm_pio_access(vcpu_of(ctxt)->vm, port, len, true, &val) ? EMUL_ERROR : EMUL_OK;
}

static void op_get_segment(struct emul_ctxt *ctxt, unsigned int seg, struct emul_segment *s)
{
	struct vcpu_segment v;

	/* The emulator's attribute layout is the VMX access-rights layout. */
	vcpu_seg_read(vcpu_of(ctxt), (enum vcpu_seg)seg, &v);
	*s = (struct emul_segment){
		.base = v.base, .limit = v.limit, .attr = v.ar, .selector = v.selector
	};
}

static unsigned int op_get_cpl(struct emul_ctxt *ctxt)
{
	return vcpu_cpl(vcpu_of(ctxt));
}

static uint64_t op_get_cr(struct emul_ctxt *ctxt, unsigned int cr)
{
	struct vcpu *vcpu = vcpu_of(ctxt);

	switch (cr) {
	case 0:
		return vcpu_guest_cr0(vcpu);
	case 2:
		return read_cr2(); /* the guest's while it is loaded */
	case 3:
		return vcpu_reg_read(vcpu, VCPU_REG_CR3);
	case 4:
		return vcpu_guest_cr4(vcpu);
	default:
		return 0;
	}
}

/* The guest's XMM registers are live in the CPU while it is loaded (plinth has no SSE). */
#define XMM_CASE(n)                                                              \
	case n:                                                                  \
		if (write)                                                       \
			__asm__ volatile("movdqu %0, %%xmm" #n : : "m"(*val));   \
		else                                                             \
			__asm__ volatile("movdqu %%xmm" #n ", %0" : "=m"(*val)); \
		break;

static void xmm_access(unsigned int n, struct emul_xmm *val, bool write)
{
	switch (n) {
		XMM_CASE(0)
		XMM_CASE(1)
		XMM_CASE(2)
		XMM_CASE(3)
		XMM_CASE(4)
		XMM_CASE(5)
		XMM_CASE(6)
		XMM_CASE(7)
		XMM_CASE(8)
		XMM_CASE(9)
		XMM_CASE(10)
		XMM_CASE(11)
		XMM_CASE(12)
		XMM_CASE(13)
		XMM_CASE(14)
		XMM_CASE(15)
	}
}

static void op_read_xmm(struct emul_ctxt *ctxt, unsigned int n, struct emul_xmm *val)
{
	xmm_access(n, val, false);
}

static void op_write_xmm(struct emul_ctxt *ctxt, unsigned int n, const struct emul_xmm *val)
{
	xmm_access(n, (struct emul_xmm *)val, true);
}

static void op_inject_fault(struct emul_ctxt *ctxt, const struct emul_fault *fault)
{
	struct vcpu *vcpu = vcpu_of(ctxt);

	if (fault->vector == EMUL_VEC_PF)
		vcpu_inject_page_fault(vcpu, fault->cr2, fault->error_code);
	else
		vcpu_inject_exception(vcpu, fault->vector, fault->error_code_valid,
				      fault->error_code);
}

static const struct emul_ops vmx_emul_ops = {
	.read_gpr = op_read_gpr,
	.write_gpr = op_write_gpr,
	.translate = op_translate,
	.read_phys = op_read_phys,
	.write_phys = op_write_phys,
	.mmio_read = op_mmio_read,
	.mmio_write = op_mmio_write,
	.pio_in = op_pio_in,
	.pio_out = op_pio_out,
	.get_segment = op_get_segment,
	.get_cpl = op_get_cpl,
	.get_cr = op_get_cr,
	.read_xmm = op_read_xmm,
	.write_xmm = op_write_xmm,
	.inject_fault = op_inject_fault,
};

/* SDM vol. 3A 2.2: the mode from CR0.PE, RFLAGS.VM, EFER.LMA and CS.L / CS.D. Long mode is
 * tested first: it is the common case, and it needs neither CR0 nor RFLAGS (no VM86 there). */
static enum emul_mode guest_mode(struct vcpu *vcpu)
{
	uint32_t cs_ar;

	if (vcpu_reg_read(vcpu, VCPU_REG_EFER) & X86_EFER_LMA)
		return (vcpu_seg_ar(vcpu, VCPU_SEG_CS) & SEG_AR_L)  ? EMUL_MODE_PROT64 :
		       (vcpu_seg_ar(vcpu, VCPU_SEG_CS) & SEG_AR_DB) ? EMUL_MODE_PROT32 :
								      EMUL_MODE_PROT16;
	if (!(vcpu_reg_read(vcpu, VCPU_REG_CR0) & X86_CR0_PE))
		return EMUL_MODE_REAL;
	if (vcpu_reg_read(vcpu, VCPU_REG_RFLAGS) & X86_RFLAGS_VM)
		return EMUL_MODE_VM86;
	cs_ar = vcpu_seg_ar(vcpu, VCPU_SEG_CS);
	return (cs_ar & SEG_AR_DB) ? EMUL_MODE_PROT32 : EMUL_MODE_PROT16;
}

int vmx_emulate_mmio(struct vcpu *vcpu, const struct mmio_device *dev, uint64_t gpa, bool gla_valid,
		     bool write)
{
	struct mmio_emul m = { .vcpu = vcpu, .dev = dev };
	struct emul_ctxt ctxt;
	uint8_t code[15];
	uint64_t rip;
	int r;

	emul_init(&ctxt, &vmx_emul_ops, &m, guest_mode(vcpu));
	vcpu->ctl_mmio_done = 0;
	ctxt.decode_cache = &vcpu->decode_cache;
	/* RAM is mapped with every right and never exits: the exit's page is the device's. */
	ctxt.hint.mmio = true;
	ctxt.hint.gpa_page = gpa >> 12;
	if (gla_valid) {
		ctxt.hint.la_valid = true;
		ctxt.hint.la_page = vcpu_reg_read(vcpu, VCPU_REG_GUEST_LINEAR_ADDRESS) >> 12;
		ctxt.hint.write = write;
	}
	/* A driver's MMIO loop: the code page of the last emulation, its walk still valid. */
	rip = vcpu_reg_read(vcpu, VCPU_REG_RIP);
	emul_reg_preset(&ctxt, EMUL_REG_RIP, rip);
	if (ctxt.mode == EMUL_MODE_PROT64 && vcpu_fetch_cached(vcpu, rip, code))
		r = emul_run_fetched(&ctxt, code);
	else
		r = emul_run(&ctxt);
	if (r == EMUL_OK || r == EMUL_FAULT)
		return 0;
	/* A child's instruction that waits for its control guest: it runs again after the next
	 * RUN, which must not repeat what it did with the control guest already, unless the
	 * completed iterations of a string instruction hold it. */
	if (vcpu->run_exit && (!vcpu->ctl_mmio_done || emul_insn_is_string(ctxt.insn)))
		return 0;
	if (vcpu->run_exit) {
		vcpu->run_exit = false;
		vm_stop(vcpu->vm,
			"an instruction at RIP 0x%llx needs the control guest for more than one "
			"MMIO access, which plinth cannot split",
			(unsigned long long)rip);
		return -EIO;
	}
	if (!vcpu->vm->stop_requested) {
		char bytes[3 * 15 + 1] = "";
		size_t used = 0;

		for (unsigned int i = 0; i < ctxt.insn->nbytes && i < 15; i++)
			used += (size_t)ksnprintf(bytes + used, sizeof(bytes) - used, "%s%02x",
						  i ? " " : "", ctxt.insn->bytes[i]);
		vm_stop(vcpu->vm,
			"MMIO access to GPA 0x%llx by an instruction plinth cannot emulate (%s) at "
			"RIP "
			"0x%llx: %s",
			(unsigned long long)gpa, emul_result_name(r), (unsigned long long)rip,
			used ? bytes : "no bytes fetched");
	}
	return -EIO;
}
