; compat: -I include -D COUNT=4 -D LOUD -D GREETING="'hi'"
; %include searched in -I directories, nested includes with a guard, and -D NAME[=VALUE]
; defining single-line macros before the first line, as nasm's command line does.
%include "limits.inc"
%include "print.inc"

section .data
message: db GREETING, 10
%ifdef LOUD
shout:   db "LOUD", 10
%endif

section .text
global _start
_start:
    write message, 3
%ifdef LOUD
    write shout, 5
%endif
    mov ecx, COUNT
.next:
    mov eax, ecx
    call print_uint
    loop .next
    call newline
    exit COUNT * 10
