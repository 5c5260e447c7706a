; The guide's arithmetic and logic instructions, each checked:
; add sub inc dec imul idiv and or xor not neg shl shr.
.386
.MODEL FLAT
.DATA
var     DD 10
count   DD 3
.CODE
main PROC
    push ebx
    push esi
    push edi
    mov eax, 7                  ; A: add
    add eax, 10
    cmp eax, 17
    call report
    sub eax, 20                 ; B: sub below zero
    cmp eax, -3
    call report
    inc DWORD PTR [var]         ; C: inc memory
    cmp DWORD PTR [var], 11
    call report
    dec eax                     ; D: dec
    cmp eax, -4
    call report
    mov eax, 6                  ; E: imul with two operands, one in memory
    imul eax, [var]
    cmp eax, 66
    call report
    mov edi, 4                  ; F: imul with three operands
    imul esi, edi, 25
    cmp esi, 100
    call report
    mov eax, -7                 ; G: idiv: EDX:EAX / ebx, quotient in EAX
    cdq
    mov ebx, 2
    idiv ebx
    cmp eax, -3
    call report
    cmp edx, -1                 ; H: the remainder takes the dividend's sign
    call report
    mov eax, 0F0F0h             ; I: and
    and eax, 0FF00h
    cmp eax, 0F000h
    call report
    or eax, 0Fh                 ; J: or
    cmp eax, 0F00Fh
    call report
    xor edx, edx                ; K: xor a register with itself is zero
    cmp edx, 0
    call report
    mov BYTE PTR [var], 0       ; L: not flips every bit
    not BYTE PTR [var]
    cmp BYTE PTR [var], 0FFh
    call report
    mov eax, 5                  ; M: neg is two's complement
    neg eax
    cmp eax, -5
    call report
    mov eax, 1                  ; N: shl multiplies by two
    shl eax, 5
    cmp eax, 32
    call report
    mov ecx, [count]            ; O: shr by CL divides unsigned
    mov ebx, 80000000h
    shr ebx, cl
    cmp ebx, 10000000h
    call report
    pop edi
    pop esi
    pop ebx
    xor eax, eax
    ret
main ENDP

INCLUDE lib/report.inc
END main
