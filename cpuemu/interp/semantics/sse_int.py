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
from ..simd import M128, Xmm, combine, join, signed, split
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


def lanes(bits: int, compute):
    """A whole-register function applying compute(dest lane, source lane) to each lane."""
    return lambda a, b: join(map(compute, split(a, bits), split(b, bits)), bits)


@handles(*LANES)
def lane_arithmetic(t):
    return combine(t, lanes(*LANES[t.name]))


LOGIC = {M.PAND: lambda a, b: a & b, M.PANDN: lambda a, b: ~a & b & M128,
         M.POR: lambda a, b: a | b, M.PXOR: lambda a, b: a ^ b}


@handles("pand", "pandn", "por", "pxor")
def logic(t):
    if t.is_reg(1) and t.insn.op_register(0) == t.insn.op_register(1) and \
            t.insn.mnemonic in (M.PXOR, M.PANDN):
        return combine(t, lambda a, b: 0)               # the zeroing idiom
    return combine(t, LOGIC[t.insn.mnemonic])


SHIFTS = {"psllw": (16, "l"), "pslld": (32, "l"), "psllq": (64, "l"),
          "psrlw": (16, "r"), "psrld": (32, "r"), "psrlq": (64, "r"),
          "psraw": (16, "a"), "psrad": (32, "a")}


@handles(*SHIFTS)
def shift(t):
    """By imm8 or by the low 64 bits of an XMM/m128 operand; past the lane width a
    logical shift gives zero and an arithmetic one the sign."""
    bits, kind = SHIFTS[t.name]
    mask = (1 << bits) - 1

    def one(lane: int, n: int) -> int:
        if kind == "a":
            return signed(lane, bits) >> min(n, bits - 1)
        if n >= bits:
            return 0
        return lane << n if kind == "l" else lane >> n

    def shifted(a, count):
        n = count & MASK[64]
        return join([one(lane, n) & mask for lane in split(a, bits)], bits)
    return combine(t, shifted)


@handles("pslldq", "psrldq")
def shift_bytes(t):
    n = min(t.imm(1), 16) * 8
    if t.insn.mnemonic == M.PSLLDQ:
        return combine(t, lambda a, _: a << n & M128)
    return combine(t, lambda a, _: a >> n)


@handles("punpcklbw", "punpcklwd", "punpckldq", "punpcklqdq", "punpckhbw", "punpckhwd",
         "punpckhdq", "punpckhqdq")
def punpck(t):
    bits = {"bw": 8, "wd": 16, "dq": 32, "qdq": 64}[t.name[7:]]
    return combine(t, interleave(bits, high=t.name[6] == "h"))


PACKS = {"packsswb": (16, 8, _sat_signed(8)), "packssdw": (32, 16, _sat_signed(16)),
         "packuswb": (16, 8, _sat_unsigned(8)), "packusdw": (32, 16, _sat_unsigned(16))}


@handles(*PACKS)
def pack(t):
    """Destination lanes then source lanes, each narrowed with saturation."""
    wide, narrow, saturate = PACKS[t.name]
    return combine(t, lambda a, b: join([saturate(signed(v, wide))
                                         for v in split(a, wide) + split(b, wide)], narrow))


@handles("pshufd", "pshuflw", "pshufhw")
def pshuf(t):
    """Lanes of the source chosen by imm8 fields: dwords, or the low or high four words
    (the other four copied)."""
    imm = t.imm(2)
    picks = [imm >> (2 * i) & 3 for i in range(4)]
    if t.insn.mnemonic == M.PSHUFD:
        return combine(t, lambda _, b: join([split(b, 32)[p] for p in picks], 32))
    high = t.insn.mnemonic == M.PSHUFHW

    def shuffled(_, b):
        words = split(b, 16)
        part = [(words[4:] if high else words[:4])[p] for p in picks]
        return join(words[:4] + part if high else part + words[4:], 16)
    return combine(t, shuffled)


@handles("pshufb")
def pshufb(t):
    def shuffled(a, b):
        data = split(a, 8)
        return join([0 if c & 0x80 else data[c & 15] for c in split(b, 8)], 8)
    return combine(t, shuffled)


@handles("palignr")
def palignr(t):
    n = t.imm(2) * 8
    return combine(t, lambda a, b: (a << 128 | b) >> n & M128)


@handles("pmovmskb")
def pmovmskb(t):
    src, put = Xmm(t).reader(1), t.writer(0)
    return lambda: put(sum((b >> 7) << i for i, b in enumerate(split(src(), 8))))


@handles("pmaddwd")
def pmaddwd(t):
    def madd(a, b):
        products = [signed(x, 16) * signed(y, 16) for x, y in zip(split(a, 16), split(b, 16),
                                                                 strict=True)]
        return join([products[i] + products[i + 1] for i in range(0, 8, 2)], 32)
    return combine(t, madd)


HORIZONTAL = {"phaddw": (16, lambda x, y: x + y, None),
              "phaddd": (32, lambda x, y: x + y, None),
              "phaddsw": (16, lambda x, y: x + y, _sat_signed(16)),
              "phsubw": (16, lambda x, y: x - y, None),
              "phsubd": (32, lambda x, y: x - y, None),
              "phsubsw": (16, lambda x, y: x - y, _sat_signed(16))}


@handles(*HORIZONTAL)
def horizontal(t):
    """SSSE3: adjacent lanes combined, the destination's pairs then the source's (the
    `s` forms saturate, on signed lanes)."""
    bits, compute, saturate = HORIZONTAL[t.name]

    def pairs(a, b):
        lanes = split(a, bits) + split(b, bits)
        if saturate is None:
            return join([compute(lanes[i], lanes[i + 1]) for i in range(0, len(lanes), 2)],
                        bits)
        return join([saturate(compute(signed(lanes[i], bits), signed(lanes[i + 1], bits)))
                     for i in range(0, len(lanes), 2)], bits)
    return combine(t, pairs)


@handles("pmaddubsw")
def pmaddubsw(t):
    """SSSE3: unsigned bytes of the destination times signed bytes of the source, adjacent
    products added with signed saturation into words."""
    saturate = _sat_signed(16)

    def madd(a, b):
        products = [x * signed(y, 8) for x, y in zip(split(a, 8), split(b, 8), strict=True)]
        return join([saturate(products[i] + products[i + 1]) for i in range(0, 16, 2)], 16)
    return combine(t, madd)


@handles("psadbw")
def psadbw(t):
    def sad(a, b):
        diffs = [abs(x - y) for x, y in zip(split(a, 8), split(b, 8), strict=True)]
        return join([sum(diffs[:8]), sum(diffs[8:])], 64)
    return combine(t, sad)


@handles("pextrw", "pextrb", "pextrd", "pextrq")
def pextr(t):
    bits = {M.PEXTRW: 16, M.PEXTRB: 8, M.PEXTRD: 32, M.PEXTRQ: 64}[t.insn.mnemonic]
    shift = (t.imm(2) & (128 // bits - 1)) * bits
    x = Xmm(t)
    src, put = x.reader(1), x.writer(0, bits)
    return lambda: put(src() >> shift & MASK[bits])


@handles("pinsrw", "pinsrb", "pinsrd", "pinsrq")
def pinsr(t):
    bits = {M.PINSRW: 16, M.PINSRB: 8, M.PINSRD: 32, M.PINSRQ: 64}[t.insn.mnemonic]
    shift = (t.imm(2) & (128 // bits - 1)) * bits
    keep = M128 & ~(MASK[bits] << shift)
    return combine(t, lambda a, b: a & keep | (b & MASK[bits]) << shift, bits)


@handles("pmovzxbw", "pmovzxbd", "pmovzxbq", "pmovzxwd", "pmovzxwq", "pmovzxdq",
         "pmovsxbw", "pmovsxbd", "pmovsxbq", "pmovsxwd", "pmovsxwq", "pmovsxdq")
def pmovx(t):
    """SSE4.1: the low lanes of the source widened, with zeros or the sign."""
    narrow = {"b": 8, "w": 16, "d": 32}[t.name[6]]
    wide = {"w": 16, "d": 32, "q": 64}[t.name[7]]
    count, sign = 128 // wide, t.name[4] == "s"

    def widened(_, b):
        return join([signed(v, narrow) if sign else v for v in split(b, narrow, count)], wide)
    return combine(t, widened, narrow * count)


@handles("ptest")
def ptest(t):
    x = Xmm(t)
    cpu, xmm, dst, src = t.cpu, x.xmm, x.index(0), x.reader(1)

    def op():
        a, b = xmm[dst], src()
        bits = (0x40 if a & b == 0 else 0) | (1 if ~a & b & M128 == 0 else 0)
        cpu.set_status_flags(bits)
    return op
