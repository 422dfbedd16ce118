# KVM_GET/SET_REGS, _SREGS, _VCPU_EVENTS and ONE_REG on the register cache, against a fake VMCS;
# guest RAM (the PDPTEs of PAE paging) in host memory.
UNIT_TESTS += test_vcpu_state
test_vcpu_state_SRCS := tests/unit/test_vcpu_state.c arch/x86/vmx/vcpu_state.c arch/x86/vmx/vcpu_regs.c arch/x86/vmx/vmx_cr.c \
	core/guest_mem.c
