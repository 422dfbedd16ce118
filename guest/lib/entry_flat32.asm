; SPDX-License-Identifier: MIT
; Entry of flat 32-bit guests. plinth jumps to the load address in 32-bit protected mode,
; paging off, flat segments, no stack: clear .bss, take the stack in .bss, run main() and end
; the guest with its return value through isa-debug-exit.

bits 32

extern main, debug_exit, __bss_start, __bss_end
global _start

%define STACK_BYTES 16384

section .text.entry progbits alloc exec nowrite align=16
_start:
	cli
	cld
	mov edi, __bss_start
	mov ecx, __bss_end
	sub ecx, edi
	xor eax, eax
	rep stosb
	mov esp, stack_top
	call main
	push eax
	call debug_exit
.hang:
	hlt
	jmp .hang

section .bss nobits alloc noexec write align=16
	resb STACK_BYTES
stack_top:
