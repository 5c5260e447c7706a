; NASM's preprocessor: %define (with parameters), %assign, %macro with parameters,
; defaults, greedy arguments and %%local labels, %rep, %if/%elif/%else, %ifdef, %ifidn.
; nasm -f elf32 nasm_macros.asm && ld -m elf_i386 nasm_macros.o (-DDEBUG adds a line)
%define SYS_WRITE 4
%define SQUARE(x) ((x) * (x))
%assign count 3
%macro print 2
    mov eax, SYS_WRITE
    mov ebx, 1
    mov ecx, %1
    mov edx, %2
    int 0x80
%endmacro
%macro exit 0-1 0
    mov eax, 1
    mov ebx, %1
    int 0x80
%endmacro
%macro twice 1+
%%again:
    %1
    %1
%endmacro

section .data
msg: db "hi", 10
%rep count
    db 'x'
%endrep
    db 10
%ifdef DEBUG
dbg: db "debug", 10
%elif count > 2
many: db "many", 10
%else
few: db "few", 10
%endif

section .text
global _start
_start:
    print msg, 3
    print msg + 3, 4
    twice nop
%ifidn SYS_WRITE, 4
    exit SQUARE(count) - 2
%else
    exit
%endif
