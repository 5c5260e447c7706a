# A context switch written the way C coroutine libraries write theirs for i386 (AT&T
# syntax, registers at fixed offsets of a context struct, the resume EIP taken from the
# return address), running unchanged through cpuemu's gas dialect.
#
#   struct ctx { void *eip; void *esp; long ebx, esi, edi, ebp; };   /* 0 4 8 12 16 20 */
#   void ctx_swap(struct ctx *from, struct ctx *to);

        .data
m1:     .ascii "main: start the coroutine\n"
m2:     .ascii "co: running, arg 7\n"
m3:     .ascii "main: back in main\n"
m4:     .ascii "co: resumed where it left off\n"
m5:     .ascii "main: done\n"
main_ctx:
        .long 0, 0, 0, 0, 0, 0
co_ctx: .long 0, 0, 0, 0, 0, 0
        .bss
        .comm co_stack, 4096

        .text
        .globl _start
_start:
        movl $co_stack + 4096, %eax     # a fresh stack, laid out as if co(7) had been called
        movl $7, -4(%eax)               # the argument
        movl $co_returned, -8(%eax)     # the return address
        subl $8, %eax
        movl %eax, co_ctx + 4           # esp
        movl $co, co_ctx                # eip
        pushl $26
        pushl $m1
        call say
        addl $8, %esp
        pushl $co_ctx
        pushl $main_ctx
        call ctx_swap
        addl $8, %esp
        pushl $19
        pushl $m3
        call say
        addl $8, %esp
        pushl $co_ctx
        pushl $main_ctx
        call ctx_swap
        addl $8, %esp
        pushl $11
        pushl $m5
        call say
        addl $8, %esp
        movl $0, %ebx
        movl $1, %eax
        int $0x80

co:                                     # void co(int arg)
        pushl %ebp
        movl %esp, %ebp
        pushl $19
        pushl $m2
        call say
        addl $8, %esp
        pushl $main_ctx
        pushl $co_ctx
        call ctx_swap
        addl $8, %esp
        pushl $30
        pushl $m4
        call say
        addl $8, %esp
        pushl $main_ctx
        pushl $co_ctx
        call ctx_swap
co_returned:
        movl $99, %ebx                  # never reached: main exits first
        movl $1, %eax
        int $0x80

say:                                    # void say(const char *s, int n)
        pushl %ebx
        movl $4, %eax
        movl $1, %ebx
        movl 8(%esp), %ecx
        movl 12(%esp), %edx
        int $0x80
        popl %ebx
        ret

        .globl ctx_swap
ctx_swap:
        movl 4(%esp), %eax              # from
        movl 8(%esp), %edx              # to
        movl (%esp), %ecx               # our return address: where `from` resumes
        movl %ecx, 0(%eax)
        leal 4(%esp), %ecx              # the stack as it is after that return
        movl %ecx, 4(%eax)
        movl %ebx, 8(%eax)
        movl %esi, 12(%eax)
        movl %edi, 16(%eax)
        movl %ebp, 20(%eax)
        movl 8(%edx), %ebx
        movl 12(%edx), %esi
        movl 16(%edx), %edi
        movl 20(%edx), %ebp
        movl 4(%edx), %esp
        jmp *0(%edx)
