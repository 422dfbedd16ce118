/* SPDX-License-Identifier: MIT */
/* The exit handlers, one per basic exit reason (the table is in vmx_exit.c). */
#ifndef PLINTH_ARCH_X86_VMX_VMX_EXIT_H
#define PLINTH_ARCH_X86_VMX_VMX_EXIT_H

#include "core/vcpu.h"

/* A handler returns 0 to enter the guest again, or a negative errno after stopping the VM
 * with vm_stop() (or leaving the run loop to print that the exit was not handled). */
typedef int (*vmx_exit_handler)(struct vcpu *vcpu);

struct vmx_exit_entry {
	vmx_exit_handler handler;
	/* The exit may interrupt the delivery of an event (SDM 28.2.4): the IDT-vectoring field
	 * must be checked and the event delivered again. Instruction exits never do. */
	bool during_delivery;
};

extern const struct vmx_exit_entry vmx_exit_table[];
extern const unsigned int vmx_exit_table_size;

int vmx_exit_cr_access(struct vcpu *vcpu);
int vmx_exit_io(struct vcpu *vcpu);
/* A child vCPU's IN or INS, completed with the data its control guest left in the run area. */
void vmx_io_complete(struct vcpu *vcpu);
int vmx_exit_ept_violation(struct vcpu *vcpu);
int vmx_exit_ept_misconfig(struct vcpu *vcpu);
/* Performs the instruction that touched a device at gpa (vmx_mmio.c). gla_valid: the exit's
 * guest-linear address is that of the access, translated by the CPU for a write (write) or a
 * read. */
struct mmio_device;
int vmx_emulate_mmio(struct vcpu *vcpu, const struct mmio_device *dev, uint64_t gpa, bool gla_valid,
		     bool write);

/* Helpers for handlers. */
/* From SS.DPL, as VMX keeps it (SDM Vol. 3C 27.3.1.1 / 28.3.1.2); or, with no VMREAD, from
 * CS.DPL when CS's access rights are cached already (the emulator reads them for the mode) and
 * CS is a non-conforming code segment, whose DPL is the CPL (vol. 3A 5.8.1; VM entry checks that
 * it equals SS.DPL, 26.3.1.2). */
static inline uint32_t vcpu_cpl(struct vcpu *vcpu)
{
	if (vcpu->segs_avail & (BIT(VCPU_SEG_CS) | BIT(VCPU_SEG_AR_ONLY + VCPU_SEG_CS))) {
		uint32_t cs_ar = vcpu->segs[VCPU_SEG_CS].ar;

		if ((cs_ar & (SEG_AR_S | SEG_AR_TYPE_CODE | SEG_AR_TYPE_CONFORMING)) ==
		    (SEG_AR_S | SEG_AR_TYPE_CODE))
			return (cs_ar >> SEG_AR_DPL_SHIFT) & 3;
	}
	return (vcpu_seg_ar(vcpu, VCPU_SEG_SS) >> SEG_AR_DPL_SHIFT) & 3;
}
void vcpu_set_cr0(struct vcpu *vcpu, uint64_t value); /* validated already */
int vcpu_write_efer(struct vcpu *vcpu, uint64_t value); /* -EINVAL: #GP */
void vcpu_set_cr4_initial(struct vcpu *vcpu, uint64_t value);
/* PAE paging (CR0.PG, CR4.PAE, no IA-32e mode), whose four PDPTEs VM entry takes from the VMCS
 * with EPT (SDM vol. 3C 27.3.2.4): whoever puts a vCPU in it or changes its CR3 without the CPU
 * loads them, as MOV to CR3 does. vcpu_pdptes_from_guest reads them from the PDPT at cr3 in
 * guest RAM: 0, or -EINVAL (changing nothing) when the PDPT is not all RAM or a present entry
 * has a reserved bit set. vcpu_pdptes_to_vmcs writes them to the VMCS. */
bool vcpu_pae_paging(uint64_t cr0, uint64_t cr4, uint64_t efer);
int vcpu_pdptes_from_guest(struct vcpu *vcpu, uint64_t cr3, uint64_t pdptes[4]);
void vcpu_pdptes_to_vmcs(struct vcpu *vcpu, const uint64_t pdptes[4]);
uint64_t vcpu_cr0_host_owned(void);
uint64_t vcpu_cr4_host_owned(void);
void vcpu_requeue_vectoring_event(struct vcpu *vcpu, uint32_t info);
void vcpu_event_flush(struct vcpu *vcpu);
int vmx_exit_rdmsr(struct vcpu *vcpu);
int vmx_exit_wrmsr(struct vcpu *vcpu);

#endif
