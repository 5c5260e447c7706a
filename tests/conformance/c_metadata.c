/* What a file is: stat lstat fstat (the old i386 struct), chmod fchmod fchmodat chown32
 * lchown32 fchown32 link linkat symlink symlinkat readlink readlinkat umask utime utimes
 * utimensat getgroups32; and waiting: poll ppoll _newselect on a pipe; process groups:
 * getpgrp getpgid setpgid setsid getsid. Built for i386, and for x86-64 through
 * c64_metadata.c. */
#include "sys.h"

#ifdef __x86_64__
enum { STAT = 4, LSTAT = 6, FSTAT = 5, CHMOD = 90, FCHMOD = 91, FCHMODAT = 268,
       CHOWN = 92, LCHOWN = 94, FCHOWN = 93, LINK = 86, LINKAT = 265, SYMLINK = 88,
       SYMLINKAT = 266, READLINK = 89, READLINKAT = 267, UMASK = 95, UTIME = 132,
       UTIMES = 235, UTIMENSAT = 280, GETGROUPS = 115, POLL = 7, SELECT = 23, PIPE = 22,
       SETPGID = 109, GETPGID = 121, GETPGRP = 111, SETSID = 112, GETSID = 124,
       GETPID = 39, PPOLL = 271, OPEN = 2, CLOSE = 3, WRITE = 1, EXIT = 60 };
#define MODE(b) (*(u32 *)((b) + 24))
#define NLINK(b) ((int)*(u64 *)((b) + 16))
#define UID(b) (*(u32 *)((b) + 28))
#define GID(b) (*(u32 *)((b) + 32))
#define SIZE(b) ((int)*(u64 *)((b) + 48))
#define MTIME(b) ((int)*(u64 *)((b) + 88))
#else
enum { STAT = 106, LSTAT = 107, FSTAT = 108, CHMOD = 15, FCHMOD = 94, FCHMODAT = 306,
       CHOWN = 212, LCHOWN = 198, FCHOWN = 207, LINK = 9, LINKAT = 303, SYMLINK = 83,
       SYMLINKAT = 304, READLINK = 85, READLINKAT = 305, UMASK = 60, UTIME = 30,
       UTIMES = 271, UTIMENSAT = 320, GETGROUPS = 205, POLL = 168, SELECT = 142, PIPE = 42,
       SETPGID = 57, PPOLL = 309, GETPGID = 132, GETPGRP = 65, SETSID = 66, GETSID = 147, GETPID = 20,
       OPEN = 5, CLOSE = 6, WRITE = 4, EXIT = 1 };
#define MODE(b) (*(unsigned short *)((b) + 8))
#define NLINK(b) (*(unsigned short *)((b) + 10))
#define UID(b) (*(unsigned short *)((b) + 12))
#define GID(b) (*(unsigned short *)((b) + 14))
#define SIZE(b) (*(int *)((b) + 20))
#define MTIME(b) (*(int *)((b) + 40))
#endif
#define AT_FDCWD (-100)

static char st[256];

static void stat_of(const char *what, int result) {
    show(what, result);
    if (result == 0) {
        show("  mode", (int)MODE(st));
        show("  nlink", NLINK(st));
        show("  size", SIZE(st));
    }
}

void _start(void) {
    show("umask", S1(UMASK, 027));                         /* cpuemu's own, as a child's */
    int fd = S3(OPEN, "m.txt", 0101 | 01000, 0666);        /* created 0640 */
    S3(WRITE, fd, "metadata\n", 9);
    stat_of("fstat", S2(FSTAT, fd, st));
    show("fchmod", S2(FCHMOD, fd, 0604));
    stat_of("stat", S2(STAT, "m.txt", st));
    show("chmod", S2(CHMOD, "m.txt", 0751));
    show("fchmodat", S4(FCHMODAT, AT_FDCWD, "m.txt", 0644, 0));
    stat_of("stat-after-chmod", S2(STAT, "m.txt", st));
    show("chown", S3(CHOWN, "m.txt", 1234, 5678));
    S2(STAT, "m.txt", st);
    show("  uid", (int)UID(st));
    show("  gid", (int)GID(st));
    show("fchown", S3(FCHOWN, fd, -1, 42));
    S2(STAT, "m.txt", st);
    show("  uid-kept", (int)UID(st));
    show("  gid", (int)GID(st));
    show("close", S1(CLOSE, fd));
    show("link", S2(LINK, "m.txt", "hard.txt"));
    stat_of("stat-linked", S2(STAT, "m.txt", st));
    show("linkat", S5(LINKAT, AT_FDCWD, "m.txt", AT_FDCWD, "hard2.txt", 0));
    show("symlink", S2(SYMLINK, "m.txt", "soft"));
    show("symlinkat", S3(SYMLINKAT, "nowhere", AT_FDCWD, "dangling"));
    stat_of("lstat-link", S2(LSTAT, "soft", st));
    stat_of("stat-link", S2(STAT, "soft", st));
    stat_of("stat-dangling", S2(STAT, "dangling", st));
    char buf[64];
    int n = S3(READLINK, "soft", buf, sizeof buf);
    show("readlink", n);
    S3(WRITE, 1, buf, n); out("\n");
    n = S4(READLINKAT, AT_FDCWD, "dangling", buf, sizeof buf);
    show("readlinkat", n);
    S3(WRITE, 1, buf, n); out("\n");
    show("readlink-not-link", S3(READLINK, "m.txt", buf, sizeof buf));
    show("lchown", S3(LCHOWN, "soft", 77, 88));
    S2(LSTAT, "soft", st);
    show("  link-uid", (int)UID(st));
    word times[2] = {1000000, 2000000};
    show("utime", S2(UTIME, "m.txt", times));
    S2(STAT, "m.txt", st);
    show("  mtime", MTIME(st));
    word tv[4] = {3000000, 0, 4000000, 0};
    show("utimes", S2(UTIMES, "hard.txt", tv));
    S2(STAT, "m.txt", st);                                  /* the same inode */
    show("  mtime", MTIME(st));
    word ts[4] = {5000000, 0, 6000000, 0};
    show("utimensat", S4(UTIMENSAT, AT_FDCWD, "m.txt", ts, 0));
    S2(STAT, "m.txt", st);
    show("  mtime", MTIME(st));
    show("umask-again", S1(UMASK, 022));
    u32 groups[64];
    int count = S2(GETGROUPS, 0, 0);
    show("getgroups-same", S2(GETGROUPS, 64, groups) == count);

    int p[2];
    S1(PIPE, p);
    struct { int fd; short events, revents; } pf[2] = {{p[0], 1, 0}, {p[1], 4, 0}};
    show("poll-empty", S3(POLL, pf, 2, 0));
    show("  read-end", pf[0].revents);
    show("  write-end", pf[1].revents);
    S3(WRITE, p[1], "x", 1);
    show("poll-data", S3(POLL, pf, 2, 0));
    show("  read-end", pf[0].revents);
    word instant[2] = {0, 0};
    show("ppoll", S5(PPOLL, pf, 1, instant, 0, 8));
    show("  read-end", pf[0].revents);
    S1(CLOSE, p[1]);
    pf[1].fd = -1;
    show("poll-closed-writer", S3(POLL, pf, 2, 10));
    show("  read-end", pf[0].revents);
    word rd[32] = {0}, wr[32] = {0};
    rd[0] = 1 << p[0];
    word zero[2] = {0, 0};
    show("select", S5(SELECT, p[0] + 1, rd, wr, 0, zero));
    show("  readable", (int)(rd[0] >> p[0] & 1));
    int q[2];
    S1(PIPE, q);
    rd[0] = 1 << q[0]; wr[0] = 1 << q[1];
    word later[2] = {0, 1000};
    show("select-writer", S5(SELECT, q[1] + 1, rd, wr, 0, later));
    show("  readable", (int)(rd[0] >> q[0] & 1));
    show("  writable", (int)(wr[0] >> q[1] & 1));
    rd[0] = 1 << q[0]; wr[0] = 0;
    show("select-timeout", S5(SELECT, q[0] + 1, rd, wr, 0, later));
    show("  readable", (int)rd[0]);

    int pid = S0(GETPID);
    show("getpgrp-is-getpgid", S0(GETPGRP) == S1(GETPGID, 0));
    show("getpgid-self", S1(GETPGID, pid) == S0(GETPGRP));
    show("getsid-self", S1(GETSID, 0) == pid);
    show("setpgid", S2(SETPGID, 0, 0));
    show("leader", S0(GETPGRP) == pid);
    show("setsid-as-leader", S0(SETSID));
    show("getpgid-nobody", S1(GETPGID, 999999));
    S1(EXIT, 0);
}
