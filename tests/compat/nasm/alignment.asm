; compat: -I include
; align in code (nop padding) and data (zeros), align with a fill (`db 0xcc`, `int3`),
; alignb in .bss, sectalign, and addresses that depend on all of them.
%include "print.inc"

section .data
    db 1
    align 4
second: dd 2
    db 3
    align 16, db 0xee
sixteen: dq 16
    db 5
    align 8, db 0
eight: db 8

section .bss
    resb 3
    alignb 8
counters: resd 4
    resb 1
    alignb 32
wide: resb 32

section .text
sectalign 16
global _start
_start:
    call work
    jmp finish
    align 16, int3              ; never run: padding between functions
work:
    mov eax, second
    and eax, 15
    call print_uint
    mov eax, sixteen
    and eax, 15
    call print_uint
    mov eax, eight
    and eax, 7
    call print_uint
    mov eax, counters
    and eax, 7
    call print_uint
    mov eax, wide
    and eax, 31
    call print_uint
    mov eax, work
    and eax, 15
    call print_uint
    ret
    align 8
finish:
    mov eax, finish - _start
    call print_uint
    call newline
    exit [sixteen]
