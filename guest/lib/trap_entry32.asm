; SPDX-License-Identifier: MIT
; 32-bit exception stubs: each pushes a zero error code where the CPU pushes none, then its
; vector; trap_common saves the GPRs with PUSHAD as struct trap_frame (lib/trap.h) and calls
; trap_dispatch.

bits 32

extern trap_dispatch

; Vectors for which the CPU pushes an error code (SDM Vol. 3A, Table 6-1): 8, 10-14, 17, 21,
; 29 and 30, one bit each.
%define ERROR_CODE_VECTORS	0x60227d00
%define HAS_ERROR_CODE(v)	((ERROR_CODE_VECTORS >> (v)) & 1)

section .text

%assign v 0
%rep 32
trap_stub_ %+ v:
%if !HAS_ERROR_CODE(v)
	push 0
%endif
	push v
	jmp trap_common
%assign v v + 1
%endrep

trap_common:
	pushad
	cld
	mov eax, esp
	push eax
	call trap_dispatch
	add esp, 4
	popad
	add esp, 8			; vector and error code
	iretd

; void trap_load_gdt(const struct desc_ptr *p)
global trap_load_gdt
trap_load_gdt:
	mov eax, [esp + 4]
	lgdt [eax]
	jmp 0x08:.reload
.reload:
	mov eax, 0x10
	mov ds, eax
	mov es, eax
	mov ss, eax
	mov fs, eax
	mov gs, eax
	ret

section .rodata
align 4
global trap_stubs
trap_stubs:
%assign v 0
%rep 32
	dd trap_stub_ %+ v
%assign v v + 1
%endrep
