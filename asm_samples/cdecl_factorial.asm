; Recursive factorial with cdecl frames: each call pushes its argument, the return
; address and the caller's EBP, so at the deepest point the stack holds five frames.
section .data
label:  db "factorial(5) = "
LABEL_LEN equ $ - label
nl:     db 10

section .text
global _start
_start:
    push LABEL_LEN
    push label
    call print_str
    add esp, 8
    push 5
    call factorial
    add esp, 4
    mov ebx, eax                ; keep the result for the exit status
    push eax
    call print_uint
    add esp, 4
    push 1
    push nl
    call print_str
    add esp, 8
    mov eax, 1                  ; exit(factorial(5)) = exit(120)
    int 0x80

factorial:                      ; unsigned factorial(unsigned n)
    push ebp
    mov ebp, esp
    mov eax, [ebp + 8]
    cmp eax, 1
    jbe .done                   ; 0! = 1! = 1 (n itself for n = 1; 1 for n = 0)
    dec eax
    push eax
    call factorial              ; factorial(n - 1)
    add esp, 4
    mul dword [ebp + 8]         ; edx:eax = n * factorial(n - 1)
    pop ebp
    ret
.done:
    mov eax, 1
    pop ebp
    ret

%include "lib/print_uint.inc"
