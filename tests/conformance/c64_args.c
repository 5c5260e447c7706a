/* The x86-64 initial stack: argc, argv, envp and auxv in 8-byte words, RSP 16-byte
 * aligned at _start, as the kernel lays them out. */
#include "sys.h"

void __attribute__((used)) entry(long *sp) {
    long argc = sp[0];
    char **argv = (char **)(sp + 1), **envp = argv + argc + 1;
    for (int i = 1; i < argc; i++) { out(argv[i]); out("\n"); }
    show("argv-null", argv[argc] == 0);
    show("rsp-aligned", ((unsigned long)sp & 15) == 0);
    while (*envp) envp++;
    unsigned long *aux = (unsigned long *)(envp + 1);
    int pagesz = 0, entry_ok = 0, random_ok = 0, phdr_ok = 0;
    for (; aux[0]; aux += 2) {
        if (aux[0] == 6) pagesz = (int)aux[1];
        if (aux[0] == 9) entry_ok = aux[1] != 0;
        if (aux[0] == 25) random_ok = aux[1] != 0;
        if (aux[0] == 3) phdr_ok = *(u32 *)aux[1] == 6 || *(u32 *)aux[1] == 1;
    }
    show("AT_PAGESZ", pagesz);
    show("AT_ENTRY", entry_ok);
    show("AT_RANDOM", random_ok);
    show("AT_PHDR", phdr_ok);
    S1(60, argc);
}
__asm__(".globl _start\n_start:\n  mov %rsp, %rdi\n  call entry\n");
