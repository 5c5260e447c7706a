; Thread-local storage the way an x86-64 libc sets it up: arch_prctl(ARCH_SET_FS, block),
; then fs: addresses the block; the process ends with exit_group.
bits 64
default rel
section .data
tls:    dq 0x1111111111111111, 42
msg:    db "fs works", 10
section .text
global _start
_start:
    mov eax, 158            ; arch_prctl(ARCH_SET_FS, tls)
    mov edi, 0x1002
    lea rsi, [tls]
    syscall
    test eax, eax
    jnz fail
    mov rax, [fs:8]         ; 42
    cmp rax, 42
    jne fail
    mov eax, 1              ; write(1, msg, 9)
    mov edi, 1
    lea rsi, [msg]
    mov edx, 9
    syscall
    mov edi, [fs:8]
    mov eax, 231            ; exit_group(42)
    syscall
fail:
    mov edi, 99
    mov eax, 60
    syscall
