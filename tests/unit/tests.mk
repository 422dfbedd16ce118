# Host unit tests (every tests/unit/*.mk is read): one binary per tested file. Add a test by naming it in UNIT_TESTS and listing
# its sources in <name>_SRCS (the test file first). Built with ASan and UBSan against cmocka.

UNIT_TESTS += test_printf
test_printf_SRCS := tests/unit/test_printf.c core/printf.c

UNIT_TESTS += test_memmap
test_memmap_SRCS := tests/unit/test_memmap.c core/memmap.c

UNIT_TESTS += test_palloc
test_palloc_SRCS := tests/unit/test_palloc.c core/palloc.c

UNIT_TESTS += test_heap
test_heap_SRCS := tests/unit/test_heap.c core/heap.c

UNIT_TESTS += test_config
test_config_SRCS := tests/unit/test_config.c core/config.c core/printf.c core/log_level.c core/string.c

UNIT_TESTS += test_mb2_parse
test_mb2_parse_SRCS := tests/unit/test_mb2_parse.c boot/multiboot2/mb2_parse.c boot/efi_memtype.c core/printf.c core/string.c

UNIT_TESTS += test_vmx_caps
test_vmx_caps_SRCS := tests/unit/test_vmx_caps.c arch/x86/vmx/vmx_caps.c core/printf.c core/string.c

UNIT_TESTS += test_emulate_decode
test_emulate_decode_SRCS := tests/unit/test_emulate_decode.c emulate/decode.c emulate/alu.c emulate/mem.c emulate/exec.c emulate/emulate.c
test_emulate_decode_LDLIBS := -lZydis

UNIT_TESTS += test_emulate
test_emulate_SRCS := tests/unit/test_emulate.c emulate/decode.c emulate/alu.c emulate/mem.c emulate/exec.c emulate/emulate.c
test_emulate_LDLIBS := -lZydis

UNIT_TESTS += test_boot
test_boot_SRCS := tests/unit/test_boot.c boot/boot.c boot/multiboot2/mb2_parse.c boot/efi_memtype.c core/printf.c core/string.c

UNIT_TESTS += test_vmx_names
test_vmx_names_SRCS := tests/unit/test_vmx_names.c arch/x86/vmx/vmx_names.c

UNIT_TESTS += test_emulate_paging
test_emulate_paging_SRCS := tests/unit/test_emulate_paging.c emulate/paging.c

UNIT_TESTS += test_handle
test_handle_SRCS := tests/unit/test_handle.c core/handle.c

UNIT_TESTS += test_partition
test_partition_SRCS := tests/unit/test_partition.c core/partition.c core/config.c core/printf.c core/log_level.c core/string.c
