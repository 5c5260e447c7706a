; 64-bit nasm: `bits 64`, `default rel` (bare addresses RIP-relative), `[abs x]`,
; r8..r15 and their parts, movsxd, a 64-bit immediate, and the syscall instruction.
bits 64
default rel

section .data
values:  dq 5, -7, 1 << 40
count    equ ($ - values) / 8
digits:  times 24 db 0
absolute_copy: dq 0

section .text
global _start
_start:
    xor r12, r12                ; sum of the values
    lea rsi, [values]
    mov ecx, count
.add:
    add r12, [rsi]
    add rsi, 8
    loop .add
    mov rax, r12
    call print_u64
    mov r8d, -1                 ; writing r8d clears the top half
    mov rax, r8
    call print_u64
    mov r9, 0x1122334455667788
    movzx eax, r9b
    call print_u64
    movsxd rax, dword [values + 8]
    neg rax
    call print_u64
    mov [abs absolute_copy], r12
    mov rax, [absolute_copy]
    shr rax, 40
    call print_u64
    mov eax, 60
    mov edi, 64
    syscall

; print_u64: RAX in decimal and a newline.
print_u64:
    lea rdi, [digits + 23]
    mov byte [rdi], 10
    mov r10, 10
.digit:
    xor edx, edx
    div r10
    add dl, '0'
    dec rdi
    mov [rdi], dl
    test rax, rax
    jnz .digit
    lea rdx, [digits + 24]
    sub rdx, rdi
    mov rsi, rdi
    mov edi, 1
    mov eax, 1
    syscall
    ret
