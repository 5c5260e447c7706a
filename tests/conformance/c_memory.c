/* Memory: brk mmap2 old_mmap munmap mprotect. */
#include "sys.h"

void _start(void) {
    u32 start = S1(45, 0);
    show("brk-query-nonzero", start != 0);
    u32 grown = S1(45, start + 10000);
    show("brk-grow", grown - start);
    char *heap = (char *)start;
    heap[9999] = 'h'; heap[0] = 'H';
    show("brk-use", heap[0] + heap[9999]);
    show("brk-shrink", S1(45, start + 10) - start);
    char *m = (char *)S6(192, 0, 8192, 3, 0x22, -1, 0);       /* PROT_RW, PRIVATE|ANON */
    show("mmap2-aligned", ((u32)m & 4095) == 0);
    show("mmap2-zeroed", m[0] + m[8191]);
    m[100] = 42;
    show("mmap2-use", m[100]);
    show("mprotect", S3(125, m, 4096, 1));
    show("mprotect-unmapped", S3(125, 0x1000, 4096, 1));       /* ENOMEM */
    show("munmap", S2(91, m, 8192));
    show("munmap-unaligned", S2(91, (u32)m + 1, 4096));       /* EINVAL */
    u32 args[6] = {0, 4096, 3, 0x22, (u32)-1, 0};
    char *o = (char *)S1(90, args);                            /* old_mmap */
    show("old_mmap-aligned", ((u32)o & 4095) == 0);
    o[4095] = 7;
    show("old_mmap-use", o[4095]);
    int fd = S3(5, "data.bin", 0102, 0644);                    /* O_RDWR|O_CREAT */
    S3(4, fd, "mapped file contents", 20);
    char *f = (char *)S6(192, 0, 20, 1, 2, fd, 0);             /* PROT_READ, PRIVATE */
    S3(4, 1, f, 20); out("\n");
    show("mmap2-bad-fd", S6(192, 0, 4096, 1, 2, 77, 0));       /* EBADF */
    show("mmap2-zero-length", S6(192, 0, 0, 3, 0x22, -1, 0));  /* EINVAL */
    S1(1, 5);
}
