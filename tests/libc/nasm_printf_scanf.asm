; printf, scanf and malloc from assembly, as course material writes it
extern printf, scanf, malloc, free, puts, strlen
global main

section .data
prompt: db "numbers: %d and %d, sum %d", 10, 0
fmt_in: db "%d %d", 0
fmt_str: db "%s has %d chars (%5.2f%%)", 10, 0
word1:  db "assembly", 0
half:   dq 37.5

section .bss
a: resd 1
b: resd 1

section .text
main:
    push ebp
    mov ebp, esp
    push b
    push a
    push fmt_in
    call scanf
    add esp, 12
    mov eax, [a]
    add eax, [b]
    push eax
    push dword [b]
    push dword [a]
    push prompt
    call printf
    add esp, 16
    push word1
    call strlen
    add esp, 4
    push dword [half + 4]
    push dword [half]
    push eax
    push word1
    push fmt_str
    call printf
    add esp, 20
    push 32
    call malloc
    add esp, 4
    mov dword [eax], 'heap'
    mov byte [eax + 4], 0
    push eax
    push eax
    call puts
    add esp, 4
    call free
    add esp, 4
    mov eax, 0
    leave
    ret
