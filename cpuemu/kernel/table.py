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
