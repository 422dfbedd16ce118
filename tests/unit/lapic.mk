# The guest's local APIC model (drivers/vdev/lapic.c): pure, so it needs no fake VM.
UNIT_TESTS += test_vdev_lapic
test_vdev_lapic_SRCS := tests/unit/test_vdev_lapic.c drivers/vdev/lapic.c
