; The loop benchmark: a counted loop of register arithmetic (5 instructions per turn).
; REPEAT runs the whole thing again; the benchmark raises it for the native run only.
REPEAT equ 1
section .text
global _start
_start:
    mov edi, REPEAT
.again:
    mov ecx, 2000000
    xor eax, eax
    xor ebx, ebx
.turn:
    add eax, ecx
    xor ebx, eax
    sub ebx, 3
    dec ecx
    jnz .turn
    dec edi
    jnz .again
    and ebx, 0xff
    mov eax, 1
    int 0x80
