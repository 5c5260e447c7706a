# compat: -I include
# Sections as ld lays them out: .section with flags, subsections such as .text.unlikely
# and .rodata.str1.1, .pushsection/.popsection and .previous, .data.rel.ro, .comm and
# .lcomm, alignment with fill and max-skip (.p2align, .balign, .align), .zero/.skip with
# a fill byte, and the strings .ascii/.asciz/.string.
.include "print.s"

.section .rodata.str1.1,"aMS",@progbits,1
hello:  .string "hello"
.section .rodata
        .p2align 3
eight:  .quad 8
        .byte 1
        .balign 4, 0xaa
four:   .long 4

.data
first:  .byte 1
        .p2align 4,,3           # 15 bytes needed, at most 3 allowed: no padding
second: .byte 2
        .balign 8, 0x55
third:  .ascii "ab"
        .asciz "c"
        .skip 3, 0x2d
        .zero 2
.section .data.rel.ro,"aw"
pointer: .long hello

.text
.globl _start
_start:
    call cold
    movl pointer, %esi
    write %esi, $5
    call newline
    movl $eight, %eax; andl $7, %eax; call print_uint
    movl four, %eax; call print_uint
    movl $second, %eax; subl $first, %eax; call print_uint
    movl $third, %eax; andl $7, %eax; call print_uint
    movzbl third+5, %eax; call print_uint
    movl $counter, %eax; andl $15, %eax; call print_uint
    incl counter
    incl buffer+4
    movl counter, %eax; addl buffer+4, %eax; call print_uint
    .pushsection .rodata
late:   .long 77
    .popsection
    movl late, %eax; call print_uint
    .section .data
extra:  .long 5
    .previous
    movl extra, %eax; call print_uint
    call newline
    .p2align 4
    exit $9

.section .text.unlikely,"ax",@progbits
cold:
    movl $1, %eax
    .p2align 3
    ret

.comm counter, 4, 16
.lcomm buffer, 8
