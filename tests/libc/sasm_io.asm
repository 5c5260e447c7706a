; SASM-style console I/O through io.inc (cpuemu ships one, written from SASM's documented
; macros): reading numbers, printing signed, unsigned and hex values, chars and strings.
%include "io.inc"

section .data
msg: db "sum of ", 0
value: dw -5

section .bss
a: resd 1
name: resb 32

section .text
global CMAIN
CMAIN:
    mov ebp, esp
    GET_DEC 4, [a]
    GET_DEC 4, ebx
    PRINT_STRING msg
    PRINT_DEC 4, [a]
    PRINT_STRING ' and '
    PRINT_DEC 4, ebx
    PRINT_CHAR ':'
    PRINT_CHAR ' '
    mov eax, [a]
    add eax, ebx
    PRINT_DEC 4, eax
    NEWLINE
    PRINT_DEC 2, [value]
    PRINT_CHAR ' '
    PRINT_UDEC 2, [value]
    PRINT_CHAR ' '
    PRINT_HEX 4, 255
    NEWLINE
    GET_CHAR cl
    GET_STRING name, 32
    PRINT_STRING name
    xor eax, eax
    ret
