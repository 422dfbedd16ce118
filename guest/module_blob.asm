; SPDX-License-Identifier: MIT
; The bytes the multiboot guests expect in their module: the same file the scenario loads.

section .rodata
global mb_module_expected, mb_module_expected_end
mb_module_expected:
	incbin "guest/data/module.txt"
mb_module_expected_end:
