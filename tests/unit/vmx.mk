# The VMX backend's pure parts, against a fake VMCS.
UNIT_TESTS += test_vcpu_regs
test_vcpu_regs_SRCS := tests/unit/test_vcpu_regs.c arch/x86/vmx/vcpu_regs.c

UNIT_TESTS += test_vmx_event
test_vmx_event_SRCS := tests/unit/test_vmx_event.c arch/x86/vmx/vmx_event.c
