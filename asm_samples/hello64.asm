; Linux x86-64 hello world: nasm -f elf64 hello64.asm && ld hello64.o
; The system call number goes in RAX, the arguments in RDI RSI RDX (then R10 R8 R9),
; and `syscall` traps; the numbers are x86-64's (write is 1, exit is 60), not i386's.
bits 64
section .data
msg:    db "Hello, 64-bit world!", 10
len:    equ $ - msg

section .text
global _start
_start:
    mov eax, 1          ; write(1, msg, len)
    mov edi, 1          ; a 32-bit write clears the upper half: this is mov rdi, 1
    lea rsi, [rel msg]  ; RIP-relative: the address of msg, wherever the code is
    mov edx, len
    syscall
    mov eax, 60         ; exit(0)
    xor edi, edi
    syscall
