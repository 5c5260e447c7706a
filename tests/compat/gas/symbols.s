# compat: -I include
# Symbols and conditions: .set, .equ, .equiv and `=`, /* */ and # comments, several
# statements on a line with `;`, .if/.elseif/.else with .ifdef/.ifndef, numeric local
# labels (1: with 1b and 1f) reused many times, `.` as the location.
.include "print.s"

.set width, 8                   /* a constant */
.equ height, 3
area = width * height           # `=` defines a symbol too
.equiv depth, area / 4
.set width, width + 2           # .set may redefine; .equiv may not

.if area > 20
    .set big, 1
.elseif area > 10
    .set big, 2
.else
    .set big, 3
.endif

.data
table:  .long width, height, area, depth, big
tsize = (. - table) / 4
.ifdef tsize
flag:   .byte 1
.endif
.ifndef nothere
        .byte 2
.endif

.text
.globl _start
_start:
    xorl %esi, %esi
1:  movl table(,%esi,4), %eax; call print_uint; incl %esi
    cmpl $tsize, %esi
    jb 1b
    call newline
    movl $5, %ecx
1:  testl $1, %ecx              # odd or even, with labels 1 and 2 reused
    jz 2f
    movl $1, %eax
    jmp 3f
2:  movl $0, %eax
3:  call print_uint
    loop 1b
    call newline
    movzbl flag, %eax; call print_uint
    movzbl flag+1, %eax; call print_uint
    call newline
    exit $area
