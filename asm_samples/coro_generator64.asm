; A generator in 64-bit code: the producer computes squares and yields each one to the
; consumer (_start) by switching coroutines; neither knows about the other's stack.
; nasm -f elf64 coro_generator64.asm && ld coro_generator64.o
bits 64
default rel

section .data
space:  db " "
nl:     db 10

section .bss
main_ctx:   resq 1
gen_ctx:    resq 1
value:      resq 1
gen_stack:  resb 8192

section .text
global _start
_start:
    lea rdi, [gen_ctx]          ; coro_make(&gen_ctx, gen_stack, 8192, squares, 5)
    lea rsi, [gen_stack]
    mov edx, 8192
    lea rcx, [squares]
    mov r8d, 5
    call coro_make
    mov ebx, 5                  ; take five values (RBX survives the swaps)
.next:
    lea rdi, [main_ctx]         ; resume the generator
    lea rsi, [gen_ctx]
    call coro_swap
    mov rdi, [value]
    call print_int
    dec ebx
    jnz .next
    mov rdi, [value]            ; exit(25), the last square
    mov eax, 60
    syscall

squares:                        ; void squares(long count): yields 1, 4, 9, ...
    push rbx
    mov ebx, 1
.loop:
    mov rax, rbx
    imul rax, rbx
    mov [value], rax
    lea rdi, [gen_ctx]          ; yield
    lea rsi, [main_ctx]
    call coro_swap
    inc rbx
    jmp .loop

%include "lib/coro64.inc"
%include "lib/print64.inc"
