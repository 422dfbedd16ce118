/* SPDX-License-Identifier: MIT */
/*
 * A fake VMCS for host tests of the VMX backend: vmx_vmread/vmx_vmwrite on a small table of
 * fields, counting every access; panic() as a cmocka assertion failure. Include once per test.
 */
#ifndef PLINTH_TESTS_UNIT_FAKE_VMCS_H
#define PLINTH_TESTS_UNIT_FAKE_VMCS_H

#define FAKE_FIELDS 64

static struct {
	uint32_t field[FAKE_FIELDS];
	uint64_t value[FAKE_FIELDS];
	unsigned int n;
	unsigned int reads, writes;
	uint32_t last_read, last_write;
} vmcs;

static uint64_t *slot(uint32_t field)
{
	for (unsigned int i = 0; i < vmcs.n; i++)
		if (vmcs.field[i] == field)
			return &vmcs.value[i];
	assert_true(vmcs.n < FAKE_FIELDS);
	vmcs.field[vmcs.n] = field;
	vmcs.value[vmcs.n] = 0;
	return &vmcs.value[vmcs.n++];
}

uint64_t vmx_vmread(uint32_t field);
void vmx_vmwrite(uint32_t field, uint64_t value);
void panic(const char *fmt, ...);

uint64_t vmx_vmread(uint32_t field)
{
	vmcs.reads++;
	vmcs.last_read = field;
	return *slot(field);
}

void vmx_vmwrite(uint32_t field, uint64_t value)
{
	vmcs.writes++;
	vmcs.last_write = field;
	*slot(field) = value;
}

void panic(const char *fmt, ...)
{
	mock_assert(0, fmt, __FILE__, __LINE__);
	abort();
}

#endif
