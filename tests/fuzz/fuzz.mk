# libFuzzer harnesses: FUZZERS names each, <name>_SRCS lists the harness first, then the code
# under test. `make fuzz` runs each for FUZZ_SECONDS; `make test` runs a short, seeded run.
