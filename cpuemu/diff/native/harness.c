/* cpuemu native oracle: run guest programs on this machine's real CPU.
 *
 * Reads requests from stdin, one after another:
 *   u32 nsections, then per section: u32 address, u32 size, u32 prot, size bytes;
 *   u32 entry, u32 esp.
 * Maps the sections at their addresses, jumps to entry with that ESP, and catches the
 * signal that ends the program (int3 gives SIGTRAP). Writes back:
 *   u32 signal, u32 eax ecx edx ebx esp ebp esi edi eip eflags, then the bytes of every
 *   writable section.
 * Built by cpuemu.diff.native with gcc -m32; written for cpuemu, no code from elsewhere.
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

struct section { uint32_t address, size, prot; };

static sigjmp_buf back;
static volatile uint32_t regs[10];
static volatile uint32_t caught;
static uint16_t harness_gs;     /* glibc's TLS selector: the guest runs with GS = 0 */

static void read_all(void *buf, size_t n) {
    if (fread(buf, 1, n, stdin) != n) exit(0);
}

static void write_all(const void *buf, size_t n) {
    if (fwrite(buf, 1, n, stdout) != n) exit(1);
}

static void on_signal(int sig, siginfo_t *info, void *context) {
    ucontext_t *uc = context;
    greg_t *g;
    __asm__ volatile("mov %0, %%gs" : : "r"(harness_gs));      /* before any glibc code */
    g = uc->uc_mcontext.gregs;
    (void)info;
    regs[0] = g[REG_EAX]; regs[1] = g[REG_ECX]; regs[2] = g[REG_EDX]; regs[3] = g[REG_EBX];
    regs[4] = g[REG_ESP]; regs[5] = g[REG_EBP]; regs[6] = g[REG_ESI]; regs[7] = g[REG_EDI];
    regs[8] = g[REG_EIP]; regs[9] = g[REG_EFL];
    caught = sig;
    siglongjmp(back, 1);
}

/* The guest starts as a Linux process would: every register but ESP zero, EFLAGS 0x202,
 * FS = GS = 0 (not glibc's TLS selector, which would make `gs:` accesses land somewhere
 * random instead of faulting). A trampoline of plain moves (which leave the flags alone)
 * sets them and jumps with a relative jmp, so nothing is written to the guest's stack or
 * memory. */
static uint8_t *trampoline;

static void __attribute__((noinline, noreturn)) enter(uint32_t entry, uint32_t esp) {
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

int main(void) {
    static char altstack[65536];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    struct sigaction sa;
    int signals[] = { SIGTRAP, SIGSEGV, SIGFPE, SIGILL, SIGBUS };
    sigaltstack(&ss, NULL);
    __asm__ volatile("mov %%gs, %0" : "=r"(harness_gs));
    trampoline = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (trampoline == MAP_FAILED) return 4;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    for (unsigned i = 0; i < sizeof signals / sizeof *signals; i++)
        sigaction(signals[i], &sa, NULL);

    for (;;) {
        uint32_t n, entry, esp;
        struct section sec[MAX_SECTIONS];
        read_all(&n, 4);
        if (n > MAX_SECTIONS) return 2;
        for (uint32_t i = 0; i < n; i++) {
            read_all(&sec[i], sizeof sec[i]);
            void *at = mmap((void *)(uintptr_t)sec[i].address, sec[i].size,
                            PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                            -1, 0);
            if (at != (void *)(uintptr_t)sec[i].address) {
                fprintf(stderr, "harness: cannot map %#x (+%#x)\n", sec[i].address, sec[i].size);
                return 3;
            }
            read_all(at, sec[i].size);
            mprotect(at, sec[i].size, (int)sec[i].prot);
        }
        read_all(&entry, 4);
        read_all(&esp, 4);
        caught = 0;
        if (sigsetjmp(back, 1) == 0)
            enter(entry, esp);
        write_all((const void *)&caught, 4);
        write_all((const void *)regs, sizeof regs);
        for (uint32_t i = 0; i < n; i++) {
            if (sec[i].prot & PROT_WRITE)
                write_all((void *)(uintptr_t)sec[i].address, sec[i].size);
            munmap((void *)(uintptr_t)sec[i].address, sec[i].size);
        }
        fflush(stdout);
    }
}
