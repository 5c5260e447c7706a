; Ping-pong in the guide's dialect: two coroutines hand control back and forth three
; times each, through the same coro_swap the nasm samples use.
.386
.MODEL FLAT
.DATA
main_ctx    DD 0
ping_ctx    DD 0
pong_ctx    DD 0
ping_stack  DB 4096 DUP(0)
pong_stack  DB 4096 DUP(0)
ping_msg    DB "ping", 10
pong_msg    DB "pong", 10
.CODE
main PROC
    push 3
    push OFFSET ping
    push 4096
    push OFFSET ping_stack
    push OFFSET ping_ctx
    call coro_make
    add esp, 20
    push 3
    push OFFSET pong
    push 4096
    push OFFSET pong_stack
    push OFFSET pong_ctx
    call coro_make
    add esp, 20
    push OFFSET ping_ctx        ; start the game; it ends with exit from coro_exit
    push OFFSET main_ctx
    call coro_swap
    ret
main ENDP

ping PROC                       ; void ping(int rounds)
    push ebp
    mov ebp, esp
    push ebx
    mov ebx, [ebp+8]
ping_again:
    mov eax, 4
    push ebx
    mov ebx, 1
    mov ecx, OFFSET ping_msg
    mov edx, 5
    int 80h
    pop ebx
    push OFFSET pong_ctx
    push OFFSET ping_ctx
    call coro_swap
    add esp, 8
    dec ebx
    jnz ping_again
    pop ebx
    pop ebp
    mov eax, 0                  ; returns into coro_exit: exit(0)
    ret
ping ENDP

pong PROC                       ; void pong(int rounds)
    push ebp
    mov ebp, esp
    push ebx
    mov ebx, [ebp+8]
pong_again:
    mov eax, 4
    push ebx
    mov ebx, 1
    mov ecx, OFFSET pong_msg
    mov edx, 5
    int 80h
    pop ebx
    push OFFSET ping_ctx
    push OFFSET pong_ctx
    call coro_swap
    add esp, 8
    dec ebx
    jnz pong_again
    mov eax, 1
    pop ebx
    pop ebp
    ret
pong ENDP

INCLUDE lib/coro.inc
END main
