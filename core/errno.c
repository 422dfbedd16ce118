// SPDX-License-Identifier: MIT
#include "core/errno.h"
#include "core/compiler.h"

static const char *const errno_names[] = {
	[EPERM] = "EPERM",
	[ENOENT] = "ENOENT",
	[EINTR] = "EINTR",
	[EIO] = "EIO",
	[E2BIG] = "E2BIG",
	[ENOEXEC] = "ENOEXEC",
	[EBADF] = "EBADF",
	[EAGAIN] = "EAGAIN",
	[ENOMEM] = "ENOMEM",
	[EFAULT] = "EFAULT",
	[EBUSY] = "EBUSY",
	[EEXIST] = "EEXIST",
	[ENODEV] = "ENODEV",
	[EINVAL] = "EINVAL",
	[EMFILE] = "EMFILE",
	[ENOSPC] = "ENOSPC",
	[ERANGE] = "ERANGE",
	[ENAMETOOLONG] = "ENAMETOOLONG",
	[ENOSYS] = "ENOSYS",
	[EOVERFLOW] = "EOVERFLOW",
	[EOPNOTSUPP] = "EOPNOTSUPP",
	[ETIMEDOUT] = "ETIMEDOUT",
};

const char *errno_name(int err)
{
	/* Negate as unsigned so that INT_MIN cannot overflow. */
	unsigned int n = err < 0 ? 0u - (unsigned int)err : (unsigned int)err;

	if (n < ARRAY_SIZE(errno_names) && errno_names[n])
		return errno_names[n];
	return "E?";
}
