; compat: -I include
; Size keywords where nasm takes them: push byte/word/dword/strict, `mov [x], byte 5`,
; `mov byte bl, 7`, displacement sizes `[byte esi]` and `[dword esi + 4]`, `[dword x]`,
; `add eax, byte 5`, sign- and zero-extension from sized memory.
%include "print.inc"

section .data
x: dd 0
pair: dd 0x11111111, -2

section .text
global _start
_start:
    push byte -3                ; a dword -3, from an imm8
    pop eax
    neg eax
    call print_uint
    push strict dword 9         ; imm32 even though 9 fits a byte
    pop eax
    call print_uint
    push dword 0x12345678
    pop eax
    shr eax, 24
    call print_uint
    mov [x], byte 5
    mov eax, [x]
    call print_uint
    mov byte bl, 7
    movzx eax, bl
    call print_uint
    mov esi, pair
    mov eax, [byte esi]
    and eax, 0xff
    call print_uint
    mov eax, [dword esi + 4]
    neg eax
    call print_uint
    mov eax, [dword x]
    add eax, byte 5
    call print_uint
    movsx eax, byte [pair + 4]
    neg eax
    call print_uint
    movzx eax, word [byte esi + 4]
    call print_uint
    mov word [x], 300
    mov eax, [x]
    call print_uint
    call newline
    exit [x]
