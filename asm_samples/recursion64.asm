; Recursive functions called the System V AMD64 way: the first argument in RDI, the
; result in RAX, RBX kept for the caller, RSP 16-byte aligned at every call.
; nasm -f elf64 recursion64.asm && ld recursion64.o
bits 64
section .text
global _start

; factorial(n) = n <= 1 ? 1 : n * factorial(n - 1)
factorial:
    cmp rdi, 1
    jbe .one
    push rbx                    ; callee-saved: the caller's RBX comes back intact
    mov rbx, rdi
    lea rdi, [rdi - 1]
    call factorial
    imul rax, rbx               ; 64-bit product
    pop rbx
    ret
.one:
    mov eax, 1
    ret

; fib(n) = n < 2 ? n : fib(n - 1) + fib(n - 2), with a frame: RBP chain and locals
fib:
    push rbp
    mov rbp, rsp
    sub rsp, 16                 ; [rbp - 8] n, [rbp - 16] fib(n - 1)
    mov rax, rdi
    cmp rdi, 2
    jl .done
    mov [rbp - 8], rdi
    dec rdi
    call fib
    mov [rbp - 16], rax
    mov rdi, [rbp - 8]
    sub rdi, 2
    call fib
    add rax, [rbp - 16]
.done:
    leave
    ret

_start:
    mov edi, 20
    call factorial              ; 20! = 2432902008176640000 fits in 63 bits
    mov rdi, rax
    call print_int
    mov edi, 16
    call fib
    mov rbx, rax
    mov rdi, rax
    call print_int
    mov eax, 60
    mov rdi, rbx
    and edi, 0x7f               ; exit(fib(16) & 127)
    syscall

%include "lib/print64.inc"
