# Guest loaders on arbitrary images (input layout: tests/fuzz/fuzz_loader_input.h).

FUZZERS += fuzz_loader
fuzz_loader_SRCS := tests/fuzz/fuzz_loader.c core/loader.c core/loader_elf.c core/loader_flat.c \
	core/loader_multiboot.c core/loader_multiboot2.c core/guest_mem.c core/printf.c core/string.c
