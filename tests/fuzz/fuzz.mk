# libFuzzer harnesses: FUZZERS names each, <name>_SRCS lists the harness first, then the code
# under test. `make fuzz` runs each for FUZZ_SECONDS; `make test` runs a short, seeded run.

FUZZERS += fuzz_config
fuzz_config_SRCS := tests/fuzz/fuzz_config.c core/config.c core/printf.c core/log_level.c core/string.c

FUZZERS += fuzz_mb2_parse
fuzz_mb2_parse_SRCS := tests/fuzz/fuzz_mb2_parse.c boot/multiboot2/mb2_parse.c boot/efi_memtype.c \
	core/printf.c core/string.c

FUZZERS += fuzz_memmap
fuzz_memmap_SRCS := tests/fuzz/fuzz_memmap.c core/memmap.c

FUZZERS += fuzz_emulate
fuzz_emulate_SRCS := tests/fuzz/fuzz_emulate.c emulate/decode.c emulate/alu.c emulate/mem.c emulate/exec.c emulate/emulate.c
