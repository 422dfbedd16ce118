; SPDX-License-Identifier: MIT
; 32-bit exception stubs (lib/trap_stubs.inc) and their trap_common, which saves the GPRs with
; PUSHAD as struct trap_frame (lib/trap.h) and calls trap_dispatch.

bits 32

extern trap_dispatch

%include "guest/lib/trap_stubs.inc"

section .text

TRAP_STUBS

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
TRAP_STUB_TABLE dd
