# The CPUID policy and XSETBV rules; the snapshot code runs for real on the test host (CPUID works
# in user space).
UNIT_TESTS += test_cpuid_policy
test_cpuid_policy_SRCS := tests/unit/test_cpuid_policy.c arch/x86/cpuid_policy.c arch/x86/cpuid_snapshot.c
