# 64-bit AT&T: q suffixes, %r8..%r15, RIP-relative data (sym(%rip)), movslq and movabsq,
# call through @PLT and a load through @GOTPCREL as gcc writes them, and syscall.
.data
values:  .quad 5, -7, 1 << 40
digits:  .zero 24
         .p2align 3
count = (digits - values) / 8

.text
.globl _start
_start:
    xorq %r12, %r12
    leaq values(%rip), %rsi
    movl $count, %ecx
1:  addq (%rsi), %r12
    addq $8, %rsi
    loop 1b
    movq %r12, %rax
    call print_u64@PLT
    movl $-1, %r8d              # a 32-bit write clears the top half
    movq %r8, %rax
    call print_u64
    movabsq $0x1122334455667788, %r9
    movzbl %r9b, %eax
    call print_u64
    movslq values+8(%rip), %rax
    negq %rax
    call print_u64
    movq values@GOTPCREL(%rip), %rbx
    movq 16(%rbx), %rax
    shrq $40, %rax
    call print_u64
    movl $60, %eax
    movl $64, %edi
    syscall

print_u64:                      # %rax in decimal and a newline
    leaq digits+23(%rip), %rdi
    movb $10, (%rdi)
    movl $10, %r10d
1:  xorl %edx, %edx
    divq %r10
    addb $'0', %dl
    decq %rdi
    movb %dl, (%rdi)
    testq %rax, %rax
    jnz 1b
    leaq digits+24(%rip), %rdx
    subq %rdi, %rdx
    movq %rdi, %rsi
    movl $1, %edi
    movl $1, %eax
    syscall
    ret
