"""The IEEE operations x87 and SSE share, with their special cases: NaNs, infinities,
zeros, denormal operands. Each takes raw bit patterns and returns (raw result, flags).

The two units differ in which NaN comes out of an operation on two NaNs (`X87_NANS`:
the larger significand, a QNaN before an SNaN; `SSE_NANS`: the first source), and SSE
can treat denormal inputs as zero (DAZ) and flush tiny results (FTZ); those are
parameters, so one definition serves both.
"""

from __future__ import annotations

from . import softfloat as sf
from .softfloat import DE, IE, INF, UNSUPPORTED, ZE, Format, Value

X87_NANS, SSE_NANS = "x87", "sse"


class Mode:
    """How one unit rounds: rounding control, precision, NaN rule, DAZ and FTZ."""

    __slots__ = ("rc", "precision", "nans", "daz", "ftz")

    def __init__(self, rc: int = sf.NEAREST, precision: int | None = None, nans: str = SSE_NANS,
                 daz: bool = False, ftz: bool = False):
        self.rc, self.precision, self.nans, self.daz, self.ftz = rc, precision, nans, daz, ftz


def operand(raw: int, fmt: Format, mode: Mode) -> tuple[Value, int]:
    """Unpack; a denormal is DE, or zero under DAZ (which raises nothing)."""
    v = sf.unpack(raw, fmt)
    if v.denormal:
        if mode.daz:
            return Value(sf.FINITE, v.sign), 0
        return v, DE
    return v, 0


def flushed(raw: int, fmt: Format, mode: Mode) -> int:
    """The operand as the unit sees it: under DAZ a denormal is a zero of its sign."""
    if mode.daz and sf.unpack(raw, fmt).denormal:
        return raw & fmt.sign_bit
    return raw


def propagate(a: int, va: Value, b: int | None, vb: Value | None, fmt: Format,
              mode: Mode) -> tuple[int, int]:
    """The NaN result of an operation with a NaN operand, and IE when one is signalling."""
    flags = IE if va.kind == sf.SNAN or (vb is not None and vb.kind == sf.SNAN) else 0
    if vb is None or not vb.is_nan:
        return sf.quiet(a, fmt), flags
    if not va.is_nan:
        return sf.quiet(b, fmt), flags
    if mode.nans == SSE_NANS:
        return sf.quiet(a, fmt), flags
    if va.kind != vb.kind:                        # a QNaN wins over an SNaN
        return (a if va.kind == sf.QNAN else b), flags
    qa, qb = sf.quiet(a, fmt), sf.quiet(b, fmt)
    ma, mb = qa & ((1 << fmt.p) - 1), qb & ((1 << fmt.p) - 1)
    if ma != mb:
        return (qa if ma > mb else qb), flags
    return (qa if not va.sign else qb), flags


def _finish(result: tuple[int, int, int, bool], fmt: Format, mode: Mode, flags: int
            ) -> tuple[int, int]:
    sign, sig, exp, sticky = result
    raw, more = sf.round_pack(sign, sig, exp, fmt, mode.rc, sticky=sticky,
                              precision=mode.precision, ftz=mode.ftz)
    return raw, flags | more


def binary(op: str, a: int, b: int, fmt: Format, mode: Mode) -> tuple[int, int]:
    """a OP b for OP in add sub mul div."""
    va, fa = operand(a, fmt, mode)
    vb, fb = operand(b, fmt, mode)
    if va.kind == UNSUPPORTED or vb.kind == UNSUPPORTED:
        return sf.default_nan(fmt), IE
    if va.is_nan or vb.is_nan:
        return propagate(a, va, b, vb, fmt, mode)
    flags = fa | fb
    if op == "sub":
        vb = vb._replace(sign=vb.sign ^ 1)
        op = "add"
    sign = va.sign ^ vb.sign
    if op == "add":
        if va.kind == INF or vb.kind == INF:
            if va.kind == INF and vb.kind == INF and va.sign != vb.sign:
                return sf.default_nan(fmt), IE
            return sf.infinity(va.sign if va.kind == INF else vb.sign, fmt), flags
        return _finish(sf.add_values(va, vb, mode.rc), fmt, mode, flags)
    if op == "mul":
        if va.kind == INF or vb.kind == INF:
            if va.is_zero or vb.is_zero:
                return sf.default_nan(fmt), IE
            return sf.infinity(sign, fmt), flags
        return _finish(sf.mul_values(va, vb), fmt, mode, flags)
    # div
    if va.kind == INF:
        if vb.kind == INF:
            return sf.default_nan(fmt), IE
        return sf.infinity(sign, fmt), flags
    if vb.kind == INF:
        return sf.zero(sign, fmt), flags
    if vb.is_zero:
        if va.is_zero:
            return sf.default_nan(fmt), IE
        return sf.infinity(sign, fmt), ZE          # a denormal dividend: ZE alone
    if va.is_zero:
        return sf.zero(sign, fmt), flags
    return _finish(sf.div_values(va, vb, mode.precision or fmt.p), fmt, mode, flags)


def sqrt(a: int, fmt: Format, mode: Mode) -> tuple[int, int]:
    va, flags = operand(a, fmt, mode)
    if va.kind == UNSUPPORTED:
        return sf.default_nan(fmt), IE
    if va.is_nan:
        return propagate(a, va, None, None, fmt, mode)
    if va.is_zero:
        return sf.zero(va.sign, fmt), flags
    if va.sign:
        return sf.default_nan(fmt), IE
    if va.kind == INF:
        return a, flags
    return _finish(sf.sqrt_value(va, mode.precision or fmt.p), fmt, mode, flags)


def compare(a: int, b: int, fmt: Format, mode: Mode, *, quiet: bool) -> tuple[int | None, int]:
    """(-1, 0, 1, or None when unordered; flags). Any NaN is invalid unless `quiet`, where
    only a signalling one is."""
    va, fa = operand(a, fmt, mode)
    vb, fb = operand(b, fmt, mode)
    if va.kind == UNSUPPORTED or vb.kind == UNSUPPORTED:
        return None, IE
    if va.is_nan or vb.is_nan:
        signalling = va.kind == sf.SNAN or vb.kind == sf.SNAN
        return None, IE if signalling or not quiet else 0
    return sf.compare(va, vb), fa | fb


# EFLAGS of an ordered compare (fcomi, comiss...): ZF PF CF by order, OF SF AF clear
ORDER_FLAGS = {None: 0x45, -1: 0x01, 0: 0x40, 1: 0x00}


def convert(raw: int, source: Format, target: Format, mode: Mode) -> tuple[int, int]:
    """A value from one format to another: NaNs keep their payload, quieted (IE when
    signalling); finite values rounded (DE for a denormal source)."""
    v, flags = operand(raw, source, mode)
    if v.kind == UNSUPPORTED:
        return sf.default_nan(target), IE
    if v.is_nan:
        return sf.nan_payload(raw, source, target), IE if v.kind == sf.SNAN else 0
    if v.kind == INF:
        return sf.infinity(v.sign, target), 0
    result, more = sf.round_pack(v.sign, v.sig, v.exp, target, mode.rc,
                                 precision=mode.precision, ftz=mode.ftz)
    return result, flags | more


def to_int(raw: int, fmt: Format, bits: int, mode: Mode, *, truncate: bool = False
           ) -> tuple[int, int]:
    """A value rounded (or truncated) to a `bits`-wide two's complement integer: the
    "integer indefinite" (only the sign bit) with IE when it does not fit or is a NaN."""
    indefinite = 1 << (bits - 1)
    v, _ = operand(raw, fmt, mode)              # a denormal source is not DE here
    if v.kind != sf.FINITE:
        return indefinite, IE
    n, flags = sf.to_integer(v, sf.ZERO if truncate else mode.rc)
    if not -indefinite <= n < indefinite:
        return indefinite, IE
    return n & ((1 << bits) - 1), flags


def from_int(n: int, fmt: Format, mode: Mode) -> tuple[int, int]:
    return sf.from_integer(n, fmt, mode.rc, precision=mode.precision)


def round_integral(raw: int, fmt: Format, mode: Mode) -> tuple[int, int]:
    """frndint/roundsd: to an integral value in the same format."""
    v, flags = operand(raw, fmt, mode)
    if v.kind == UNSUPPORTED:
        return sf.default_nan(fmt), IE
    if v.is_nan:
        return propagate(raw, v, None, None, fmt, mode)
    if v.kind == INF:
        return raw, flags
    result, more = sf.round_to_integral(v, fmt, mode.rc)
    return result, flags | more
