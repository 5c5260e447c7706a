/* Files in the current directory: open openat creat close read write lseek _llseek readv
 * writev pread64 pwrite64 dup dup2 dup3 fcntl64 ioctl unlink mkdir rmdir rename access
 * stat64 fstat64 lstat64 getdents64 getcwd chdir. */
#include "sys.h"

struct iov { const void *base; u32 len; };

void _start(void) {
    char buf[256];
    int fd = S3(5, "a.txt", 0101 | 01000, 0644);            /* open O_WRONLY|O_CREAT|O_TRUNC */
    show("open", fd);
    show("write", S3(4, fd, "hello files\n", 12));
    struct iov v[2] = {{"vec-", 4}, {"tor\n", 4}};
    show("writev", S3(146, fd, v, 2));
    show("close", S1(6, fd));
    show("close-again", S1(6, fd));                           /* EBADF */
    fd = S4(295, -100, "a.txt", 2, 0);                         /* openat(AT_FDCWD, O_RDWR) */
    show("openat", fd);
    show("read", S3(3, fd, buf, 5));
    S3(4, 1, buf, 5); out("\n");
    show("lseek-cur", S3(19, fd, 0, 1));
    show("lseek-end", S3(19, fd, 0, 2));
    u64 pos = 99;
    show("_llseek", S5(140, fd, 0, 6, &pos, 0));
    show("_llseek-pos", (int)pos);
    char a[4], b[8];
    struct iov r[2] = {{a, 4}, {b, 8}};
    show("readv", S3(145, fd, r, 2));
    S3(4, 1, a, 4); S3(4, 1, b, 8);
    show("pread64", S5(180, fd, buf, 5, 0, 0));
    S3(4, 1, buf, 5); out("\n");
    show("pwrite64", S5(181, fd, "HELLO", 5, 0, 0));
    show("dup", S1(41, fd));
    show("dup2", S2(63, fd, 10));
    show("dup3", S3(330, fd, 11, 02000000));
    show("fcntl-getfd", S3(221, 11, 1, 0));
    show("fcntl-dupfd", S3(221, fd, 0, 20));
    show("fcntl-getfl", S3(221, fd, 3, 0) & 3);
    show("ioctl-file", S3(54, fd, 0x5401, buf));                /* TCGETS: ENOTTY */
    show("creat", S2(8, "b.txt", 0600));
    show("access", S2(33, "b.txt", 0));
    show("access-missing", S2(33, "nope", 0));
    show("mkdir", S2(39, "dir", 0755));
    show("mkdir-again", S2(39, "dir", 0755));                   /* EEXIST */
    show("rename", S2(38, "b.txt", "dir/c.txt"));
    unsigned char st[96];
    show("stat64", S2(195, "a.txt", st));
    show("stat64-size", *(int *)(st + 44));
    show("stat64-isreg", (*(u32 *)(st + 16) & 0170000) == 0100000);
    show("fstat64", S2(197, fd, st));
    show("fstat64-size", *(int *)(st + 44));
    show("lstat64", S2(196, "dir", st));
    show("lstat64-isdir", (*(u32 *)(st + 16) & 0170000) == 0040000);
    show("stat64-missing", S2(195, "nope", st));
    int d = S2(5, "dir", 0200000);                             /* O_DIRECTORY */
    int n = S3(220, d, buf, sizeof buf), entries = 0, found = 0;
    for (int at = 0; at < n; at += *(unsigned short *)(buf + at + 16)) {
        entries++;
        if (same(buf + at + 19, "c.txt")) found = 1;
    }
    show("getdents64-entries", entries);
    show("getdents64-found", found);
    show("getdents64-end", S3(220, d, buf, sizeof buf));
    S1(6, d);
    show("chdir", S1(12, "dir"));
    show("getcwd-ends-in-dir", S2(183, buf, sizeof buf) > 0 && same(buf + len(buf) - 4, "/dir"));
    show("getcwd-small", S2(183, buf, 2));                     /* ERANGE */
    show("chdir-up", S1(12, ".."));
    show("unlink", S1(10, "dir/c.txt"));
    show("unlink-missing", S1(10, "dir/c.txt"));
    show("rmdir", S1(40, "dir"));
    show("read-stdin", S3(3, 0, buf, 64));
    show("exit", 0);
    S1(252, 3);
}
