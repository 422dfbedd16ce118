# Guest RAM and the guest loaders (flat, multiboot, multiboot2).

UNIT_TESTS += test_guest_mem
test_guest_mem_SRCS := tests/unit/test_guest_mem.c core/guest_mem.c

UNIT_TESTS += test_loader
test_loader_SRCS := tests/unit/test_loader.c core/loader.c core/loader_elf.c core/loader_flat.c \
	core/loader_multiboot.c core/loader_multiboot2.c core/guest_mem.c core/printf.c core/string.c
