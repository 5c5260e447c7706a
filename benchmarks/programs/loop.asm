; The loop benchmark: a counted loop of register arithmetic (5 instructions per turn).
section .text
global _start
_start:
    mov ecx, 2000000
    xor eax, eax
    xor ebx, ebx
.turn:
    add eax, ecx
    xor ebx, eax
    sub ebx, 3
    dec ecx
    jnz .turn
    and ebx, 0xff
    mov eax, 1
    int 0x80
