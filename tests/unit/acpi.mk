# ACPI table parsing (drivers/acpi.c) against tables built in a fake physical memory; the log goes
# through core/log.c into a console_write the test provides.

UNIT_TESTS += test_acpi
test_acpi_SRCS := tests/unit/test_acpi.c drivers/acpi.c core/log.c core/printf.c core/string.c \
	core/errno.c
