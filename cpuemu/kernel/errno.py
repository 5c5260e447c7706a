"""Linux errno values the kernel returns (negated in EAX)."""

EPERM, ENOENT, EBADF, EFAULT, EINVAL, ENOSYS = 1, 2, 9, 14, 22, 38

NAMES = {EPERM: "EPERM", ENOENT: "ENOENT", EBADF: "EBADF", EFAULT: "EFAULT",
         EINVAL: "EINVAL", ENOSYS: "ENOSYS"}
