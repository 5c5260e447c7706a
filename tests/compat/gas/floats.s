# compat: -I include
# Floating-point data as GNU as writes it: .float/.single, .double, .tfloat, with
# exponents and signs, computed on by the x87 and printed as integers.
.include "print.s"

.data
quarter:  .float 0.25
scale:    .single 1.6e1, -3.5
third:    .double 0.3333333333333333, 1e-300
ten:      .tfloat 10.0
big:      .double 1.5e300
result:   .long 0

.text
.globl _start
_start:
    finit
    flds quarter
    fmuls scale                 # 4
    fistpl result
    movl result, %eax; call print_uint
    fldl third
    fldt ten
    fmulp                       # 3.333...
    fistpl result
    movl result, %eax; call print_uint
    flds scale+4
    fabs
    fld1
    faddp                       # 4.5 rounds to 4 (to even)
    fistpl result
    movl result, %eax; call print_uint
    fldt ten
    fld1
    fsubr %st(1), %st           # AT&T fsubr with %st dest: st = st(1) - st = 9
    fistpl result
    fstp %st(0)
    movl result, %eax; call print_uint
    movl big+4, %eax; shrl $20, %eax; call print_uint
    movl third+12, %eax; shrl $20, %eax; call print_uint
    call newline
    exit result
