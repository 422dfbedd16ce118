/* SPDX-License-Identifier: MIT */
/* Error numbers: Linux's values, so that hypercall results read like KVM's. Returned negated. */
#ifndef PLINTH_CORE_ERRNO_H
#define PLINTH_CORE_ERRNO_H

#ifndef EPERM
#define EPERM	     1
#define ENOENT	     2
#define EINTR	     4
#define EIO	     5
#define E2BIG	     7
#define ENOEXEC	     8
#define EBADF	     9
#define EAGAIN	     11
#define ENOMEM	     12
#define EFAULT	     14
#define EBUSY	     16
#define EEXIST	     17
#define ENODEV	     19
#define EINVAL	     22
#define EMFILE	     24
#define ENOSPC	     28
#define ERANGE	     34
#define ENAMETOOLONG 36
#define ENOSYS	     38
#define EOVERFLOW    75
#define EOPNOTSUPP   95
#define ETIMEDOUT    110
#endif

const char *errno_name(int err); /* "EINVAL" for -22 or 22; "E?" for unknown */

#endif
