; SPDX-License-Identifier: MIT
; One stub per vector: pushes a dummy error code where the CPU pushes none, then the vector,
; saves the GPRs in struct exc_frame order (arch/x86/exception.h) and calls exception_dispatch.

extern exception_dispatch

section .text
bits 64

; Vectors for which the CPU pushes an error code (SDM 6.13).
%define ERRCODE_MASK ((1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 14) | (1 << 17) | (1 << 21) | (1 << 29) | (1 << 30))

%macro VECTOR_STUB 1
align 16
vector_stub_%1:
%if %1 < 32 && ((ERRCODE_MASK >> %1) & 1)
%else
	push 0
%endif
	push %1
	jmp exception_common
%endmacro

%assign v 0
%rep 256
VECTOR_STUB v
%assign v v + 1
%endrep

exception_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	mov rdi, rsp
	cld
	call exception_dispatch
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16			; vector, error code
	iretq

section .rodata
align 8
global vector_stubs
vector_stubs:
%assign v 0
%rep 256
	dq vector_stub_%+v
%assign v v + 1
%endrep
