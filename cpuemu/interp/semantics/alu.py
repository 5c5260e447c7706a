"""Integer arithmetic and logic: add or adc sbb and sub xor cmp test, inc dec neg not,
xadd cmpxchg.

Flags (Intel SDM vol. 2): add adc sub sbb cmp neg xadd cmpxchg define all six; and or
xor test clear CF and OF and leave AF undefined; inc and dec define all but CF, which
they keep; not changes none. cmp and test are sub and and without the write-back.
"""

from __future__ import annotations

import operator

from iced_x86 import Mnemonic as M

from ...cpu.registers import MASK
from ..flags import ADC, ADD, DEC, INC, LOGIC, SBB, SUB
from . import handles

# mnemonic: (operation, flag rules by width, writes the result back)
BINARY = {
    M.ADD: (operator.add, ADD, True), M.SUB: (operator.sub, SUB, True),
    M.CMP: (operator.sub, SUB, False), M.AND: (operator.and_, LOGIC, True),
    M.OR: (operator.or_, LOGIC, True), M.XOR: (operator.xor, LOGIC, True),
    M.TEST: (operator.and_, LOGIC, False),
}


@handles("add", "sub", "cmp", "and", "or", "xor", "test")
def binary(t):
    fn, rules, writes = BINARY[t.insn.mnemonic]
    bits = t.bits(0)
    rule, mask, cpu = rules[bits], MASK[bits], t.cpu
    src = t.reader(1, bits)
    if t.is_reg(0) and bits == t.width and not t.is_mem(1):  # the hot forms: r, r/imm
        r, d = cpu.r, t.gpr(0)[0]
        if t.is_imm(1):
            b = src()

            def op_ri():
                a = r[d]
                res = fn(a, b) & mask
                if writes:
                    r[d] = res
                cpu.lazy = (rule, a, b, res, None)
            return op_ri
        sr = t.gpr(1)[0]

        def op_rr():
            a = r[d]
            b = r[sr]
            res = fn(a, b) & mask
            if writes:
                r[d] = res
            cpu.lazy = (rule, a, b, res, None)
        return op_rr
    get = t.reader(0)
    put = t.writer(0) if writes else None

    def op():
        a = get()
        b = src()
        res = fn(a, b) & mask
        if put is not None:
            put(res)
        cpu.lazy = (rule, a, b, res, None)
    return op


@handles("adc", "sbb")
def with_carry(t):
    bits = t.bits(0)
    mask, cpu = MASK[bits], t.cpu
    get, src, put = t.reader(0), t.reader(1, bits), t.writer(0)
    if t.insn.mnemonic == M.ADC:
        rule, sign = ADC[bits], 1
    else:
        rule, sign = SBB[bits], -1

    def op():
        a = get()
        b = src()
        s = cpu.lazy
        carry = s[0].cf(s)
        res = (a + sign * (b + carry)) & mask
        put(res)
        cpu.lazy = (rule, a, b, res, carry)
    return op


@handles("inc", "dec")
def step_by_one(t):
    bits = t.bits(0)
    mask, cpu = MASK[bits], t.cpu
    rule, delta = (INC[bits], 1) if t.insn.mnemonic == M.INC else (DEC[bits], -1)
    if t.is_reg(0) and bits == t.width:
        r, d = cpu.r, t.gpr(0)[0]

        def op_r():
            a = r[d]
            res = r[d] = (a + delta) & mask
            prev = cpu.lazy
            cpu.lazy = (rule, a, 1, res, prev[4] if prev[0].keeps_cf else prev)
        return op_r
    get, put = t.reader(0), t.writer(0)

    def op():
        a = get()
        res = (a + delta) & mask
        put(res)
        prev = cpu.lazy
        cpu.lazy = (rule, a, 1, res, prev[4] if prev[0].keeps_cf else prev)
    return op


@handles("neg")
def neg(t):
    bits = t.bits(0)
    rule, mask, cpu = SUB[bits], MASK[bits], t.cpu
    get, put = t.reader(0), t.writer(0)

    def op():
        a = get()
        res = -a & mask
        put(res)
        cpu.lazy = (rule, 0, a, res, None)
    return op


@handles("not")
def not_(t):
    mask = MASK[t.bits(0)]
    get, put = t.reader(0), t.writer(0)

    def op():
        put(~get() & mask)
    return op


@handles("xadd")
def xadd(t):
    """dst, src = dst + src, dst. Memory is written before the register, so a fault
    leaves both unchanged; with two registers the sum wins when they are the same."""
    bits = t.bits(0)
    rule, mask, cpu = ADD[bits], MASK[bits], t.cpu
    get, put = t.reader(0), t.writer(0)
    src, put_src = t.reader(1), t.writer(1)
    memory = t.is_mem(0)

    def op():
        a = get()
        b = src()
        res = (a + b) & mask
        if memory:
            put(res)
            put_src(a)
        else:
            put_src(a)
            put(res)
        cpu.lazy = (rule, a, b, res, None)
    return op


@handles("cmpxchg")
def cmpxchg(t):
    """Compare the accumulator with dst: equal, dst = src; else the accumulator = dst.
    A memory destination is written either way (with its own value when unequal), as the
    processor's locked read-modify-write does; a register destination is left alone when
    unequal, so in 64-bit mode its upper half survives (measured on the CPU)."""
    bits = t.bits(0)
    rule, cpu = SUB[bits], t.cpu
    get, put, src = t.reader(0), t.writer(0), t.reader(1)
    acc, put_acc = t.reg_reader(0, 0, bits), t.reg_writer(0, 0, bits)
    mask, memory = MASK[bits], t.is_mem(0)

    def op():
        a = acc()
        d = get()
        res = (a - d) & mask
        if a == d:
            put(src())
        else:
            if memory:
                put(d)
            put_acc(d)
        cpu.lazy = (rule, a, d, res, None)
    return op
