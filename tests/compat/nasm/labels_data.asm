; compat: -I include
; Labels as nasm reads them: without a colon before an instruction or data, local
; `.labels`, and every zero-operand mnemonic an instruction, never a label (aam, aad,
; lahf, cmc, xlatb, daa...). Data lists with trailing commas, strings in dw/dd,
; backquoted escapes, times, equ, $ and $$.
%include "print.inc"

section .data
digits  db "0123456789",
table   dw 'ab', 'c',
        dd 1, 2, 3,
banner  db `tab\there\n`
blen    equ $ - banner
filler  times 3 db '-'
here    dd $ - $$
score   dd 0

section .text
global _start
_start  mov eax, 0x0603         ; AH=6, AL=3
        aad                     ; AL = 6 * 10 + 3
        call print_uint
        mov al, 75
        aam                     ; AH = 7, AL = 5
        movzx ebx, ah
        movzx eax, al
        add eax, ebx
        call print_uint
        mov al, 0x19
        add al, 0x28
        daa                     ; BCD 19 + 28 = 47
        call print_uint
        stc
        cmc                     ; carry clear again
        lahf
        movzx eax, ah
        and eax, 1
        call print_uint
        mov ebx, digits
        mov al, 7
        xlatb
        call print_uint
        mov ax, -5
        cwde
        cdq
        neg eax
        call print_uint
        call newline
        mov ecx, 3
again   add dword [score], ecx
        loop again
.local  mov eax, [score]
        call print_uint
        movzx eax, word [table + 2]
        call print_uint
        mov eax, [table + 8]
        call print_uint
        mov eax, [here]
        call print_uint
        mov eax, blen
        call print_uint
        call newline
        write banner, blen
        write filler, 3
        call newline
        exit [score]
