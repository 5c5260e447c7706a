; The system-call benchmark: 100,000 getpid calls, each one round trip through the
; engine's trap and the kernel. REPEAT runs it again (raised for the native run only).
CALLS equ 100000
REPEAT equ 1
section .text
global _start
_start:
    mov edi, REPEAT
.again:
    mov esi, CALLS
.call:
    mov eax, 20                 ; getpid
    int 0x80
    dec esi
    jnz .call
    dec edi
    jnz .again
    xor ebx, ebx
    mov eax, 1
    int 0x80
