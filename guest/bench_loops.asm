; SPDX-License-Identifier: MIT
; bench's loops: void bench_loop_X(uint64_t n) runs one round trip n times. Every loop has the
; same dec/jnz tail as bench_loop_empty, which bench subtracts; the instruction that loads a
; call number or leaf stays in the figure.

bits 64

%define UNCLAIMED_PORT	0x1234
%define TESTDEV_MMIO	0xff000000	; pc-testdev's MMIO RAM (docs/platform.md)

section .text

global bench_loop_empty, bench_loop_cpuid, bench_loop_vmcall_nop, bench_loop_out_80
global bench_loop_in_unclaimed, bench_loop_mmio_store, bench_loop_mmio_load

bench_loop_empty:
.next:
	dec rdi
	jnz .next
	ret

bench_loop_cpuid:
	push rbx
.next:
	mov eax, 0x40000000
	cpuid
	dec rdi
	jnz .next
	pop rbx
	ret

bench_loop_vmcall_nop:
	push rbx
.next:
	xor eax, eax			; PLINTH_HC_NOP
	vmcall
	dec rdi
	jnz .next
	pop rbx
	ret

bench_loop_out_80:
.next:
	out 0x80, al
	dec rdi
	jnz .next
	ret

bench_loop_in_unclaimed:
	mov edx, UNCLAIMED_PORT
.next:
	in al, dx
	dec rdi
	jnz .next
	ret

bench_loop_mmio_store:
	mov esi, TESTDEV_MMIO
.next:
	mov dword [rsi], 0x5a5a5a5a
	dec rdi
	jnz .next
	ret

bench_loop_mmio_load:
	mov esi, TESTDEV_MMIO
.next:
	mov eax, [rsi]
	dec rdi
	jnz .next
	ret

; The child of the control-guest rows (copied into a child VM, position independent): RDI
; round trips of out 0x80, each an IO exit that the control guest serves, then HLT.
section .rodata
global bench_child, bench_child_end
bench_child:
.next:
	out 0x80, al
	dec rdi
	jnz .next
	hlt
	jmp bench_child
bench_child_end:
