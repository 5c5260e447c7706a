"""Bit instructions: bt bts btr btc, bsf bsr.

Flags: bt* set CF to the selected bit, keep ZF, and leave OF SF AF PF undefined.
bsf/bsr set ZF when the source is zero (the destination then keeps its value, as both
vendors do in practice) and leave CF OF SF AF PF undefined.
"""

from __future__ import annotations

from iced_x86 import Mnemonic as M

from ..decode import refuse_code_write
from ..flags import compose
from . import handles

BIT_OPS = {M.BT: None, M.BTS: lambda v, bit: v | bit, M.BTR: lambda v, bit: v & ~bit,
           M.BTC: lambda v, bit: v ^ bit}


@handles("bt", "bts", "btr", "btc")
def bit_test(t):
    bits = t.bits(0)
    update, cpu = BIT_OPS[t.insn.mnemonic], t.cpu
    offset = t.reader(1, bits)
    if t.is_mem(0) and t.is_reg(1):
        return _bit_string(t, bits, update)
    get = t.reader(0)
    put = t.writer(0) if update else None

    policy = t.cpu.policy["bittest"]

    def op():
        n = offset() & (bits - 1)
        value = get()
        if put is not None:
            put(update(value, 1 << n))
        cpu.lazy = compose(policy, cpu.lazy, bits, 0, cf=value >> n & 1,
                           zf=cpu.lazy[0].zf(cpu.lazy))
    return op


def _bit_string(t, bits: int, update):
    """A register bit offset into memory is signed and may reach far outside the operand:
    the operand at EA + (offset >> log2(bits)) * (bits / 8) holds the bit."""
    cpu, size, wrap = t.cpu, bits // 8, t.amask
    ea, offset = t.address_of(), t.reader(1, bits)
    read = t.mem.reader(size)
    write = refuse_code_write if t.writes_code_segment() and update else t.mem.writer(size)
    sign = 1 << (bits - 1)

    policy = t.cpu.policy["bittest"]

    def op():
        n = offset()
        n -= (n & sign) << 1
        address = (ea() + (n >> (bits.bit_length() - 1)) * size) & wrap
        n &= bits - 1
        value = read(address)
        if update is not None:
            write(address, update(value, 1 << n))
        cpu.lazy = compose(policy, cpu.lazy, bits, 0, cf=value >> n & 1,
                           zf=cpu.lazy[0].zf(cpu.lazy))
    return op


@handles("bsf", "bsr", "tzcnt", "lzcnt")
def bit_scan(t):
    """tzcnt and lzcnt are `rep bsf` and `rep bsr`: a CPU without BMI1/LZCNT (what cpuid
    reports here) ignores the prefix and runs the scan, and compilers emit tzcnt for
    bsf knowing that."""
    bits = t.bits(0)
    get, put, cpu = t.reader(1), t.writer(0), t.cpu
    forward = t.insn.mnemonic in (M.BSF, M.TZCNT)

    policy = t.cpu.policy["bitscan"]

    def op():
        value = get()
        if value == 0:
            cpu.lazy = compose(policy, cpu.lazy, bits, value, zf=1)
            return
        index = (value & -value).bit_length() - 1 if forward else value.bit_length() - 1
        put(index)
        cpu.lazy = compose(policy, cpu.lazy, bits, index, zf=0)
    return op
