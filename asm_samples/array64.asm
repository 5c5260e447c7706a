; A loop over an array of 64-bit integers: sum, minimum and maximum, with the index
; scaled by 8 in the address ([table + rcx*8]) and a counted `loop` on RCX.
; nasm -f elf64 array64.asm && ld array64.o
bits 64
default rel

section .data
table:  dq 31, -7, 1000000000000, 42, -250000000000, 8, 0, 19
count:  equ ($ - table) / 8

section .text
global _start
_start:
    lea rbx, [table]
    xor r12, r12                ; sum
    mov r13, [rbx]              ; min
    mov r14, r13                ; max
    mov ecx, count              ; RCX counts down; the index is RCX - 1
.next:
    mov rax, [rbx + rcx*8 - 8]
    add r12, rax
    cmp rax, r13
    cmovl r13, rax              ; signed comparisons: jl/cmovl read SF and OF
    cmp rax, r14
    cmovg r14, rax
    loop .next

    mov rdi, r12
    call print_int
    mov rdi, r13
    call print_int
    mov rdi, r14
    call print_int

    mov eax, 60                 ; exit(count)
    mov edi, count
    syscall

%include "lib/print64.inc"
