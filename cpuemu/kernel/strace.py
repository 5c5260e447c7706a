"""strace-style lines for --strace: `write(1, "Hello\\n", 6) = 6`,
`open("nope", O_RDONLY) = -1 ENOENT (No such file or directory)`.

Each call's arguments are decoded by kind (descriptor, string, flags, pointer...) from
one table; unknown calls show their first three arguments in hex.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..cpu.memory import MemoryFault
from ..cpu.registers import c_int, signed
from .errno import describe as describe_errno
from .table import I386

if TYPE_CHECKING:
    from ..machine import Machine

SHOWN = 32                               # bytes of a buffer shown, as strace -s 32

SIGNATURES = {
    "read": ("fd", "out", "int"), "write": ("fd", "buf", "int"),
    "open": ("path", "oflags", "mode"), "openat": ("dirfd", "path", "oflags", "mode"),
    "creat": ("path", "mode"), "close": ("fd",), "lseek": ("fd", "int", "whence"),
    "_llseek": ("fd", "int", "int", "ptr", "whence"), "readv": ("fd", "ptr", "int"),
    "writev": ("fd", "ptr", "int"), "pread64": ("fd", "out", "int", "int"),
    "pwrite64": ("fd", "buf", "int", "int"), "dup": ("fd",), "dup2": ("fd", "fd"),
    "dup3": ("fd", "fd", "oflags"), "pipe": ("ptr",), "pipe2": ("ptr", "oflags"),
    "unlink": ("path",), "mkdir": ("path", "mode"), "rmdir": ("path",),
    "rename": ("path", "path"), "access": ("path", "amode"), "stat64": ("path", "ptr"),
    "lstat64": ("path", "ptr"), "fstat64": ("fd", "ptr"), "getdents64": ("fd", "ptr", "int"),
    "getcwd": ("ptr", "int"), "chdir": ("path",), "brk": ("ptr",),
    "mmap2": ("ptr", "int", "prot", "mapflags", "fd", "int"), "old_mmap": ("ptr",),
    "munmap": ("ptr", "int"), "mprotect": ("ptr", "int", "prot"), "exit": ("int",),
    "exit_group": ("int",), "nanosleep": ("ptr", "ptr"), "kill": ("int", "signal"),
    "tgkill": ("int", "int", "signal"), "ioctl": ("fd", "ioctl", "ptr"),
    "fcntl64": ("fd", "fcntl", "int"), "set_thread_area": ("ptr",),
    "rt_sigaction": ("signal", "ptr", "ptr", "int"),
    "rt_sigprocmask": ("how", "ptr", "ptr", "int"), "getrandom": ("ptr", "int", "int"),
    "uname": ("ptr",), "time": ("ptr",), "gettimeofday": ("ptr", "ptr"),
    "clock_gettime": ("int", "ptr"), "clock_gettime64": ("int", "ptr"), "times": ("ptr",),
    "set_tid_address": ("ptr",), "readlink": ("path", "ptr", "int"),
    "fstatat64": ("dirfd", "path", "ptr", "int"), "set_robust_list": ("ptr", "int"),
    "ugetrlimit": ("int", "ptr"), "getpid": (), "getppid": (), "gettid": (), "getuid32": (),
    "geteuid32": (), "getgid32": (), "getegid32": (), "sched_yield": (),
    # x86-64 names of the same calls, and its own
    "stat": ("path", "ptr"), "lstat": ("path", "ptr"), "fstat": ("fd", "ptr"),
    "newfstatat": ("dirfd", "path", "ptr", "int"), "fcntl": ("fd", "fcntl", "int"),
    "mmap": ("ptr", "int", "prot", "mapflags", "fd", "int"), "getrlimit": ("int", "ptr"),
    "prlimit64": ("int", "int", "ptr", "ptr"), "arch_prctl": ("arch_prctl", "ptr"),
    "getuid": (), "geteuid": (), "getgid": (), "getegid": (),
}
OPEN_FLAGS = ((0o100, "O_CREAT"), (0o200, "O_EXCL"), (0o400, "O_NOCTTY"), (0o1000, "O_TRUNC"),
              (0o2000, "O_APPEND"), (0o4000, "O_NONBLOCK"), (0o200000, "O_DIRECTORY"),
              (0o400000, "O_NOFOLLOW"), (0o2000000, "O_CLOEXEC"), (0o100000, "O_LARGEFILE"))
PROT = ((1, "PROT_READ"), (2, "PROT_WRITE"), (4, "PROT_EXEC"))
MAP = ((1, "MAP_SHARED"), (2, "MAP_PRIVATE"), (0x10, "MAP_FIXED"), (0x20, "MAP_ANONYMOUS"))
AMODE = ((4, "R_OK"), (2, "W_OK"), (1, "X_OK"))
NAMED = {
    "whence": {0: "SEEK_SET", 1: "SEEK_CUR", 2: "SEEK_END"},
    "fcntl": {0: "F_DUPFD", 1: "F_GETFD", 2: "F_SETFD", 3: "F_GETFL", 4: "F_SETFL",
              1030: "F_DUPFD_CLOEXEC"},
    "ioctl": {0x5401: "TCGETS", 0x5413: "TIOCGWINSZ"},
    "arch_prctl": {0x1001: "ARCH_SET_GS", 0x1002: "ARCH_SET_FS", 0x1003: "ARCH_GET_FS",
                   0x1004: "ARCH_GET_GS"},
    "how": {0: "SIG_BLOCK", 1: "SIG_UNBLOCK", 2: "SIG_SETMASK"},
    "signal": {1: "SIGHUP", 2: "SIGINT", 6: "SIGABRT", 9: "SIGKILL", 10: "SIGUSR1",
               11: "SIGSEGV", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM", 17: "SIGCHLD"},
}
POINTER_RESULTS = {"brk", "mmap2", "old_mmap"}


def quote(data: bytes, more: bool = False) -> str:
    out = []
    for b in data[:SHOWN]:
        c = chr(b)
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif 32 <= b < 127:
            out.append(c)
        else:
            out.append(f"\\x{b:02x}")
    return '"' + "".join(out) + '"' + ("..." if more or len(data) > SHOWN else "")


def flags(value: int, table, zero: str = "0") -> str:
    names = [name for bit, name in table if value & bit]
    rest = value & ~sum(bit for bit, _ in table)
    if rest:
        names.append(f"{rest:#x}")
    return "|".join(names) or zero


def argument(machine: Machine, kind: str, value: int, args, i: int, result) -> str:
    try:
        if kind in ("fd", "int"):
            return str(c_int(value))
        if kind == "dirfd":
            return "AT_FDCWD" if c_int(value) == -100 else str(c_int(value))
        if kind == "path":
            return quote(machine.read_cstring(value, 4096))
        if kind == "buf":
            count = args[i + 1]
            return quote(machine.read(value, min(count, SHOWN)), count > SHOWN)
        if kind == "out":
            if result is None or signed(result) < 0:
                return f"{value:#x}"
            return quote(machine.read(value, min(result, SHOWN)), result > SHOWN)
        if kind == "oflags":
            return flags(value, OPEN_FLAGS, "") if value & 3 == 0 and value else \
                "|".join(filter(None, [("O_RDONLY", "O_WRONLY", "O_RDWR", "3")[value & 3],
                                       flags(value & ~3, OPEN_FLAGS, "")]))
        if kind == "mode":
            return f"0{value:o}"
        if kind == "prot":
            return flags(value, PROT, "PROT_NONE")
        if kind == "mapflags":
            return flags(value, MAP)
        if kind == "amode":
            return flags(value, AMODE, "F_OK")
        if kind in NAMED:
            return NAMED[kind].get(value, str(c_int(value)))
    except MemoryFault:
        pass
    return "NULL" if value == 0 else f"{value:#x}"


def describe(kernel, machine: Machine, number: int, args, result, table=I386) -> str:
    name = table.get(number, f"syscall_{number}")
    kinds = SIGNATURES.get(name, ("ptr", "ptr", "ptr"))
    text = ", ".join(argument(machine, k, args[i], args, i, result) for i, k in enumerate(kinds))
    call = f"{name}({text})"
    if result is None:
        return call
    if -4096 < result < 0:
        return f"{call} = -1 {describe_errno(-result)}"
    if name in POINTER_RESULTS:
        return f"{call} = {result & 0xFFFFFFFF:#x}"
    return f"{call} = {result}"
