/* A small freestanding C program for cpuemu's x86-64 gas dialect: no C library, one
 * system call through inline assembly. asm_samples/gcc64_stats.s is `gcc -S` of this
 * file with this machine's default flags (-O0); the tests also rebuild it at -O0 and
 * -O2 when gcc is present and run those. */

static long sys_write(long fd, const void *buf, unsigned long n)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(1L), "D"(fd), "S"(buf), "d"(n)
                     : "rcx", "r11", "memory");
    return ret;
}

struct word { const char *text; int length; };

static const struct word words[] = {{"one", 3}, {"two", 3}, {"three", 5}};
long table[8] = {3, -1, 4, 1, -5, 9, 2, 6};
static char buffer[32];

static unsigned long collatz(unsigned long n)
{
    unsigned long steps = 0;
    while (n != 1) {
        n = n % 2 ? 3 * n + 1 : n / 2;
        steps++;
    }
    return steps;
}

static long fib(long n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static void put_number(long v)
{
    char *p = buffer + sizeof buffer;
    unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;
    *--p = '\n';
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    sys_write(1, p, (unsigned long)(buffer + sizeof buffer - p));
}

int main(void)
{
    long sum = 0, min = table[0];
    for (int i = 0; i < 8; i++) {
        sum += table[i] * (i - 3);
        if (table[i] < min)
            min = table[i];
    }
    put_number(sum);
    put_number(min);
    put_number((long)collatz(27));
    put_number(fib(15));
    put_number(-1234567890123456789L);
    for (int i = 0; i < 3; i++) {
        sys_write(1, words[i].text, (unsigned long)words[i].length);
        sys_write(1, "\n", 1);
    }
    return (int)(sum & 0x7f);
}
