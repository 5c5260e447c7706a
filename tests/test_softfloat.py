"""The exact IEEE arithmetic under x87 and SSE (interp/softfloat.py, fparith.py).

Python's float is IEEE double with round-to-nearest-even, so on doubles it is an oracle
for every operation; single precision is checked through it too (rounding a double
result to single is exact for + - * / sqrt, whose double results carry more than
2p + 2 bits). Flags and the other rounding modes are checked on chosen values.
"""

from __future__ import annotations

import math
import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from cpuemu.interp import fparith
from cpuemu.interp import softfloat as sf
from cpuemu.interp.softfloat import DOUBLE, EXTENDED, IE, OE, PE, SINGLE, UE, ZE

SSE = fparith.Mode()


def bits64(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def float64(raw: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", raw))[0]


def bits32(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


doubles = st.one_of(st.floats(allow_nan=False, width=64),
                    st.integers(0, (1 << 64) - 1).map(float64).filter(lambda x: x == x),
                    st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308,
                                     1.7976931348623157e308, math.inf, -math.inf, 1.0]))

OPS = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
       "div": lambda a, b: a / b}


def python_result(op: str, a: float, b: float) -> float | None:
    try:
        return OPS[op](a, b)
    except ZeroDivisionError:
        return None                                    # Python raises; IEEE gives inf/NaN


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(sorted(OPS)), doubles, doubles)
def test_double_arithmetic_is_python_floats(op, a, b):
    expected = python_result(op, a, b)
    raw, flags = fparith.binary(op, bits64(a), bits64(b), DOUBLE, SSE)
    if expected is None or expected != expected:
        assert sf.unpack(raw, DOUBLE).is_nan or math.isinf(float64(raw))
        return
    assert raw == bits64(expected), (op, a, b, float64(raw), expected)
    assert bool(flags & PE) == (not _exact(op, a, b, expected))


def _exact(op, a, b, result) -> bool:
    from fractions import Fraction
    if math.isinf(result) or math.isinf(a) or math.isinf(b):
        return not (math.isinf(result) and not (math.isinf(a) or math.isinf(b)))
    exact = {"add": lambda: Fraction(a) + Fraction(b), "sub": lambda: Fraction(a) - Fraction(b),
             "mul": lambda: Fraction(a) * Fraction(b), "div": lambda: Fraction(a) / Fraction(b)}
    return exact[op]() == Fraction(result)


@settings(max_examples=500, deadline=None)
@given(doubles)
def test_sqrt_is_python_sqrt(a):
    raw, flags = fparith.sqrt(bits64(a), DOUBLE, SSE)
    if a < 0:
        assert raw == sf.default_nan(DOUBLE) and flags == IE
        return
    assert raw == bits64(math.sqrt(a))


@settings(max_examples=800, deadline=None)
@given(st.sampled_from(sorted(OPS)), doubles, doubles)
def test_single_arithmetic_rounds_the_double_result(op, a, b):
    a, b = struct.unpack("<f", struct.pack("<f", _clamp32(a)))[0], \
        struct.unpack("<f", struct.pack("<f", _clamp32(b)))[0]
    expected = python_result(op, a, b)
    if expected is None or expected != expected or abs(expected) > 3.4e38:
        return
    raw, _ = fparith.binary(op, bits32(a), bits32(b), SINGLE, SSE)
    assert raw == bits32(expected)


def _clamp32(x: float) -> float:
    return max(-3.0e38, min(3.0e38, x)) if not math.isinf(x) else x


def test_the_flags_of_the_classic_cases():
    one, zero, inf = bits64(1.0), bits64(0.0), bits64(math.inf)
    assert fparith.binary("div", one, zero, DOUBLE, SSE) == (inf, ZE)
    assert fparith.binary("sub", inf, inf, DOUBLE, SSE) == (sf.default_nan(DOUBLE), IE)
    raw, flags = fparith.binary("add", bits64(0.1), bits64(0.2), DOUBLE, SSE)
    assert raw == bits64(0.30000000000000004) and flags & PE
    big = bits64(1.7976931348623157e308)
    assert fparith.binary("mul", big, bits64(2.0), DOUBLE, SSE)[1] & (OE | PE) == OE | PE
    tiny, flags = fparith.binary("mul", bits64(5e-324), bits64(0.5), DOUBLE, SSE)
    assert flags & (UE | PE) == UE | PE and tiny in (0, 1)


def test_rounding_modes_and_ftz_daz():
    third = fparith.binary("div", bits64(1.0), bits64(3.0), DOUBLE,
                           fparith.Mode(rc=sf.UP))[0]
    down = fparith.binary("div", bits64(1.0), bits64(3.0), DOUBLE,
                          fparith.Mode(rc=sf.DOWN))[0]
    from fractions import Fraction
    assert third == down + 1 and Fraction(float64(down)) < Fraction(1, 3) < \
        Fraction(float64(third))
    # x + (-x) is -0 only when rounding down
    assert fparith.binary("sub", bits64(1.5), bits64(1.5), DOUBLE,
                          fparith.Mode(rc=sf.DOWN))[0] == bits64(-0.0)
    ftz = fparith.Mode(ftz=True)
    assert fparith.binary("mul", bits64(2.2250738585072014e-308), bits64(0.5), DOUBLE,
                          ftz) == (0, UE | PE | sf.TINY)
    daz = fparith.Mode(daz=True)
    assert fparith.binary("add", bits64(5e-324), bits64(0.0), DOUBLE, daz) == (0, 0)


def test_extended_precision_and_precision_control():
    one = 0x3FFF8000000000000000
    three = 0x4000C000000000000000
    raw, flags = fparith.binary("div", one, three, EXTENDED, fparith.Mode())
    assert raw == 0x3FFDAAAAAAAAAAAAAAAB and flags & PE          # 64 bits, rounded up
    raw, _ = fparith.binary("div", one, three, EXTENDED, fparith.Mode(precision=24))
    assert raw == 0x3FFDAAAAAB0000000000                          # 24 bits kept
    raw, _ = fparith.binary("div", one, three, EXTENDED, fparith.Mode(precision=53))
    assert sf.to_fraction(raw, EXTENDED) == sf.to_fraction(bits64(1 / 3), DOUBLE)


def test_conversions_to_integers_saturate_to_the_indefinite():
    assert fparith.to_int(bits64(2.5), DOUBLE, 32, SSE) == (2, PE)          # to even
    assert fparith.to_int(bits64(-2.5), DOUBLE, 32, SSE, truncate=True) == \
        ((-2) & 0xFFFFFFFF, PE)
    assert fparith.to_int(bits64(3e9), DOUBLE, 32, SSE) == (0x80000000, IE)
    assert fparith.to_int(bits64(math.nan), DOUBLE, 64, SSE) == (1 << 63, IE)


def test_nan_rules_of_the_two_units():
    qa, qb = 0x7FF8000000000001, 0x7FF8000000000002
    sse = fparith.binary("add", qa, qb, DOUBLE, SSE)
    assert sse == (qa, 0)                                          # SSE: the first operand
    ea, eb = 0x7FFFC000000000000001, 0xFFFFC000000000000002
    x87 = fparith.binary("add", ea, eb, EXTENDED, fparith.Mode(nans=fparith.X87_NANS))
    assert x87 == (eb, 0)                                          # x87: larger significand
    snan = 0x7FF0000000000001
    assert fparith.binary("mul", snan, bits64(1.0), DOUBLE, SSE) == (snan | 1 << 51, IE)
