; Recursive fibonacci: two calls per frame, EBX saved and restored by the callee because
; it holds fib(n-1) across the second call.
section .data
label:  db "fib(10) = "
LABEL_LEN equ $ - label
nl:     db 10

section .text
global _start
_start:
    push LABEL_LEN
    push label
    call print_str
    add esp, 8
    push 10
    call fib
    add esp, 4
    mov edi, eax
    push eax
    call print_uint
    add esp, 4
    push 1
    push nl
    call print_str
    add esp, 8
    mov ebx, edi                ; exit(fib(10)) = exit(55)
    mov eax, 1
    int 0x80

fib:                            ; int fib(int n)
    push ebp
    mov ebp, esp
    push ebx                    ; callee-saved: we use it
    mov eax, [ebp + 8]
    cmp eax, 2
    jl .base                    ; fib(0) = 0, fib(1) = 1
    dec eax
    push eax
    call fib                    ; fib(n - 1)
    add esp, 4
    mov ebx, eax
    mov eax, [ebp + 8]
    sub eax, 2
    push eax
    call fib                    ; fib(n - 2)
    add esp, 4
    add eax, ebx
.base:
    pop ebx
    pop ebp
    ret

%include "lib/print_uint.inc"
