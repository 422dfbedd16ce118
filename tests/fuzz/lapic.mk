# libFuzzer harness for the guest's local APIC model (drivers/vdev/lapic.c), same syntax as
# fuzz.mk; the input layout is described at the top of tests/fuzz/fuzz_lapic.c.

FUZZERS += fuzz_lapic
fuzz_lapic_SRCS := tests/fuzz/fuzz_lapic.c drivers/vdev/lapic.c
