"""The x87's transcendental functions, computed to about 130 bits and rounded once.

The CPU's own results are within one unit in the last place of the true value but not
always correctly rounded, so ours can differ from it in the last bit (docs/x87.md has
the measurement). Argument reduction for fsin/fcos/fptan/fsincos uses pi rounded to 66
bits, as the x87 does: far from zero its results follow that pi, not the true one.
"""

from __future__ import annotations

from decimal import Context, Decimal, localcontext
from fractions import Fraction

PREC = 45                                         # decimal digits: ~150 bits


def _pi_fraction(bits: int) -> Fraction:
    """pi to `bits` bits, from Machin's formula in integers."""
    one = 1 << (bits + 16)

    def arctan_inv(x: int) -> int:
        total, term, n, sign = 0, one // x, 1, 1
        while term:
            total += sign * (term // n)
            term //= x * x
            n += 2
            sign = -sign
        return total
    return Fraction(4 * (4 * arctan_inv(5) - arctan_inv(239)), one)


PI = _pi_fraction(200)
PI66 = Fraction(round(PI * (1 << 64)), 1 << 64)   # the x87's internal pi: 66 bits


def _decimal(x: Fraction) -> Decimal:
    with localcontext(Context(prec=PREC)):
        return Decimal(x.numerator) / Decimal(x.denominator)


def _series_sin_cos(x: Fraction) -> tuple[Fraction, Fraction]:
    """sin and cos of a reduced argument (|x| <= pi/4) by Taylor series in Decimal."""
    with localcontext(Context(prec=PREC + 5)):
        d = _decimal(x)
        d2 = d * d
        s, term, n = Decimal(0), d, 1
        while term != 0 and abs(term) > Decimal(10) ** -(PREC + 3):
            s += term
            term = -term * d2 / ((n + 1) * (n + 2))
            n += 2
        c, term, n = Decimal(0), Decimal(1), 0
        while term != 0 and abs(term) > Decimal(10) ** -(PREC + 3):
            c += term
            term = -term * d2 / ((n + 1) * (n + 2))
            n += 2
        return Fraction(s), Fraction(c)


def sin_cos(x: Fraction) -> tuple[Fraction, Fraction]:
    """(sin x, cos x) with the x87's reduction by pi/2 of 66 bits."""
    half = PI66 / 2
    q = round(x / half)
    r = x - q * half
    s, c = _series_sin_cos(r)
    return {0: (s, c), 1: (c, -s), 2: (-s, -c), 3: (-c, s)}[q % 4]


def atan(x: Fraction) -> Fraction:
    """arctan by halving the argument three times, then the Taylor series."""
    with localcontext(Context(prec=PREC + 5)):
        d = _decimal(x)
        for _ in range(3):
            d = d / (1 + (1 + d * d).sqrt())
        d2, total, term, n = d * d, Decimal(0), d, 1
        while term != 0 and abs(term) > Decimal(10) ** -(PREC + 3):
            total += term / n
            term = -term * d2
            n += 2
        return Fraction(total * 8)


def atan2(y: Fraction, x: Fraction) -> Fraction:
    """The angle of (x, y) in (-pi, pi], for finite nonzero arguments."""
    if x > 0:
        return atan(y / x)
    base = atan(y / x) if x else 0
    if x == 0:
        return PI / 2 if y > 0 else -PI / 2
    return base + PI if y >= 0 else base - PI


def log2(x: Fraction) -> Fraction:
    """log2 of a positive value."""
    with localcontext(Context(prec=PREC + 5)):
        d = _decimal(x)
        return Fraction(d.ln() / Decimal(2).ln())


def log2_1p(x: Fraction) -> Fraction:
    """log2(1 + x) keeping the precision of a small x."""
    with localcontext(Context(prec=PREC + 5)):
        d = _decimal(x)
        if abs(d) < Decimal("1e-10"):          # ln(1+x) = x - x^2/2 + x^3/3 ...
            total, term, n = Decimal(0), d, 1
            while abs(term) > Decimal(10) ** -(PREC + 20) * abs(d):
                total += term / n
                term = -term * d
                n += 1
            return Fraction(total / Decimal(2).ln())
        return Fraction((1 + d).ln() / Decimal(2).ln())


def exp2m1(x: Fraction) -> Fraction:
    """2**x - 1, precise for small x."""
    with localcontext(Context(prec=PREC + 5)):
        d = _decimal(x) * Decimal(2).ln()
        if abs(d) < Decimal("0.5"):
            total, term, n = Decimal(0), d, 1
            while term != 0 and abs(term) > Decimal(10) ** -(PREC + 20) * abs(d):
                total += term
                n += 1
                term = term * d / n
            return Fraction(total)
        return Fraction(d.exp() - 1)


def constant(name: str) -> Fraction:
    """The x87's constants, exact enough to round to 66 bits and then under RC."""
    with localcontext(Context(prec=60)):
        ln2, ln10 = Decimal(2).ln(), Decimal(10).ln()
        values = {"pi": PI, "l2e": Fraction(1 / ln2), "l2t": Fraction(ln10 / ln2),
                  "lg2": Fraction(ln2 / ln10), "ln2": Fraction(ln2)}
    return values[name]
