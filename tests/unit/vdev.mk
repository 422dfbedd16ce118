# Host unit tests of the guest's port-I/O platform (drivers/vdev/), against the fake VM in
# tests/unit/vdev_fake_host.h.

VDEV_BUS := drivers/vdev/pio_bus.c

UNIT_TESTS += test_pio_bus
test_pio_bus_SRCS := tests/unit/test_pio_bus.c $(VDEV_BUS)

UNIT_TESTS += test_vdev_uart
test_vdev_uart_SRCS := tests/unit/test_vdev_uart.c drivers/vdev/uart.c $(VDEV_BUS)

UNIT_TESTS += test_vdev_fw_cfg
test_vdev_fw_cfg_SRCS := tests/unit/test_vdev_fw_cfg.c drivers/vdev/fw_cfg.c $(VDEV_BUS)

UNIT_TESTS += test_vdev_pit
test_vdev_pit_SRCS := tests/unit/test_vdev_pit.c drivers/vdev/pit.c $(VDEV_BUS)

UNIT_TESTS += test_vdev_cmos
test_vdev_cmos_SRCS := tests/unit/test_vdev_cmos.c drivers/vdev/cmos.c $(VDEV_BUS)

UNIT_TESTS += test_vdev_pic
test_vdev_pic_SRCS := tests/unit/test_vdev_pic.c drivers/vdev/pic.c $(VDEV_BUS)

VDEV_PLATFORM := drivers/vdev/platform.c drivers/vdev/uart.c drivers/vdev/debug_exit.c \
	drivers/vdev/fw_cfg.c drivers/vdev/pci_host.c drivers/vdev/pic.c drivers/vdev/pit.c \
	drivers/vdev/cmos.c drivers/vdev/port_misc.c $(VDEV_BUS)

UNIT_TESTS += test_vdev_platform
test_vdev_platform_SRCS := tests/unit/test_vdev_platform.c $(VDEV_PLATFORM)
