; nasm dialect, assembled by the real nasm in the conformance suite: write and exit_group.
section .data
msg:    db "hello from nasm", 10
MSG_LEN equ $ - msg
section .text
global _start
_start:
    mov eax, 4
    mov ebx, 1
    mov ecx, msg
    mov edx, MSG_LEN
    int 0x80
    mov ebx, eax            ; exit status: bytes written (16)
    mov eax, 252            ; exit_group
    int 0x80
