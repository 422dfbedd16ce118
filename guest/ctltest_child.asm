; SPDX-License-Identifier: MIT
; Child programs of the ctltest control guest (64-bit, position independent, copied to the
; child's GPA 0x100000 and entered there in long mode).

bits 64
default rel

section .rodata
global sysregs_child, sysregs_child_end, mmio_child, mmio_child_end, spin_child, spin_child_end

; For each deferred MSR: report its value through OUT 0x500 (low) and 0x504 (high), then write
; value + R8; then four CPUIDs (served by plinth) and HLT, and again.
sysregs_child:
	lea rsi, [rel .msrs]
	mov r9d, 6
.next:
	mov ecx, [rsi]
	rdmsr
	mov r10d, eax
	mov r11d, edx
	mov dx, 0x500
	out dx, eax
	mov eax, r11d
	mov dx, 0x504
	out dx, eax
	shl r11, 32
	or r10, r11
	add r10, r8
	mov ecx, [rsi]
	mov eax, r10d
	mov rdx, r10
	shr rdx, 32
	wrmsr
	add rsi, 4
	dec r9d
	jnz .next
	mov r9d, 4		; exits that plinth handles itself: no load, no MSR write
.cpuid:
	xor eax, eax
	cpuid
	dec r9d
	jnz .cpuid
	hlt
	jmp sysregs_child
.msrs:	dd 0xc0000102, 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, 0xc0000103
sysregs_child_end:

; A load from and two stores to GPA 0x30000000 (no RAM there: the control guest's MMIO).
mmio_child:
	mov eax, [abs 0x30000000]
	mov [abs 0x30000010], eax
	add eax, 1
	mov word [abs 0x30000020], ax
	hlt
mmio_child_end:

; Counts in RAX forever without an exit: only plinth's time slice takes the CPU back.
spin_child:
	inc rax
	jmp spin_child
spin_child_end:
