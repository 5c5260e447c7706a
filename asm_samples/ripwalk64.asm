; Walking data through RIP-relative addresses: with `default rel`, [label] means
; [rip + (label - next instruction)], so the code works wherever it is loaded. A linked
; list of planets lives in .data; each node is {next, name, length, moons}.
; nasm -f elf64 ripwalk64.asm && ld ripwalk64.o
bits 64
default rel

section .data
earth:   dq mars, earth_name, 5, 1
mars:    dq jupiter, mars_name, 4, 2
jupiter: dq 0, jupiter_name, 7, 95
earth_name:   db "earth"
mars_name:    db "mars"
jupiter_name: db "jupiter"
colon:   db ": "
total:   dq 0

section .text
global _start
_start:
    lea rbx, [earth]            ; lea of a RIP-relative operand: an address
.node:
    mov rdi, [rbx + 8]          ; name
    mov rsi, [rbx + 16]         ; length
    call print
    lea rdi, [colon]
    mov esi, 2
    call print
    mov rdi, [rbx + 24]
    add [total], rdi            ; a RIP-relative read-modify-write
    call print_int
    mov rbx, [rbx]              ; next
    test rbx, rbx
    jnz .node

    mov rdi, [total]
    call print_int
    mov eax, 60
    mov rdi, [total]
    syscall

%include "lib/print64.inc"
