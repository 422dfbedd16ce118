; SPDX-License-Identifier: MIT
; Multiboot2 header and entry for ELF64 guests. The loader enters the ELF entry point in 32-bit
; protected mode, paging off, EAX = 0x36d76289, EBX = the physical address of the information
; structure, no stack. This stub switches to long mode on its own identity map of the first
; 4 GiB (2 MiB pages, tables in .bss), then calls mb_entry_main(magic, info) and exits with its
; return value.

%define MB2_HEADER_MAGIC	0xe85250d6
%define MB2_ARCH_I386		0
%define MB2_TAG_END		0
%define MB2_TAG_INFO_REQUEST	1
%define MB2_TAG_MODULE_ALIGN	6
%define STACK_BYTES		16384
%define MSR_EFER		0xc0000080
%define EFER_LME		(1 << 8)
%define CR4_PAE			(1 << 5)
%define CR0_PE_PG		0x80000001
%define PTE_PRESENT_WRITABLE	0x003
%define PDE_LARGE		0x083		; present, writable, 2 MiB page

extern mb_entry_main, debug_exit, __bss_start, __bss_end
global _start

; Within the first 32 KiB of the file, 8-byte aligned (guest/guest.ld puts it first).
section .multiboot progbits alloc noexec nowrite align=8
mb2_header:
	dd MB2_HEADER_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

	align 8
.info_request:				; required: refuse to boot us without these
	dw MB2_TAG_INFO_REQUEST, 0
	dd .info_request_end - .info_request
	dd 1, 2, 3, 4, 6		; cmdline, boot loader name, modules, basic meminfo, mmap
.info_request_end:

	align 8
	dw MB2_TAG_MODULE_ALIGN, 0	; modules on page boundaries
	dd 8

	align 8
	dw MB2_TAG_END, 0
	dd 8
mb2_header_end:

section .text.entry progbits alloc exec nowrite align=16
bits 32
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

	mov eax, pdpt
	or eax, PTE_PRESENT_WRITABLE
	mov [pml4], eax
	xor ecx, ecx
.pdpt:					; 4 PDPT entries, one per GiB
	mov eax, ecx
	shl eax, 12
	add eax, pd
	or eax, PTE_PRESENT_WRITABLE
	mov [pdpt + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .pdpt
	xor ecx, ecx
.pd:					; 2048 PD entries, one per 2 MiB
	mov eax, ecx
	shl eax, 21
	or eax, PDE_LARGE
	mov [pd + ecx * 8], eax
	inc ecx
	cmp ecx, 2048
	jb .pd

	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, pml4
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	wrmsr
	mov eax, cr0
	or eax, CR0_PE_PG
	mov cr0, eax			; long mode is active from here (compatibility mode)
	lgdt [gdt_ptr]
	jmp 0x08:long_mode

bits 64
long_mode:
	mov eax, 0x10
	mov ds, eax
	mov es, eax
	mov ss, eax
	mov fs, eax
	mov gs, eax
	lea rsp, [rel stack_top]
	mov edi, ebp
	mov esi, esi			; zero-extends the information structure's address
	call mb_entry_main
	mov edi, eax
	call debug_exit
.hang:
	hlt
	jmp .hang

section .rodata
align 16
gdt:
	dq 0
	dq 0x00af9b000000ffff		; 0x08: code, 64-bit
	dq 0x00cf93000000ffff		; 0x10: data
gdt_end:
gdt_ptr:
	dw gdt_end - gdt - 1
	dd gdt

section .bss nobits alloc noexec write align=4096
pml4:	resb 4096
pdpt:	resb 4096
pd:	resb 4 * 4096
	resb STACK_BYTES
stack_top:
