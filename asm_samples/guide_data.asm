; The guide's "Declaring Static Data Regions": DB, DW, DD, ?, DUP, strings, arrays.
; Sums the array Z and the byte var, prints the sum, exits with it as the status.
.386
.MODEL FLAT
.DATA
var     DB 64           ; a byte, initialised to 64
var2    DB ?            ; an uninitialised byte
        DB 10           ; an unnamed byte holding 10 (at var2+1)
X       DW ?            ; an uninitialised 2-byte word
Y       DD 30000        ; a 4-byte value, 30000
Z       DD 1, 2, 3      ; an array of three 4-byte values
bytes   DB 10 DUP(?)    ; ten uninitialised bytes
arr     DD 100 DUP(0)   ; one hundred 4-byte words, all zero
str     DB 'hello', 0   ; a C string
digits  DB 12 DUP(?)

.CODE
main PROC
    xor eax, eax
    mov ecx, 3
    mov esi, OFFSET Z
sum_z:
    add eax, [esi]          ; Z[0] + Z[1] + Z[2]
    add esi, 4
    dec ecx
    jnz sum_z
    movzx ebx, BYTE PTR [var]
    add eax, ebx            ; + var = 70
    movzx ebx, BYTE PTR [var2+1]
    add eax, ebx            ; + the unnamed 10 = 80
    mov [arr+396], eax      ; last element of arr
    mov eax, [arr+396]
    push eax
    call print_uint
    pop eax
    ret                     ; main returns 80: the exit status
main ENDP

; print_uint(n): write n in decimal and a newline to stdout (cdecl, preserves ebx).
print_uint PROC
    push ebp
    mov ebp, esp
    push ebx
    mov eax, [ebp+8]
    mov ecx, OFFSET digits + 11
    mov BYTE PTR [ecx], 10
    mov ebx, 10
next_digit:
    dec ecx
    xor edx, edx
    div ebx
    add dl, '0'
    mov [ecx], dl
    test eax, eax
    jnz next_digit
    mov edx, OFFSET digits + 12
    sub edx, ecx            ; length
    mov eax, 4              ; write(1, ecx, edx)
    mov ebx, 1
    int 80h
    pop ebx
    pop ebp
    ret
print_uint ENDP
END main
