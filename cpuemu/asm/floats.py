"""Floating-point constants in data (`dd 1.5`, `dq -2.5e-3`, `dt 3.14`, `dw 0.5`), and
nasm's `__float32__(x)` family, encoded exactly: the literal is an exact rational and
is rounded once, to nearest even, into the target format (as nasm does, so `dd 0.1` is
the float nearest 0.1, not the float nearest the double nearest 0.1).
"""

from __future__ import annotations

import re
from fractions import Fraction

from ..interp.softfloat import DOUBLE, EXTENDED, SINGLE, Format, default_nan, infinity, round_pack

HALF = Format("half", 11, 5)
FORMATS = {2: HALF, 4: SINGLE, 8: DOUBLE, 10: EXTENDED}           # bytes -> format
FUNCTIONS = {"__float16__": 2, "__float32__": 4, "__float64__": 8}
SPECIALS = {"__infinity__": "inf", "__qnan__": "qnan", "__nan__": "qnan", "__snan__": "snan"}

# 1.5  1.  1.5e3  1e3  1_000.25  0x1.8p3 (hex with a binary exponent); never 1e5h (hex)
LITERAL = re.compile(r"(?:0[xX][0-9a-fA-F_]*\.?[0-9a-fA-F_]*[pP][+-]?\d+"
                     r"|\d[\d_]*\.[\d_]*(?:[eE][+-]?\d+)?|\d[\d_]*[eE][+-]?\d+)(?![\w.])")


MAX_DIGITS = 1000               # of a literal's mantissa
# Exponents past these (decimal, binary) overflow or underflow every format whatever
# the (at most MAX_DIGITS-digit) mantissa: clamping them keeps the arithmetic small.
MAX_EXPONENT = {10: 10000, 2: 30000}


def parse_literal(text: str) -> Fraction:
    """The exact value of a float literal (ValueError, with the reason, if it has none)."""
    t = text.replace("_", "").lower()
    if t.startswith("0x"):
        mantissa, _, exponent = t[2:].partition("p")
        base, scale = 16, 2
    else:
        mantissa, _, exponent = t.partition("e")
        base, scale = 10, 10
    whole, _, frac = mantissa.partition(".")
    if len(whole + frac) > MAX_DIGITS:
        raise ValueError(f"a floating-point constant of more than {MAX_DIGITS} digits")
    limit = MAX_EXPONENT[scale]
    power = int(exponent[:12] or "0") if len(exponent) <= 12 else \
        (-limit if exponent.startswith("-") else limit)
    power = max(min(power, limit), -limit)
    digits = int(whole + frac or "0", base)
    return Fraction(digits) * Fraction(scale) ** power / Fraction(base) ** len(frac)


def encode(value: Fraction | str, negative: bool, size: int) -> bytes:
    """`value` (or "inf", "qnan", "snan") as `size` little-endian bytes."""
    fmt = FORMATS[size]
    sign = int(negative)
    if value == "inf":
        bits = infinity(sign, fmt)
    elif value in ("qnan", "snan"):
        bits = default_nan(fmt) & ~fmt.sign_bit | (fmt.sign_bit if sign else 0)
        if value == "snan":                     # quiet bit clear, lowest payload bit set
            bits = bits & ~(1 << (fmt.frac_bits - 1)) | 1
    else:
        bits = _round(sign, value, fmt)
    return bits.to_bytes(size, "little")


def _round(sign: int, value: Fraction, fmt: Format) -> int:
    n, d = value.numerator, value.denominator
    if n == 0:
        return fmt.sign_bit if sign else 0
    exp = n.bit_length() - d.bit_length() - (fmt.p + 3)       # keep p+3 bits or more
    scaled = (n << -exp, d) if exp < 0 else (n, d << exp)
    sig, rest = divmod(*scaled)
    bits, _ = round_pack(sign, sig, exp, fmt, sticky=rest != 0)
    return bits
