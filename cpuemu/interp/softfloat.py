"""IEEE 754 binary floating point computed exactly with Python integers, as x86 does it.

A finite value is unpacked to (sign, sig, exp) meaning (-1)**sign * sig * 2**exp with an
integer `sig`; arithmetic on those is exact (sums and products are integers, quotients and
square roots carry a sticky bit), and `round_pack` rounds once, to a format, under a
rounding mode, reporting the exception flags the CPU would. Nothing passes through a
Python float. x87 and SSE differ only in how they handle NaNs and unmasked exceptions, so
that lives with them; this module is the arithmetic they share.

Flags use the bit positions of the x87 status word and MXCSR (IE DE ZE OE UE PE), plus
ROUNDED_UP at the status word's C1 position: the x87 reports whether the result's
magnitude was rounded up.
"""

from __future__ import annotations

from math import isqrt
from typing import NamedTuple

IE, DE, ZE, OE, UE, PE = 1, 2, 4, 8, 16, 32
ROUNDED_UP = 1 << 9
TINY = 1 << 16                # the result is tiny: underflow when UE is unmasked, exact or not
NEAREST, DOWN, UP, ZERO = 0, 1, 2, 3           # rounding control, as RC/MXCSR.RC encode it

# classes of an unpacked operand
FINITE, INF, QNAN, SNAN, UNSUPPORTED = 0, 1, 2, 3, 4


class Format(NamedTuple):
    """A binary interchange format: `p` significand bits (with the integer bit), exponent
    field width; `explicit` when the integer bit is stored (the x87's 80-bit format)."""

    name: str
    p: int
    ebits: int
    explicit: bool = False

    @property
    def bits(self) -> int:
        return 1 + self.ebits + self.p - (0 if self.explicit else 1)

    @property
    def bias(self) -> int:
        return (1 << (self.ebits - 1)) - 1

    @property
    def emin(self) -> int:
        return 1 - self.bias

    @property
    def emax(self) -> int:
        return self.bias

    @property
    def frac_bits(self) -> int:
        return self.p - 1

    @property
    def sign_bit(self) -> int:
        return 1 << (self.bits - 1)

    @property
    def exp_all_ones(self) -> int:
        return (1 << self.ebits) - 1


SINGLE = Format("single", 24, 8)
DOUBLE = Format("double", 53, 11)
EXTENDED = Format("extended", 64, 15, explicit=True)


class Value(NamedTuple):
    """An unpacked operand: class, sign, and for FINITE the exact sig * 2**exp."""

    kind: int
    sign: int
    sig: int = 0
    exp: int = 0
    denormal: bool = False

    @property
    def is_nan(self) -> bool:
        return self.kind in (QNAN, SNAN)

    @property
    def is_zero(self) -> bool:
        return self.kind == FINITE and self.sig == 0


def unpack(raw: int, fmt: Format) -> Value:
    """Classify and unpack a bit pattern of `fmt`."""
    sign = raw >> (fmt.bits - 1) & 1
    mbits = fmt.p if fmt.explicit else fmt.p - 1
    field = raw >> mbits & fmt.exp_all_ones
    m = raw & ((1 << mbits) - 1)
    lsb = fmt.emin - (fmt.p - 1)                # exponent of the denormals' last bit
    if fmt.explicit:
        integer = m >> (fmt.p - 1)
        frac = m & ((1 << (fmt.p - 1)) - 1)
        if field == fmt.exp_all_ones:
            if not integer:
                return Value(UNSUPPORTED, sign)         # pseudo-infinity, pseudo-NaN
            if frac == 0:
                return Value(INF, sign)
            return Value(QNAN if frac >> (fmt.p - 2) else SNAN, sign, m)
        if field == 0:
            return Value(FINITE, sign, m, lsb, denormal=m != 0)   # pseudo-denormals too
        if not integer:
            return Value(UNSUPPORTED, sign)             # unnormal
        return Value(FINITE, sign, m, field - fmt.bias - (fmt.p - 1))
    if field == fmt.exp_all_ones:
        if m == 0:
            return Value(INF, sign)
        return Value(QNAN if m >> (mbits - 1) else SNAN, sign, m)
    if field == 0:
        return Value(FINITE, sign, m, lsb, denormal=m != 0)
    return Value(FINITE, sign, m | 1 << mbits, field - fmt.bias - (fmt.p - 1))


def zero(sign: int, fmt: Format) -> int:
    return sign << (fmt.bits - 1)


def infinity(sign: int, fmt: Format) -> int:
    mbits = fmt.p if fmt.explicit else fmt.p - 1
    integer = 1 << (fmt.p - 1) if fmt.explicit else 0
    return sign << (fmt.bits - 1) | fmt.exp_all_ones << mbits | integer


def default_nan(fmt: Format) -> int:
    """The "real indefinite" QNaN an invalid operation returns: negative, top fraction bit."""
    mbits = fmt.p if fmt.explicit else fmt.p - 1
    quiet = 3 << (fmt.p - 2) if fmt.explicit else 1 << (mbits - 1)
    return 1 << (fmt.bits - 1) | fmt.exp_all_ones << mbits | quiet


def quiet(raw: int, fmt: Format) -> int:
    """A NaN made quiet (the top fraction bit set)."""
    return raw | 1 << (fmt.p - 2)


def _rounds_up(sign: int, odd: bool, rem: int, half: int, rc: int) -> bool:
    if rc == NEAREST:
        return rem > half or (rem == half and odd)
    if rc == ZERO:
        return False
    return (rc == UP) != bool(sign)


def round_pack(sign: int, sig: int, exp: int, fmt: Format, rc: int = NEAREST, *,
               sticky: bool = False, precision: int | None = None,
               ftz: bool = False) -> tuple[int, int]:
    """Round (-1)**sign * (sig + sticky) * 2**exp to `fmt` and pack it: (bits, flags).

    `sticky` says the exact value lies strictly above sig * 2**exp, below the next unit;
    callers keep at least two bits beyond the precision so it cannot straddle a midpoint.
    `precision` is the x87 precision control (24, 53 or 64 bits in the 80-bit format's
    exponent range). Tininess is detected after rounding (x86 does, for SSE and x87);
    `ftz` flushes tiny results to zero as MXCSR.FTZ does when underflow is masked."""
    p = precision or fmt.p
    if sticky:
        sig, exp = sig << 1 | 1, exp - 1
    if sig == 0:
        return zero(sign, fmt), 0
    top = exp + sig.bit_length() - 1                      # exponent of the leading bit
    lsb = max(top, fmt.emin) - p + 1     # a tiny result keeps p bits below emin's bit
    q, flags = _round_at(sign, sig, exp, lsb, rc)
    if q >> p:                                            # rounding carried out: renormalise
        q >>= 1
        lsb += 1
    top = lsb + q.bit_length() - 1 if q else lsb
    if q and top > fmt.emax:
        to_infinity = rc == NEAREST or (rc == UP and not sign) or (rc == DOWN and sign)
        return _overflow(sign, fmt, rc, p), OE | PE | ROUNDED_UP * to_infinity
    if q == 0 or top < fmt.emin:
        tiny = True
        if flags & PE:                                    # tiny had the exponent no bound?
            uq, _ = _round_at(sign, sig, exp, exp + sig.bit_length() - p, rc)
            tiny = exp + sig.bit_length() - p + uq.bit_length() - 1 < fmt.emin
        if tiny and ftz:
            return zero(sign, fmt), UE | PE | TINY
        if tiny:
            flags |= TINY | (UE if flags & PE else 0)
    return _encode(sign, q, lsb, fmt), flags


def _round_at(sign: int, sig: int, exp: int, lsb: int, rc: int) -> tuple[int, int]:
    """sig * 2**exp rounded to a multiple of 2**lsb: (multiple, PE | ROUNDED_UP)."""
    shift = lsb - exp
    if shift <= 0:
        return sig << -shift, 0
    q = sig >> shift
    rem = sig & ((1 << shift) - 1)
    if not rem:
        return q, 0
    if _rounds_up(sign, bool(q & 1), rem, 1 << (shift - 1), rc):
        return q + 1, PE | ROUNDED_UP
    return q, PE


def _overflow(sign: int, fmt: Format, rc: int, p: int) -> int:
    if rc == NEAREST or (rc == UP and not sign) or (rc == DOWN and sign):
        return infinity(sign, fmt)
    largest = ((1 << p) - 1) << (fmt.p - p)               # all ones at the precision
    return _encode(sign, largest, fmt.emax - (fmt.p - 1), fmt)


def _encode(sign: int, q: int, lsb: int, fmt: Format) -> int:
    """Pack the exact value q * 2**lsb, which `fmt` represents."""
    if q == 0:
        return zero(sign, fmt)
    top = lsb + q.bit_length() - 1
    mbits = fmt.p if fmt.explicit else fmt.p - 1
    if top < fmt.emin:                                     # denormal
        m = q << (lsb - (fmt.emin - (fmt.p - 1)))
        return sign << (fmt.bits - 1) | m
    m = q << (fmt.p - q.bit_length())                      # normalised to p bits
    if not fmt.explicit:
        m &= (1 << mbits) - 1
    return sign << (fmt.bits - 1) | (top + fmt.bias) << mbits | m


# -- exact operations on finite values: each returns (sign, sig, exp, sticky) ----------

def _zero_sum_sign(a: Value, b: Value, rc: int) -> int:
    if a.sign == b.sign:
        return a.sign
    return int(rc == DOWN)


def add_values(a: Value, b: Value, rc: int) -> tuple[int, int, int, bool]:
    """a + b exactly; the sign of an exact zero follows IEEE 754."""
    if a.sig == 0 and b.sig == 0:
        return _zero_sum_sign(a, b, rc), 0, 0, False
    if a.sig == 0:
        return b.sign, b.sig, b.exp, False
    if b.sig == 0:
        return a.sign, a.sig, a.exp, False
    exp = min(a.exp, b.exp)
    x = a.sig << (a.exp - exp)
    y = b.sig << (b.exp - exp)
    total = (-x if a.sign else x) + (-y if b.sign else y)
    if total == 0:
        return int(rc == DOWN), 0, exp, False
    return int(total < 0), abs(total), exp, False


def mul_values(a: Value, b: Value) -> tuple[int, int, int, bool]:
    return a.sign ^ b.sign, a.sig * b.sig, a.exp + b.exp, False


def div_values(a: Value, b: Value, p: int) -> tuple[int, int, int, bool]:
    """a / b (b nonzero) with p + 2 quotient bits at least and a sticky remainder."""
    shift = max(0, p + 2 + b.sig.bit_length() - a.sig.bit_length())
    q, r = divmod(a.sig << shift, b.sig)
    return a.sign ^ b.sign, q, a.exp - b.exp - shift, r != 0


def sqrt_value(a: Value, p: int) -> tuple[int, int, int, bool]:
    """sqrt(a) for a positive finite a, with p + 2 bits at least and a sticky bit."""
    shift = max(0, 2 * (p + 2) - a.sig.bit_length())
    if (a.exp - shift) & 1:
        shift += 1
    n = a.sig << shift
    root = isqrt(n)
    return 0, root, (a.exp - shift) // 2, root * root != n


def compare(a: Value, b: Value) -> int:
    """-1, 0 or 1 for two finite or infinite values (zeros of either sign are equal)."""
    def key(v: Value):
        if v.kind == INF:
            return (-2 if v.sign else 2), 0, 0
        if v.sig == 0:
            return 0, 0, 0
        return (-1 if v.sign else 1), v.sig, v.exp
    ka, kb = key(a), key(b)
    if ka[0] != kb[0] or ka[0] in (-2, 0, 2):
        return (ka[0] > kb[0]) - (ka[0] < kb[0])
    exp = min(ka[2], kb[2])
    x, y = ka[1] << (ka[2] - exp), kb[1] << (kb[2] - exp)
    magnitude = (x > y) - (x < y)
    return -magnitude if ka[0] < 0 else magnitude


def to_integer(v: Value, rc: int) -> tuple[int, int]:
    """A finite value rounded to an integer under `rc`: (signed integer, PE | ROUNDED_UP)."""
    q, flags = _round_at(v.sign, v.sig, v.exp, 0, rc)
    return (-q if v.sign else q), flags


def round_to_integral(v: Value, fmt: Format, rc: int) -> tuple[int, int]:
    """frndint/roundsd: the nearest integral value, in `fmt` (exact, so no overflow)."""
    if v.sig == 0:
        return zero(v.sign, fmt), 0
    if v.exp >= 0:                                        # already an integer
        return _encode(v.sign, v.sig, v.exp, fmt), 0
    n, flags = to_integer(v, rc)
    if n == 0:
        return zero(v.sign, fmt), flags
    return _encode(v.sign, abs(n), 0, fmt), flags


def from_integer(n: int, fmt: Format, rc: int = NEAREST, precision: int | None = None
                 ) -> tuple[int, int]:
    return round_pack(int(n < 0), abs(n), 0, fmt, rc, precision=precision)


def nan_payload(raw: int, source: Format, target: Format) -> int:
    """A NaN converted between formats keeps its sign and leading fraction bits, quieted."""
    v = unpack(raw, source)
    frac = v.sig & ((1 << (source.p - 1)) - 1)
    shift = (target.p - 1) - (source.p - 1)
    frac = frac << shift if shift >= 0 else frac >> -shift
    mbits = target.p if target.explicit else target.p - 1
    integer = 1 << (target.p - 1) if target.explicit else 0
    raw = v.sign << (target.bits - 1) | target.exp_all_ones << mbits | integer | frac
    return quiet(raw, target)


def to_fraction(raw: int, fmt: Format):
    """The exact value as a Fraction (finite) or a float inf/nan: for people and tests."""
    from fractions import Fraction
    v = unpack(raw, fmt)
    if v.kind == INF:
        return float("-inf") if v.sign else float("inf")
    if v.kind != FINITE:
        return float("nan")
    value = Fraction(v.sig) * Fraction(2) ** v.exp
    return -value if v.sign else value
