"""Multiply and divide: mul, imul (one, two and three operands), div, idiv.

Flags: mul and imul set CF = OF = "the result did not fit the destination"; SF ZF PF AF
are undefined. div and idiv leave all six undefined. Division raises #DE (SIGFPE) on a
zero divisor and on a quotient too wide for the destination (INT_MIN / -1), before any
register changes.
"""

from __future__ import annotations

from iced_x86 import Mnemonic as M

from ...cpu.registers import MASK, signed
from ..cpu import CpuFault
from ..flags import compose
from . import handles

EAX, EDX = 0, 2


def _accumulator(t, bits: int):
    """Readers and writers of the implicit halves: AL/AH for bytes, (E/R)AX and (E/R)DX
    otherwise."""
    if bits == 8:
        return (t.reg_reader(EAX, 0, 8), t.reg_writer(EAX, 0, 8),
                t.reg_reader(EAX, 8, 8), t.reg_writer(EAX, 8, 8))
    return (t.reg_reader(EAX, 0, bits), t.reg_writer(EAX, 0, bits),
            t.reg_reader(EDX, 0, bits), t.reg_writer(EDX, 0, bits))


@handles("mul", "imul")
def multiply(t):
    cpu, insn, policy = t.cpu, t.insn, t.cpu.policy["mul"]
    is_signed = insn.mnemonic == M.IMUL
    if insn.op_count == 1:
        return _widening(t, is_signed)
    bits = t.bits(0)
    mask = MASK[bits]
    put = t.writer(0)
    a, b = (t.reader(0), t.reader(1)) if insn.op_count == 2 else (t.reader(1), t.reader(2, bits))

    def op():
        product = signed(a(), bits) * signed(b(), bits)
        res = product & mask
        wide = int(product != signed(res, bits))
        put(res)
        cpu.lazy = compose(policy, cpu.lazy, bits, res, cf=wide, of=wide)
    return op


def _widening(t, is_signed: bool):
    """One operand: AL*src -> AX, AX*src -> DX:AX, EAX*src -> EDX:EAX, RAX*src -> RDX:RAX."""
    bits = t.bits(0)
    mask, cpu = MASK[bits], t.cpu
    src = t.reader(0)
    low, put_low, _, put_high = _accumulator(t, bits)
    if bits == 8:
        put_low = t.reg_writer(EAX, 0, 16)

    policy = t.cpu.policy["mul"]

    def op():
        if is_signed:
            product = signed(low(), bits) * signed(src(), bits)
            wide = int(product != signed(product & mask, bits))
        else:
            product = low() * src()
            wide = int(product > mask)
        product &= (1 << 2 * bits) - 1
        if bits == 8:
            put_low(product)
        else:
            put_low(product & mask)
            put_high(product >> bits)
        cpu.lazy = compose(policy, cpu.lazy, bits, product & mask, cf=wide, of=wide)
    return op


@handles("div", "idiv")
def divide(t):
    bits = t.bits(0)
    mask, cpu = MASK[bits], t.cpu
    src = t.reader(0)
    low, put_low, high, put_high = _accumulator(t, bits)
    is_signed = t.insn.mnemonic == M.IDIV
    lo_limit, hi_limit = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if is_signed else (0, mask)

    policy = t.cpu.policy["div"]

    def op():
        divisor = src()
        if divisor == 0:
            raise CpuFault("divide-error", "division by zero")
        dividend = high() << bits | low()
        if is_signed:
            dividend, divisor = signed(dividend, 2 * bits), signed(divisor, bits)
            quotient = abs(dividend) // abs(divisor)
            if (dividend < 0) != (divisor < 0):
                quotient = -quotient
            remainder = dividend - quotient * divisor
        else:
            quotient, remainder = divmod(dividend, divisor)
        if not lo_limit <= quotient <= hi_limit:
            raise CpuFault("divide-error", "quotient too large")
        put_low(quotient & mask)
        put_high(remainder & mask)
        cpu.lazy = compose(policy, cpu.lazy, bits, quotient & mask)
    return op
