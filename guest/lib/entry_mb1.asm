; SPDX-License-Identifier: MIT
; Multiboot (v1) header and entry for ELF32 guests. The loader enters in 32-bit protected mode,
; paging off, EAX = 0x2badb002, EBX = the physical address of the information structure, and
; no stack. Calls mb_entry_main(magic, info) and exits with its return value.

bits 32

%define MB1_HEADER_MAGIC	0x1badb002
%define MB1_FLAG_PAGE_ALIGN	(1 << 0)	; modules on 4 KiB boundaries
%define MB1_FLAG_MEMORY_INFO	(1 << 1)	; mem_* and mmap_* fields
%define MB1_FLAGS		(MB1_FLAG_PAGE_ALIGN | MB1_FLAG_MEMORY_INFO)
%define STACK_BYTES		16384

extern mb_entry_main, debug_exit, __bss_start, __bss_end
global _start

; Within the first 8 KiB of the file, 4-byte aligned (guest/guest.ld puts it first).
section .multiboot progbits alloc noexec nowrite align=4
	dd MB1_HEADER_MAGIC
	dd MB1_FLAGS
	dd -(MB1_HEADER_MAGIC + MB1_FLAGS)

section .text.entry progbits alloc exec nowrite align=16
_start:
	cli
	cld
	mov ebp, eax			; magic
	mov esi, ebx			; information structure
	mov edi, __bss_start
	mov ecx, __bss_end
	sub ecx, edi
	xor eax, eax
	rep stosb
	mov esp, stack_top
	push esi
	push ebp
	call mb_entry_main
	push eax
	call debug_exit
.hang:
	hlt
	jmp .hang

section .bss nobits alloc noexec write align=16
	resb STACK_BYTES
stack_top:
