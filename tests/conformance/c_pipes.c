/* Pipes and signals: pipe pipe2 read write close dup2, end of file once every writer is
 * closed, EPIPE when every reader is, rt_sigaction rt_sigprocmask, exit_group. */
#include "sys.h"

void _start(void) {
    int p[2], q[2];
    char buf[64];
    show("pipe", S1(42, p));
    show("write", S3(4, p[1], "through the pipe", 16));
    show("read", S3(3, p[0], buf, 7));
    S3(4, 1, buf, 7); out("\n");
    show("read-rest", S3(3, p[0], buf, 64));
    show("dup2", S2(63, p[1], 9));
    show("close-writer", S1(6, p[1]));
    show("write-dup", S3(4, 9, "x", 1));
    show("close-dup", S1(6, 9));
    show("read-leftover", S3(3, p[0], buf, 64));
    show("read-eof", S3(3, p[0], buf, 64));
    show("pipe2", S2(331, q, 02000000));
    show("fcntl-cloexec", S3(221, q[0], 1, 0));
    u32 act[5] = {1, 0, 0, 0, 0};                              /* SIG_IGN */
    u32 old[5];
    show("sigaction", S4(174, 13, act, old, 8));
    show("sigaction-old", old[0]);
    u64 mask = 1 << 9, before;
    show("sigprocmask", S4(175, 0, &mask, &before, 8));
    show("sigprocmask-old", (int)before);
    show("close-reader", S1(6, q[0]));
    show("write-epipe", S3(4, q[1], "y", 1));
    show("sigaction-bad", S4(174, 9, act, 0, 8));              /* SIGKILL: EINVAL */
    S1(252, 4);
}
