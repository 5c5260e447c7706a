; A convention breaker: sum3 uses EBX without saving it. The program still prints the
; right sum, but its caller's EBX is gone, which `cpuemu run --check-cdecl` reports.
section .data
label:  db "sum3(1, 2, 3) = "
LABEL_LEN equ $ - label
nl:     db 10

section .text
global _start
_start:
    mov ebx, 7                  ; a value _start expects to keep across the call
    push 3
    push 2
    push 1
    call sum3
    add esp, 12
    mov esi, eax
    push LABEL_LEN
    push label
    call print_str
    add esp, 8
    push esi
    call print_uint
    add esp, 4
    push 1
    push nl
    call print_str
    add esp, 8
    mov eax, 1                  ; exit(ebx): 6 here, where 7 was meant
    int 0x80

sum3:                           ; int sum3(int a, int b, int c), but clobbers EBX
    push ebp
    mov ebp, esp
    mov ebx, [ebp + 8]          ; BUG: EBX is callee-saved and never restored
    add ebx, [ebp + 12]
    add ebx, [ebp + 16]
    mov eax, ebx
    pop ebp
    ret

%include "lib/print_uint.inc"
