"""SSE/SSE2/SSE3 floating point: arithmetic, min/max, square root, compares, comis/ucomis,
conversions, horizontal ops, logic, shuffles and unpacks of single (ps/ss) and double
(pd/sd) lanes.

Packed forms work on every lane, scalar forms on the low lane and keep the rest of the
destination. The arithmetic is fparith's, under MXCSR (rounding, DAZ, FTZ); every form
goes through `floating`, which gathers the exceptions of all lanes and raises #XM
before anything is written when one is unmasked (simd.py). Flags: comiss/ucomiss/
comisd/ucomisd set ZF PF CF (111 unordered, 000 greater, 001 less, 100 equal) and clear
OF SF AF; nothing else here touches EFLAGS.
"""

from __future__ import annotations

from iced_x86 import Mnemonic as M

from .. import fparith
from ..simd import M128, Xmm, combine, commit, join, mode, signed, split
from ..softfloat import DOUBLE, IE, SINGLE
from . import handles

SUFFIX = {"ps": (SINGLE, False), "pd": (DOUBLE, False), "ss": (SINGLE, True),
          "sd": (DOUBLE, True)}


def floating(t, compute, source_bits: int = 128):
    """dest = compute(dest, source, mode) -> (value, flags): the flags of every lane
    committed to MXCSR (or #XM) before the destination is written."""
    x = Xmm(t)
    cpu, xmm, dst, src = t.cpu, x.xmm, x.index(0), x.reader(1, source_bits)

    def op():
        value, flags = compute(xmm[dst], src(), mode(cpu.mxcsr))
        commit(cpu, flags)
        xmm[dst] = value
    return op


def gather(results, bits: int) -> tuple[int, int]:
    """Lane results (raw, flags) joined into one value, their flags together."""
    flags = 0
    for _, more in results:
        flags |= more
    return join([raw for raw, _ in results], bits), flags


def lanewise(t, compute):
    """compute(dest lane, source lane, fmt, mode) -> (raw, flags) on every lane of a
    packed form, or on the low lane of a scalar one (the rest of dest kept)."""
    fmt, scalar = SUFFIX[t.name[-2:]]
    bits, low = fmt.bits, (1 << fmt.bits) - 1
    if scalar:
        def on_low(a, b, m):
            raw, flags = compute(a & low, b & low, fmt, m)
            return a & ~low | raw, flags
        return floating(t, on_low, bits)
    return floating(t, lambda a, b, m: gather(
        [compute(x, y, fmt, m) for x, y in zip(split(a, bits), split(b, bits), strict=True)],
        bits))


def _arith(operation: str):
    return lambda a, b, fmt, m: fparith.binary(operation, a, b, fmt, m)


def _sqrt(a, b, fmt, m):
    return fparith.sqrt(b, fmt, m)


def _minmax(want: int):
    """min/max: the second operand when either is a NaN (IE) or both are zeros."""
    def compute(a, b, fmt, m):
        order, flags = fparith.compare(a, b, fmt, m, quiet=False)
        if order is None or flags & IE:
            return fparith.flushed(b, fmt, m), flags | IE
        return fparith.flushed(a if order == want else b, fmt, m), flags
    return compute


OPERATIONS = {"add": _arith("add"), "sub": _arith("sub"), "mul": _arith("mul"),
              "div": _arith("div"), "sqrt": _sqrt, "min": _minmax(-1), "max": _minmax(1)}


@handles(*(f"{op}{s}" for op in OPERATIONS for s in SUFFIX))
def arithmetic(t):
    return lanewise(t, OPERATIONS[t.name[:-2]])


# cmpps predicate -> (test of the order -1/0/1/None, signalling on a QNaN)
PREDICATES = [(lambda o: o == 0, False), (lambda o: o == -1, True),
              (lambda o: o is not None and o <= 0, True), (lambda o: o is None, False),
              (lambda o: o != 0, False), (lambda o: o != -1, True),
              (lambda o: o is None or o > 0, True), (lambda o: o is not None, False)]


@handles("cmpps", "cmppd", "cmpss")
def compare(t):
    """Each lane becomes all ones when the predicate (imm8 & 7) holds, else zero (cmpsd
    arrives through the string family, which shares its mnemonic)."""
    test, signalling = PREDICATES[t.imm(2) & 7]

    def compute(a, b, fmt, m):
        order, flags = fparith.compare(a, b, fmt, m, quiet=not signalling)
        return ((1 << fmt.bits) - 1 if test(order) else 0), flags
    return lanewise(t, compute)


@handles("comiss", "ucomiss", "comisd", "ucomisd")
def comis(t):
    fmt = SINGLE if t.name.endswith("ss") else DOUBLE
    quiet = t.insn.mnemonic in (M.UCOMISS, M.UCOMISD)
    x = Xmm(t)
    cpu, xmm, dst = t.cpu, x.xmm, x.index(0)
    src, mask = x.reader(1, fmt.bits), (1 << fmt.bits) - 1

    def op():
        order, flags = fparith.compare(xmm[dst] & mask, src() & mask, fmt, mode(cpu.mxcsr),
                                       quiet=quiet)
        commit(cpu, flags)
        cpu.set_status_flags(fparith.ORDER_FLAGS[order])
    return op


@handles("haddps", "haddpd", "hsubps", "hsubpd", "addsubps", "addsubpd")
def horizontal(t):
    """SSE3: hadd/hsub combine adjacent lanes (destination's pairs, then the source's);
    addsub subtracts in even lanes and adds in odd ones."""
    fmt = SINGLE if t.name.endswith("ps") else DOUBLE
    bits = fmt.bits
    operation = "sub" if t.name.startswith("hsub") else "add"

    def pairs(a, b):
        lanes = split(a, bits) + split(b, bits)
        return [(lanes[i], lanes[i + 1], operation) for i in range(0, len(lanes), 2)]

    def alternate(a, b):
        return [(x, y, "add" if i % 2 else "sub")
                for i, (x, y) in enumerate(zip(split(a, bits), split(b, bits), strict=True))]

    plan = alternate if t.name.startswith("addsub") else pairs
    return floating(t, lambda a, b, m: gather(
        [fparith.binary(op, x, y, fmt, m) for x, y, op in plan(a, b)], bits))


# -- conversions ----------------------------------------------------------------------------

def _convert_lanes(t, source: int, target: int, count: int, compute):
    """dest = `count` target-width lanes (the rest zero) from the source's low lanes; a
    memory source is only as wide as those lanes."""
    source_bits = source * count if t.is_mem(1) else 128
    return floating(t, lambda _, b, m: gather([compute(lane, m)
                                                for lane in split(b, source, count)], target),
                    source_bits)


@handles("cvtps2pd", "cvtpd2ps", "cvtdq2ps", "cvtdq2pd", "cvtps2dq", "cvttps2dq",
         "cvtpd2dq", "cvttpd2dq")
def packed_convert(t):
    name = t.name
    if name == "cvtps2pd":
        return _convert_lanes(t, 32, 64, 2, lambda a, m: fparith.convert(a, SINGLE, DOUBLE, m))
    if name == "cvtpd2ps":
        return _convert_lanes(t, 64, 32, 2, lambda a, m: fparith.convert(a, DOUBLE, SINGLE, m))
    if name in ("cvtdq2ps", "cvtdq2pd"):
        fmt, count = (SINGLE, 4) if name == "cvtdq2ps" else (DOUBLE, 2)
        return _convert_lanes(t, 32, fmt.bits, count,
                              lambda a, m: fparith.from_int(signed(a, 32), fmt, m))
    fmt, count = (SINGLE, 4) if "ps" in name else (DOUBLE, 2)
    truncate = name.startswith("cvtt")
    return _convert_lanes(t, fmt.bits, 32, count,
                          lambda a, m: fparith.to_int(a, fmt, 32, m, truncate=truncate))


def _scalar_from(t, bits: int, target: int, compute):
    """dest's low lane = compute(source, mode), the rest kept (cvtss2sd, cvtsi2sd...)."""
    low = (1 << target) - 1

    def merged(a, b, m):
        raw, flags = compute(b, m)
        return a & ~low | raw, flags
    return floating(t, merged, bits)


@handles("cvtss2sd", "cvtsd2ss")
def scalar_convert(t):
    source, target = (SINGLE, DOUBLE) if t.insn.mnemonic == M.CVTSS2SD else (DOUBLE, SINGLE)
    mask = (1 << source.bits) - 1
    return _scalar_from(t, source.bits, target.bits,
                        lambda b, m: fparith.convert(b & mask, source, target, m))


@handles("cvtsi2ss", "cvtsi2sd")
def from_integer(t):
    fmt = SINGLE if t.insn.mnemonic == M.CVTSI2SS else DOUBLE
    bits = t.bits(1)
    return _scalar_from(t, bits, fmt.bits,
                        lambda b, m: fparith.from_int(signed(b, bits), fmt, m))


@handles("cvtss2si", "cvttss2si", "cvtsd2si", "cvttsd2si")
def to_integer(t):
    fmt = SINGLE if "ss" in t.name else DOUBLE
    truncate = t.name.startswith("cvtt")
    cpu, bits = t.cpu, t.bits(0)
    src, put = Xmm(t).reader(1, fmt.bits), t.writer(0)
    mask = (1 << fmt.bits) - 1

    def op():
        n, flags = fparith.to_int(src() & mask, fmt, bits, mode(cpu.mxcsr), truncate=truncate)
        commit(cpu, flags)
        put(n)
    return op


# -- logic, shuffles, unpacks, masks ----------------------------------------------------------

LOGIC = {"and": lambda a, b: a & b, "andn": lambda a, b: ~a & b & M128,
         "or": lambda a, b: a | b, "xor": lambda a, b: a ^ b}


@handles("andps", "andpd", "andnps", "andnpd", "orps", "orpd", "xorps", "xorpd")
def logic(t):
    return combine(t, LOGIC[t.name[:-2]])


@handles("shufps", "shufpd")
def shuffle(t):
    """The low half of the result from the destination's lanes, the high half from the
    source's, each chosen by imm8 fields."""
    bits = 32 if t.insn.mnemonic == M.SHUFPS else 64
    count, field = 128 // bits, 2 if bits == 32 else 1
    imm, half = t.imm(2), count // 2
    picks = [imm >> (field * i) & (count - 1) for i in range(count)]

    def shuffled(a, b):
        a, b = split(a, bits), split(b, bits)
        return join([a[p] for p in picks[:half]] + [b[p] for p in picks[half:]], bits)
    return combine(t, shuffled)


@handles("unpcklps", "unpckhps", "unpcklpd", "unpckhpd")
def unpack(t):
    return combine(t, interleave(32 if t.name.endswith("ps") else 64,
                                 high=t.name.startswith("unpckh")))


def interleave(bits: int, *, high: bool):
    """Lanes of the low (or high) halves of destination and source, alternating."""
    half = 64 // bits
    start = half if high else 0

    def mixed(a, b):
        a, b = split(a, bits), split(b, bits)
        return join([lane for i in range(start, start + half) for lane in (a[i], b[i])], bits)
    return mixed


@handles("movmskps", "movmskpd")
def move_mask(t):
    bits = 32 if t.insn.mnemonic == M.MOVMSKPS else 64
    src, put = Xmm(t).reader(1), t.writer(0)
    return lambda: put(sum((lane >> (bits - 1)) << i
                           for i, lane in enumerate(split(src(), bits))))
