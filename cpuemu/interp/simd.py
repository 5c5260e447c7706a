"""What every SSE instruction shares: XMM operands (registers or memory, with the
16-byte alignment legacy SSE demands of m128 operands), lanes, and MXCSR.

An XMM register is one 128-bit integer in `cpu.xmm`; a lane operation splits it into
lanes and joins them back. MXCSR gives the rounding mode, DAZ and FTZ (a `Mode` for
fparith), and the exception masks: `commit` raises #XM (SIGFPE on Linux) before
anything is written when an unmasked exception occurred in any lane, as the CPU does,
and otherwise merges the flags.
"""

from __future__ import annotations

from iced_x86 import Register

from .cpu import CpuFault
from .decode import Unsupported
from .fparith import SSE_NANS, Mode
from .softfloat import TINY, UE

M128 = (1 << 128) - 1
XMM0, MM0 = Register.XMM0, Register.MM0


def split(value: int, bits: int, count: int | None = None) -> list[int]:
    mask = (1 << bits) - 1
    return [value >> (i * bits) & mask for i in range(count or 128 // bits)]


def join(lanes, bits: int) -> int:
    value = 0
    for i, lane in enumerate(lanes):
        value |= (lane & ((1 << bits) - 1)) << (i * bits)
    return value


def signed(value: int, bits: int) -> int:
    return value - ((value >> (bits - 1) & 1) << bits)


_MODES: dict[int, Mode] = {}


def mode(mxcsr: int) -> Mode:
    """The Mode MXCSR describes (FTZ applies only while underflow is masked)."""
    key = mxcsr & 0xFFC0
    m = _MODES.get(key)
    if m is None:
        m = _MODES[key] = Mode(mxcsr >> 13 & 3, None, SSE_NANS, daz=bool(mxcsr & 0x40),
                               ftz=bool(mxcsr & 0x8000) and bool(mxcsr >> 7 & UE))
    return m


def commit(cpu, flags: int) -> None:
    """Raise #XM for an unmasked exception (nothing is written), else record the flags.
    Unmasked, underflow is any tiny result, exact or not (IEEE 754's trap rule)."""
    if flags & TINY and not cpu.mxcsr >> 7 & UE:
        flags |= UE
    flags &= 0x3F
    if flags & ~(cpu.mxcsr >> 7):
        raise CpuFault("simd-fp-exception", f"unmasked SSE exception (flags {flags:#x})")
    cpu.mxcsr |= flags


def combine(t, compute, source_bits: int = 128):
    """The shape of most SSE instructions: dest = compute(dest, source), the destination
    an XMM register, the source one or `source_bits` of memory (or a GPR)."""
    x = Xmm(t)
    xmm, dst, src = x.xmm, x.index(0), x.reader(1, source_bits)

    def op():
        xmm[dst] = compute(xmm[dst], src())
    return op


class Xmm:
    """Operand access for one SSE instruction."""

    def __init__(self, t):
        self.t, self.cpu, self.xmm = t, t.cpu, t.cpu.xmm

    def is_xmm(self, i: int) -> bool:
        return self.t.is_reg(i) and XMM0 <= self.t.insn.op_register(i) <= XMM0 + 15

    def index(self, i: int) -> int:
        if not self.is_xmm(i):
            raise Unsupported("MMX registers are not implemented" if self.t.is_reg(i) and
                              MM0 <= self.t.insn.op_register(i) <= MM0 + 7 else
                              "operand is not an XMM register")
        return self.t.insn.op_register(i) - XMM0

    def reader(self, i: int, bits: int = 128, *, aligned: bool = True):
        """A closure reading operand i: a whole XMM register, or `bits` of memory (m128
        operands fault unless 16-byte aligned when `aligned`)."""
        t = self.t
        if self.is_xmm(i):
            k, xmm = self.index(i), self.xmm
            return lambda: xmm[k]
        if t.is_mem(i):
            ea, read = t.address_of(), t.mem.reader(bits // 8)
            if bits == 128 and aligned:
                def read_aligned():
                    address = ea()
                    if address & 15:
                        raise CpuFault("general-protection",
                                       f"misaligned 16-byte operand at {address:#x}")
                    return read(address)
                return read_aligned
            return lambda: read(ea())
        if t.is_reg(i):
            return t.reader(i)
        if t.is_imm(i):
            value = t.imm(i)
            return lambda: value
        raise Unsupported(f"operand kind {t.kind(i)}")

    def writer(self, i: int, bits: int = 128, *, aligned: bool = True):
        """A closure storing into operand i: the whole XMM register, or `bits` of memory."""
        t = self.t
        if self.is_xmm(i):
            k, xmm = self.index(i), self.xmm

            def put(value):
                xmm[k] = value
            return put
        if t.is_mem(i):
            ea, write = t.address_of(), t.mem.writer(bits // 8)
            if bits == 128 and aligned:
                def write_aligned(value):
                    address = ea()
                    if address & 15:
                        raise CpuFault("general-protection",
                                       f"misaligned 16-byte operand at {address:#x}")
                    write(address, value)
                return write_aligned
            return lambda value: write(ea(), value)
        if t.is_reg(i):
            return t.writer(i)
        raise Unsupported(f"destination operand kind {t.kind(i)}")
