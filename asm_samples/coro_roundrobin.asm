; A round-robin scheduler written in assembly: three tasks with different amounts of
; work; the scheduler resumes each unfinished task in turn until all are done. A task
; yields by swapping back to the scheduler, and marks itself done before its last yield.
N equ 3
STACK equ 4096

section .data
names:  db "ABC"
turns:  dd 2, 4, 3                ; how many steps each task takes
nl:     db 10
colon:  db ":"

section .bss
sched_ctx:  resd 1
ctxs:       resd N
done:       resd N
stacks:     resb N * STACK
current:    resd 1

section .text
global _start
_start:
    xor esi, esi                ; create task i with coro_make(&ctxs[i], stack i, task, i)
.create:
    push esi
    push task
    push STACK
    mov eax, esi
    imul eax, eax, STACK
    add eax, stacks
    push eax
    lea eax, [ctxs + esi*4]
    push eax
    call coro_make
    add esp, 20
    inc esi
    cmp esi, N
    jl .create
.round:
    xor esi, esi                ; one round over the tasks
    xor edi, edi                ; tasks still running this round
.each:
    cmp dword [done + esi*4], 0
    jne .skip
    inc edi
    mov [current], esi
    lea eax, [ctxs + esi*4]
    push eax
    push sched_ctx
    call coro_swap
    add esp, 8
.skip:
    inc esi
    cmp esi, N
    jl .each
    test edi, edi
    jnz .round
    push 1
    push nl
    call print_str
    add esp, 8
    mov ebx, 0
    mov eax, 1
    int 0x80

task:                           ; void task(int id)
    push ebp
    mov ebp, esp
    push ebx
    push esi
    mov esi, [ebp + 8]          ; id
    mov ebx, 1                  ; step
.step:
    lea eax, [names + esi]
    push 1
    push eax
    call print_str
    add esp, 8
    push ebx
    call print_uint
    add esp, 4
    push 1
    push colon
    call print_str
    add esp, 8
    cmp ebx, [turns + esi*4]
    jl .yield
    mov dword [done + esi*4], 1 ; finished: the scheduler will not resume it again
.yield:
    lea eax, [ctxs + esi*4]
    push sched_ctx
    push eax
    call coro_swap
    add esp, 8
    inc ebx
    jmp .step

%include "lib/coro.inc"
%include "lib/print_uint.inc"
