; The call benchmark: recursive fibonacci, cdecl frames all the way down.
; REPEAT computes it again; the benchmark raises it for the native run only.
REPEAT equ 1
section .text
global _start
_start:
    mov esi, REPEAT
.again:
    push 24
    call fib
    add esp, 4
    dec esi
    jnz .again
    mov ebx, eax
    and ebx, 0xff               ; fib(24) = 46368; the status is its low byte
    mov eax, 1
    int 0x80

fib:                            ; int fib(int n)
    push ebp
    mov ebp, esp
    push ebx
    mov eax, [ebp + 8]
    cmp eax, 2
    jl .base
    dec eax
    push eax
    call fib
    add esp, 4
    mov ebx, eax
    mov eax, [ebp + 8]
    sub eax, 2
    push eax
    call fib
    add esp, 4
    add eax, ebx
.base:
    pop ebx
    pop ebp
    ret
