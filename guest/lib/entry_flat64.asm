; SPDX-License-Identifier: MIT
; Entry of flat 64-bit guests. plinth jumps to the load address in long mode on its identity
; map of the first 4 GiB, with flat segments and no stack: clear .bss, take the stack in .bss,
; run main() and end the guest with its return value through isa-debug-exit.

bits 64
default rel

extern main, debug_exit, __bss_start, __bss_end
global _start

%define STACK_BYTES 16384

section .text.entry progbits alloc exec nowrite align=16
_start:
	cli
	cld
	lea rdi, [__bss_start]
	lea rcx, [__bss_end]
	sub rcx, rdi
	xor eax, eax
	rep stosb
	lea rsp, [stack_top]
	call main
	mov edi, eax
	call debug_exit
.hang:
	hlt
	jmp .hang

section .bss nobits alloc noexec write align=16
	resb STACK_BYTES
stack_top:
