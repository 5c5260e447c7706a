/* Position-independent code as gcc -m32 -S writes it by default: GOT-relative data,
   a switch jump table of @GOTOFF entries, function pointers, strings and .bss. */
#ifdef __x86_64__
static void sys_write(const char *s, long n) {
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(1), "D"(1), "S"(s), "d"(n)
                     : "rcx", "r11", "memory");
}
static void sys_exit(int code) { __asm__ volatile("syscall" :: "a"(60), "D"(code)); }
#else
static void sys_write(const char *s, int n) {
    int ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(4), "b"(1), "c"(s), "d"(n) : "memory");
}
static void sys_exit(int code) { __asm__ volatile("int $0x80" :: "a"(1), "b"(code)); }
#endif

static const char *names[] = {"zero", "one", "two", "three", "four", "five", "many"};
int counts[8];
static char buffer[64];
int total = 100;

static int length(const char *s) { int n = 0; while (n < 32 && s[n]) n++; return n; }

static int classify(int v) {
    switch (v) {
    case 0: return 10;
    case 1: return 21;
    case 2: return 32;
    case 3: return 43;
    case 4: return 54;
    case 5: return 65;
    case 7: return 87;
    default: return 6;
    }
}

static int twice(int x) { return 2 * x; }
static int square(int x) { return x * x; }
static int (*const ops[])(int) = {twice, square};

static int render(int v, char *out) {
    int n = 0;
    char tmp[12];
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    return n;
}

void _start(void) {
    int sum = 0;
    for (int i = 0; i < 9; i++) {
        int c = classify(i);
        counts[i & 7] += c;
        sum += ops[i & 1](c);
        const char *name = names[c % 7];
        sys_write(name, length(name));
        sys_write(" ", 1);
    }
    int n = render(sum + total, buffer);
    buffer[n++] = '\n';
    sys_write(buffer, n);
    sys_exit((sum + counts[3]) & 0xff);
}
