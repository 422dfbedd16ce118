; SPDX-License-Identifier: MIT
; storm's faulting instructions, one per function. Each sets storm_resume_ip to the address
; after its instruction; storm's #UD/#GP handler resumes there and clears it. A probe whose
; instruction did not fault returns with storm_resume_ip still set.

bits 64
default rel

%define MSR_NO_CPU_HAS	0x12345678

section .text

global storm_vmxon, storm_rdmsr, storm_wrmsr, storm_ud2, storm_resume_ip

storm_vmxon:
	lea rax, [.resume]
	mov [storm_resume_ip], rax
	vmxon [vmxon_region_gpa]
.resume:
	ret

storm_rdmsr:
	lea rax, [.resume]
	mov [storm_resume_ip], rax
	mov ecx, MSR_NO_CPU_HAS
	rdmsr
.resume:
	ret

storm_wrmsr:
	lea rax, [.resume]
	mov [storm_resume_ip], rax
	mov ecx, MSR_NO_CPU_HAS
	xor eax, eax
	xor edx, edx
	wrmsr
.resume:
	ret

storm_ud2:
	lea rax, [.resume]
	mov [storm_resume_ip], rax
	ud2
.resume:
	ret

section .bss
align 8
storm_resume_ip:	resq 1
vmxon_region_gpa:	resq 1		; VMXON's operand: never used, it raises #UD first
