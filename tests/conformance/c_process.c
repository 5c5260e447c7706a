/* The process: getpid getppid gettid getuid32 geteuid32 getgid32 getegid32 time
 * gettimeofday clock_gettime times nanosleep uname set_thread_area set_tid_address
 * sched_yield getrandom tgkill kill. Ends by sending itself SIGTERM (status 143). */
#include "sys.h"

void _start(void) {
    int pid = S0(20);
    show("getpid-positive", pid > 0);
    show("gettid-is-pid", S0(224) == pid);
    show("getppid-positive", S0(64) > 0);
    show("set_tid_address-is-pid", S1(258, 0) == pid);
    show("uid-euid", S0(199) == S0(201));
    show("gid-egid", S0(200) == S0(202));
    int t = S1(13, 0), tloc = 0;
    show("time-recent", t > 1600000000);
    S1(13, &tloc);
    show("time-stores", tloc >= t);
    int tv[2];
    show("gettimeofday", S2(78, tv, 0));
    show("gettimeofday-usec", tv[1] >= 0 && tv[1] < 1000000);
    int a[2], b[2];
    S2(265, 1, a);
    u32 req[2] = {0, 20000000}, rem[2];                        /* 20 ms */
    show("nanosleep", S2(162, req, rem));
    S2(265, 1, b);
    long long elapsed = (b[0] - a[0]) * 1000000000LL + (b[1] - a[1]);
    show("clock_gettime-slept", elapsed >= 20000000);
    show("clock_gettime-bad", S2(265, 99, a));
    u32 tms[4];
    show("times-positive", S1(43, tms) > 0);
    char uts[6 * 65];
    show("uname", S1(122, uts));
    out(uts); out("\n");
    static int tls_block[4] = {0x1234, 0x5678};
    u32 desc[4] = {(u32)-1, (u32)tls_block, 0xfffff, 0x51};   /* seg_32bit, limit_in_pages, useable */
    show("set_thread_area", S1(243, desc));
    show("set_thread_area-entry", desc[0] >= 12 && desc[0] <= 14);
    int gs_value, selector = desc[0] * 8 + 3;
    __asm__ volatile("mov %1, %%gs\n\tmov %%gs:4, %0" : "=r"(gs_value) : "r"(selector));
    show("gs-reads-tls", gs_value);
    show("sched_yield", S0(158));
    char rnd[16];
    show("getrandom", S3(355, rnd, 16, 0));
    show("tgkill-zero", S3(270, pid, pid, 0));
    show("kill-other", S2(37, 0x7ffffff0, 15));                /* ESRCH */
    S2(37, pid, 15);                                           /* SIGTERM: the end */
    show("unreachable", 1);
    S1(1, 0);
}
