; SPDX-License-Identifier: MIT
; The smp guest's assembly: where its APs start (copied below 1 MiB, entered in real mode by a
; start-up IPI), and the stubs of its interrupt vectors.

bits 16
default rel

extern smp_ap_main, smp_irq

%define SEL_CODE32	0x08
%define SEL_DATA	0x10
%define SEL_CODE64	0x18
%define AP_STACK_BYTES	8192
%define MAX_APS		7

section .rodata
align 16
global smp_trampoline, smp_trampoline_end, smp_trampoline_params
; Position independent below lm64: it finds its page from CS, as on real hardware.
smp_trampoline:
	cli
	cld
	mov ax, cs
	mov ds, ax
	movzx ebx, ax
	shl ebx, 4			; EBX: the page's address, kept to the end
	lea eax, [ebx + gdt - smp_trampoline]
	mov [gdtr - smp_trampoline + 2], eax
	lea eax, [ebx + pm32 - smp_trampoline]
	mov [far32 - smp_trampoline], eax
	lgdt [gdtr - smp_trampoline]
	mov eax, cr0
	or al, 1			; PE
	mov cr0, eax
	o32 jmp far [far32 - smp_trampoline]

bits 32
pm32:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, 1 << 5			; PAE
	mov cr4, eax
	mov eax, [ebx + params_cr3 - smp_trampoline]
	mov cr3, eax
	mov ecx, 0xc0000080		; EFER
	rdmsr
	or eax, 1 << 8			; LME
	wrmsr
	mov eax, cr0
	or eax, 1 << 31			; PG
	mov cr0, eax
	lea eax, [ebx + lm64 - smp_trampoline]
	mov [ebx + far64 - smp_trampoline], eax
	jmp far [ebx + far64 - smp_trampoline]

bits 64
lm64:
	mov rax, [rbx + params_entry - smp_trampoline]
	jmp rax

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
align 8
smp_trampoline_params:
params_cr3:
	dq 0				; the BSP's CR3
params_entry:
	dq 0				; smp_ap_entry
smp_trampoline_end:

section .text
bits 64
; Each AP takes the next stack, then C (never returns).
global smp_ap_entry
smp_ap_entry:
	mov eax, 1
	lock xadd [ap_next], eax	; 0 for the first AP
	cmp eax, MAX_APS
	jae .hang
	mov ecx, eax
	inc ecx
	imul ecx, AP_STACK_BYTES
	lea rsp, [ap_stacks]
	add rsp, rcx
	xor ebp, ebp
	call smp_ap_main
.hang:
	cli
	hlt
	jmp .hang

; Interrupt stubs: smp_irq(vector) with every caller-saved register kept.
%macro IRQ_STUB 1
global smp_irq_%1
smp_irq_%1:
	push rax
	push rcx
	push rdx
	push rsi
	push rdi
	push r8
	push r9
	push r10
	push r11
	mov edi, %1
	call smp_irq
	pop r11
	pop r10
	pop r9
	pop r8
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rax
	iretq
%endmacro

IRQ_STUB 0x41
IRQ_STUB 0x42
IRQ_STUB 0x50
IRQ_STUB 0x51
IRQ_STUB 0x52
IRQ_STUB 0x53
IRQ_STUB 0x54
IRQ_STUB 0x55
IRQ_STUB 0x56
IRQ_STUB 0x57

section .rodata
align 8
global smp_ipi_stubs
smp_ipi_stubs:
	dq smp_irq_0x50
	dq smp_irq_0x51
	dq smp_irq_0x52
	dq smp_irq_0x53
	dq smp_irq_0x54
	dq smp_irq_0x55
	dq smp_irq_0x56
	dq smp_irq_0x57

section .bss nobits alloc noexec write align=16
ap_next:
	resd 1
alignb 16
ap_stacks:
	resb AP_STACK_BYTES * MAX_APS
