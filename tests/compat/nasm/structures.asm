; compat: -I include
; struc/endstruc with field offsets and a _size, istruc/at/iend for initialised
; instances, and an `absolute` block naming offsets into .bss.
%include "print.inc"

struc point
    .x:     resd 1
    .y:     resd 1
endstruc

struc person
    .name:  resb 8
    .age:   resw 1
    .where: resb point_size
    .flags: resb 1
endstruc

section .data
people:
    istruc person
        at person.name,  db "Ada", 0
        at person.age,   dw 36
        at person.where, dd 3, 4
        at person.flags, db 1
    iend
    istruc person
        at person.name,  db "Alan", 0
        at person.age,   dw 41
        at person.where, dd 10, 20
        at person.flags, db 0
    iend
count equ ($ - people) / person_size

section .bss
state: resb 16

absolute state                  ; names for offsets into state, taking no memory
    total:  resd 1
    oldest: resd 1
    seen:   resb 1

section .text
global _start
_start:
    mov eax, person_size
    call print_uint
    mov eax, person.where + point.y
    call print_uint
    mov eax, count
    call print_uint
    call newline
    mov esi, people
    mov ecx, count
.each:
    movzx eax, word [esi + person.age]
    add [total], eax
    cmp eax, [oldest]
    jbe .younger
    mov [oldest], eax
.younger:
    mov eax, [esi + person.where + point.x]
    add eax, [esi + person.where + point.y]
    call print_uint
    inc byte [seen]
    add esi, person_size
    loop .each
    call newline
    mov eax, [total]
    call print_uint
    mov eax, [oldest]
    call print_uint
    movzx eax, byte [seen]
    call print_uint
    call newline
    write people + person.name, 3
    call newline
    exit [oldest]
