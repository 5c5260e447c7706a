; nasm dialect tour: %define, [bits 32], equ, times, resb, $ and $$, local labels,
; backquoted strings with escapes, align, and rep string instructions.
%define SYS_WRITE 4
%define SYS_EXIT  1
[bits 32]

section .data
greeting:   db `reversed: `
glen        equ $ - greeting
word_in:    db "stressed"
wlen        equ $ - word_in
newline:    db `\n`
            align 4
table:      dd 1, 2, 3, 4
            times 4 dd 0            ; four more zero dwords
tsize       equ ($ - table) / 4     ; 8 entries
offsets:    dw wlen, glen
            dq 0x1122334455667788

section .bss
buffer:     resb 16
counter:    resd 1

section .text
global _start
_start:
    mov esi, word_in                ; reverse word_in into buffer
    mov edi, buffer + wlen - 1
    mov ecx, wlen
.copy:
    lodsb
    mov [edi], al
    dec edi
    loop .copy

    mov ecx, tsize                  ; sum the table: 1+2+3+4 = 10
    xor eax, eax
    mov ebx, table
.sum:
    add eax, [ebx + ecx*4 - 4]
    loop .sum
    mov [counter], eax

    mov eax, SYS_WRITE
    mov ebx, 1
    mov ecx, greeting
    mov edx, glen
    int 0x80
    mov eax, SYS_WRITE
    mov ebx, 1
    mov ecx, buffer
    mov edx, wlen
    int 0x80

    cld                             ; rep stosb: fill the buffer with '!'
    mov edi, buffer
    mov al, '!'
    mov ecx, 3
    rep stosb
    mov eax, SYS_WRITE
    mov ebx, 1
    mov ecx, buffer
    mov edx, 3
    int 0x80
    mov eax, SYS_WRITE
    mov ebx, 1
    mov ecx, newline
    mov edx, 1
    int 0x80

    mov eax, SYS_EXIT
    mov ebx, [counter]              ; exit status 10
    int 0x80
    times 16 - ($ - $$) % 16 nop    ; pad the code to 16 bytes
