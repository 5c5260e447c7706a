/* Large allocations through glibc: malloc of 16 MiB and 256 MiB (mmap'd by malloc),
   touched at both ends and freed (munmap), then brk growth in small steps; a request
   past the memory limit (1 GiB, as ulimit -v sets it natively) fails cleanly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int touch(size_t size) {
    char *p = malloc(size);
    if (!p) return -1;
    p[0] = 1;
    p[size / 2] = 2;
    p[size - 1] = 3;
    int sum = p[0] + p[size / 2] + p[size - 1] + p[size / 3];
    free(p);
    return sum;
}

int main(void) {
    printf("16 MiB: %d\n", touch(16u << 20));
    printf("256 MiB: %d\n", touch(256u << 20));
    char *start = sbrk(0);
    for (int i = 0; i < 64; i++) memset(sbrk(64 << 10), i, 64 << 10);
    printf("brk grew by %ld KiB\n", (long)((char *)sbrk(0) - start) >> 10);
    printf("3 GiB: %s\n", malloc((size_t)3 << 30) ? "allocated" : "refused");
    return 0;
}
