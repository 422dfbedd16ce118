; SPDX-License-Identifier: MIT
; VM entry and exit. The VMCS holds the guest's RSP, RIP and RFLAGS; the 15 other GPRs travel
; through vcpu->regs[] (indices as in the instruction encoding). The host's callee-saved
; registers and the vcpu pointer sit on the stack across the guest's run; HOST_RSP points at
; them and HOST_RIP at vmx_exit_point.

bits 64
default rel

; struct vcpu offsets (checked by STATIC_ASSERTs in arch/x86/vmx/vmx_run.c)
%define VCPU_REGS	0
%define VCPU_HOST_RSP	(34 * 8)
%define VCPU_LAUNCHED	(35 * 8)
%define VMCS_HOST_RSP	0x6c14

%define R(n) (VCPU_REGS + (n) * 8)

section .text

; int vmx_vcpu_enter(struct vcpu *vcpu)
; Returns 0 after a VM exit, 1 on VMfailInvalid, 2 on VMfailValid (read the VM-instruction
; error field then).
global vmx_vcpu_enter
vmx_vcpu_enter:
	push	rbp		; no frame set-up: the guest owns RBP until the exit
	push	rbx
	push	r12
	push	r13
	push	r14
	push	r15
	push	rdi

	; HOST_RSP is the same on every entry from the same call depth: write it only on change.
	cmp	rsp, [rdi + VCPU_HOST_RSP]
	je	.host_rsp_ok
	mov	[rdi + VCPU_HOST_RSP], rsp
	mov	eax, VMCS_HOST_RSP
	vmwrite	rax, rsp
.host_rsp_ok:
	cmp	byte [rdi + VCPU_LAUNCHED], 0	; MOVs below keep the flags for the branch

	mov	rax, [rdi + R(0)]
	mov	rcx, [rdi + R(1)]
	mov	rdx, [rdi + R(2)]
	mov	rbx, [rdi + R(3)]
	mov	rbp, [rdi + R(5)]
	mov	rsi, [rdi + R(6)]
	mov	r8,  [rdi + R(8)]
	mov	r9,  [rdi + R(9)]
	mov	r10, [rdi + R(10)]
	mov	r11, [rdi + R(11)]
	mov	r12, [rdi + R(12)]
	mov	r13, [rdi + R(13)]
	mov	r14, [rdi + R(14)]
	mov	r15, [rdi + R(15)]
	mov	rdi, [rdi + R(7)]
	jne	.resume
	vmlaunch
	jmp	.failed
.resume:
	vmresume
.failed:
	; Still in VMX root with guest values in the GPRs: CF means VMfailInvalid, ZF VMfailValid.
	mov	eax, 1
	jc	.out
	mov	eax, 2
.out:
	add	rsp, 8
	jmp	vmx_restore_host

global vmx_exit_point
vmx_exit_point:
	; RSP = HOST_RSP: [rsp] is the vcpu pointer.
	push	rdi
	mov	rdi, [rsp + 8]
	mov	[rdi + R(0)], rax
	mov	[rdi + R(1)], rcx
	mov	[rdi + R(2)], rdx
	mov	[rdi + R(3)], rbx
	mov	[rdi + R(5)], rbp
	mov	[rdi + R(6)], rsi
	mov	[rdi + R(8)], r8
	mov	[rdi + R(9)], r9
	mov	[rdi + R(10)], r10
	mov	[rdi + R(11)], r11
	mov	[rdi + R(12)], r12
	mov	[rdi + R(13)], r13
	mov	[rdi + R(14)], r14
	mov	[rdi + R(15)], r15
	pop	rax
	mov	[rdi + R(7)], rax
	add	rsp, 8
	xor	eax, eax
vmx_restore_host:
	pop	r15
	pop	r14
	pop	r13
	pop	r12
	pop	rbx
	pop	rbp
	ret

section .note.GNU-stack noalloc noexec nowrite progbits
