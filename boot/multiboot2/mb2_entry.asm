; SPDX-License-Identifier: MIT
; The multiboot2 front door: the header GRUB looks for, and the 32-bit entry that gets the CPU
; into long mode on an identity map of the first 4 GiB and jumps to entry64 (arch/x86/entry64.asm).
; GRUB finds the entry through e_entry, translating it by the segment's p_vaddr -> p_paddr.
; GRUB loads the image at its link-time physical address (linker.ld LOAD_HPA), so the physical
; symbols (*_hpa) defined by linker.ld are valid here.

%define MB2_HEADER_MAGIC	0xe85250d6
%define MB2_ARCH_I386		0
%define MB2_TAG_END		0
%define MB2_TAG_INFO_REQUEST	1
%define MB2_TAG_MODULE_ALIGN	6
%define MB2_TAG_OPTIONAL	1
%define BOOT_LOADER_MULTIBOOT2	2

extern mb2_entry64_hpa, boot_gdt_ptr_hpa, boot_pml4_hpa, boot_pdpt_low_hpa, boot_pd_low_hpa
extern entry64

section .head.mb2 progbits alloc noexec nowrite align=8
mb2_header:
	dd MB2_HEADER_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_HEADER_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))

	align 8
.info_request:				; ask for what struct boot_info carries; optional
	dw MB2_TAG_INFO_REQUEST, MB2_TAG_OPTIONAL
	dd .info_request_end - .info_request
	dd 1, 3, 6, 8, 14, 15, 17	; cmdline, modules, mmap, framebuffer, ACPI old/new, EFI mmap
.info_request_end:

	align 8
.module_align:				; modules on page boundaries, so they can be reserved whole
	dw MB2_TAG_MODULE_ALIGN, 0
	dd 8

	align 8
	dw MB2_TAG_END, 0
	dd 8
mb2_header_end:

section .head.text progbits alloc exec nowrite align=16
bits 32
global mb2_entry
mb2_entry:
	cli
	cld
	mov edi, eax			; multiboot2 magic
	mov esi, ebx			; physical address of the information structure

	mov eax, 0x80000000		; long mode (CPUID.80000001H:EDX.LM[29])?
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	bt edx, 29
	jnc .no_long_mode

	; Identity map of the first 4 GiB with 2 MiB pages: enough to reach entry64, which builds
	; the real boot mapping. The same tables are reused (rewritten, never cleared) there.
	mov eax, boot_pdpt_low_hpa
	or eax, 3
	mov [boot_pml4_hpa], eax
	xor ecx, ecx
.pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, boot_pd_low_hpa
	or eax, 3
	mov [boot_pdpt_low_hpa + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .pdpt
	xor ecx, ecx
.pd:
	mov eax, ecx
	shl eax, 21
	or eax, 0x83			; present, writable, 2 MiB page
	mov edx, ecx
	shr edx, 11			; bits 32+ of ecx * 2 MiB
	mov [boot_pd_low_hpa + ecx * 8], eax
	mov [boot_pd_low_hpa + ecx * 8 + 4], edx
	inc ecx
	cmp ecx, 2048
	jb .pd

	mov eax, cr4
	or eax, 1 << 5			; PAE
	mov cr4, eax
	mov eax, boot_pml4_hpa
	mov cr3, eax
	mov ecx, 0xc0000080		; IA32_EFER.LME
	rdmsr
	or eax, 1 << 8
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | 1		; PG, PE
	mov cr0, eax
	lgdt [boot_gdt_ptr_hpa]
	jmp 0x08:mb2_entry64_hpa

.no_long_mode:
	call .here
.here:
	pop ebx
	lea esi, [ebx + (.msg_no_lm - .here)]
.putc:
	mov dx, 0x3fd			; COM1 line status: wait for an empty transmitter
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	mov al, [esi]
	test al, al
	jz .halt
	mov dx, 0x3f8
	out dx, al
	inc esi
	jmp .putc
.halt:
	cli
	hlt
	jmp .halt
.msg_no_lm:
	db 13, 10, "plinth: this CPU has no 64-bit long mode; plinth needs an x86-64 CPU with VT-x.", 13, 10, 0

bits 64
global mb2_entry64
mb2_entry64:
	mov eax, 0x10
	mov ds, eax
	mov es, eax
	mov ss, eax
	xor eax, eax
	mov fs, eax
	mov gs, eax
	mov edx, edi			; 32-bit moves clear the upper halves, which are undefined
	mov esi, esi			; after the switch from 32-bit mode
	mov edi, BOOT_LOADER_MULTIBOOT2
	jmp entry64

; The GDT for the switch to long mode only; the core loads its own (with a TSS) right away.
section .head.text
align 16
global boot_gdt, boot_gdt_ptr
boot_gdt:
	dq 0
	dq 0x00af9a000000ffff		; 0x08: 64-bit code
	dq 0x00cf92000000ffff		; 0x10: data
boot_gdt_end:
boot_gdt_ptr:
	dw boot_gdt_end - boot_gdt - 1
	dd boot_gdt_hpa
extern boot_gdt_hpa
