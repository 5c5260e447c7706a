/* The x86-64 process: getpid getppid gettid getuid geteuid getgid getegid time
 * gettimeofday clock_gettime times nanosleep uname arch_prctl set_tid_address
 * set_robust_list prlimit64 getrlimit rt_sigaction rt_sigprocmask sched_yield getrandom
 * brk mmap munmap mprotect tgkill kill: 64-bit timespecs, rlimits and sigactions. Ends
 * by sending itself SIGTERM (status 143). */
#include "sys.h"

static long tls_block[4] = {0x1234, 0x5678};

void _start(void) {
    int pid = S0(39);
    show("getpid-positive", pid > 0);
    show("gettid-is-pid", S0(186) == pid);
    show("getppid-positive", S0(110) > 0);
    show("set_tid_address-is-pid", S1(218, 0) == pid);
    show("uid-euid", S0(102) == S0(107));
    show("gid-egid", S0(104) == S0(108));
    long t = sys(201, 0, 0, 0, 0, 0, 0), tloc = 0;
    show("time-recent", t > 1600000000);
    S1(201, &tloc);
    show("time-stores", tloc >= t);
    long tv[2];
    show("gettimeofday", S2(96, tv, 0));
    show("gettimeofday-usec", tv[1] >= 0 && tv[1] < 1000000);
    long a[2], b[2];
    S2(228, 1, a);
    long req[2] = {0, 20000000}, rem[2];                     /* 20 ms, 64-bit timespec */
    show("nanosleep", S2(35, req, rem));
    S2(228, 1, b);
    show("clock_gettime-slept", (b[0] - a[0]) * 1000000000L + (b[1] - a[1]) >= 20000000);
    show("clock_gettime-bad", S2(228, 99, a));
    long tms[4];
    show("times-positive", sys(100, (word)tms, 0, 0, 0, 0, 0) > 0);
    char uts[6 * 65];
    show("uname", S1(63, uts));
    out(uts); out("\n");
    long fs = 0;
    show("arch_prctl-get", S2(158, 0x1003, &fs));
    show("arch_prctl-set", S2(158, 0x1002, tls_block));
    long value;
    __asm__ volatile("mov %%fs:8, %0" : "=r"(value));
    show("fs-reads-tls", (int)value);
    show("arch_prctl-restore", S2(158, 0x1002, fs));
    show("arch_prctl-bad", S2(158, 0x9999, 0));
    long robust[3];
    show("set_robust_list", S2(273, robust, 24));
    show("set_robust_list-bad", S2(273, robust, 12));
    unsigned long lim[2];
    show("prlimit64", S4(302, 0, 7, 0, lim));
    show("prlimit64-files", lim[0] > 0 && lim[0] <= lim[1]);
    show("getrlimit", S2(97, 3, lim));
    show("getrlimit-stack", lim[0] == 8u << 20);
    long act[4] = {1, 0, 0, 0}, old[4];                      /* SIG_IGN for SIGUSR1 */
    show("rt_sigaction", S4(13, 10, act, 0, 8));
    show("rt_sigaction-old", S4(13, 10, 0, old, 8));
    show("rt_sigaction-old-handler", (int)old[0]);
    unsigned long set = 1UL << 9, was;
    show("rt_sigprocmask", S4(14, 0, &set, &was, 8));
    show("sched_yield", S0(24));
    char rnd[16];
    show("getrandom", S3(318, rnd, 16, 0));
    long heap = sys(12, 0, 0, 0, 0, 0, 0);
    show("brk-grows", sys(12, heap + 8192, 0, 0, 0, 0, 0) == heap + 8192);
    ((char *)heap)[8000] = 1;
    long m = sys(9, 0, 8192, 3, 0x22, -1, 0);                /* anonymous, private */
    show("mmap-aligned", (m & 4095) == 0);
    ((char *)m)[5000] = 7;
    show("mprotect", S3(10, m, 4096, 1));
    show("mmap-bad-offset", (int)sys(9, 0, 4096, 3, 0x22, -1, 100));
    show("munmap", S2(11, m, 8192));
    show("tgkill-zero", S3(234, pid, pid, 0));
    show("kill-other", S2(62, 0x7ffffff0, 15));              /* ESRCH */
    S2(62, pid, 15);                                         /* SIGTERM: the end */
    show("unreachable", 1);
    S1(60, 0);
}
