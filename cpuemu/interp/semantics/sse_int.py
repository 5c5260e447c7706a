"""SSE2 packed integers (and the SSSE3/SSE4.1 forms compilers emit): lane arithmetic
with wrap-around or saturation, multiplies, averages, min/max, compares, logic, shifts,
packs, unpacks, shuffles, byte masks and lane inserts/extracts.

One table maps each lane operation to (lane bits, function of the two unsigned lanes);
`lanes` applies it, so paddb and pmaxsd are one line each. Flags: none, except ptest
(ZF, CF; the rest cleared).
"""

from __future__ import annotations

from iced_x86 import Mnemonic as M

from ...cpu.registers import MASK
from ..simd import M128, Xmm, join, signed, split
from . import handles
from .sse_float import interleave


def _sat_signed(bits: int):
    low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return lambda v: max(low, min(high, v))


def _sat_unsigned(bits: int):
    high = (1 << bits) - 1
    return lambda v: max(0, min(high, v))


def _table():
    table = {}
    for suffix, bits in (("b", 8), ("w", 16), ("d", 32), ("q", 64)):
        ones = MASK.get(bits, (1 << bits) - 1)
        table[f"padd{suffix}"] = (bits, lambda a, b: a + b)
        table[f"psub{suffix}"] = (bits, lambda a, b: a - b)
        table[f"pcmpeq{suffix}"] = (bits, lambda a, b, ones=ones: ones if a == b else 0)
        table[f"pcmpgt{suffix}"] = (bits, lambda a, b, n=bits, ones=ones:
                                    ones if signed(a, n) > signed(b, n) else 0)
        if bits < 64:
            table[f"pmins{suffix}"] = (bits, lambda a, b, n=bits: min(a, b, key=lambda v:
                                                                       signed(v, n)))
            table[f"pmaxs{suffix}"] = (bits, lambda a, b, n=bits: max(a, b, key=lambda v:
                                                                       signed(v, n)))
            table[f"pminu{suffix}"] = (bits, min)
            table[f"pmaxu{suffix}"] = (bits, max)
            table[f"pabs{suffix}"] = (bits, lambda a, b, n=bits: abs(signed(b, n)))
            table[f"psign{suffix}"] = (bits, lambda a, b, n=bits:
                                       -a if signed(b, n) < 0 else 0 if b == 0 else a)
        if bits < 32:
            ss, us = _sat_signed(bits), _sat_unsigned(bits)
            table[f"padds{suffix}"] = (bits, lambda a, b, n=bits, s=ss:
                                       s(signed(a, n) + signed(b, n)))
            table[f"psubs{suffix}"] = (bits, lambda a, b, n=bits, s=ss:
                                       s(signed(a, n) - signed(b, n)))
            table[f"paddus{suffix}"] = (bits, lambda a, b, s=us: s(a + b))
            table[f"psubus{suffix}"] = (bits, lambda a, b, s=us: s(a - b))
            table[f"pavg{suffix}"] = (bits, lambda a, b: (a + b + 1) >> 1)
    table["pmullw"] = (16, lambda a, b: signed(a, 16) * signed(b, 16))
    table["pmulhw"] = (16, lambda a, b: signed(a, 16) * signed(b, 16) >> 16)
    table["pmulhuw"] = (16, lambda a, b: a * b >> 16)
    table["pmulld"] = (32, lambda a, b: a * b)
    table["pmuludq"] = (64, lambda a, b: (a & MASK[32]) * (b & MASK[32]))
    table["pmuldq"] = (64, lambda a, b: signed(a & MASK[32], 32) * signed(b & MASK[32], 32))
    table["pmulhrsw"] = (16, lambda a, b: (signed(a, 16) * signed(b, 16) >> 14) + 1 >> 1)
    return table


LANES = _table()


def lanes(t, bits: int, compute):
    x = Xmm(t)
    xmm, dst, src = x.xmm, x.index(0), x.reader(1)

    def op():
        xmm[dst] = join(map(compute, split(xmm[dst], bits), split(src(), bits)), bits)
    return op


@handles(*LANES)
def lane_arithmetic(t):
    name = str(t.insn).split()[0]
    if not Xmm(t).is_xmm(0):
        from ..decode import Unsupported
        raise Unsupported("MMX registers")
    bits, compute = LANES[name]
    return lanes(t, bits, compute)


LOGIC = {M.PAND: lambda a, b: a & b, M.PANDN: lambda a, b: ~a & b & M128,
         M.POR: lambda a, b: a | b, M.PXOR: lambda a, b: a ^ b}


@handles("pand", "pandn", "por", "pxor")
def logic(t):
    compute = LOGIC[t.insn.mnemonic]
    x = Xmm(t)
    xmm, dst, src = x.xmm, x.index(0), x.reader(1)
    if not t.is_mem(1) and x.index(1) == dst and t.insn.mnemonic in (M.PXOR, M.PANDN):
        return lambda: xmm.__setitem__(dst, 0)          # the zeroing idiom
    return lambda: xmm.__setitem__(dst, compute(xmm[dst], src()))


SHIFTS = {"psllw": (16, "l"), "pslld": (32, "l"), "psllq": (64, "l"),
          "psrlw": (16, "r"), "psrld": (32, "r"), "psrlq": (64, "r"),
          "psraw": (16, "a"), "psrad": (32, "a")}


@handles(*SHIFTS)
def shift(t):
    """By imm8 or by the low 64 bits of an XMM/m128 operand; past the lane width a
    logical shift gives zero and an arithmetic one the sign."""
    bits, kind = SHIFTS[str(t.insn).split()[0]]
    x = Xmm(t)
    xmm, dst = x.xmm, x.index(0)
    count = x.reader(1)
    mask = (1 << bits) - 1

    def one(lane: int, n: int) -> int:
        if kind == "a":
            return signed(lane, bits) >> min(n, bits - 1)
        if n >= bits:
            return 0
        return lane << n if kind == "l" else lane >> n

    def op():
        n = count() & MASK[64]
        xmm[dst] = join([one(lane, n) & mask for lane in split(xmm[dst], bits)], bits)
    return op


@handles("pslldq", "psrldq")
def shift_bytes(t):
    n = min(t.imm(1), 16) * 8
    x = Xmm(t)
    xmm, dst = x.xmm, x.index(0)
    if t.insn.mnemonic == M.PSLLDQ:
        return lambda: xmm.__setitem__(dst, xmm[dst] << n & M128)
    return lambda: xmm.__setitem__(dst, xmm[dst] >> n)


@handles("punpcklbw", "punpcklwd", "punpckldq", "punpcklqdq", "punpckhbw", "punpckhwd",
         "punpckhdq", "punpckhqdq")
def punpck(t):
    name = str(t.insn).split()[0]
    bits = {"bw": 8, "wd": 16, "dq": 32, "qdq": 64}[name[7:]]
    if not Xmm(t).is_xmm(0):
        from ..decode import Unsupported
        raise Unsupported("MMX registers")
    return interleave(t, bits, high=name[6] == "h")


PACKS = {"packsswb": (16, 8, _sat_signed(8), True), "packssdw": (32, 16, _sat_signed(16), True),
         "packuswb": (16, 8, _sat_unsigned(8), True), "packusdw": (32, 16, _sat_unsigned(16), True)}


@handles(*PACKS)
def pack(t):
    """Destination lanes then source lanes, each narrowed with saturation."""
    wide, narrow, saturate, _ = PACKS[str(t.insn).split()[0]]
    x = Xmm(t)
    xmm, dst, src = x.xmm, x.index(0), x.reader(1)

    def op():
        values = [saturate(signed(v, wide)) for v in split(xmm[dst], wide) + split(src(), wide)]
        xmm[dst] = join(values, narrow)
    return op


@handles("pshufd", "pshuflw", "pshufhw")
def pshuf(t):
    imm = t.imm(2)
    picks = [imm >> (2 * i) & 3 for i in range(4)]
    x = Xmm(t)
    xmm, dst, src = x.xmm, x.index(0), x.reader(1)
    name = t.insn.mnemonic
    if name == M.PSHUFD:
        return lambda: xmm.__setitem__(dst, join([split(src(), 32)[p] for p in picks], 32))
    high = name == M.PSHUFHW

    def op():
        words = split(src(), 16)
        part = words[4:] if high else words[:4]
        shuffled = [part[p] for p in picks]
        xmm[dst] = join(words[:4] + shuffled if high else shuffled + words[4:], 16)
    return op


@handles("pshufb")
def pshufb(t):
    x = Xmm(t)
    xmm, dst, src = x.xmm, x.index(0), x.reader(1)

    def op():
        data, control = split(xmm[dst], 8), split(src(), 8)
        xmm[dst] = join([0 if c & 0x80 else data[c & 15] for c in control], 8)
    return op


@handles("palignr")
def palignr(t):
    n = t.imm(2) * 8
    x = Xmm(t)
    xmm, dst, src = x.xmm, x.index(0), x.reader(1)
    return lambda: xmm.__setitem__(dst, (xmm[dst] << 128 | src()) >> n & M128)


@handles("pmovmskb")
def pmovmskb(t):
    x = Xmm(t)
    src, put = x.reader(1), t.writer(0)
    return lambda: put(sum((b >> 7) << i for i, b in enumerate(split(src(), 8))))


@handles("pmaddwd")
def pmaddwd(t):
    x = Xmm(t)
    xmm, dst, src = x.xmm, x.index(0), x.reader(1)

    def op():
        a, b = split(xmm[dst], 16), split(src(), 16)
        products = [signed(a[i], 16) * signed(b[i], 16) for i in range(8)]
        xmm[dst] = join([products[2 * i] + products[2 * i + 1] for i in range(4)], 32)
    return op


@handles("psadbw")
def psadbw(t):
    x = Xmm(t)
    xmm, dst, src = x.xmm, x.index(0), x.reader(1)

    def op():
        a, b = split(xmm[dst], 8), split(src(), 8)
        sums = [sum(abs(a[i] - b[i]) for i in range(h, h + 8)) for h in (0, 8)]
        xmm[dst] = join(sums, 64)
    return op


@handles("pextrw", "pextrb", "pextrd", "pextrq")
def pextr(t):
    bits = {M.PEXTRW: 16, M.PEXTRB: 8, M.PEXTRD: 32, M.PEXTRQ: 64}[t.insn.mnemonic]
    lane = t.imm(2) & (128 // bits - 1)
    x = Xmm(t)
    src = x.reader(1)
    put = x.writer(0, bits) if t.is_mem(0) else t.writer(0)
    return lambda: put(src() >> (lane * bits) & MASK[bits])


@handles("pinsrw", "pinsrb", "pinsrd", "pinsrq")
def pinsr(t):
    bits = {M.PINSRW: 16, M.PINSRB: 8, M.PINSRD: 32, M.PINSRQ: 64}[t.insn.mnemonic]
    shift = (t.imm(2) & (128 // bits - 1)) * bits
    x = Xmm(t)
    xmm, dst = x.xmm, x.index(0)
    src = t.reader(1) if not t.is_mem(1) else x.reader(1, bits)
    keep = M128 & ~(MASK[bits] << shift)
    return lambda: xmm.__setitem__(dst, xmm[dst] & keep | (src() & MASK[bits]) << shift)


@handles("pmovzxbw", "pmovzxbd", "pmovzxbq", "pmovzxwd", "pmovzxwq", "pmovzxdq",
         "pmovsxbw", "pmovsxbd", "pmovsxbq", "pmovsxwd", "pmovsxwq", "pmovsxdq")
def pmovx(t):
    name = str(t.insn).split()[0]
    size = {"b": 8, "w": 16, "d": 32}
    narrow, wide = size[name[6]], {"w": 16, "d": 32, "q": 64}[name[7]]
    count = 128 // wide
    sign = name[4] == "s"
    x = Xmm(t)
    xmm, dst = x.xmm, x.index(0)
    src = x.reader(1, narrow * count)

    def op():
        values = split(src(), narrow, count)
        xmm[dst] = join([signed(v, narrow) if sign else v for v in values], wide)
    return op


@handles("ptest")
def ptest(t):
    x = Xmm(t)
    cpu, xmm, dst, src = t.cpu, x.xmm, x.index(0), x.reader(1)

    def op():
        a, b = xmm[dst], src()
        bits = (0x40 if a & b == 0 else 0) | (1 if ~a & b & M128 == 0 else 0)
        cpu.set_eflags(cpu.get_eflags() & ~0x8D5 | bits)
    return op
