; A generator: the producer computes squares and yields each one to the consumer (main)
; by switching coroutines; neither knows about the other's stack.
section .data
space:  db " "
nl:     db 10

section .bss
main_ctx:   resd 1
gen_ctx:    resd 1
value:      resd 1
gen_stack:  resb 4096

section .text
global _start
_start:
    push 5                      ; coro_make(&gen_ctx, gen_stack, 4096, squares, 5)
    push squares
    push 4096
    push gen_stack
    push gen_ctx
    call coro_make
    add esp, 20
    mov esi, 5                  ; take five values
.next:
    push gen_ctx                ; resume the generator
    push main_ctx
    call coro_swap
    add esp, 8
    push dword [value]
    call print_uint
    add esp, 4
    push 1
    push space
    call print_str
    add esp, 8
    dec esi
    jnz .next
    push 1
    push nl
    call print_str
    add esp, 8
    mov ebx, [value]            ; exit(25), the last square
    mov eax, 1
    int 0x80

squares:                        ; void squares(int count): yields 1, 4, 9, ...
    push ebp
    mov ebp, esp
    push ebx
    mov ebx, 1
.loop:
    mov eax, ebx
    mul ebx
    mov [value], eax
    push main_ctx               ; yield
    push gen_ctx
    call coro_swap
    add esp, 8
    inc ebx
    jmp .loop

%include "lib/coro.inc"
%include "lib/print_uint.inc"
