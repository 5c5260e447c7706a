/* cpuemu native oracle: run guest programs on this machine's real CPU.
 *
 * Reads requests from stdin, one after another:
 *   u32 nsections, then per section: u64 address, u64 size, u32 prot, size bytes;
 *   u64 entry, u64 stack pointer.
 * Maps the sections at their addresses, jumps to entry with that stack pointer, and
 * catches the signal that ends the program (int3 gives SIGTRAP). Writes back:
 *   u32 signal, u32 count, then count u64 registers in encoding order (eax..edi, or
 *   rax..r15), the instruction pointer and EFLAGS, then the bytes of every writable
 *   section.
 * Built by cpuemu.diff.native with gcc -m32 for 32-bit guests and gcc -m64 for 64-bit
 * ones; written for cpuemu, no code from elsewhere.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define MAX_SECTIONS 16

#ifdef __x86_64__
#define NREGS 18
static const int SAVED[NREGS] = {
    REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI, REG_R8, REG_R9,
    REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15, REG_RIP, REG_EFL };
#else
#define NREGS 10
static const int SAVED[NREGS] = {
    REG_EAX, REG_ECX, REG_EDX, REG_EBX, REG_ESP, REG_EBP, REG_ESI, REG_EDI, REG_EIP, REG_EFL };
#endif

struct section { uint64_t address, size; uint32_t prot; };

static sigjmp_buf back;
static volatile uint64_t regs[NREGS];
static volatile uint32_t caught;
#ifndef __x86_64__
static uint16_t harness_gs;     /* glibc's TLS selector: the guest runs with GS = 0 */
#endif

static void read_all(void *buf, size_t n) {
    if (fread(buf, 1, n, stdin) != n) exit(0);
}

static void write_all(const void *buf, size_t n) {
    if (fwrite(buf, 1, n, stdout) != n) exit(1);
}

static void on_signal(int sig, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    greg_t *g;
#ifndef __x86_64__
    __asm__ volatile("mov %0, %%gs" : : "r"(harness_gs));      /* before any glibc code */
#endif
    g = uc->uc_mcontext.gregs;
    (void)info;
    for (int i = 0; i < NREGS; i++)
        regs[i] = (uint64_t)(uintptr_t)g[SAVED[i]];
    caught = sig;
    siglongjmp(back, 1);
}

/* The guest starts as a Linux process would: every register but ESP zero, EFLAGS 0x202,
 * FS = GS = 0 (not glibc's TLS selector, which would make `gs:` accesses land somewhere
 * random instead of faulting). A trampoline of plain moves (which leave the flags alone)
 * sets them and jumps with a relative jmp, so nothing is written to the guest's stack or
 * memory. */
static uint8_t *trampoline;

#ifdef __x86_64__
static void __attribute__((noinline, noreturn)) enter(uint64_t entry, uint64_t sp) {
    uint8_t *p = trampoline;
    *p++ = 0x48; *p++ = 0xBC; memcpy(p, &sp, 8); p += 8;          /* mov rsp, imm64 */
    for (int r = 0; r < 16; r++) {                                  /* mov r32, 0 */
        if (r == 4) continue;
        if (r >= 8) *p++ = 0x41;
        *p++ = 0xB8 + (r & 7); memset(p, 0, 4); p += 4;
    }
    *p++ = 0xFF; *p++ = 0x25; memset(p, 0, 4); p += 4;              /* jmp [rip] */
    memcpy(p, &entry, 8);
    __asm__ volatile("push $0x202\n\tpopfq\n\tjmp *%0" : : "r"(trampoline) : "memory");
    __builtin_unreachable();
}
#else
static void __attribute__((noinline, noreturn)) enter(uint64_t entry64, uint64_t sp) {
    uint32_t entry = (uint32_t)entry64, esp = (uint32_t)sp;
    uint8_t *p = trampoline;
    *p++ = 0xBC; memcpy(p, &esp, 4); p += 4;                       /* mov esp, imm32 */
    for (uint8_t op = 0xB8; op <= 0xBF; op++) {                     /* mov r32, 0 */
        if (op == 0xBC) continue;
        *p++ = op; memset(p, 0, 4); p += 4;
    }
    int32_t rel = (int32_t)(entry - (uint32_t)(uintptr_t)(p + 5));
    *p++ = 0xE9; memcpy(p, &rel, 4);                                /* jmp entry */
    __asm__ volatile("xor %%eax, %%eax\n\tmov %%ax, %%fs\n\tmov %%ax, %%gs\n\t"
                     "push $0x202\n\tpopfl\n\tjmp *%0" : : "r"(trampoline) : "eax", "memory");
    __builtin_unreachable();
}
#endif

int main(void) {
    static char altstack[65536];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    struct sigaction sa;
    int signals[] = { SIGTRAP, SIGSEGV, SIGFPE, SIGILL, SIGBUS };
    sigaltstack(&ss, NULL);
#ifndef __x86_64__
    __asm__ volatile("mov %%gs, %0" : "=r"(harness_gs));
#endif
    trampoline = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (trampoline == MAP_FAILED) return 4;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    for (unsigned i = 0; i < sizeof signals / sizeof *signals; i++)
        sigaction(signals[i], &sa, NULL);

    for (;;) {
        uint32_t n, count = NREGS;
        uint64_t entry, sp;
        struct section sec[MAX_SECTIONS];
        read_all(&n, 4);
        if (n > MAX_SECTIONS) return 2;
        for (uint32_t i = 0; i < n; i++) {
            read_all(&sec[i].address, 8);
            read_all(&sec[i].size, 8);
            read_all(&sec[i].prot, 4);
            void *at = mmap((void *)(uintptr_t)sec[i].address, sec[i].size,
                            PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                            -1, 0);
            if (at != (void *)(uintptr_t)sec[i].address) {
                fprintf(stderr, "harness: cannot map %#llx (+%#llx)\n",
                        (unsigned long long)sec[i].address, (unsigned long long)sec[i].size);
                return 3;
            }
            read_all(at, sec[i].size);
            mprotect(at, sec[i].size, (int)sec[i].prot);
        }
        read_all(&entry, 8);
        read_all(&sp, 8);
        caught = 0;
        if (sigsetjmp(back, 1) == 0)
            enter(entry, sp);
        write_all((const void *)&caught, 4);
        write_all(&count, 4);
        write_all((const void *)regs, sizeof regs);
        for (uint32_t i = 0; i < n; i++) {
            if (sec[i].prot & PROT_WRITE)
                write_all((void *)(uintptr_t)sec[i].address, sec[i].size);
            munmap((void *)(uintptr_t)sec[i].address, sec[i].size);
        }
        fflush(stdout);
    }
}
