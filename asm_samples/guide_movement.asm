; The guide's data movement instructions: mov, push, pop, lea. One letter per check.
.386
.MODEL FLAT
.DATA
var     DD 5
var2    DB 0
.CODE
main PROC
    push ebx
    push esi
    push edi
    mov eax, ebx                ; A: mov register to register
    mov ebx, 0FFh
    mov eax, ebx
    cmp eax, 255
    call report
    mov BYTE PTR [var2], 5      ; B: mov immediate to memory
    cmp BYTE PTR [var2], 5
    call report
    mov esi, esp                ; C: push decrements ESP by 4 and stores
    push 12345
    mov eax, esi
    sub eax, esp
    cmp eax, 4
    call report
    cmp DWORD PTR [esp], 12345  ; D: the pushed value is at [ESP]
    call report
    push [var]                  ; E: push a memory dword, pop it into a register
    pop edi
    cmp edi, 5
    call report
    pop eax                     ; F: pop restores ESP
    cmp esp, esi
    call report
    mov ebx, 3
    mov esi, 100
    lea edi, [ebx+4*esi]        ; G: lea computes an address without reading memory
    cmp edi, 403
    call report
    lea eax, [var]              ; H: lea of a variable is its address
    cmp eax, OFFSET var
    call report
    mov al, 7Fh                 ; I: 8-bit parts: AL and AH are parts of EAX
    mov ah, 1
    cmp ax, 017Fh
    call report
    pop edi
    pop esi
    pop ebx
    xor eax, eax
    ret
main ENDP

INCLUDE lib/report.inc
END main
