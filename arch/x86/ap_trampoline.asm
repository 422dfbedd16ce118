; SPDX-License-Identifier: MIT
; Where an application processor starts (SDM Vol. 3A 8.4.4): the start-up IPI puts it in real
; mode at CS = page << 8, IP = 0 of a page below 1 MiB into which smp.c copied this blob and
; filled the parameters at its end. It goes to protected mode, turns on long mode with the
; trampoline's page tables (a PML4 below 4 GiB: the AP loads CR3 in 32-bit mode) that map the
; page itself at its physical address and plinth above, jumps to ap_entry64 in the image, which
; loads plinth's own CR3 and calls ap_main. Everything below the image is position independent:
; it finds its own address from CS.


extern ap_main

; Offsets in the page (smp.c's struct trampoline_params mirrors them).
%define TP_PARAMS	0xf00
%define TP_CR3_LOW	(TP_PARAMS + 0x00)	; trampoline PML4, below 4 GiB
%define TP_CR3		(TP_PARAMS + 0x08)	; plinth's PML4
%define TP_ENTRY	(TP_PARAMS + 0x10)	; ap_entry64
%define TP_STACK	(TP_PARAMS + 0x18)	; the AP's stack top
%define TP_ARG		(TP_PARAMS + 0x20)	; ap_main's argument: its per-CPU area
%define TP_EFER		(TP_PARAMS + 0x28)	; EFER bits to set besides LME (NXE)

%define SEL_CODE32	0x08
%define SEL_DATA	0x10
%define SEL_CODE64	0x18

section .rodata
align 16
global ap_trampoline, ap_trampoline_end
ap_trampoline:
bits 16
	cli
	cld
	mov ax, cs
	mov ds, ax
	movzx ebx, ax
	shl ebx, 4			; EBX: the page's physical address, kept to the end
	lea eax, [ebx + gdt - ap_trampoline]
	mov [gdtr - ap_trampoline + 2], eax
	lea eax, [ebx + pm32 - ap_trampoline]
	mov [far32 - ap_trampoline], eax
	lgdt [gdtr - ap_trampoline]
	mov eax, cr0
	or al, 1			; PE
	mov cr0, eax
	o32 jmp far [far32 - ap_trampoline]

bits 32
pm32:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, 1 << 5			; PAE
	mov cr4, eax
	mov eax, [ebx + TP_CR3_LOW]
	mov cr3, eax
	mov ecx, 0xc0000080		; EFER
	rdmsr
	or eax, 1 << 8			; LME
	or eax, [ebx + TP_EFER]
	wrmsr
	mov eax, cr0
	and eax, ~((1 << 30) | (1 << 29))	; caches on: CD, NW clear
	or eax, (1 << 31) | (1 << 16)	; PG, WP
	mov cr0, eax
	lea eax, [ebx + lm64 - ap_trampoline]
	mov [ebx + far64 - ap_trampoline], eax
	jmp far [ebx + far64 - ap_trampoline]

bits 64
lm64:
	mov rsp, [rbx + TP_STACK]
	mov rdi, [rbx + TP_ARG]
	mov rsi, [rbx + TP_CR3]
	jmp [rbx + TP_ENTRY]

align 8
gdt:
	dq 0
	dq 0x00cf9a000000ffff		; 0x08: 32-bit code, 4 GiB
	dq 0x00cf92000000ffff		; 0x10: data, 4 GiB
	dq 0x00af9a000000ffff		; 0x18: 64-bit code
gdt_end:
gdtr:
	dw gdt_end - gdt - 1
	dd 0				; filled in: the page + gdt
far32:
	dd 0				; filled in: the page + pm32
	dw SEL_CODE32
far64:
	dd 0				; filled in: the page + lm64
	dw SEL_CODE64
ap_trampoline_end:

; The AP in plinth's image: on its own page tables and stack, then C (never returns).
section .text
bits 64
global ap_entry64
ap_entry64:
	mov cr3, rsi
	xor ebp, ebp
	call ap_main
.hang:
	cli
	hlt
	jmp .hang
