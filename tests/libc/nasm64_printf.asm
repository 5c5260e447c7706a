; 64-bit: the System V convention into the C library: integers and pointers in RDI RSI
; RDX RCX R8 R9, doubles in XMM0..7 (AL says how many), more on the stack.
bits 64
default rel
extern printf, scanf, malloc, free, strlen
global main

section .data
fmt:    db "%s: %d %ld %u %x %c %.3f %e", 10, 0
label:  db "seven", 0
many:   db "%d %d %d %d %d %d %d %d", 10, 0
in_fmt: db "%d %d", 0
sum:    db "sum %d, %zu chars", 10, 0
pi:     dq 3.14159265358979
big:    dq 1.0e10

section .bss
a: resd 1
b: resd 1

section .text
main:
    push rbp
    mov rbp, rsp
    lea rdi, [fmt]
    lea rsi, [label]
    mov edx, -7
    mov rcx, 0x123456789
    mov r8d, 4000000000
    mov r9d, 255
    movsd xmm0, [pi]
    movsd xmm1, [big]
    push 'Z'                       ; the 7th integer argument, on the stack
    push 'Z'                       ; (twice: the stack stays 16-byte aligned)
    mov eax, 2
    call printf
    add rsp, 16
    lea rdi, [many]
    mov esi, 1
    mov edx, 2
    mov ecx, 3
    mov r8d, 4
    mov r9d, 5
    sub rsp, 8                     ; keep RSP 16-aligned at the call
    push 8
    push 7
    push 6
    xor eax, eax
    call printf
    add rsp, 32
    lea rdi, [in_fmt]
    lea rsi, [a]
    lea rdx, [b]
    xor eax, eax
    call scanf
    lea rdi, [label]
    call strlen
    mov rdx, rax
    mov esi, [a]
    add esi, [b]
    lea rdi, [sum]
    xor eax, eax
    call printf
    mov edi, 64
    call malloc
    mov rdi, rax
    call free
    xor eax, eax
    leave
    ret
