; compat: -I include
; Floating-point constants in data, encoded exactly as nasm encodes them: dd, dq, dt,
; dw (half precision), __float32__() and __float64__(), infinities and NaNs; the x87
; computes with them and the program prints the integer results.
%include "print.inc"

section .data
half:     dd 0.5
three:    dq 3.0
small:    dq -2.5e-3
pi:       dt 3.14159265358979323846
ratio:    dd 1.5e1, -0.75, 1e-3,
tiny:     dq 4.9406564584124654e-324
wide:     dt 1.0e+4000
halfp:    dw 1.5, -2.0
bits32:   dd __float32__(1.25)
bits64:   dq __float64__(-8.0)
specials: dd __Infinity__, -__Infinity__, __QNaN__
          dq __Infinity__, __QNaN__
result:   dd 0
cw:       dw 0

section .text
global _start
_start:
    finit
    fld tword [pi]
    fmul dword [ratio]          ; pi * 15
    fistp dword [result]
    mov eax, [result]
    call print_uint
    fld qword [three]
    fdiv dword [half]           ; 6
    fistp dword [result]
    mov eax, [result]
    call print_uint
    fld qword [small]
    fchs
    fimul dword [const1000]     ; 2.5 rounds to 2 (round to even)
    fistp dword [result]
    mov eax, [result]
    call print_uint
    fld dword [bits32]
    fld qword [bits64]
    fmulp st1, st0              ; -10
    fabs
    fistp dword [result]
    mov eax, [result]
    call print_uint
    mov eax, [specials]         ; the bits, as integers
    shr eax, 20
    call print_uint
    movzx eax, word [halfp]
    call print_uint
    mov eax, [tiny]
    call print_uint
    movzx eax, word [wide + 8]
    call print_uint
    call newline
    exit [result]

section .data
const1000: dd 1000
