# compat: -I include
# AT&T operand sizes: b/w/l suffixes on moves, arithmetic and shifts, the extending
# moves (movzbl, movsbw, movswl...), cltd/cwtl/cbtw, idivl, string moves with rep,
# indirect calls and jumps, and the x87 fsub/fdiv operand quirk GNU as keeps.
.include "print.s"

.data
bytes:  .byte 0xf0, 0x0f, 0x80, 0x7f
words:  .word -2, 300
dwords: .long 0, 0, 0
target: .long show_result
copy:   .space 4

.text
.globl _start
_start:
    movb $0x12, dwords          # one byte
    movw $0x3456, dwords+2      # two bytes
    movl dwords, %eax
    shrl $16, %eax
    call print_uint
    movzbl bytes, %eax
    call print_uint
    movsbl bytes+2, %eax
    negl %eax
    call print_uint
    movswl words, %eax
    negl %eax
    call print_uint
    movsbw bytes, %ax
    movzwl %ax, %eax
    call print_uint
    movzwl words+2, %eax
    shlw $2, %ax
    sarb $1, %al
    call print_uint
    call newline
    movl $-17, %eax
    cltd
    movl $5, %ecx
    idivl %ecx                  # -3 remainder -2
    negl %edx
    movl %edx, dwords+4
    negl %eax
    call print_uint
    movl dwords+4, %eax
    call print_uint
    movw $-9, %ax
    cwtl
    negl %eax
    call print_uint
    movb $-3, %al
    cbtw
    movzwl %ax, %eax
    call print_uint
    addw $1, words+2
    incb bytes+3
    movzwl words+2, %eax
    call print_uint
    movzbl bytes+3, %eax
    call print_uint
    call newline
    cld
    movl $bytes, %esi
    movl $copy, %edi
    movl $4, %ecx
    rep movsb
    movl copy, %eax
    andl $0xffff, %eax
    call *target                # an indirect call through memory
    movl $after, %edx
    jmp *%edx                   # an indirect jump through a register
after:
    finit
    fld1
    fld1
    faddp                       # 2
    fld1                        # st = 1, st(1) = 2
    fsub %st, %st(1)            # AT&T: st(1) = st - st(1)... as GNU as reads it
    fstp %st(0)
    fistpl dwords+8
    movl dwords+8, %eax
    call print_uint
    call newline
    exit $33

show_result:
    call print_uint
    ret
