"""Linux i386 system call numbers (arch/x86/entry/syscalls/syscall_32.tbl).

Names for every call a real program commonly makes, so an unsupported one is reported
by name; `IMPLEMENTED` in kernel/__init__.py says which ones cpuemu carries out.
"""

I386 = {
    1: "exit", 2: "fork", 3: "read", 4: "write", 5: "open", 6: "close", 7: "waitpid",
    8: "creat", 9: "link", 10: "unlink", 11: "execve", 12: "chdir", 13: "time",
    15: "chmod", 19: "lseek", 20: "getpid", 24: "getuid", 33: "access", 37: "kill",
    38: "rename", 39: "mkdir", 40: "rmdir", 41: "dup", 42: "pipe", 43: "times", 45: "brk",
    47: "getgid", 54: "ioctl", 63: "dup2", 64: "getppid", 78: "gettimeofday",
    85: "readlink", 90: "old_mmap", 91: "munmap", 102: "socketcall", 114: "wait4",
    120: "clone", 122: "uname", 125: "mprotect", 140: "_llseek", 141: "getdents",
    145: "readv", 146: "writev", 158: "sched_yield", 162: "nanosleep", 174: "rt_sigaction",
    175: "rt_sigprocmask", 180: "pread64", 181: "pwrite64", 183: "getcwd", 190: "vfork",
    192: "mmap2", 195: "stat64", 196: "lstat64", 197: "fstat64", 199: "getuid32",
    200: "getgid32", 201: "geteuid32", 202: "getegid32", 220: "getdents64", 221: "fcntl64",
    224: "gettid", 240: "futex", 243: "set_thread_area", 252: "exit_group",
    258: "set_tid_address", 265: "clock_gettime", 270: "tgkill", 295: "openat",
    311: "set_robust_list", 330: "dup3", 331: "pipe2", 355: "getrandom", 384: "arch_prctl",
    403: "clock_gettime64", 386: "rseq", 300: "fstatat64", 14: "mknod", 30: "utime", 60: "umask",
    83: "symlink", 94: "fchmod", 106: "stat", 107: "lstat", 108: "fstat", 118: "fsync",
    119: "sigreturn", 173: "rt_sigreturn", 191: "ugetrlimit", 194: "ftruncate64",
    212: "chown32", 213: "setuid32", 214: "setgid32", 242: "sched_getaffinity",
    244: "get_thread_area", 256: "epoll_wait", 296: "mkdirat", 301: "unlinkat",
    302: "renameat", 307: "faccessat", 340: "prlimit64", 383: "statx",
}

# Linux x86-64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl).
X86_64 = {
    0: "read", 1: "write", 2: "open", 3: "close", 4: "stat", 5: "fstat", 6: "lstat",
    7: "poll", 8: "lseek", 9: "mmap", 10: "mprotect", 11: "munmap", 12: "brk",
    13: "rt_sigaction", 14: "rt_sigprocmask", 15: "rt_sigreturn", 16: "ioctl",
    17: "pread64", 18: "pwrite64", 19: "readv", 20: "writev", 21: "access", 22: "pipe",
    23: "select", 24: "sched_yield", 25: "mremap", 28: "madvise", 32: "dup", 33: "dup2",
    34: "pause", 35: "nanosleep", 37: "alarm", 39: "getpid", 41: "socket", 56: "clone",
    57: "fork", 58: "vfork", 59: "execve", 60: "exit", 61: "wait4", 62: "kill", 63: "uname",
    72: "fcntl", 74: "fsync", 77: "ftruncate", 78: "getdents", 79: "getcwd", 80: "chdir",
    82: "rename", 83: "mkdir", 84: "rmdir", 85: "creat", 86: "link", 87: "unlink",
    88: "symlink", 89: "readlink", 90: "chmod", 91: "fchmod", 92: "chown", 95: "umask",
    96: "gettimeofday", 97: "getrlimit", 98: "getrusage", 99: "sysinfo", 100: "times",
    102: "getuid", 104: "getgid", 105: "setuid", 106: "setgid", 107: "geteuid",
    108: "getegid", 110: "getppid", 131: "sigaltstack", 158: "arch_prctl", 186: "gettid",
    201: "time", 202: "futex", 204: "sched_getaffinity", 217: "getdents64",
    218: "set_tid_address", 228: "clock_gettime", 230: "clock_nanosleep", 231: "exit_group",
    234: "tgkill", 257: "openat", 258: "mkdirat", 262: "newfstatat", 263: "unlinkat",
    264: "renameat", 269: "faccessat", 273: "set_robust_list", 292: "dup3", 293: "pipe2",
    302: "prlimit64", 318: "getrandom", 332: "statx", 334: "rseq",
}

# x86-64 calls carried out by an i386 implementation because nothing they read or write
# depends on the word size (same arguments, same structures). The rest of X86_64 is
# ENOSYS, logged by name, until the x86-64 kernel issue gives them their own layouts.
# Those whose structures do differ (stat, iovec, timespec, sigaction, rlimit) read the
# word size from the call's ABI (Kernel.abi).
X86_64_SAME = {
    "read", "write", "open", "close", "lseek", "mprotect", "munmap", "brk", "ioctl",
    "access", "pipe", "sched_yield", "dup", "dup2", "getpid", "exit", "kill", "uname",
    "getcwd", "chdir", "rename", "mkdir", "rmdir", "creat", "unlink", "readlink",
    "getppid", "gettid", "getdents64", "set_tid_address", "exit_group", "tgkill", "openat",
    "dup3", "pipe2", "getrandom", "arch_prctl", "mmap", "readv", "writev", "pread64",
    "pwrite64", "nanosleep", "gettimeofday", "time", "times", "rt_sigaction",
    "rt_sigprocmask", "set_robust_list", "prlimit64",
}
# x86-64 names of calls whose i386 implementation is named differently.
X86_64_RENAMED = {"getuid": "getuid32", "getgid": "getgid32", "geteuid": "geteuid32",
                  "getegid": "getegid32", "fcntl": "fcntl64",
                  "clock_gettime": "clock_gettime64", "stat": "stat64", "lstat": "lstat64",
                  "fstat": "fstat64", "newfstatat": "fstatat64", "getrlimit": "ugetrlimit"}
