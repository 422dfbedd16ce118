// SPDX-License-Identifier: MIT
/*
 * Hypercall dispatch (docs/hypercalls.md). Every argument is the guest's and is checked before
 * use; a call either does all it says or nothing, and answers with a negated Linux errno.
 */
#include "core/hypercall.h"
#include "core/control.h"
#include "core/errno.h"
#include "core/guest_mem.h"
#include "core/vm.h"
#include "guest/include/plinth/hypercall.h"

static bool is_control(const struct vm *vm)
{
	return vm->cfg && vm->cfg->control;
}

static int64_t check_extension(struct vcpu *caller, uint64_t cap)
{
	const struct vm *vm = caller->vm;

	switch (cap) {
	case PLINTH_CAP_NR_MEMSLOTS:
		return GUEST_MEM_MAX_SLOTS;
	case PLINTH_CAP_CONTROL:
		return is_control(vm) ? 1 : 0;
	case PLINTH_CAP_CHILD_PAGES:
		return is_control(vm) ?
			       (int64_t)((vm->cfg->child_memory_bytes - vm->child_bytes_used) >> 12) :
			       0;
	default:
		return 0;
	}
}

int64_t hypercall(struct vcpu *caller, const struct hypercall *hc)
{
	switch (hc->nr) {
	case PLINTH_HC_CHECK_EXTENSION:
		return check_extension(caller, hc->arg[0]);
	case PLINTH_HC_CREATE_VM ... PLINTH_HC_GET_REG_LIST:
		/* The control guest's kernel alone, with 64-bit handles and register ids. */
		if (!is_control(caller->vm) || hc->cpl != 0 || !hc->long_mode)
			return -EPERM;
		return control_call(caller, hc);
	default:
		return -ENOSYS;
	}
}
