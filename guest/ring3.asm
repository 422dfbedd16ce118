; SPDX-License-Identifier: MIT
; A VMCALL made at CPL 3, for tests of what plinth refuses to user mode (guest/ctltest.c).
; SYSRET goes down to CPL 3 and SYSCALL comes back, so no TSS or IDT is needed; the caller sets
; up the GDT (user data at STAR[63:48] + 8, 64-bit user code at + 16), STAR, LSTAR =
; ring3_kernel_entry, EFER.SCE, and page tables that let CPL 3 reach the code and the stack.

bits 64
default rel

section .text
global ring3_vmcall, ring3_kernel_entry

; unsigned long ring3_vmcall(unsigned long nr): VMCALL with RAX = nr at CPL 3; returns RAX.
ring3_vmcall:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	pushfq
	mov [saved_rsp], rsp
	mov rax, rdi
	lea rcx, [.user]
	mov r11d, 0x2			; RFLAGS at CPL 3: IF clear
	o64 sysret
.user:
	vmcall
	syscall				; RAX survives it

ring3_kernel_entry:
	mov rsp, [saved_rsp]
	popfq
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret

section .bss
saved_rsp:
	resq 1
