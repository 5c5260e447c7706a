# GNU as calling the C library (no extern needed: undefined names are external):
# scanf, malloc/free, strcpy/strcat/strcmp, atoi/strtol, calloc/realloc, putchar, a loop
# of printf.
    .data
fmt_num:  .string "%-6s|%6d|%#x|%+.3e\n"
fmt_cmp:  .string "strcmp=%d strncmp=%d atoi=%d strtol=%ld\n"
hello:    .string "hello"
world:    .string ", world"
number:   .string "  -123abc"
hexa:     .string "0x1f"
pi:       .double 3.14159265
fmt_in:   .string "%d %d"
fmt_sum:  .string "scanf read %d numbers: %d\n"
    .bss
    .lcomm pair, 8
    .lcomm buffer, 64
    .text
    .globl main
main:
    pushl %ebp
    movl %esp, %ebp
    pushl %ebx
    subl $20, %esp
    pushl $hello
    pushl $buffer
    call strcpy
    addl $8, %esp
    pushl $world
    pushl $buffer
    call strcat
    addl $8, %esp
    pushl $buffer
    call puts
    addl $4, %esp
    pushl $pair+4
    pushl $pair
    pushl $fmt_in
    call scanf
    addl $12, %esp
    movl pair, %edx
    addl pair+4, %edx
    pushl %edx
    pushl %eax
    pushl $fmt_sum
    call printf
    addl $12, %esp
    pushl $32
    call malloc
    addl $4, %esp
    pushl %eax
    call free
    addl $4, %esp
    xorl %ebx, %ebx
1:  pushl pi+4
    pushl pi
    pushl %ebx
    imull $1000, %ebx, %eax
    pushl %eax
    pushl $hello
    pushl $fmt_num
    call printf
    addl $24, %esp
    incl %ebx
    cmpl $3, %ebx
    jl 1b
    pushl $0
    pushl $0
    pushl $hexa
    call strtol
    addl $12, %esp
    pushl %eax
    pushl $number
    call atoi
    addl $4, %esp
    pushl %eax
    pushl $3
    pushl $world
    pushl $hello
    call strncmp
    addl $12, %esp
    pushl %eax
    pushl $buffer
    pushl $hello
    call strcmp
    addl $8, %esp
    pushl %eax
    pushl $fmt_cmp
    call printf
    addl $20, %esp
    pushl $8
    pushl $4
    call calloc
    addl $8, %esp
    movl $65, (%eax)
    pushl $100
    pushl %eax
    call realloc
    addl $8, %esp
    pushl (%eax)
    call putchar
    addl $4, %esp
    pushl $10
    call putchar
    addl $4, %esp
    movl $7, %eax
    movl -4(%ebp), %ebx
    leave
    ret
