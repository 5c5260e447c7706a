; printf's output waits in stdio's buffer: exit() and main's return flush it, the raw
; exit system call does not (natively too, when stdout is not a terminal).
extern printf, exit, fflush
global main
section .data
first:  db "flushed by fflush", 10, 0
second: db "lost: the raw exit does not flush", 10, 0
section .text
main:
    push first
    call printf
    push 0
    call fflush
    push second
    call printf
    mov eax, 1
    mov ebx, 3
    int 0x80
