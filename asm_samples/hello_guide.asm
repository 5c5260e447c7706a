; Linux hello world in the guide's dialect: write(1, msg, len) then exit(0) via int 80h.
.386
.MODEL FLAT
.DATA
msg     DB 'Hello, world!', 10
msglen  EQU $ - msg
.CODE
_start:
    mov eax, 4          ; sys_write
    mov ebx, 1          ; fd 1: stdout
    mov ecx, OFFSET msg
    mov edx, msglen
    int 80h
    mov eax, 1          ; sys_exit
    xor ebx, ebx        ; status 0
    int 80h
END _start
