; The memory benchmark: insertion sort of 1500 pseudo-random dwords, then a check.
; REPEAT fills and sorts again; the benchmark raises it for the native run only.
N equ 1500
REPEAT equ 1
section .bss
array: resd N
section .text
global _start
_start:
    mov ebp, REPEAT
.again:
    mov eax, 12345              ; fill with a linear congruential sequence
    xor ecx, ecx
.fill:
    imul eax, eax, 1103515245
    add eax, 12345
    mov [array + ecx*4], eax
    inc ecx
    cmp ecx, N
    jl .fill
    mov esi, 1                  ; insertion sort, ascending, unsigned
.outer:
    mov edx, [array + esi*4]
    mov edi, esi
.inner:
    test edi, edi
    jz .place
    mov eax, [array + edi*4 - 4]
    cmp eax, edx
    jbe .place
    mov [array + edi*4], eax
    dec edi
    jmp .inner
.place:
    mov [array + edi*4], edx
    inc esi
    cmp esi, N
    jl .outer
    dec ebp
    jnz .again
    xor ebx, ebx                ; exit status: 1 if sorted, 0 if not
    mov ecx, 1
.check:
    mov eax, [array + ecx*4 - 4]
    cmp eax, [array + ecx*4]
    ja .done
    inc ecx
    cmp ecx, N
    jl .check
    inc ebx
.done:
    mov eax, 1
    int 0x80
