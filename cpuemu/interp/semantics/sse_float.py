"""SSE/SSE2 floating point: arithmetic, min/max, square root, compares, comis/ucomis,
conversions, shuffles and unpacks of single (ps/ss) and double (pd/sd) lanes.

Packed forms work on every lane, scalar forms on the low lane and keep the rest of the
destination. The arithmetic is fparith's, under MXCSR (rounding, DAZ, FTZ); exceptions
from every lane are gathered, and an unmasked one raises #XM before anything is written
(simd.py). Flags: comiss/ucomiss/comisd/ucomisd set ZF PF CF (111 unordered, 000
greater, 001 less, 100 equal) and clear OF SF AF; nothing else here touches EFLAGS.
"""

from __future__ import annotations

from iced_x86 import Mnemonic as M

from .. import fparith
from ..simd import Xmm, commit, join, mode, signed, split
from ..softfloat import DOUBLE, IE, SINGLE
from . import handles

SUFFIX = {"ps": (SINGLE, False), "pd": (DOUBLE, False), "ss": (SINGLE, True),
          "sd": (DOUBLE, True)}
EFLAGS_STATUS = 0x8D5


def _shape(t):
    """(format, lane bits, lane count, scalar) from the mnemonic's suffix."""
    name = str(t.insn).split()[0]
    fmt, scalar = SUFFIX[name[-2:]]
    bits = fmt.bits
    return fmt, bits, 1 if scalar else 128 // bits, scalar


def lanewise(t, compute):
    """dest = compute(dest lane, source lane, fmt, mode) -> (raw, flags), per lane."""
    fmt, bits, count, scalar = _shape(t)
    x = Xmm(t)
    cpu, xmm, dst = t.cpu, x.xmm, x.index(0)
    src = x.reader(1, bits if scalar else 128)
    keep = ~((1 << bits) - 1)

    def op():
        a, b = xmm[dst], src()
        m = mode(cpu.mxcsr)
        if scalar:
            raw, flags = compute(a & ~keep, b & ~keep, fmt, m)
            commit(cpu, flags)
            xmm[dst] = a & keep | raw
            return
        out, flags = [], 0
        for la, lb in zip(split(a, bits), split(b, bits), strict=True):
            raw, more = compute(la, lb, fmt, m)
            out.append(raw)
            flags |= more
        commit(cpu, flags)
        xmm[dst] = join(out, bits)
    return op


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
    name = str(t.insn).split()[0]
    return lanewise(t, OPERATIONS[name[:-2]])


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
    fmt = SINGLE if str(t.insn).split()[0].endswith("ss") else DOUBLE
    quiet = t.insn.mnemonic in (M.UCOMISS, M.UCOMISD)
    x = Xmm(t)
    cpu, xmm, dst = t.cpu, x.xmm, x.index(0)
    src, mask = x.reader(1, fmt.bits), (1 << fmt.bits) - 1

    def op():
        order, flags = fparith.compare(xmm[dst] & mask, src() & mask, fmt, mode(cpu.mxcsr),
                                       quiet=quiet)
        commit(cpu, flags)
        bits = 0x45 if order is None else 1 if order < 0 else 0x40 if order == 0 else 0
        cpu.set_eflags(cpu.get_eflags() & ~EFLAGS_STATUS | bits)
    return op


# -- conversions ----------------------------------------------------------------------------

def _convert_lanes(t, source, target, count, compute, *, src_bits: int | None = None):
    """dest lanes (target width, `count` of them, the rest zero) from source lanes."""
    x = Xmm(t)
    cpu, xmm, dst = t.cpu, x.xmm, x.index(0)
    src = x.reader(1, src_bits or 128)

    def op():
        m = mode(cpu.mxcsr)
        out, flags = [], 0
        for lane in split(src(), source, count):
            raw, more = compute(lane, m)
            out.append(raw)
            flags |= more
        commit(cpu, flags)
        xmm[dst] = join(out, target)
    return op


@handles("cvtps2pd", "cvtpd2ps", "cvtdq2ps", "cvtdq2pd", "cvtps2dq", "cvttps2dq",
         "cvtpd2dq", "cvttpd2dq")
def packed_convert(t):
    name = str(t.insn).split()[0]
    truncate = name.startswith("cvtt")
    if name == "cvtps2pd":
        return _convert_lanes(t, 32, 64, 2, lambda a, m: fparith.convert(a, SINGLE, DOUBLE, m),
                              src_bits=64 if t.is_mem(1) else None)
    if name == "cvtpd2ps":
        return _convert_lanes(t, 64, 32, 2, lambda a, m: fparith.convert(a, DOUBLE, SINGLE, m))
    if name == "cvtdq2ps":
        return _convert_lanes(t, 32, 32, 4,
                              lambda a, m: fparith.from_int(signed(a, 32), SINGLE, m))
    if name == "cvtdq2pd":
        return _convert_lanes(t, 32, 64, 2,
                              lambda a, m: fparith.from_int(signed(a, 32), DOUBLE, m),
                              src_bits=64 if t.is_mem(1) else None)
    fmt, count = (SINGLE, 4) if "ps" in name else (DOUBLE, 2)
    return _convert_lanes(t, fmt.bits, 32, count,
                          lambda a, m: fparith.to_int(a, fmt, 32, m, truncate=truncate))


@handles("cvtss2sd", "cvtsd2ss")
def scalar_convert(t):
    source, target = (SINGLE, DOUBLE) if t.insn.mnemonic == M.CVTSS2SD else (DOUBLE, SINGLE)
    x = Xmm(t)
    cpu, xmm, dst = t.cpu, x.xmm, x.index(0)
    src, keep = x.reader(1, source.bits), ~((1 << target.bits) - 1)

    def op():
        raw, flags = fparith.convert(src() & ((1 << source.bits) - 1), source, target,
                                     mode(cpu.mxcsr))
        commit(cpu, flags)
        xmm[dst] = xmm[dst] & keep | raw
    return op


@handles("cvtsi2ss", "cvtsi2sd")
def from_integer(t):
    fmt = SINGLE if t.insn.mnemonic == M.CVTSI2SS else DOUBLE
    x = Xmm(t)
    cpu, xmm, dst = t.cpu, x.xmm, x.index(0)
    bits = t.bits(1)
    src, keep = t.reader(1), ~((1 << fmt.bits) - 1)

    def op():
        raw, flags = fparith.from_int(signed(src(), bits), fmt, mode(cpu.mxcsr))
        commit(cpu, flags)
        xmm[dst] = xmm[dst] & keep | raw
    return op


@handles("cvtss2si", "cvttss2si", "cvtsd2si", "cvttsd2si")
def to_integer(t):
    name = str(t.insn).split()[0]
    fmt = SINGLE if "ss" in name else DOUBLE
    truncate = name.startswith("cvtt")
    x = Xmm(t)
    cpu, bits = t.cpu, t.bits(0)
    src, put = x.reader(1, fmt.bits), t.writer(0)
    mask = (1 << fmt.bits) - 1

    def op():
        n, flags = fparith.to_int(src() & mask, fmt, bits, mode(cpu.mxcsr), truncate=truncate)
        commit(cpu, flags)
        put(n)
    return op


# -- logic, shuffles, unpacks, masks ----------------------------------------------------------

LOGIC = {"and": lambda a, b: a & b, "andn": lambda a, b: ~a & b & ((1 << 128) - 1),
         "or": lambda a, b: a | b, "xor": lambda a, b: a ^ b}


@handles("andps", "andpd", "andnps", "andnpd", "orps", "orpd", "xorps", "xorpd")
def logic(t):
    compute = LOGIC[str(t.insn).split()[0][:-2]]
    x = Xmm(t)
    xmm, dst, src = x.xmm, x.index(0), x.reader(1)

    def op():
        xmm[dst] = compute(xmm[dst], src())
    return op


@handles("shufps", "shufpd")
def shuffle(t):
    """The low half of the result from the destination's lanes, the high half from the
    source's, each chosen by imm8 fields."""
    bits = 32 if t.insn.mnemonic == M.SHUFPS else 64
    count, field = 128 // bits, 2 if bits == 32 else 1
    imm = t.imm(2)
    picks = [imm >> (field * i) & (count - 1) for i in range(count)]
    x = Xmm(t)
    xmm, dst, src = x.xmm, x.index(0), x.reader(1)

    def op():
        a, b = split(xmm[dst], bits), split(src(), bits)
        half = count // 2
        xmm[dst] = join([a[picks[i]] for i in range(half)] +
                        [b[picks[i]] for i in range(half, count)], bits)
    return op


@handles("unpcklps", "unpckhps", "unpcklpd", "unpckhpd")
def unpack(t):
    name = str(t.insn).split()[0]
    return interleave(t, 32 if name.endswith("ps") else 64, high="unpckh" in name)


def interleave(t, bits: int, *, high: bool):
    """Lanes of the low (or high) halves of destination and source, alternating."""
    x = Xmm(t)
    xmm, dst, src = x.xmm, x.index(0), x.reader(1)
    half = 64 // bits

    def op():
        a, b = split(xmm[dst], bits), split(src(), bits)
        start = half if high else 0
        out = []
        for i in range(start, start + half):
            out += (a[i], b[i])
        xmm[dst] = join(out, bits)
    return op


@handles("movmskps", "movmskpd")
def move_mask(t):
    bits = 32 if t.insn.mnemonic == M.MOVMSKPS else 64
    x = Xmm(t)
    src, put = x.reader(1), t.writer(0)

    def op():
        put(sum((lane >> (bits - 1)) << i for i, lane in enumerate(split(src(), bits))))
    return op


@handles("haddps", "haddpd", "hsubps", "hsubpd", "addsubps", "addsubpd")
def horizontal(t):
    """SSE3: hadd/hsub combine adjacent lanes (destination's pairs, then the source's);
    addsub subtracts in even lanes and adds in odd ones."""
    name = str(t.insn).split()[0]
    fmt = SINGLE if name.endswith("ps") else DOUBLE
    bits = fmt.bits
    x = Xmm(t)
    cpu, xmm, dst, src = t.cpu, x.xmm, x.index(0), x.reader(1)
    operation = "sub" if name.startswith("hsub") else "add"

    def pairs(a, b):
        lanes = split(a, bits) + split(b, bits)
        return [(lanes[i], lanes[i + 1], operation) for i in range(0, len(lanes), 2)]

    def alternate(a, b):
        return [(la, lb, "sub" if i % 2 == 0 else "add")
                for i, (la, lb) in enumerate(zip(split(a, bits), split(b, bits), strict=True))]

    plan = alternate if name.startswith("addsub") else pairs

    def op():
        m = mode(cpu.mxcsr)
        out, flags = [], 0
        for a, b, operation_ in plan(xmm[dst], src()):
            raw, more = fparith.binary(operation_, a, b, fmt, m)
            out.append(raw)
            flags |= more
        commit(cpu, flags)
        xmm[dst] = join(out, bits)
    return op
