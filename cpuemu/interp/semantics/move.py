"""Data movement: mov (segment registers too, and movabs), movzx movsx movsxd, lea,
xchg, cmovcc setcc, bswap, xlat, and the sign extensions cbw cwde cdqe cwd cdq cqo.

Flags: none of these changes a flag. cmovcc and setcc read them. In 64-bit mode every
32-bit register write zero-extends, cmovcc's included when its condition is false.
"""

from __future__ import annotations

from iced_x86 import Code
from iced_x86 import Mnemonic as M

from ...cpu.registers import MASK
from ..decode import SEG, Unsupported
from ..source import Source
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
    s = Source(t)
    return s.write(0, s.read(1, bits))


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


@handles("movzx", "movsx", "movsxd")
def extend(t):
    s = Source(t)
    value = s.read(1)
    if t.insn.mnemonic == M.MOVZX:
        return s.write(0, value)
    sign = 1 << (t.bits(1) - 1)
    s(f"$x = {value}")
    return s.write(0, f"($x - (($x & {sign:#x}) << 1)) & {MASK[t.bits(0)]:#x}")


@handles("lea")
def lea(t):
    """The offset alone (no segment base), cut to the destination's width."""
    s = Source(t)
    address, bits = s.address(with_segment=False), t.bits(0)
    if bits < t.address_bits() or (bits > t.address_bits() and not address.isdigit()):
        address = f"{address} & {MASK[bits]:#x}"
    return s.write(0, address)


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
    """The source is read (and may fault) whether or not the condition holds; a false
    condition still writes the destination (a 32-bit one zero-extends in 64-bit mode)."""
    s = Source(t)
    s(f"$x = {s.read(1)}")
    return s.write(0, f"$x if COND[{condition(t)}] else {s.read(0)}")


@handles("seto", "setno", "setb", "setae", "sete", "setne", "setbe", "seta",
         "sets", "setns", "setp", "setnp", "setl", "setge", "setle", "setg")
def setcc(t):
    s = Source(t)
    return s.write(0, f"1 if COND[{condition(t)}] else 0")


@handles("bswap")
def bswap(t):
    if t.insn.code == BSWAP16:
        raise Unsupported(REFUSED[BSWAP16])
    get, put, size = t.reader(0), t.writer(0), t.bits(0) // 8

    def op():
        put(int.from_bytes(get().to_bytes(size, "little"), "big"))
    return op


@handles("xlatb")
def xlat(t):
    """AL = [EBX + AL] (RBX in 64-bit mode; DS, or the segment override)."""
    cpu = t.cpu
    r = cpu.r
    read = t.mem.reader(1)
    name = SEG.get(t.insn.memory_segment, "ds")
    wrap = MASK[t.bits_of_register(t.insn.memory_base)]     # rbx, or ebx (0x67 prefix)

    def op():
        base = cpu.base(name) if name in ("fs", "gs") or not cpu.flat else 0
        r[EAX] = r[EAX] & ~0xFF | read(((r[EBX] & wrap) + (r[EAX] & 0xFF) + base) & wrap)
    return op


# accumulator width -> the width it widens to (cbw, cwde, cdqe) or spreads into DX
# (cwd, cdq, cqo)
WIDEN = {M.CBW: 8, M.CWDE: 16, M.CDQE: 32}
SPREAD = {M.CWD: 16, M.CDQ: 32, M.CQO: 64}


@handles("cbw", "cwde", "cdqe", "cwd", "cdq", "cqo")
def sign_extend(t):
    """cbw/cwde/cdqe widen the accumulator in place; cwd/cdq/cqo spread its sign into
    the data register."""
    mnemonic = t.insn.mnemonic
    if mnemonic in WIDEN:
        half = WIDEN[mnemonic]
        get, put = t.reg_reader(EAX, 0, half), t.reg_writer(EAX, 0, 2 * half)
        sign, mask = 1 << (half - 1), MASK[2 * half]

        def op_widen():
            value = get()
            put((value - ((value & sign) << 1)) & mask)
        return op_widen
    bits = SPREAD[mnemonic]
    get, put = t.reg_reader(EAX, 0, bits), t.reg_writer(EDX, 0, bits)
    top, mask = bits - 1, MASK[bits]

    def op_spread():
        put(mask if get() >> top else 0)
    return op_spread
