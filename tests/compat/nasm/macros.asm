; compat: -I include
; nasm's preprocessor: %macro with parameters, defaults, greedy and %0, %%local labels,
; %rotate, overloads; %define with parameters, %xdefine, %undef, %idefine; %assign;
; %rep with %exitrep; %if/%elif/%else, %ifdef/%ifndef, %ifidn/%ifidni; \ continuation.
%include "print.inc"

%define SQUARE(x) ((x) * (x))
%idefine Base 100
%define LATE SQUARE(3)
%xdefine EARLY SQUARE(3)
%undef SQUARE
%define SQUARE(x) ((x) + (x))           ; LATE follows the new meaning, EARLY does not

%macro show 1                           ; print one value
    mov eax, %1
    call print_uint
%endmacro

%macro show_all 1-*                     ; every argument, by rotating them
%rep %0
    show %1
%rotate 1
%endrep
    call newline
%endmacro

%macro sum 1-4 10, 20, 30               ; defaults fill the missing parameters
    mov eax, %1 + %2 + %3 + %4
%endmacro

%macro count_down 1                     ; a loop with labels local to each expansion
    mov ecx, %1
%%again:
    push ecx
    show ecx
    pop ecx
    loop %%again
%endmacro

%macro pick 1
    mov eax, 1
%endmacro
%macro pick 2
    mov eax, 2
%endmacro

%macro text 1+                          ; greedy: the whole rest of the line
    db %1, 0
%endmacro

section .data
%assign i 0
powers:
%rep 16
    dd 1 << i
%assign i i + 1
%if i == 6
%exitrep
%endif
%endrep
words: text "macros", " in ", "nasm"

section .text
global _start
_start:
    show_all LATE, EARLY, BASE, base, \
             SQUARE(4)
    sum 1
    show eax
    sum 1, 2
    show eax
    sum 1, 2, 3, 4
    show eax
    call newline
    count_down 3
    count_down 2
    call newline
    pick a
    show eax
    pick a, b
    show eax
%ifdef LATE
    show 7
%endif
%ifndef NOWHERE
    show 8
%endif
%ifidn Base, Base
    show 9
%endif
%ifidni base, BASE
    show 10
%else
    show 11
%endif
%if i > 10
    show 12
%elif i == 6
    show 13
%else
    show 14
%endif
    call newline
    show [powers + 5 * 4]
    mov esi, words
.length:
    cmp byte [esi], 0
    je .done
    inc esi
    jmp .length
.done:
    sub esi, words
    show esi
    call newline
    write words, 6
    call newline
    exit i
