; SPDX-License-Identifier: MIT
; The vmm guest's child image: the hello guest, built beside it (guest/guests.mk).

section .rodata
global child_image, child_image_end
align 16
child_image:
	incbin "hello.bin"
child_image_end:
