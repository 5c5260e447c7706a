# compat: -I include
# GNU as's macro layer: .macro with positional, default and keyword arguments, \@,
# .exitm, .rept, .irp and .irpc, nested; .include found through -I.
.include "print.s"

.macro show value
    movl \value, %eax
    call print_uint
.endm

.macro add3 a, b=10, c=100
    movl $\a, %eax
    addl $\b, %eax
    addl $\c, %eax
.endm

.macro countdown from
    movl $\from, %ecx
loop\@:
    show %ecx
    loop loop\@
.endm

.macro maybe x
.if \x == 0
    show $0
    .exitm
.endif
    show $\x
    show $\x
.endm

.data
squares:
.irp n, 1, 2, 3, 4
    .long \n * \n
.endr
letters:
.irpc c, xyz
    .byte '\c'
.endr
    .byte '\n'
ones:
.rept 3
    .byte 1
.endr

.text
.globl _start
_start:
    add3 1
    show %eax
    add3 1, 2
    show %eax
    add3 c=3, a=1
    show %eax
    call newline
    countdown 3
    countdown 2
    call newline
    maybe 0
    maybe 5
    call newline
    movl $squares, %esi
    xorl %eax, %eax
.rept 4
    addl (%esi), %eax
    addl $4, %esi
.endr
    show %eax
    movzbl ones+2, %eax
    show %eax
    call newline
    write $letters, $4
    exit $30
