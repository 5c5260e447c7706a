"""SSE data movement and state: whole-register moves (aligned ones fault off a 16-byte
boundary), scalar movss/movsd, movd/movq, half moves (movlps movhps movhlps movlhps...),
the SSE3 duplicating moves, ldmxcsr/stmxcsr, and fxsave/fxrstor of x87 + SSE state.

Flags: none. A scalar or half load from memory zeroes what the register form keeps:
movss/movsd from memory clear the rest of the register, from a register they merge.
"""

from __future__ import annotations

from iced_x86 import Mnemonic as M

from ...cpu.registers import MASK
from ..cpu import CpuFault
from ..decode import Unsupported
from ..fpu import MXCSR_MASK
from ..simd import Xmm, combine, join, split
from . import handles

LOW64, HIGH64 = MASK[64], MASK[64] << 64
ALIGNED = {M.MOVAPS, M.MOVAPD, M.MOVDQA, M.MOVNTPS, M.MOVNTPD, M.MOVNTDQ, M.MOVNTDQA}


@handles("movaps", "movapd", "movdqa", "movups", "movupd", "movdqu", "lddqu", "movntps",
         "movntpd", "movntdq", "movntdqa")
def move(t):
    x = Xmm(t)
    aligned = t.insn.mnemonic in ALIGNED
    get, put = x.reader(1, aligned=aligned), x.writer(0, aligned=aligned)

    def op():
        put(get())
    return op


def move_scalar(t):
    """movss/movsd (reached through the string family for movsd)."""
    bits = 32 if t.insn.mnemonic == M.MOVSS else 64
    mask = MASK[bits]
    if t.is_mem(0):
        get, put = Xmm(t).reader(1), Xmm(t).writer(0, bits)
        return lambda: put(get() & mask)
    if t.is_mem(1):
        return combine(t, lambda _, b: b, bits)
    return combine(t, lambda a, b: a & ~mask | b & mask)


handles("movss")(move_scalar)


@handles("movd", "movq")
def move_low(t):
    """movd/movq: the low 32/64 bits between an XMM register and a GPR or memory; into
    an XMM register the rest is zeroed."""
    x = Xmm(t)
    if not (x.is_xmm(0) or x.is_xmm(1)):
        raise Unsupported("MMX registers are not implemented")
    bits = 32 if t.insn.mnemonic == M.MOVD else 64
    mask = MASK[bits]
    if x.is_xmm(0):
        return combine(t, lambda _, b: b & mask, bits)
    get, put = x.reader(1), x.writer(0, bits)
    return lambda: put(get() & mask)


@handles("movlps", "movlpd", "movhps", "movhpd", "movhlps", "movlhps")
def move_half(t):
    name = t.insn.mnemonic
    high = name in (M.MOVHPS, M.MOVHPD, M.MOVLHPS)
    if t.is_mem(0):                                   # store one half
        x = Xmm(t)
        get, put = x.reader(1), x.writer(0, 64)
        shift = 64 if high else 0
        return lambda: put(get() >> shift & LOW64)
    if name == M.MOVHLPS:
        return combine(t, lambda a, b: a & HIGH64 | b >> 64)
    if name == M.MOVLHPS:
        return combine(t, lambda a, b: a & LOW64 | (b & LOW64) << 64)
    if high:
        return combine(t, lambda a, b: a & LOW64 | b << 64, 64)
    return combine(t, lambda a, b: a & HIGH64 | b, 64)


@handles("movddup", "movshdup", "movsldup")
def duplicate(t):
    if t.insn.mnemonic == M.MOVDDUP:
        return combine(t, lambda _, b: (b & LOW64) * (1 << 64 | 1), 64)
    first = 1 if t.insn.mnemonic == M.MOVSHDUP else 0

    def duplicated(_, b):
        lanes = split(b, 32)
        return join([lanes[first], lanes[first], lanes[first + 2], lanes[first + 2]], 32)
    return combine(t, duplicated)


@handles("movnti")
def movnti(t):
    get, put = t.reader(1), t.writer(0)
    return lambda: put(get())


@handles("ldmxcsr", "stmxcsr")
def mxcsr(t):
    cpu = t.cpu
    if t.insn.mnemonic == M.STMXCSR:
        put = t.writer(0, 32)
        return lambda: put(cpu.mxcsr)
    get = t.reader(0, 32)

    def op():
        value = get()
        if value & ~MXCSR_MASK:
            raise CpuFault("general-protection", f"ldmxcsr of reserved bits ({value:#x})")
        cpu.mxcsr = value
    return op


# -- fxsave / fxrstor -------------------------------------------------------------------

def fxsave_image(cpu, wide: bool) -> bytes:
    """The 512-byte FXSAVE area (bytes 464-511 are software's and are not written: the
    caller writes only the first 464, or 288 when there are 8 XMM registers)."""
    fpu = cpu.fpu
    head = bytearray(32)
    head[0:2] = fpu.cw.to_bytes(2, "little")
    head[2:4] = fpu.status().to_bytes(2, "little")
    head[4] = fpu.abridged_tags()
    head[6:8] = fpu.fop.to_bytes(2, "little")
    if wide:
        head[8:16] = fpu.fip.to_bytes(8, "little")
        head[16:24] = fpu.fdp.to_bytes(8, "little")
    else:
        head[8:12] = (fpu.fip & MASK[32]).to_bytes(4, "little")
        head[12:14] = fpu.fcs.to_bytes(2, "little")
        head[16:20] = (fpu.fdp & MASK[32]).to_bytes(4, "little")
        head[20:22] = fpu.fds.to_bytes(2, "little")
    head[24:28] = cpu.mxcsr.to_bytes(4, "little")
    head[28:32] = MXCSR_MASK.to_bytes(4, "little")
    regs = b"".join(fpu.st(i).to_bytes(16, "little") for i in range(8))
    xmms = b"".join(v.to_bytes(16, "little") for v in cpu.xmm)
    return bytes(head) + regs + xmms


def fxrstor_image(cpu, data: bytes, wide: bool) -> None:
    fpu = cpu.fpu
    mxcsr = int.from_bytes(data[24:28], "little")
    if mxcsr & ~MXCSR_MASK:
        raise CpuFault("general-protection", f"fxrstor of reserved MXCSR bits ({mxcsr:#x})")
    status = int.from_bytes(data[2:4], "little")
    top = status >> 11 & 7
    for i in range(8):
        fpu.regs[(top + i) & 7] = int.from_bytes(data[32 + 16 * i:42 + 16 * i], "little")
    fpu.cw = int.from_bytes(data[0:2], "little") & 0x1F7F | 0x40
    fpu.set_status(status)
    fpu.set_abridged_tags(data[4])
    fpu.fop = int.from_bytes(data[6:8], "little") & 0x7FF
    if wide:
        fpu.fip = int.from_bytes(data[8:16], "little")
        fpu.fdp = int.from_bytes(data[16:24], "little")
    else:
        word = [int.from_bytes(data[i:i + 4], "little") for i in range(8, 24, 4)]
        fpu.fip, fpu.fcs, fpu.fdp, fpu.fds = word[0], word[1] & 0xFFFF, word[2], word[3] & 0xFFFF
    cpu.mxcsr = mxcsr
    for i in range(len(cpu.xmm)):
        cpu.xmm[i] = int.from_bytes(data[160 + 16 * i:176 + 16 * i], "little")


@handles("fxsave", "fxsave64", "fxrstor", "fxrstor64")
def fxsave(t):
    """The area must be 16-byte aligned (#GP otherwise)."""
    cpu, mem, ea = t.cpu, t.mem, t.address_of()
    wide = t.insn.mnemonic in (M.FXSAVE64, M.FXRSTOR64)
    size = 160 + 16 * len(cpu.xmm)

    def aligned() -> int:
        address = ea()
        if address & 15:
            raise CpuFault("general-protection", f"fxsave area at {address:#x} is not "
                                                 "16-byte aligned")
        return address

    if t.insn.mnemonic in (M.FXSAVE, M.FXSAVE64):
        return lambda: mem.write(aligned(), fxsave_image(cpu, wide))

    def op_restore():
        fxrstor_image(cpu, mem.read(aligned(), size), wide)
    return op_restore
