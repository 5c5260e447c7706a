; The guide's control flow: jmp, cmp, every conditional jump it names
; (je jne jz jg jge jl jle), call and ret. One letter per check.
.386
.MODEL FLAT
.CODE
main PROC
    jmp start                   ; A: jmp skips the bad path
    mov eax, 99
    ret
start:
    xor eax, eax                ; sets ZF for report
    call report
    mov eax, 5
    cmp eax, 5                  ; B: je when equal
    je b_ok
    jmp b_bad
b_ok: cmp eax, eax
b_bad: call report
    cmp eax, 6                  ; C: jne when different
    jne c_ok
    or eax, 1
c_ok: call expect_ok
    mov ebx, 0
    cmp ebx, 0                  ; D: jz on zero
    jz d_ok
    or eax, 1
d_ok: call expect_ok
    mov ebx, -1
    cmp ebx, 1                  ; E: jg is signed: -1 is not greater than 1
    jg e_bad
    call expect_ok
    jmp e_done
e_bad: or eax, 1
    call report
e_done:
    cmp ebx, -1                 ; F: jge when equal
    jge f_ok
    or eax, 1
f_ok: call expect_ok
    cmp ebx, 0                  ; G: jl: -1 < 0
    jl g_ok
    or eax, 1
g_ok: call expect_ok
    mov ecx, 3                  ; H: jle in a counting loop runs 3 times
    xor edx, edx
h_loop:
    inc edx
    dec ecx
    cmp ecx, 0
    jle h_done
    jmp h_loop
h_done:
    cmp edx, 3
    call report
    push 21                     ; I: call pushes the return address, ret pops it
    call double
    add esp, 4
    cmp eax, 42
    call report
    xor eax, eax
    ret
main ENDP

; expect_ok: report a pass (ZF set) by comparing a register with itself.
expect_ok PROC
    cmp esp, esp
    call report
    ret
expect_ok ENDP

; double(n): return 2*n in EAX.
double PROC
    mov eax, [esp+4]
    add eax, eax
    ret
double ENDP

INCLUDE lib/report.inc
END main
