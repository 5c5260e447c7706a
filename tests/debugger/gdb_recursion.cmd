x/s label
x/4cb &label
break factorial if *(int*)($esp + 4) == 2
info breakpoints
continue
bt
p *(int*)($esp + 4)
p/x $esp
p $1 * 3
display $eax
display/x $ebp
up
info frame
down
finish
p $eax
info registers eax eip eflags
tbreak print_uint
continue
info breakpoints
x/3xw $esp
set $eax = 7
set {int}($esp + 4) = 121
p $eax + *(int*)($esp + 4)
undisplay 1
delete
disassemble
until
continue
