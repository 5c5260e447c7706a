# Output helpers for the GNU as programs of the compatibility suite (32-bit Linux).
.macro write address, length
    movl $4, %eax
    movl $1, %ebx
    movl \address, %ecx
    movl \length, %edx
    int $0x80
.endm

.macro exit code
    movl \code, %ebx
    movl $1, %eax
    int $0x80
.endm

.text
# print_uint: %eax in decimal and a space. Saves every register but %eax.
print_uint:
    pushl %ebx
    pushl %ecx
    pushl %edx
    pushl %esi
    subl $12, %esp
    leal 11(%esp), %esi
    movb $' ', (%esi)
    movl $10, %ecx
1:  xorl %edx, %edx
    divl %ecx
    addb $'0', %dl
    decl %esi
    movb %dl, (%esi)
    testl %eax, %eax
    jnz 1b
    leal 12(%esp), %edx
    subl %esi, %edx
    write %esi, %edx
    addl $12, %esp
    popl %esi
    popl %edx
    popl %ecx
    popl %ebx
    ret

# newline: one '\n'. Saves every register but %eax.
newline:
    pushl %ebx
    pushl %ecx
    pushl %edx
    pushl $10
    write %esp, $1
    addl $4, %esp
    popl %edx
    popl %ecx
    popl %ebx
    ret
