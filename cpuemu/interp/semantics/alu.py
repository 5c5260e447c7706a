"""Integer arithmetic and logic: add or adc sbb and sub xor cmp test, inc dec neg not,
xadd cmpxchg.

Flags (Intel SDM vol. 2): add adc sub sbb cmp neg xadd cmpxchg define all six; and or
xor test clear CF and OF and leave AF undefined; inc and dec define all but CF, which
they keep; not changes none. cmp and test are sub and and without the write-back.
"""

from __future__ import annotations

from iced_x86 import Mnemonic as M

from ...cpu.registers import MASK
from ..flags import ADC, ADD, DEC, INC, LOGIC, SBB, SUB
from ..source import Source
from . import handles

# mnemonic: (Python operator, flag rules by width, writes the result back)
BINARY = {
    M.ADD: ("+", ADD, True), M.SUB: ("-", SUB, True), M.CMP: ("-", SUB, False),
    M.AND: ("&", LOGIC, True), M.OR: ("|", LOGIC, True), M.XOR: ("^", LOGIC, True),
    M.TEST: ("&", LOGIC, False),
}


def _operand(s: Source, expr: str, name: str) -> str:
    """A literal stays a literal; anything else is read once into `$name`."""
    if expr.isdigit():
        return expr
    s(f"${name} = {expr}")
    return f"${name}"


@handles("add", "sub", "cmp", "and", "or", "xor", "test")
def binary(t):
    symbol, rules, writes = BINARY[t.insn.mnemonic]
    if rules is LOGIC:
        rules = LOGIC[t.cpu.policy["logic"]["af"]]
    bits = t.bits(0)
    s = Source(t)
    if writes and t.is_mem(0):
        s.keep_address()
    a = _operand(s, s.read(0), "a")
    b = _operand(s, s.read(1, bits), "b")
    wraps = symbol in "+-"                    # and/or/xor stay in range by themselves
    s(f"$res = ({a} {symbol} {b}) & {MASK[bits]:#x}" if wraps else f"$res = {a} {symbol} {b}")
    if writes:
        s.write(0, "$res")
    s.set_flags(rules[bits], a, b, "$res")
    return s


@handles("adc", "sbb")
def with_carry(t):
    bits = t.bits(0)
    s = Source(t)
    if t.is_mem(0):
        s.keep_address()
    a = _operand(s, s.read(0), "a")
    b = _operand(s, s.read(1, bits), "b")
    s("$c = CARRY")
    if t.insn.mnemonic == M.ADC:
        rule, res = ADC[bits], f"({a} + {b} + $c) & {MASK[bits]:#x}"
    else:
        rule, res = SBB[bits], f"({a} - ({b} + $c)) & {MASK[bits]:#x}"
    s(f"$res = {res}")
    s.write(0, "$res")
    s.set_flags(rule, a, b, "$res", "$c")
    return s


@handles("inc", "dec")
def step_by_one(t):
    """inc and dec keep CF: their lazy state links to what the previous one defined."""
    bits = t.bits(0)
    rule, sign = (INC[bits], "+") if t.insn.mnemonic == M.INC else (DEC[bits], "-")
    s = Source(t)
    if t.is_mem(0):
        s.keep_address()
    s(f"$a = {s.read(0)}", f"$res = ($a {sign} 1) & {MASK[bits]:#x}")
    s.write(0, "$res")
    s.set_flags(rule, "$a", "1", "$res", "KEEPCF")
    return s


@handles("neg")
def neg(t):
    bits = t.bits(0)
    s = Source(t)
    if t.is_mem(0):
        s.keep_address()
    s(f"$a = {s.read(0)}", f"$res = -$a & {MASK[bits]:#x}")
    s.write(0, "$res")
    s.set_flags(SUB[bits], "0", "$a", "$res")
    return s


@handles("not")
def not_(t):
    s = Source(t)
    if t.is_mem(0):
        s.keep_address()
    return s.write(0, f"~{s.read(0)} & {MASK[t.bits(0)]:#x}")


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
