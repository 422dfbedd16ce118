; SPDX-License-Identifier: MIT
; 64-bit exception stubs (lib/trap_stubs.inc) and their trap_common, which saves the GPRs as
; struct trap_frame (lib/trap.h) and calls trap_dispatch.

bits 64
default rel

extern trap_dispatch

%include "guest/lib/trap_stubs.inc"

section .text

TRAP_STUBS

; The CPU aligned RSP to 16 before pushing its 5 words; with error code, vector and 15 GPRs the
; frame is 22 words, so RSP is 16-byte aligned at the call as the ABI wants.
trap_common:
	push rax
	push rcx
	push rdx
	push rbx
	push rbp
	push rsi
	push rdi
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld
	mov rdi, rsp
	call trap_dispatch
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rdi
	pop rsi
	pop rbp
	pop rbx
	pop rdx
	pop rcx
	pop rax
	add rsp, 16			; vector and error code
	iretq

; void trap_load_gdt(const struct desc_ptr *p)
global trap_load_gdt
trap_load_gdt:
	lgdt [rdi]
	push 0x08
	lea rax, [.reload]
	push rax
	o64 retf
.reload:
	mov eax, 0x10
	mov ds, eax
	mov es, eax
	mov ss, eax
	mov fs, eax
	mov gs, eax
	ret

section .rodata
align 8
TRAP_STUB_TABLE dq
