/* x86-64 files in the current directory, by x86-64 numbers: open openat creat close
 * read write lseek readv writev pread64 pwrite64 dup dup2 dup3 fcntl ioctl unlink mkdir
 * rmdir rename access stat fstat lstat newfstatat getdents64 getcwd chdir readlink pipe
 * pipe2. struct stat and struct iovec have their 64-bit layouts here. */
#include "sys.h"

struct iov { const void *base; u64 len; };
struct stat64x {                        /* x86-64 struct stat: 144 bytes */
    u64 dev, ino, nlink; u32 mode, uid, gid, pad; u64 rdev; long size, blksize, blocks;
    long atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns, unused[3];
};

void _start(void) {
    char buf[256];
    int fd = S3(2, "a.txt", 0101 | 01000, 0644);              /* open O_WRONLY|O_CREAT|O_TRUNC */
    show("open", fd);
    show("write", S3(1, fd, "hello files\n", 12));
    struct iov v[2] = {{"vec-", 4}, {"tor\n", 4}};
    show("writev", S3(20, fd, v, 2));
    show("close", S1(3, fd));
    show("close-again", S1(3, fd));                           /* EBADF */
    fd = S4(257, -100, "a.txt", 2, 0);                        /* openat(AT_FDCWD, O_RDWR) */
    show("openat", fd);
    show("read", S3(0, fd, buf, 5));
    S3(1, 1, buf, 5); out("\n");
    show("lseek-cur", S3(8, fd, 0, 1));
    show("lseek-end", S3(8, fd, 0, 2));
    show("lseek-back", S3(8, fd, -14, 1));                    /* a negative 64-bit offset */
    char a[4], b[8];
    struct iov r[2] = {{a, 4}, {b, 8}};
    show("readv", S3(19, fd, r, 2));
    S3(1, 1, a, 4); S3(1, 1, b, 8);
    show("pread64", S4(17, fd, buf, 5, 0));
    S3(1, 1, buf, 5); out("\n");
    show("pwrite64", S4(18, fd, "HELLO", 5, 0));
    show("dup", S1(32, fd));
    show("dup2", S2(33, fd, 10));
    show("dup3", S3(292, fd, 11, 02000000));
    show("fcntl-getfd", S3(72, 11, 1, 0));
    show("fcntl-dupfd", S3(72, fd, 0, 20));
    show("ioctl-file", S3(16, fd, 0x5401, buf));              /* TCGETS: ENOTTY */
    show("creat", S2(85, "b.txt", 0600));
    struct stat64x st;
    show("fstat", S2(5, fd, &st));
    show("fstat-size", (int)st.size);
    show("fstat-mode", (int)(st.mode & 0170000));
    show("fstat-nlink", (int)st.nlink);
    show("stat", S2(4, "a.txt", &st));
    show("stat-size", (int)st.size);
    show("stat-missing", S2(4, "nope", &st));                 /* ENOENT */
    show("lstat", S2(6, "a.txt", &st));
    show("newfstatat", S4(262, -100, "a.txt", &st, 0));
    show("newfstatat-size", (int)st.size);
    show("access", S2(21, "a.txt", 4));
    show("access-missing", S2(21, "nope", 0));
    show("mkdir", S2(83, "d", 0755));
    show("mkdir-again", S2(83, "d", 0755));                   /* EEXIST */
    show("rename", S2(82, "b.txt", "d/c.txt"));
    show("chdir", S1(80, "d"));
    show("getcwd-len", S2(79, buf, sizeof buf) > 0);
    int dfd = S3(2, ".", 0200000, 0);                         /* O_DIRECTORY */
    int n = S3(217, dfd, buf, sizeof buf), names = 0;
    for (int at = 0; at < n; at += *(unsigned short *)(buf + at + 16))
        names += same(buf + at + 19, "c.txt");
    show("getdents64-finds", names);
    S1(3, dfd);
    show("unlink", S1(87, "c.txt"));
    show("chdir-up", S1(80, ".."));
    show("rmdir", S1(84, "d"));
    show("readlink-missing", S3(89, "nope", buf, 10));
    int p[2];
    show("pipe", S1(22, p));
    show("pipe-write", S3(1, p[1], "pipe!", 5));
    show("pipe-read", S3(0, p[0], buf, 5));
    show("pipe2", S2(293, p, 02000000));
    S1(60, 3);
}
