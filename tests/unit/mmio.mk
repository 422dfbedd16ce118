# The MMIO side of the platform.
UNIT_TESTS += test_mmio_bus
test_mmio_bus_SRCS := tests/unit/test_mmio_bus.c drivers/vdev/mmio_bus.c drivers/vdev/pc_testdev.c drivers/vdev/pio_bus.c
