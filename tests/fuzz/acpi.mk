# libFuzzer harness for the ACPI table parser (drivers/acpi.c), same syntax as fuzz.mk; the input
# layout is described at the top of tests/fuzz/fuzz_acpi.c.

FUZZERS += fuzz_acpi
fuzz_acpi_SRCS := tests/fuzz/fuzz_acpi.c drivers/acpi.c core/log.c core/printf.c core/string.c \
	core/errno.c
