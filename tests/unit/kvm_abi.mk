# The hypercall ABI's shared structures against <linux/kvm.h>.
UNIT_TESTS += test_kvm_abi
test_kvm_abi_SRCS := tests/unit/test_kvm_abi.c
