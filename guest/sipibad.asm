; SPDX-License-Identifier: MIT
; A 16-bit flat guest with 64 KiB of RAM and two vCPUs (scenario smp-hostile) that starts its
; second vCPU with a start-up IPI whose vector points past its RAM (0x20: GPA 0x20000). plinth
; must stop the guest, not run the AP from memory that is not the guest's. x2APIC MSRs work in
; real mode, so no mode switch is needed.

bits 16
org 0x1000

%define COM1		0x3f8
%define MSR_APIC_BASE	0x1b
%define MSR_X2APIC_ICR	0x830

start:
	cli
	xor ax, ax
	mov ds, ax
	mov si, msg
.print:
	lodsb
	test al, al
	jz .printed
	mov dx, COM1
	out dx, al
	jmp .print
.printed:
	mov ecx, MSR_APIC_BASE
	rdmsr
	or eax, (1 << 11) | (1 << 10)	; EN, EXTD: x2APIC mode
	wrmsr
	mov ecx, MSR_X2APIC_ICR
	mov edx, 1			; APIC id 1
	mov eax, 0x4500			; INIT, assert
	wrmsr
	mov eax, 0x4620			; start-up, vector 0x20
	wrmsr
.spin:
	pause
	jmp .spin

msg:	db "sipibad: start-up IPI with vector 0x20 (GPA 0x20000, past 64 KiB of RAM)", 10, 0
