/* Tiny freestanding support for the conformance programs: raw system calls and
 * printing. Built with gcc -m32 (int 0x80, i386 numbers) or -m64 (syscall, x86-64
 * numbers) -static -nostdlib -fno-pie -fno-stack-protector. */
typedef unsigned int u32;
typedef unsigned long long u64;

#ifdef __x86_64__
typedef long word;
static word sys(word n, word a, word b, word c, word d, word e, word f) {
    register word r10 __asm__("r10") = d, r8 __asm__("r8") = e, r9 __asm__("r9") = f;
    word ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10),
                     "r"(r8), "r"(r9) : "rcx", "r11", "memory");
    return ret;
}
#define NR_WRITE 1
#else
typedef int word;
int sys(int n, int a, int b, int c, int d, int e, int f);
__asm__(".globl sys\nsys:\n"
        "  push %ebp\n  push %edi\n  push %esi\n  push %ebx\n"
        "  mov 20(%esp), %eax\n  mov 24(%esp), %ebx\n  mov 28(%esp), %ecx\n"
        "  mov 32(%esp), %edx\n  mov 36(%esp), %esi\n  mov 40(%esp), %edi\n"
        "  mov 44(%esp), %ebp\n  int $0x80\n"
        "  pop %ebx\n  pop %esi\n  pop %edi\n  pop %ebp\n  ret\n");
#define NR_WRITE 4
#endif

#define S0(n) (int)sys(n, 0, 0, 0, 0, 0, 0)
#define S1(n, a) (int)sys(n, (word)(a), 0, 0, 0, 0, 0)
#define S2(n, a, b) (int)sys(n, (word)(a), (word)(b), 0, 0, 0, 0)
#define S3(n, a, b, c) (int)sys(n, (word)(a), (word)(b), (word)(c), 0, 0, 0)
#define S4(n, a, b, c, d) (int)sys(n, (word)(a), (word)(b), (word)(c), (word)(d), 0, 0)
#define S5(n, a, b, c, d, e) (int)sys(n, (word)(a), (word)(b), (word)(c), (word)(d), (word)(e), 0)
#define S6(n, a, b, c, d, e, f) (int)sys(n, (word)(a), (word)(b), (word)(c), (word)(d), (word)(e), (word)(f))

void *memset(void *d, int c, u32 n) { char *p = d; while (n--) *p++ = (char)c; return d; }
void *memcpy(void *d, const void *s, u32 n) { char *p = d; const char *q = s; while (n--) *p++ = *q++; return d; }
static u32 len(const char *s) { u32 n = 0; while (s[n]) n++; return n; }
static int same(const char *a, const char *b) { while (*a && *a == *b) { a++; b++; } return *a == *b; }
static void out(const char *s) { S3(NR_WRITE, 1, s, len(s)); }
static void out_int(int v) {
    char b[12]; int i = 11; u32 u = v < 0 ? -(u32)v : (u32)v;
    b[i] = 0;
    do { b[--i] = '0' + u % 10; u /= 10; } while (u);
    if (v < 0) b[--i] = '-';
    out(b + i);
}
/* One line per check: the name, then the value, so native and emulated output compare. */
static void show(const char *name, int value) { out(name); out(" "); out_int(value); out("\n"); }
