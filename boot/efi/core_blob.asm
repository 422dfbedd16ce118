; SPDX-License-Identifier: MIT
; The core image, carried inside plinth.efi as a flat binary (build/plinth.bin).
section .data
align 4096
global core_blob:data hidden, core_blob_end:data hidden
core_blob:
	incbin CORE_BIN
core_blob_end:

section .note.GNU-stack noalloc noexec nowrite progbits
