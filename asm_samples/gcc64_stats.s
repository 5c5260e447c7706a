	.file	"gcc64_stats.c"
	.text
	.type	sys_write, @function
sys_write:
.LFB0:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register 6
	movq	%rdi, -24(%rbp)
	movq	%rsi, -32(%rbp)
	movq	%rdx, -40(%rbp)
	movl	$1, %eax
	movq	-24(%rbp), %rdi
	movq	-32(%rbp), %rsi
	movq	-40(%rbp), %rdx
#APP
# 9 "gcc64_stats.c" 1
	syscall
# 0 "" 2
#NO_APP
	movq	%rax, -8(%rbp)
	movq	-8(%rbp), %rax
	popq	%rbp
	.cfi_def_cfa 7, 8
	ret
	.cfi_endproc
.LFE0:
	.size	sys_write, .-sys_write
	.section	.rodata
.LC0:
	.string	"one"
.LC1:
	.string	"two"
.LC2:
	.string	"three"
	.section	.data.rel.ro.local,"aw"
	.align 32
	.type	words, @object
	.size	words, 48
words:
	.quad	.LC0
	.long	3
	.zero	4
	.quad	.LC1
	.long	3
	.zero	4
	.quad	.LC2
	.long	5
	.zero	4
	.globl	table
	.data
	.align 32
	.type	table, @object
	.size	table, 64
table:
	.quad	3
	.quad	-1
	.quad	4
	.quad	1
	.quad	-5
	.quad	9
	.quad	2
	.quad	6
	.local	buffer
	.comm	buffer,32,32
	.text
	.type	collatz, @function
collatz:
.LFB1:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register 6
	movq	%rdi, -24(%rbp)
	movq	$0, -8(%rbp)
	jmp	.L4
.L7:
	movq	-24(%rbp), %rax
	andl	$1, %eax
	testq	%rax, %rax
	je	.L5
	movq	-24(%rbp), %rdx
	movq	%rdx, %rax
	addq	%rax, %rax
	addq	%rdx, %rax
	addq	$1, %rax
	jmp	.L6
.L5:
	movq	-24(%rbp), %rax
	shrq	%rax
.L6:
	movq	%rax, -24(%rbp)
	addq	$1, -8(%rbp)
.L4:
	cmpq	$1, -24(%rbp)
	jne	.L7
	movq	-8(%rbp), %rax
	popq	%rbp
	.cfi_def_cfa 7, 8
	ret
	.cfi_endproc
.LFE1:
	.size	collatz, .-collatz
	.type	fib, @function
fib:
.LFB2:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register 6
	pushq	%rbx
	subq	$24, %rsp
	.cfi_offset 3, -24
	movq	%rdi, -24(%rbp)
	cmpq	$1, -24(%rbp)
	jle	.L10
	movq	-24(%rbp), %rax
	subq	$1, %rax
	movq	%rax, %rdi
	call	fib
	movq	%rax, %rbx
	movq	-24(%rbp), %rax
	subq	$2, %rax
	movq	%rax, %rdi
	call	fib
	addq	%rbx, %rax
	jmp	.L12
.L10:
	movq	-24(%rbp), %rax
.L12:
	movq	-8(%rbp), %rbx
	leave
	.cfi_def_cfa 7, 8
	ret
	.cfi_endproc
.LFE2:
	.size	fib, .-fib
	.type	put_number, @function
put_number:
.LFB3:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register 6
	subq	$24, %rsp
	movq	%rdi, -24(%rbp)
	leaq	32+buffer(%rip), %rax
	movq	%rax, -8(%rbp)
	cmpq	$0, -24(%rbp)
	jns	.L14
	movq	-24(%rbp), %rax
	negq	%rax
	jmp	.L15
.L14:
	movq	-24(%rbp), %rax
.L15:
	movq	%rax, -16(%rbp)
	subq	$1, -8(%rbp)
	movq	-8(%rbp), %rax
	movb	$10, (%rax)
.L16:
	movq	-16(%rbp), %rcx
	movabsq	$-3689348814741910323, %rdx
	movq	%rcx, %rax
	mulq	%rdx
	shrq	$3, %rdx
	movq	%rdx, %rax
	salq	$2, %rax
	addq	%rdx, %rax
	addq	%rax, %rax
	subq	%rax, %rcx
	movq	%rcx, %rdx
	movl	%edx, %eax
	addl	$48, %eax
	subq	$1, -8(%rbp)
	movl	%eax, %edx
	movq	-8(%rbp), %rax
	movb	%dl, (%rax)
	movq	-16(%rbp), %rax
	movabsq	$-3689348814741910323, %rdx
	mulq	%rdx
	movq	%rdx, %rax
	shrq	$3, %rax
	movq	%rax, -16(%rbp)
	cmpq	$0, -16(%rbp)
	jne	.L16
	cmpq	$0, -24(%rbp)
	jns	.L17
	subq	$1, -8(%rbp)
	movq	-8(%rbp), %rax
	movb	$45, (%rax)
.L17:
	leaq	32+buffer(%rip), %rax
	subq	-8(%rbp), %rax
	movq	%rax, %rdx
	movq	-8(%rbp), %rax
	movq	%rax, %rsi
	movl	$1, %edi
	call	sys_write
	nop
	leave
	.cfi_def_cfa 7, 8
	ret
	.cfi_endproc
.LFE3:
	.size	put_number, .-put_number
	.section	.rodata
.LC3:
	.string	"\n"
	.text
	.globl	main
	.type	main, @function
main:
.LFB4:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset 6, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register 6
	subq	$32, %rsp
	movq	$0, -8(%rbp)
	movq	table(%rip), %rax
	movq	%rax, -16(%rbp)
	movl	$0, -20(%rbp)
	jmp	.L19
.L21:
	movl	-20(%rbp), %eax
	cltq
	leaq	0(,%rax,8), %rdx
	leaq	table(%rip), %rax
	movq	(%rdx,%rax), %rdx
	movl	-20(%rbp), %eax
	subl	$3, %eax
	cltq
	imulq	%rdx, %rax
	addq	%rax, -8(%rbp)
	movl	-20(%rbp), %eax
	cltq
	leaq	0(,%rax,8), %rdx
	leaq	table(%rip), %rax
	movq	(%rdx,%rax), %rax
	cmpq	%rax, -16(%rbp)
	jle	.L20
	movl	-20(%rbp), %eax
	cltq
	leaq	0(,%rax,8), %rdx
	leaq	table(%rip), %rax
	movq	(%rdx,%rax), %rax
	movq	%rax, -16(%rbp)
.L20:
	addl	$1, -20(%rbp)
.L19:
	cmpl	$7, -20(%rbp)
	jle	.L21
	movq	-8(%rbp), %rax
	movq	%rax, %rdi
	call	put_number
	movq	-16(%rbp), %rax
	movq	%rax, %rdi
	call	put_number
	movl	$27, %edi
	call	collatz
	movq	%rax, %rdi
	call	put_number
	movl	$15, %edi
	call	fib
	movq	%rax, %rdi
	call	put_number
	movabsq	$-1234567890123456789, %rax
	movq	%rax, %rdi
	call	put_number
	movl	$0, -24(%rbp)
	jmp	.L22
.L23:
	movl	-24(%rbp), %eax
	cltq
	salq	$4, %rax
	movq	%rax, %rdx
	leaq	8+words(%rip), %rax
	movl	(%rdx,%rax), %eax
	movslq	%eax, %rdx
	movl	-24(%rbp), %eax
	cltq
	salq	$4, %rax
	movq	%rax, %rcx
	leaq	words(%rip), %rax
	movq	(%rcx,%rax), %rax
	movq	%rax, %rsi
	movl	$1, %edi
	call	sys_write
	movl	$1, %edx
	leaq	.LC3(%rip), %rax
	movq	%rax, %rsi
	movl	$1, %edi
	call	sys_write
	addl	$1, -24(%rbp)
.L22:
	cmpl	$2, -24(%rbp)
	jle	.L23
	movq	-8(%rbp), %rax
	andl	$127, %eax
	leave
	.cfi_def_cfa 7, 8
	ret
	.cfi_endproc
.LFE4:
	.size	main, .-main
	.ident	"GCC: (Debian 12.2.0-14+deb12u1) 12.2.0"
	.section	.note.GNU-stack,"",@progbits
