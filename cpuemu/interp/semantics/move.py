"""Data movement: mov (segment registers too), movzx movsx, lea, xchg, cmovcc setcc,
bswap, xlat, and the sign extensions cbw cwde cwd cdq.

Flags: none of these changes a flag. cmovcc and setcc read them.
"""

from __future__ import annotations

from iced_x86 import Code
from iced_x86 import Mnemonic as M

from ...cpu.registers import MASK
from ..decode import SEG, Unsupported, reg_reader, reg_writer
from . import REFUSED, handles, refuses

EAX, EDX, EBX = 0, 2, 3
BSWAP16 = refuses(Code.BSWAP_R16, "bswap of a 16-bit register is undefined")


def condition(t):
    """The jcc/setcc/cmovcc condition as an index into a flag rule's `conds`."""
    return t.insn.condition_code - 1


@handles("mov")
def mov(t):
    if t.is_reg(0) and t.insn.op_register(0) in SEG:
        return _load_segment(t)
    bits = t.bits(0)
    put, get = t.writer(0), t.reader(1, bits)
    if t.is_reg(0) and bits == 32:
        r, d = t.cpu.r, t.gpr(0)[0]
        if t.is_imm(1):
            value = get()

            def op_ri():
                r[d] = value
            return op_ri
        if t.is_reg(1):
            s = t.gpr(1)[0]

            def op_rr():
                r[d] = r[s]
            return op_rr

    def op():
        put(get())
    return op


def _load_segment(t):
    """mov sreg, r/m16: the CPU checks the selector against the GDT (see Cpu.load_segment)."""
    name = t.segment(0)
    if name == "cs":
        raise Unsupported("mov cs")
    get, cpu = t.reader(1, 16), t.cpu
    t.ends_block = True

    def op():
        cpu.load_segment(name, get())
    return op


@handles("movzx", "movsx")
def extend(t):
    bits, src_bits = t.bits(0), t.bits(1)
    put, get = t.writer(0), t.reader(1)
    if t.insn.mnemonic == M.MOVZX:
        def op():
            put(get())
        return op
    sign, mask = 1 << (src_bits - 1), MASK[bits]

    def op_sx():
        value = get()
        put((value - ((value & sign) << 1)) & mask)
    return op_sx


@handles("lea")
def lea(t):
    bits = t.bits(0)
    put, ea, mask = t.writer(0), t.address_of(with_segment=False), MASK[bits]

    def op():
        put(ea() & mask)
    return op


@handles("xchg")
def xchg(t):
    """Memory is written first, so a fault leaves both operands as they were."""
    get_a, put_a, get_b, put_b = t.reader(0), t.writer(0), t.reader(1), t.writer(1)
    if t.is_mem(1):
        get_a, put_a, get_b, put_b = get_b, put_b, get_a, put_a

    def op():
        a = get_a()
        b = get_b()
        put_a(b)
        put_b(a)
    return op


@handles("cmovo", "cmovno", "cmovb", "cmovae", "cmove", "cmovne", "cmovbe", "cmova",
         "cmovs", "cmovns", "cmovp", "cmovnp", "cmovl", "cmovge", "cmovle", "cmovg")
def cmov(t):
    """The source is read (and may fault) whether or not the condition holds."""
    cc, cpu = condition(t), t.cpu
    put, get = t.writer(0), t.reader(1)

    def op():
        value = get()
        s = cpu.lazy
        if s[0].conds[cc](s):
            put(value)
    return op


@handles("seto", "setno", "setb", "setae", "sete", "setne", "setbe", "seta",
         "sets", "setns", "setp", "setnp", "setl", "setge", "setle", "setg")
def setcc(t):
    cc, cpu, put = condition(t), t.cpu, t.writer(0)

    def op():
        s = cpu.lazy
        put(1 if s[0].conds[cc](s) else 0)
    return op


@handles("bswap")
def bswap(t):
    if t.insn.code == BSWAP16:
        raise Unsupported(REFUSED[BSWAP16])
    r, d = t.cpu.r, t.gpr(0)[0]

    def op():
        r[d] = int.from_bytes(r[d].to_bytes(4, "little"), "big")
    return op


@handles("xlatb")
def xlat(t):
    """AL = [EBX + AL] (DS, or the segment override)."""
    cpu = t.cpu
    r = cpu.r
    read = t.mem.reader(1)
    name = SEG.get(t.insn.memory_segment, "ds")

    def op():
        base = cpu.base(name) if name in ("fs", "gs") or not cpu.flat else 0
        r[EAX] = r[EAX] & 0xFFFFFF00 | read((r[EBX] + (r[EAX] & 0xFF) + base) & 0xFFFFFFFF)
    return op


@handles("cbw", "cwde", "cwd", "cdq")
def sign_extend(t):
    """cbw/cwde widen the accumulator in place; cwd/cdq spread its sign into (E)DX."""
    r = t.cpu.r
    mnemonic = t.insn.mnemonic
    if mnemonic in (M.CBW, M.CWDE):
        half = 8 if mnemonic == M.CBW else 16
        get, put = reg_reader(r, EAX, 0, half), reg_writer(r, EAX, 0, 2 * half)
        sign, mask = 1 << (half - 1), MASK[2 * half]

        def op_widen():
            value = get()
            put((value - ((value & sign) << 1)) & mask)
        return op_widen
    bits = 16 if mnemonic == M.CWD else 32
    get, put = reg_reader(r, EAX, 0, bits), reg_writer(r, EDX, 0, bits)
    top, mask = bits - 1, MASK[bits]

    def op_spread():
        put(mask if get() >> top else 0)
    return op_spread
