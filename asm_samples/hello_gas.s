# Linux hello world in AT&T syntax: as --32 hello_gas.s && ld -m elf_i386 a.out
	.section .rodata
msg:
	.ascii	"Hello, world!\n"
	.set	len, . - msg

	.text
	.globl	_start
_start:
	movl	$4, %eax		# sys_write
	movl	$1, %ebx		# stdout
	movl	$msg, %ecx
	movl	$len, %edx
	int	$0x80
	movl	$1, %eax		# sys_exit
	xorl	%ebx, %ebx
	int	$0x80
