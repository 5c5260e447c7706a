break factorial
continue
print regs
print rdi
x/2g $rsp
bt
finish
next
print rax
back 2
print rip
quit
