; nasm's struc/istruc and absolute: a record layout, two records laid out with it,
; and a table of offsets made with absolute. Prints the names, exits with the ages' sum.
; nasm -f elf32 nasm_struc.asm && ld -m elf_i386 nasm_struc.o
struc person
    .name:  resb 8
    .age:   resd 1
    .flags: resw 1
endstruc

absolute 0                      ; a frame layout: offsets only, no memory
saved_ebx:  resd 1
counter:    resd 1
frame_size:

section .data
people:
    istruc person
        at person.name, db "Ada", 10
        at person.age,  dd 36
    iend
    istruc person
        at person.name, db "Alan", 10
        at person.age,  dd 41
        at person.flags, dw 1
    iend
count equ ($ - people) / person_size

section .text
global _start
_start:
    sub esp, frame_size
    mov dword [esp + counter], count
    mov esi, people
    xor edi, edi                ; the sum of ages
.next:
    mov eax, 4                  ; write(1, name, length up to the newline)
    mov ebx, 1
    lea ecx, [esi + person.name]
    mov edx, 0
.len:
    inc edx
    cmp byte [ecx + edx - 1], 10
    jne .len
    int 0x80
    add edi, [esi + person.age]
    add esi, person_size
    dec dword [esp + counter]
    jnz .next
    mov eax, 1
    mov ebx, edi
    int 0x80
