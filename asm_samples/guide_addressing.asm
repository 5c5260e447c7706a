; The guide's "Addressing Memory" and "Size Directives" examples, each one checked.
; Prints one letter per check: a capital when the value read back is right.
.386
.MODEL FLAT
.DATA
var     DD 0
table   DD 10, 20, 30, 40, 50
buf     DB 8 DUP(0)

.CODE
main PROC
    push ebx
    push esi
    mov ebx, OFFSET table
    mov eax, [ebx]              ; A: load 4 bytes from the address in EBX
    cmp eax, 10
    call report
    mov ebx, 1234
    mov [var], ebx              ; B: store EBX into var
    cmp DWORD PTR [var], 1234
    call report
    mov esi, OFFSET table + 8
    mov eax, [esi-4]            ; C: load from ESI - 4 (table[1])
    cmp eax, 20
    call report
    mov esi, OFFSET buf
    mov eax, 3
    mov cl, 77
    mov [esi+eax], cl           ; D: store CL at ESI + EAX
    cmp BYTE PTR [buf+3], 77
    call report
    mov esi, OFFSET table
    mov ebx, 4
    mov edx, [esi+4*ebx]        ; E: load table[EBX] (the fifth dword)
    cmp edx, 50
    call report
    mov ebx, OFFSET buf
    mov BYTE PTR [ebx], 2       ; F: size directives: one byte
    mov WORD PTR [ebx+2], 0302h ;    two bytes
    mov DWORD PTR [ebx+4], -1   ;    four bytes
    cmp DWORD PTR [ebx], 03020002h
    call report
    cmp DWORD PTR [ebx+4], 0FFFFFFFFh
    call report                 ; G
    pop esi
    pop ebx
    mov eax, 0
    ret
main ENDP

INCLUDE lib/report.inc
END main
