break factorial if *(int*)($esp + 4) == 1
continue
display $eax
display/x *(int*)($ebp + 8)
display/i $pc
stepi 4
reverse-stepi
reverse-step
disable 1
reverse-finish
bt
reverse-next
reverse-next
enable 1
condition 1 *(int*)($esp + 4) == 4
reverse-continue
info breakpoints
delete 1
break 40
continue
rwatch *(int*)(*(int*)$ebp + 8)
continue
reverse-continue
p $eax
info breakpoints
delete
x/2s label
undisplay
continue
