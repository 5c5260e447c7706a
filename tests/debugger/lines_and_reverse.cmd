break 24
continue
print stack
back 5
list
reverse-continue
delete 1
next 3
print flags
quit
