# libFuzzer harness for the guest's port-I/O platform (drivers/vdev/), same syntax as fuzz.mk.

FUZZERS += fuzz_vdev
fuzz_vdev_SRCS := tests/fuzz/fuzz_vdev.c drivers/vdev/platform.c drivers/vdev/uart.c \
	drivers/vdev/debug_exit.c drivers/vdev/fw_cfg.c drivers/vdev/pci_host.c drivers/vdev/pic.c \
	drivers/vdev/pit.c drivers/vdev/cmos.c drivers/vdev/port_misc.c drivers/vdev/pio_bus.c
