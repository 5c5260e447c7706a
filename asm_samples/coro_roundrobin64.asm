; A round-robin scheduler written in 64-bit assembly: three tasks with different amounts
; of work; the scheduler resumes each unfinished task in turn until all are done. A task
; yields by swapping back to the scheduler, and marks itself done before its last yield.
; nasm -f elf64 coro_roundrobin64.asm && ld coro_roundrobin64.o
bits 64
default rel
N equ 3
STACK equ 8192

section .data
names:  db "ABC"
turns:  dq 2, 4, 3                ; how many steps each task takes
colon:  db ": "

section .bss
sched_ctx:  resq 1
ctxs:       resq N
done:       resq N
stacks:     resb N * STACK

section .text
global _start
_start:
    xor ebx, ebx                ; create task i: coro_make(&ctxs[i], stack i, STACK, task, i)
.create:
    lea rdi, [ctxs]
    lea rdi, [rdi + rbx*8]
    imul rsi, rbx, STACK
    lea rax, [stacks]
    add rsi, rax
    mov edx, STACK
    lea rcx, [task]
    mov r8, rbx
    call coro_make
    inc ebx
    cmp ebx, N
    jl .create
.round:
    xor ebx, ebx                ; one round over the tasks
    xor r12d, r12d              ; tasks still running this round
.each:
    lea rax, [done]
    cmp qword [rax + rbx*8], 0
    jne .skip
    inc r12d
    lea rdi, [sched_ctx]
    lea rsi, [ctxs]
    lea rsi, [rsi + rbx*8]
    call coro_swap
.skip:
    inc ebx
    cmp ebx, N
    jl .each
    test r12d, r12d
    jnz .round
    mov eax, 60
    xor edi, edi
    syscall

task:                           ; void task(long id)
    push rbx
    push r12
    push r13                    ; (three pushes: RSP is 16-byte aligned for the calls)
    mov r12, rdi                ; id
    mov ebx, 1                  ; step
.step:
    lea rdi, [names]
    add rdi, r12
    mov esi, 1
    call print
    lea rdi, [colon]            ; "A: 1", one line per step
    mov esi, 2
    call print
    mov rdi, rbx
    call print_int
    lea rax, [turns]
    cmp rbx, [rax + r12*8]
    jl .yield
    lea rax, [done]
    mov qword [rax + r12*8], 1  ; finished: the scheduler will not resume it again
.yield:
    lea rdi, [ctxs]
    lea rdi, [rdi + r12*8]
    lea rsi, [sched_ctx]
    call coro_swap
    inc rbx
    jmp .step

%include "lib/coro64.inc"
%include "lib/print64.inc"
