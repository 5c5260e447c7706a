"""Shifts and rotates: shl/sal shr sar, rol ror rcl rcr, shld shrd.

Flags: a count of 0 (after masking to 5 bits, 6 for 64-bit operands) changes nothing.
Shifts set CF to the last bit shifted out and SF ZF PF from the result; OF is defined
for 1-bit shifts only and AF never. Rotates change only CF and OF (OF defined for 1-bit
rotates). shld/shrd: like shifts. The undefined rest follows the CPU model's policy. For
OF after a count above 1, "last-step" (AMD) is what the last 1-bit step sets, and
"first-step" (Intel) what the first one sets, from the operand before the instruction;
either way one formula serves every count.
"""

from __future__ import annotations

from iced_x86 import Mnemonic as M

from ...cpu.registers import MASK
from ..flags import RESULT, with_flags
from . import handles


def _count(t, i: int):
    """The count operand: CL or an immediate (the D0/D1 forms decode as immediate 1)."""
    return t.reader(i, 8)


def count_mask(bits: int) -> int:
    """The CPU keeps 5 bits of a count, 6 for a 64-bit operand."""
    return 63 if bits == 64 else 31


def rewrite(t):
    """What a count of 0 still does: in 64-bit mode a 32-bit register destination is
    written anyway, so its upper half is cleared (measured on the CPU). None otherwise."""
    if t.width == 64 and t.is_reg(0) and t.bits(0) == 32:
        r, d = t.cpu.r, t.gpr(0)[0]

        def zero_extend():
            r[d] &= 0xFFFFFFFF
        return zero_extend
    return None


@handles("shl", "sal", "shr", "sar")
def shift(t):
    bits = t.bits(0)
    mask, top, rule, cpu = MASK[bits], bits - 1, RESULT[bits], t.cpu
    get, put, count = t.reader(0), t.writer(0), _count(t, 1)
    af, limit, idle = t.cpu.policy["shift"]["af"], count_mask(bits), rewrite(t)
    first = t.cpu.policy["shift"]["of"] == "first-step"
    mnemonic = t.insn.mnemonic

    if mnemonic in (M.SHL, M.SAL):
        def op():
            n = count() & limit
            if n:
                a = get()
                wide = a << n
                res = wide & mask
                put(res)
                cf = wide >> bits & 1
                of = (a >> top ^ a >> (top - 1)) & 1 if first else res >> top ^ cf
                cpu.lazy = (rule, cf, of, res, af)
            elif idle is not None:
                idle()
        return op

    if mnemonic == M.SHR:
        def op():
            n = count() & limit
            if n:
                a = get()
                res = a >> n
                put(res)
                before_last = a >> (n - 1)
                of = a >> top if first else before_last >> top & 1
                cpu.lazy = (rule, before_last & 1, of, res, af)
            elif idle is not None:
                idle()
        return op

    sign = 1 << top

    def op():
        n = count() & limit
        if n:
            a = get()
            signed = a - ((a & sign) << 1)
            res = (signed >> n) & mask
            put(res)
            cpu.lazy = (rule, signed >> (n - 1) & 1, 0, res, af)
        elif idle is not None:
            idle()
    return op


@handles("rol", "ror", "rcl", "rcr")
def rotate(t):
    bits = t.bits(0)
    mask, top, cpu = MASK[bits], bits - 1, t.cpu
    get, put, count = t.reader(0), t.writer(0), _count(t, 1)
    mnemonic = t.insn.mnemonic
    through_carry = mnemonic in (M.RCL, M.RCR)
    period = bits + 1 if through_carry else bits
    left = mnemonic in (M.ROL, M.RCL)
    limit, idle = count_mask(bits), rewrite(t)
    policy = t.cpu.policy["rotate"]
    first = policy["of"] == "first-step"
    # Intel: a rotate (not through CF) of a register by an immediate leaves OF alone
    keep_of = policy.get("of-immediate") == "keep" and t.is_imm(1) and t.is_reg(0) \
        and not through_carry

    def op():
        masked = count() & limit
        if not masked:
            if idle is not None:
                idle()
            return
        n = masked % period
        a = get()
        s = cpu.lazy
        if through_carry:
            carry_in = s[0].cf(s)
            wide = carry_in << bits | a
            wide = ((wide << n) | (wide >> (period - n))) if left else \
                ((wide >> n) | (wide << (period - n)))
            wide &= (1 << period) - 1
            res, cf = wide & mask, wide >> bits & 1
        else:
            res = ((a << n) | (a >> (bits - n))) & mask if left else \
                ((a >> n) | (a << (bits - n))) & mask
            cf = res & 1 if left else res >> top
        if first and masked > 1:                  # as the first 1-bit step sets it
            if left:
                of = a >> top ^ a >> (top - 1)
            else:
                of = (carry_in if through_carry else a) ^ a >> top
        else:
            of = (res >> top ^ cf) if left else (res >> top ^ res >> (top - 1))
        put(res)
        if keep_of and masked > 1:
            cpu.lazy = with_flags(s, cf=cf)
        else:
            cpu.lazy = with_flags(s, cf=cf, of=of & 1)
    return op


@handles("shld", "shrd")
def double_shift(t):
    bits = t.bits(0)
    mask, top, rule, cpu = MASK[bits], bits - 1, RESULT[bits], t.cpu
    get, put, src, count = t.reader(0), t.writer(0), t.reader(1), _count(t, 2)
    left = t.insn.mnemonic == M.SHLD
    af, limit, idle = t.cpu.policy["double-shift"]["af"], count_mask(bits), rewrite(t)
    first = t.cpu.policy["double-shift"]["of"] == "first-step"
    # A 16-bit shld/shrd by 17-31: Intel shifts through dst:src:dst (48 bits), so the
    # destination's own bits come back in; AMD's result is the 32-bit concatenation's.
    repeat = bits == 16 and t.cpu.policy["double-shift"].get("above-16") == "repeat"

    def op():
        n = count() & limit
        if not n:
            if idle is not None:
                idle()
            return
        a = get()
        b = src()
        through = repeat and n > 16               # dst:src:dst, 48 bits
        if left:
            span = 48 if through else 2 * bits
            wide = (a << 32 | b << 16 | a if through else a << bits | b) << n
            res = wide >> (span - bits) & mask
            cf = wide >> span & 1
            # last-step OF; a 16-bit shld by 16 gives OF = CF on AMD (measured)
            if first:
                of = (a >> top ^ a >> (top - 1)) & 1
            else:
                of = cf if n == bits else res >> top ^ cf
        else:
            wide = a << 32 | b << 16 | a if through else b << bits | a
            res = wide >> n & mask
            cf = wide >> (n - 1) & 1
            of = (b ^ a >> top) & 1 if first else (res ^ wide >> (n - 1)) >> top & 1
        put(res)
        cpu.lazy = (rule, cf, of, res, af)
    return op
