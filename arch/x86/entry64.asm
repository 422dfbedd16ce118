; SPDX-License-Identifier: MIT
; The core's first 64-bit instructions, reached from plinth.efi (firmware identity map) or from
; the multiboot2 entry (its identity map of 4 GiB). Runs at the image's physical address, so
; everything here is RIP-relative. Builds the boot mapping:
;   PML4[0]   identity 0-4 GiB   (only for the jump below; dropped by paging_init)
;   PML4[256] direct map 0-4 GiB (DIRECT_MAP_BASE; paging_init extends it to all RAM)
;   PML4[511] the image at its link address, with 2 MiB pages
; and calls plinth_entry(loader, info_hpa, mb2_magic, tsc_at_entry, image_hpa) on the boot stack.

%include "layout.inc"

extern __image_start, __image_end
extern plinth_entry

section .bss.pagetables nobits alloc write align=4096
global boot_pml4, boot_pdpt_low, boot_pd_low, boot_pdpt_high, boot_pd_high
boot_pml4:	resb 4096
boot_pdpt_low:	resb 4096
boot_pd_low:	resb 4 * 4096
boot_pdpt_high:	resb 4096
boot_pd_high:	resb 4096

section .bss
align 16
global boot_stack_bottom, boot_stack_top
boot_stack_bottom:
	resb BOOT_STACK_BYTES
boot_stack_top:

section .head.header progbits alloc noexec nowrite align=8
; Read by plinth.efi to place the flat image (boot/efi/core_header.h mirrors this layout).
global core_header
core_header:
	db "PLNTCORE"
	dd 1				; version
	dd core_header_end - core_header
	dq __image_start		; link address of the first byte
	dq entry64			; link address of the 64-bit entry
	dq __file_end			; link address just past the loaded bytes
	dq __image_end			; link address just past .bss (2 MiB aligned)
core_header_end:
extern __file_end

section .head.text
bits 64
global entry64
entry64:
	cli
	cld
	mov r12, rdi			; loader kind
	mov r13, rsi			; boot information, physical
	mov r14, rdx			; multiboot2 magic
	rdtsc
	shl rdx, 32
	or rax, rdx
	mov r15, rax			; TSC at the core's first instruction

	lea rbx, [rel __image_start]	; running identity mapped: this is the physical address
	test ebx, IMAGE_ALIGN - 1
	jnz .misaligned
	mov rax, cr4
	bt rax, 12			; CR4.LA57: a 5-level firmware mapping we cannot leave here
	jc .la57

	lea rdi, [rel boot_pml4]
	lea rax, [rel boot_pdpt_low]
	or rax, 3
	mov [rdi], rax
	mov [rdi + 256 * 8], rax
	lea rax, [rel boot_pdpt_high]
	or rax, 3
	mov [rdi + 511 * 8], rax

	lea rdi, [rel boot_pdpt_low]
	lea rax, [rel boot_pd_low]
	or rax, 3
	mov ecx, 4
.pdpt_low:
	mov [rdi], rax
	add rax, 4096
	add rdi, 8
	dec ecx
	jnz .pdpt_low

	lea rdi, [rel boot_pd_low]
	mov eax, 0x83			; present, writable, 2 MiB page
	mov ecx, 2048
.pd_low:
	mov [rdi], rax
	add rax, 0x200000
	add rdi, 8
	dec ecx
	jnz .pd_low

	lea rdi, [rel boot_pdpt_high]
	lea rax, [rel boot_pd_high]
	or rax, 3
	mov [rdi + ((KERNEL_VMA_BASE >> 30) & 511) * 8], rax

	lea rdi, [rel boot_pd_high]
	add rdi, (IMAGE_LINK_OFFSET >> 21) * 8
	lea rcx, [rel __image_end]
	sub rcx, rbx
	shr rcx, 21			; image size in 2 MiB pages
	lea rax, [rbx + 0x83]
.pd_high:
	mov [rdi], rax
	add rax, 0x200000
	add rdi, 8
	dec rcx
	jnz .pd_high

	lea rax, [rel boot_pml4]
	mov cr3, rax
	mov rax, .high
	jmp rax

.high:
	mov rsp, boot_stack_top
	xor ebp, ebp
	mov edi, r12d
	mov rsi, r13
	mov edx, r14d
	mov rcx, r15
	mov r8, rbx
	call plinth_entry
.hang:
	cli
	hlt
	jmp .hang

.misaligned:
	lea rsi, [rel msg_misaligned]
	jmp early_fail
.la57:
	lea rsi, [rel msg_la57]
	jmp early_fail

; Prints the NUL-terminated string at rsi on COM1 (as firmware left it) and halts.
early_fail:
	mov dx, 0x3fd
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	lodsb
	test al, al
	jz .halt
	mov dx, 0x3f8
	out dx, al
	jmp early_fail
.halt:
	cli
	hlt
	jmp .halt

msg_misaligned:
	db 13, 10, "plinth: the loader placed the core image off a 2 MiB boundary; cannot map it.", 13, 10, 0
msg_la57:
	db 13, 10, "plinth: firmware runs with 5-level paging (CR4.LA57); plinth supports 4-level only.", 13, 10, 0
