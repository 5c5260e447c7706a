break _myFunc
continue
step 3
print regs
x/3d 0xbfffff34
watch 0xbfffff28
continue
bt
back 2
print edi
finish
print eax
continue
