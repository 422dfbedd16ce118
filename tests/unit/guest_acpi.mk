# The guest's ACPI tables (drivers/vdev/guest_acpi.c), checked by plinth's own parser
# (drivers/acpi.c) reading them where the guest would; its log goes into the test's console_write.

UNIT_TESTS += test_guest_acpi
test_guest_acpi_SRCS := tests/unit/test_guest_acpi.c drivers/vdev/guest_acpi.c drivers/acpi.c \
	core/log.c core/printf.c core/string.c core/errno.c
