"""Linux errno values (asm-generic, as i386 uses them), negated in EAX by the kernel.

Written out rather than taken from Python's `errno`, whose values follow the host OS.
"""

EPERM, ENOENT, ESRCH, EINTR, EIO, EBADF, ECHILD, EAGAIN = 1, 2, 3, 4, 5, 9, 10, 11
ENOMEM, EACCES, EFAULT, EBUSY, EEXIST, EXDEV, ENOTDIR, EISDIR = 12, 13, 14, 16, 17, 18, 20, 21
EINVAL, EMFILE, ENOTTY, EFBIG, ENOSPC, ESPIPE, EROFS, EPIPE = 22, 24, 25, 27, 28, 29, 30, 32
ERANGE, ENAMETOOLONG, ENOSYS, ENOTEMPTY, ELOOP, EOVERFLOW = 34, 36, 38, 39, 40, 75
ENXIO, E2BIG, ENOEXEC, ENODEV, ETXTBSY, EMLINK, EDQUOT, ENOTSUP = 6, 7, 8, 19, 26, 31, 122, 95

MESSAGES = {
    EPERM: "Operation not permitted", ENOENT: "No such file or directory",
    ESRCH: "No such process", EINTR: "Interrupted system call", EIO: "Input/output error",
    EBADF: "Bad file descriptor", ECHILD: "No child processes",
    EAGAIN: "Resource temporarily unavailable", ENOMEM: "Cannot allocate memory",
    EACCES: "Permission denied", EFAULT: "Bad address", EBUSY: "Device or resource busy",
    EEXIST: "File exists", EXDEV: "Invalid cross-device link", ENOTDIR: "Not a directory",
    EISDIR: "Is a directory", EINVAL: "Invalid argument", EMFILE: "Too many open files",
    ENOTTY: "Inappropriate ioctl for device", EFBIG: "File too large",
    ENOSPC: "No space left on device", ESPIPE: "Illegal seek",
    EROFS: "Read-only file system", EPIPE: "Broken pipe",
    ERANGE: "Numerical result out of range", ENAMETOOLONG: "File name too long",
    ENOSYS: "Function not implemented", ENOTEMPTY: "Directory not empty",
    ELOOP: "Too many levels of symbolic links", EOVERFLOW: "Value too large",
    ENXIO: "No such device or address", E2BIG: "Argument list too long",
    ENOEXEC: "Exec format error", ENODEV: "No such device", ETXTBSY: "Text file busy",
    EMLINK: "Too many links", EDQUOT: "Disk quota exceeded",
    ENOTSUP: "Operation not supported",
}
NAMES = {value: name for name, value in list(globals().items())
         if name.startswith("E") and name.isupper() and isinstance(value, int)}


class KernelError(Exception):
    """Raised inside a syscall handler: the call returns -errno."""

    def __init__(self, errno: int, why: str = ""):
        super().__init__(why or NAMES.get(errno, str(errno)))
        self.errno = errno


def from_host(error: OSError) -> int:
    """The guest errno for a host OSError: the same name where Linux has it, else EIO
    (the host may not be Linux, so numbers go through names)."""
    import errno as host
    name = host.errorcode.get(error.errno or 0, "")
    return globals().get(name, EIO) if name in NAMES.values() else EIO


def describe(errno: int) -> str:
    """`ENOENT (No such file or directory)`, as strace prints it."""
    return f"{NAMES.get(errno, f'E{errno}')} ({MESSAGES.get(errno, 'Unknown error')})"
