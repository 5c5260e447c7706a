"""The x87 FPU: loads and stores of every format, arithmetic with every operand form and
pop variant, compares, constants, stack and environment instructions, transcendentals.

Values are 80-bit patterns; arithmetic is exact then rounded once under the control
word's rounding and precision control (softfloat.py, fparith.py). Masked exceptions set
their status flags and give the default result; an unmasked one sets ES and B, leaves the
destination alone, and the next waiting x87 instruction raises #MF, which Linux delivers
as SIGFPE, as the CPU does. C1 says whether a rounded result was rounded up; a stack
underflow is IE + SF with C1 = 0, an overflow IE + SF with C1 = 1.

Every closure reads memory before it changes the FPU and writes memory before it pops,
so a page fault leaves the FPU as it was before the instruction.
"""

from __future__ import annotations

import math
from fractions import Fraction

from iced_x86 import Code, Register
from iced_x86 import MemorySize as MS
from iced_x86 import Mnemonic as M

from ...cpu.registers import MASK
from .. import fparith
from .. import softfloat as sf
from .. import transcendental as tr
from ..cpu import CpuFault
from ..decode import Unsupported
from ..fpu import C0, C1, C2, C3, CONDITION, EMPTY, ES, INDEFINITE, SF
from ..softfloat import DOUBLE, EXTENDED, IE, PE, ROUNDED_UP, SINGLE, ZE
from . import handles, refuses

FLOATS = {MS.FLOAT32: SINGLE, MS.FLOAT64: DOUBLE}
INTEGERS = {MS.INT16: 16, MS.INT32: 32, MS.INT64: 64}
PRECISION = {0: 24, 1: 64, 2: 53, 3: 64}           # PC field (1 is reserved)
STACK_UNDERFLOW = IE | SF
STACK_OVERFLOW = IE | SF | C1
BLOCKING = IE | sf.DE | ZE                         # unmasked, these keep the destination
STORE_BLOCKING = BLOCKING | sf.OE | sf.UE           # and these a store's memory
BCD_INDEFINITE = 0xFFFF_C000_0000_0000_0000
ONE = 0x3FFF_8000_0000_0000_0000
PREFIXES = frozenset((0x66, 0x67, 0xF2, 0xF3, 0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65, 0xF0, 0x9B))

_MODES: dict[int, fparith.Mode] = {}


def mode(fpu, *, precision: bool = True) -> fparith.Mode:
    """The control word's rounding (and, for arithmetic, precision) as a Mode."""
    key = fpu.cw & 0xF00 | precision
    m = _MODES.get(key)
    if m is None:
        m = _MODES[key] = fparith.Mode(fpu.cw >> 10 & 3,
                                       PRECISION[fpu.cw >> 8 & 3] if precision else None,
                                       fparith.X87_NANS)
    return m


def record(fpu, flags: int, *, keep_c1: bool = False, blocking: int = BLOCKING) -> bool:
    """Merge an operation's flags into the status word (C1 from ROUNDED_UP or a stack
    fault, or left alone with `keep_c1` unless there is a stack fault); True when an
    unmasked exception among `blocking` forbids writing the result, and then only the
    exceptions are recorded (measured: no PE, C1 = 0, as nothing was rounded)."""
    flags = signalled(fpu, flags)
    blocked = bool(flags & ~fpu.cw & blocking)
    if blocked:
        flags &= blocking | SF
    if keep_c1 and not flags & SF:
        fpu.sw |= flags & 0x7F
    else:
        fpu.sw = fpu.sw & ~C1 | flags & (0x7F | C1)
        if flags & ROUNDED_UP:
            fpu.sw |= C1
    fpu._update_summary()
    return blocked


def signalled(fpu, flags: int) -> int:
    """The flags with underflow made explicit where it is unmasked: then any tiny result
    underflows, exact or not."""
    if flags & sf.TINY and not fpu.cw & sf.UE:
        flags |= sf.UE
    return flags


def pending(fpu) -> None:
    """#MF: a waiting x87 instruction finds an unmasked exception recorded (ES)."""
    if fpu.sw & ES:
        raise CpuFault("x87-fpu-error", "an unmasked x87 exception is pending")


def from_fraction(x: Fraction, fmt=EXTENDED, rc: int = sf.NEAREST,
                  precision: int | None = None) -> tuple[int, int]:
    """An exact rational rounded into `fmt`."""
    if x == 0:
        return sf.zero(0, fmt), 0
    sign, x = int(x < 0), abs(x)
    shift = (fmt.p + 3) - (x.numerator.bit_length() - x.denominator.bit_length())
    scaled = x * 2 ** shift if shift >= 0 else x / 2 ** -shift
    sig, rem = divmod(scaled.numerator, scaled.denominator)
    return sf.round_pack(sign, sig, -shift, fmt, rc, sticky=rem != 0, precision=precision)


def fraction(raw: int) -> Fraction:
    return sf.to_fraction(raw, EXTENDED)


def fop_of(code: bytes) -> int:
    """FOP: the low three bits of the x87 opcode byte and the ModRM byte (11 bits)."""
    i = 0
    while i < len(code) - 1 and (code[i] in PREFIXES or 0x40 <= code[i] <= 0x4F):
        i += 1
    return (code[i] & 7) << 8 | code[i + 1] if i + 1 < len(code) else 0


class X87:
    """What every x87 closure of one instruction needs: the FPU, its address, FOP, and
    the memory operand's address closure (when it has one)."""

    def __init__(self, t):
        self.t, self.cpu, self.fpu = t, t.cpu, t.cpu.fpu
        self.address = t.address
        code = t.engine._fetch(t.address)[:t.insn.len]
        self.fop = fop_of(code)
        self.ea = t.address_of() if any(t.is_mem(i) for i in range(t.insn.op_count)) \
            else None
        self.mem = t.mem

    def st_index(self, i: int) -> int:
        return self.t.insn.op_register(i) - Register.ST0

    def begin(self) -> int | None:
        """The #MF check of a waiting instruction, then FIP/FOP/FDP; returns the memory
        operand's address."""
        fpu = self.fpu
        pending(fpu)
        fpu.fip, fpu.fop = self.address, self.fop
        if self.ea is not None:
            fpu.fdp = self.ea()
            return fpu.fdp
        return None

    def loader(self, size: MS, *, operand: bool = True):
        """A closure: memory operand -> (80-bit value, flags of the conversion). As an
        arithmetic `operand` an SNaN stays signalling, for the operation to report; a
        plain load (fld) quiets it and reports IE itself."""
        if size in FLOATS:
            fmt = FLOATS[size]
            read = self.mem.reader(fmt.bits // 8)
            fpu = self.fpu

            def load_float(address):
                raw = read(address)
                v = sf.unpack(raw, fmt)
                if v.is_nan and operand:
                    return sf.nan_payload(raw, fmt, EXTENDED) & ~(1 << 62) | \
                        (v.kind == sf.QNAN) << 62, 0
                return fparith.convert(raw, fmt, EXTENDED, mode(fpu, precision=False))
            return load_float
        if size in INTEGERS:
            bits = INTEGERS[size]
            read = self.mem.reader(bits // 8)

            def load_int(address):
                n = read(address)
                n -= (n >> (bits - 1) & 1) << bits
                return sf.from_integer(n, EXTENDED)
            return load_int
        if size == MS.FLOAT80:
            read = self.mem.reader(10)
            return lambda address: (read(address), 0)
        if size == MS.BCD:
            read = self.mem.reader(10)
            return lambda address: (from_bcd(read(address)), 0)
        raise Unsupported(f"x87 memory operand of size {size}")


def from_bcd(raw: int) -> int:
    digits = 0
    for i in range(8, -1, -1):
        byte = raw >> (8 * i) & 0xFF
        digits = digits * 100 + (byte >> 4) * 10 + (byte & 15)
    value, _ = sf.from_integer(-digits if raw >> 79 else digits, EXTENDED)
    return value


def to_bcd(n: int) -> int:
    sign, n = int(n < 0), abs(n)
    raw = 0
    for i in range(9):
        n, pair = divmod(n, 100)
        raw |= ((pair // 10) << 4 | pair % 10) << (8 * i)
    return raw | sign << 79


# -- loads ------------------------------------------------------------------------------

def push_value(fpu, raw: int, flags: int = 0) -> None:
    """Push, or the stack overflow response when ST(7) is in use."""
    if fpu.tags[(fpu.top - 1) & 7] != EMPTY:            # the load's own flags are lost
        if not record(fpu, STACK_OVERFLOW):
            fpu.push(INDEFINITE)
        return
    record(fpu, flags)
    if not flags & ~fpu.cw & IE:          # measured: an unmasked DE still loads
        fpu.push(raw)


@handles("fld", "fild", "fbld")
def load(t):
    x = X87(t)
    fpu = x.fpu
    if t.is_reg(0):
        i = x.st_index(0)

        def op_register():
            x.begin()
            if fpu.empty(i):              # underflow is seen first, and pushes anyway
                if not record(fpu, STACK_UNDERFLOW):
                    fpu.push(INDEFINITE)
                return
            push_value(fpu, fpu.st(i))
        return op_register
    fetch = x.loader(t.insn.memory_size, operand=False)

    def op_memory():
        raw, flags = fetch(x.begin())
        push_value(fpu, raw, flags)
    return op_memory


CONSTANTS = {M.FLD1: Fraction(1), M.FLDZ: Fraction(0), M.FLDPI: tr.constant("pi"),
             M.FLDL2E: tr.constant("l2e"), M.FLDL2T: tr.constant("l2t"),
             M.FLDLG2: tr.constant("lg2"), M.FLDLN2: tr.constant("ln2")}


@handles("fld1", "fldz", "fldpi", "fldl2e", "fldl2t", "fldlg2", "fldln2")
def load_constant(t):
    """The constants rounded from their exact values under RC (not PC): measured on an
    Intel Xeon, fldlg2 rounds to nearest past a tie of its 66-bit form, and fldln2
    truncates, as correct rounding of the exact value does."""
    x = X87(t)
    fpu = x.fpu
    held = CONSTANTS[t.insn.mnemonic]
    values = [from_fraction(held, EXTENDED, rc)[0] for rc in range(4)]

    def op():
        x.begin()
        push_value(fpu, values[fpu.cw >> 10 & 3])
    return op


# -- stores -----------------------------------------------------------------------------

@handles("fst", "fstp", "fist", "fistp", "fisttp", "fbstp")
def store(t):
    x = X87(t)
    fpu = x.fpu
    name = t.insn.mnemonic
    pop = name in (M.FSTP, M.FISTP, M.FISTTP, M.FBSTP)
    if t.is_reg(0):
        i = x.st_index(0)

        def op_register():
            x.begin()
            if fpu.empty(0):
                if record(fpu, STACK_UNDERFLOW):
                    return
                fpu.set_st(i, INDEFINITE)
            else:
                record(fpu, 0)
                fpu.set_st(i, fpu.st(0))
            if pop:
                fpu.pop()
        return op_register
    size = t.insn.memory_size
    convert = _store_conversion(name, size, fpu)
    write = t.mem.writer(MS_BYTES[size])

    def op_memory():
        address = x.begin()
        if fpu.empty(0):
            value, flags = _indefinite_for(size), STACK_UNDERFLOW
        else:
            value, flags = convert(fpu.st(0))
        if signalled(fpu, flags) & ~fpu.cw & STORE_BLOCKING:   # nothing stored
            record(fpu, flags, blocking=STORE_BLOCKING)
            return
        write(address, value)
        record(fpu, flags)
        if pop:
            fpu.pop()
    return op_memory


MS_BYTES = {MS.FLOAT32: 4, MS.FLOAT64: 8, MS.FLOAT80: 10, MS.INT16: 2, MS.INT32: 4,
            MS.INT64: 8, MS.BCD: 10}


def _indefinite_for(size: MS) -> int:
    if size in FLOATS:
        return sf.default_nan(FLOATS[size])
    if size in INTEGERS:
        return 1 << (INTEGERS[size] - 1)
    if size == MS.BCD:
        return BCD_INDEFINITE
    return INDEFINITE


def _store_conversion(name: int, size: MS, fpu):
    if size in FLOATS:
        fmt = FLOATS[size]

        def narrow(raw):                  # a store never reports a denormal source
            value, flags = fparith.convert(raw, EXTENDED, fmt, mode(fpu, precision=False))
            return value, flags & ~sf.DE
        return narrow
    if size in INTEGERS:
        bits, truncate = INTEGERS[size], name == M.FISTTP
        return lambda raw: fparith.to_int(raw, EXTENDED, bits, mode(fpu, precision=False),
                                          truncate=truncate)
    if size == MS.FLOAT80:
        return lambda raw: (raw, 0)
    if size == MS.BCD:
        def bcd(raw):
            v = sf.unpack(raw, EXTENDED)
            if v.kind != sf.FINITE:
                return BCD_INDEFINITE, IE
            n, flags = sf.to_integer(v, fpu.cw >> 10 & 3)
            if abs(n) >= 10 ** 18:
                return BCD_INDEFINITE, IE
            return to_bcd(n) | (v.sign << 79), flags
        return bcd
    raise Unsupported(f"x87 store of size {size}")


# -- arithmetic -------------------------------------------------------------------------

ARITHMETIC = {}                           # mnemonic -> (operation, reversed, pops)
for _op, _reverse in (("add", False), ("mul", False), ("sub", False), ("sub", True),
                      ("div", False), ("div", True)):
    _base = _op + "r" * _reverse
    for _name, _pop in ((f"f{_base}", False), (f"f{_base}p", True), (f"fi{_base}", False)):
        ARITHMETIC[getattr(M, _name.upper())] = (_op, _reverse, _pop)


@handles(*("fadd faddp fiadd fmul fmulp fimul fsub fsubp fisub fsubr fsubrp fisubr "
           "fdiv fdivp fidiv fdivr fdivrp fidivr").split())
def arithmetic(t):
    """dest = dest OP src (or src OP dest for the reversed forms); `p` pops after."""
    x = X87(t)
    fpu = x.fpu
    operation, reverse, pop = ARITHMETIC[t.insn.mnemonic]
    if t.is_mem(0):
        fetch, dest, src = x.loader(t.insn.memory_size), 0, None
    else:
        fetch, dest, src = None, x.st_index(0), x.st_index(1)

    def op():
        address = x.begin()
        if fetch is not None:
            b, flags = fetch(address)
            missing = fpu.empty(0)
        else:
            b, flags = fpu.st(src), 0
            missing = fpu.empty(src) or fpu.empty(dest)
        if missing:
            blocked = record(fpu, STACK_UNDERFLOW)
            if not blocked:
                fpu.set_st(dest, INDEFINITE)
        else:
            a = fpu.st(dest)
            first, second = (b, a) if reverse else (a, b)
            raw, more = fparith.binary(operation, first, second, EXTENDED, mode(fpu))
            if more & (IE | ZE) or sf.unpack(a, EXTENDED).is_nan:
                flags = 0                 # NaN, invalid, or x/0: no denormal operand
            blocked = record(fpu, flags | more)
            if not blocked:
                fpu.set_st(dest, raw)
        if pop and not blocked:           # an unmasked exception aborts the pop too
            fpu.pop()
    return op


def unary(t, compute):
    """ST0 = compute(ST0) -> (raw, flags), with the stack underflow response."""
    x = X87(t)
    fpu = x.fpu

    def op():
        x.begin()
        if fpu.empty(0):
            if not record(fpu, STACK_UNDERFLOW):
                fpu.set_st(0, INDEFINITE)
            return
        raw, flags = compute(fpu, fpu.st(0))
        if not record(fpu, flags):
            fpu.set_st(0, raw)
    return op


@handles("fchs")
def fchs(t):
    return unary(t, lambda fpu, raw: (raw ^ (1 << 79), 0))


@handles("fabs")
def fabs(t):
    return unary(t, lambda fpu, raw: (raw & ~(1 << 79), 0))


@handles("fsqrt")
def fsqrt(t):
    return unary(t, lambda fpu, raw: fparith.sqrt(raw, EXTENDED, mode(fpu)))


@handles("frndint")
def frndint(t):
    return unary(t, lambda fpu, raw: fparith.round_integral(raw, EXTENDED,
                                                            mode(fpu, precision=False)))


def numeric(compute):
    """Wrap compute(fpu, *raws, *values, flags) so NaN and unsupported operands give
    their result first (the propagated NaN or the indefinite, and IE); `flags` is DE when
    an operand is denormal."""
    def checked(fpu, *raws):
        values = [sf.unpack(raw, EXTENDED) for raw in raws]
        if any(v.kind == sf.UNSUPPORTED for v in values):
            return INDEFINITE, IE
        if any(v.is_nan for v in values):
            second = (raws[1], values[1]) if len(raws) > 1 else (None, None)
            return fparith.propagate(raws[0], values[0], *second, EXTENDED, mode(fpu))
        flags = sf.DE if any(v.denormal for v in values) else 0
        return compute(fpu, *raws, *values, flags)
    return checked


def _rounded(fpu, value: Fraction, flags: int) -> tuple[int, int]:
    """An exact (or ~150-bit) result rounded under RC and PC."""
    raw, more = from_fraction(value, EXTENDED, fpu.cw >> 10 & 3, PRECISION[fpu.cw >> 8 & 3])
    return raw, flags | more


# -- two-register operations: fscale fprem fprem1 fpatan fyl2x fyl2xp1 -------------------

def binary_st(t, compute, *, pop: bool, condition: bool = False):
    """ST1 and ST0 in, a result to ST0 (or to ST1 then a pop): compute(fpu, st0, st1)
    returns (raw, flags), or with `condition` (fprem) (raw, flags, C0 C3 bits) when it
    computed a remainder; the others leave C0 C2 C3 as they were, as the CPU does."""
    x = X87(t)
    fpu = x.fpu
    dest = 1 if pop else 0

    def op():
        x.begin()
        if fpu.empty(0) or fpu.empty(1):
            if condition:
                fpu.sw &= ~C2
            blocked = record(fpu, STACK_UNDERFLOW)
            if not blocked:
                fpu.set_st(dest, INDEFINITE)
        else:
            raw, flags, *cond = compute(fpu, fpu.st(0), fpu.st(1))
            blocked = record(fpu, flags)
            if not blocked:
                fpu.set_st(dest, raw)
            if condition:                 # no remainder (a NaN, invalid): C2 cleared alone
                fpu.sw = fpu.sw & ~(C0 | C2 | C3) | cond[0] if cond else fpu.sw & ~C2
        if pop and not blocked:
            fpu.pop()
    return op


@numeric
def _fscale(fpu, a, b, va, vb, flags):
    if vb.kind == sf.INF:
        if va.is_zero and not vb.sign or va.kind == sf.INF and vb.sign:
            return INDEFINITE, IE
        if vb.sign:
            return sf.zero(va.sign, EXTENDED), flags
        return (sf.infinity(va.sign, EXTENDED) if not va.is_zero else a), flags
    if va.kind == sf.INF or va.is_zero:
        return a, flags
    n = int(fraction(b))                         # truncated toward zero
    n = max(-(1 << 20), min(1 << 20, n))
    raw, more = sf.round_pack(va.sign, va.sig, va.exp + n, EXTENDED, fpu.cw >> 10 & 3)
    return raw, flags | more


@handles("fscale")
def fscale(t):
    return binary_st(t, _fscale, pop=False)


def _remainder(nearest: bool):
    """fprem (quotient truncated) and fprem1 (to nearest): the low three quotient bits go
    to C0 C3 and, through ROUNDED_UP, C1; a partial remainder (exponents 64 or more apart)
    sets C2."""
    @numeric
    def compute(fpu, a, b, va, vb, flags):
        if va.kind == sf.INF or vb.is_zero:
            return INDEFINITE, IE
        if vb.kind == sf.INF or va.is_zero:
            return a, flags, 0
        fa, fb = abs(fraction(a)), abs(fraction(b))
        exp_diff = (va.exp + va.sig.bit_length()) - (vb.exp + vb.sig.bit_length())
        if exp_diff >= 64:                   # partial: the CPU reduces 32..63 bits a step
            scale = Fraction(2) ** (exp_diff - (32 + exp_diff % 32))
            rest = fa - int(fa / (fb * scale)) * fb * scale
            raw = from_fraction(rest)[0] if rest else 0
            return raw | va.sign << 79, flags, C2
        ratio = fa / fb
        q = round(ratio) if nearest else int(ratio)   # round() ties to even
        rest = fa - q * fb
        raw = from_fraction(abs(rest))[0] if rest else 0
        cond = (C0 if q & 4 else 0) | (C3 if q & 2 else 0)
        return raw | (va.sign ^ (rest < 0)) << 79, flags | (ROUNDED_UP if q & 1 else 0), cond
    return compute


@handles("fprem")
def fprem(t):
    return binary_st(t, _remainder(False), pop=False, condition=True)


@handles("fprem1")
def fprem1(t):
    return binary_st(t, _remainder(True), pop=False, condition=True)


@numeric
def _fpatan(fpu, x_raw, y_raw, vx, vy, flags):
    if vx.kind == sf.INF or vy.kind == sf.INF or vx.is_zero or vy.is_zero:
        def signed_unit(v):                  # the operand reduced to its class and sign
            return math.copysign(math.inf if v.kind == sf.INF else 0.0 if v.is_zero else 1.0,
                                 -1.0 if v.sign else 1.0)
        angle = math.atan2(signed_unit(vy), signed_unit(vx)) / math.pi   # k/4, or zero
        if angle == 0:
            return sf.zero(vy.sign, EXTENDED), flags
        return _rounded(fpu, tr.PI * Fraction(angle).limit_denominator(4), flags | PE)
    return _rounded(fpu, tr.atan2(fraction(y_raw), fraction(x_raw)), flags | PE)


@handles("fpatan")
def fpatan(t):
    return binary_st(t, _fpatan, pop=True)


def _log(plus_one: bool):
    """fyl2x (ST1 * log2 ST0) and fyl2xp1 (ST1 * log2(ST0 + 1))."""
    @numeric
    def compute(fpu, x_raw, y_raw, vx, vy, flags):
        if vx.kind == sf.INF or vy.kind == sf.INF:
            return INDEFINITE, IE                      # rare: left to the default
        x = fraction(x_raw)
        if plus_one:
            if x <= -1:
                return INDEFINITE, IE
            log = tr.log2_1p(x) if x else Fraction(0)
        else:
            if x < 0:
                return INDEFINITE, IE
            if x == 0:
                if vy.is_zero:
                    return INDEFINITE, IE
                return sf.infinity(vy.sign ^ 1, EXTENDED), flags | ZE
            log = tr.log2(x) if x != 1 else Fraction(0)
        product = log * fraction(y_raw)
        if product == 0:
            return sf.zero(vy.sign ^ (log < 0), EXTENDED), flags
        return _rounded(fpu, product, flags | PE)
    return compute


@handles("fyl2x")
def fyl2x(t):
    return binary_st(t, _log(False), pop=True)


@handles("fyl2xp1")
def fyl2xp1(t):
    return binary_st(t, _log(True), pop=True)


# -- transcendentals of ST0 -----------------------------------------------------------------

@numeric
def _f2xm1(fpu, raw, v, flags):
    if v.kind == sf.INF:
        return (sf.infinity(0, EXTENDED) if not v.sign else ONE | 1 << 79), flags
    if v.is_zero:
        return raw, flags
    return _rounded(fpu, tr.exp2m1(fraction(raw)), flags | PE)


@handles("f2xm1")
def f2xm1(t):
    return unary(t, _f2xm1)


def _angle(which: str):
    """sin, cos, tan or sincos of ST0 as (first, second, flags): second is None for sin
    and cos, 1.0 for tan, the cosine for sincos; None when |ST0| >= 2**63 (C2 set)."""
    @numeric
    def compute(fpu, raw, v, flags):
        if v.kind == sf.INF:
            return INDEFINITE, INDEFINITE, IE
        if v.exp + v.sig.bit_length() > 64:
            return None
        if v.is_zero:
            return (ONE, None, flags) if which == "cos" else \
                (raw, None if which == "sin" else ONE, flags)
        sine, cosine = tr.sin_cos(fraction(raw))
        if which == "cos":
            c, f = _rounded(fpu, cosine, flags | PE)
            return c, None, f
        first, f1 = _rounded(fpu, sine / cosine if which == "tan" else sine, flags | PE)
        if which == "sincos":
            second, f2 = _rounded(fpu, cosine, flags | PE)
            return first, second, f1 | f2
        return first, ONE if which == "tan" else None, f1

    def result(fpu, raw):                     # a NaN's result fills both places
        out = compute(fpu, raw)
        return (out[0], out[0], out[1]) if out is not None and len(out) == 2 else out
    return result


def trigonometric(t, which: str):
    """ST0 = first; fptan and fsincos then push the second result. C2 reports an operand
    out of range (left unchanged); the stack faults come first, pushing the indefinite."""
    x = X87(t)
    fpu = x.fpu
    compute = _angle(which)
    pushes = which in ("tan", "sincos")

    def op():
        x.begin()
        fault = STACK_UNDERFLOW if fpu.empty(0) else \
            STACK_OVERFLOW if pushes and fpu.tags[(fpu.top - 1) & 7] != EMPTY else 0
        if fault:
            if not record(fpu, fault):
                fpu.set_st(0, INDEFINITE)
                if pushes:
                    fpu.push(INDEFINITE)
            return
        result = compute(fpu, fpu.st(0))
        if result is None:
            record(fpu, 0)
            fpu.sw |= C2
            return
        first, second, flags = result
        if not record(fpu, flags):
            fpu.set_st(0, first)
            if pushes:
                fpu.push(second)
        fpu.sw &= ~C2
    return op


@handles("fsin", "fcos", "fptan", "fsincos")
def trig(t):
    return trigonometric(t, {M.FSIN: "sin", M.FCOS: "cos", M.FPTAN: "tan",
                             M.FSINCOS: "sincos"}[t.insn.mnemonic])


@handles("fxtract")
def fxtract(t):
    """ST0 = exponent, then push the significand (with the sign, exponent zero)."""
    x = X87(t)
    fpu = x.fpu

    @numeric
    def split(fpu, raw, v, flags):
        if v.is_zero:
            return sf.infinity(1, EXTENDED), raw, ZE
        if v.kind == sf.INF:
            return sf.infinity(0, EXTENDED), raw, 0
        exponent, _ = sf.from_integer(v.exp + v.sig.bit_length() - 1, EXTENDED)
        significand, _ = sf.round_pack(v.sign, v.sig, -(v.sig.bit_length() - 1), EXTENDED)
        return exponent, significand, flags

    def op():
        x.begin()
        if fpu.empty(0) or fpu.tags[(fpu.top - 1) & 7] != EMPTY:
            if not record(fpu, STACK_UNDERFLOW if fpu.empty(0) else STACK_OVERFLOW):
                fpu.set_st(0, INDEFINITE)
                fpu.push(INDEFINITE)
            return
        result = split(fpu, fpu.st(0))
        first, second, flags = result if len(result) == 3 else (result[0], *result)
        if not record(fpu, flags):
            fpu.set_st(0, first)
            fpu.push(second)
    return op


# -- compares ---------------------------------------------------------------------------

def _condition(result: int | None) -> int:
    if result is None:
        return C0 | C2 | C3
    return C0 if result < 0 else C3 if result == 0 else 0


COMPARES = {M.FCOM: (0, False), M.FCOMP: (1, False), M.FCOMPP: (2, False),
            M.FUCOM: (0, True), M.FUCOMP: (1, True), M.FUCOMPP: (2, True),
            M.FICOM: (0, False), M.FICOMP: (1, False), M.FTST: (0, False)}


@handles("fcom", "fcomp", "fcompp", "fucom", "fucomp", "fucompp", "ficom", "ficomp", "ftst")
def fcompare(t):
    """C3 C2 C0 from comparing ST0 with the operand (ST1 when there is none, 0.0 for
    ftst): 000 greater, 001 less, 100 equal, 111 unordered; C1 cleared."""
    x = X87(t)
    fpu = x.fpu
    pops, quiet = COMPARES[t.insn.mnemonic]
    fetch, other = None, 1
    if t.insn.mnemonic == M.FTST:
        other = None
    elif t.insn.op_count and t.is_mem(0):
        fetch = x.loader(t.insn.memory_size)
    elif t.insn.op_count:
        other = x.st_index(t.insn.op_count - 1)

    def op():
        address = x.begin()
        flags = 0
        if fetch is not None:
            b, flags = fetch(address)
            missing = fpu.empty(0)
        elif other is None:
            b, missing = 0, fpu.empty(0)
        else:
            b, missing = fpu.st(other), fpu.empty(0) or fpu.empty(other)
        if missing:                       # the memory operand's own flags are lost
            result, more, flags = None, STACK_UNDERFLOW, 0
        else:
            result, more = fparith.compare(fpu.st(0), b, EXTENDED, mode(fpu), quiet=quiet)
            if result is None:
                flags = 0                 # a NaN or invalid operand: no denormal check
        blocked = record(fpu, flags | more)   # unmasked or not, C3 C2 C0 are set
        fpu.sw = fpu.sw & ~(C0 | C2 | C3) | _condition(result)
        for _ in range(0 if blocked else pops):   # an unmasked exception aborts the pops
            fpu.pop()
    return op


@handles("fcomi", "fcomip", "fucomi", "fucomip")
def fcomi(t):
    """ZF PF CF from comparing ST0 with ST(i): 000 greater, 001 less, 100 equal, 111
    unordered; OF SF AF cleared."""
    x = X87(t)
    fpu, cpu = x.fpu, x.cpu
    other = x.st_index(1)
    quiet = t.insn.mnemonic in (M.FUCOMI, M.FUCOMIP)
    pop = t.insn.mnemonic in (M.FCOMIP, M.FUCOMIP)

    def op():
        x.begin()
        if fpu.empty(0) or fpu.empty(other):
            result, flags = None, STACK_UNDERFLOW
        else:
            result, flags = fparith.compare(fpu.st(0), fpu.st(other), EXTENDED, mode(fpu),
                                            quiet=quiet)
        blocked = record(fpu, flags, keep_c1=True)   # unmasked or not, the flags are set
        cpu.set_status_flags(fparith.ORDER_FLAGS[result])
        if pop and not blocked:
            fpu.pop()
    return op


@handles("fxam")
def fxam(t):
    """C3 C2 C0 name the class of ST0 (C1 its sign): unsupported 000, NaN 001, normal 010,
    infinity 011, zero 100, empty 101, denormal 110."""
    x = X87(t)
    fpu = x.fpu

    def op():
        x.begin()
        raw = fpu.st(0)
        fpu.sw &= ~CONDITION
        if raw >> 79:
            fpu.sw |= C1
        if fpu.empty(0):
            fpu.sw |= C3 | C0
            return
        v = sf.unpack(raw, EXTENDED)
        if v.kind == sf.UNSUPPORTED:
            return
        if v.is_nan:
            fpu.sw |= C0
        elif v.kind == sf.INF:
            fpu.sw |= C2 | C0
        elif v.is_zero:
            fpu.sw |= C3
        elif v.denormal:
            fpu.sw |= C3 | C2
        else:
            fpu.sw |= C2
    return op


# -- stack and control --------------------------------------------------------------------

@handles("fxch")
def fxch(t):
    x = X87(t)
    fpu = x.fpu
    i = x.st_index(1) if t.insn.op_count == 2 else 1

    def op():
        x.begin()
        if fpu.empty(0) or fpu.empty(i):
            if record(fpu, STACK_UNDERFLOW):
                return
            a = INDEFINITE if fpu.empty(0) else fpu.st(0)
            b = INDEFINITE if fpu.empty(i) else fpu.st(i)
        else:
            record(fpu, 0)
            a, b = fpu.st(0), fpu.st(i)
        fpu.set_st(0, b)
        fpu.set_st(i, a)
    return op


FCMOV = {M.FCMOVB: (1, 1), M.FCMOVNB: (1, 0), M.FCMOVE: (0x40, 1), M.FCMOVNE: (0x40, 0),
         M.FCMOVBE: (0x41, 1), M.FCMOVNBE: (0x41, 0), M.FCMOVU: (4, 1), M.FCMOVNU: (4, 0)}


@handles(*(name.lower() for name in ("FCMOVB", "FCMOVNB", "FCMOVE", "FCMOVNE", "FCMOVBE",
                                      "FCMOVNBE", "FCMOVU", "FCMOVNU")))
def fcmov(t):
    x = X87(t)
    fpu, cpu = x.fpu, x.cpu
    mask, when = FCMOV[t.insn.mnemonic]
    i = x.st_index(1)

    def op():
        x.begin()
        if fpu.empty(0) or fpu.empty(i):
            if not record(fpu, STACK_UNDERFLOW):
                fpu.set_st(0, INDEFINITE)
            return
        if bool(cpu.get_eflags() & mask) == bool(when):
            fpu.set_st(0, fpu.st(i))
    return op


@handles("ffree", "ffreep")
def ffree(t):
    x = X87(t)
    fpu = x.fpu
    i = x.st_index(0)
    pop = t.insn.mnemonic == M.FFREEP

    def op():
        x.begin()
        fpu.tags[(fpu.top + i) & 7] = EMPTY
        fpu.sw &= ~C1                     # measured: C1 cleared, C0 C2 C3 kept
        if pop:
            fpu.pop()
    return op


@handles("fincstp", "fdecstp")
def fstack(t):
    x = X87(t)
    fpu = x.fpu
    step = 1 if t.insn.mnemonic == M.FINCSTP else -1

    def op():
        x.begin()
        fpu.top = (fpu.top + step) & 7
        fpu.sw &= ~C1
    return op


@handles("fnop", "wait")
def fwait(t):
    x = X87(t)
    fpu = x.fpu
    control = t.insn.mnemonic != M.FNOP

    def op():
        pending(fpu)
        if not control:
            fpu.fip, fpu.fop = x.address, x.fop
    return op


@handles("fninit", "fnclex")
def fninit(t):
    fpu = t.cpu.fpu
    if t.insn.mnemonic == M.FNINIT:
        return fpu.reset

    def op():
        fpu.sw &= ~(0x7F | ES | 1 << 15)
    return op


@handles("fnstcw", "fldcw", "fnstsw")
def control_word(t):
    fpu, name = t.cpu.fpu, t.insn.mnemonic
    if name == M.FNSTSW and t.is_reg(0):
        r = t.cpu.r

        def op_ax():
            r[0] = r[0] & ~0xFFFF | fpu.status()
        return op_ax
    if name == M.FLDCW:                   # a waiting instruction: #MF first
        get = t.reader(0, 16)

        def op_load():
            pending(fpu)
            fpu.set_control(get())
        return op_load
    put = t.writer(0, 16)
    if name == M.FNSTCW:
        return lambda: put(fpu.cw)
    return lambda: put(fpu.status())


def env_bytes(fpu) -> bytes:
    """The 28-byte protected-mode environment of FNSTENV/FNSAVE."""
    words = (fpu.cw | 0xFFFF0000, fpu.status() | 0xFFFF0000, fpu.tag_word() | 0xFFFF0000,
             fpu.fip & MASK[32], fpu.fcs | fpu.fop << 16, fpu.fdp & MASK[32],
             fpu.fds | 0xFFFF0000)
    return b"".join(w.to_bytes(4, "little") for w in words)


def load_env(fpu, data: bytes) -> None:
    words = [int.from_bytes(data[i:i + 4], "little") for i in range(0, 28, 4)]
    fpu.cw = words[0] & 0x1F7F | 0x40
    fpu.set_status(words[1] & 0xFFFF)
    fpu.set_tag_word(words[2] & 0xFFFF)
    fpu.fip, fpu.fcs, fpu.fop = words[3], words[4] & 0xFFFF, words[4] >> 16 & 0x7FF
    fpu.fdp, fpu.fds = words[5], words[6] & 0xFFFF
    fpu._update_summary()


SHORT_ENVIRONMENT = {refuses(getattr(Code, name), "the 16-bit (o16) x87 environment layout")
                     for name in ("FLDENV_M14BYTE", "FNSTENV_M14BYTE", "FRSTOR_M94BYTE",
                                  "FNSAVE_M94BYTE")}


@handles("fnstenv", "fldenv", "fnsave", "frstor")
def environment(t):
    """FNSTENV stores the environment then masks every exception; FNSAVE stores it and
    the eight registers (ST0 first) then initialises the FPU; FLDENV/FRSTOR load them.
    The 16-bit (o16) layouts are refused."""
    if t.insn.code in SHORT_ENVIRONMENT:
        raise Unsupported("16-bit x87 environment layout")
    fpu, mem, ea = t.cpu.fpu, t.mem, t.address_of()
    name = t.insn.mnemonic
    if name == M.FNSTENV:
        def op_stenv():
            mem.write(ea(), env_bytes(fpu))
            fpu.cw |= 0x3F
            fpu._update_summary()
        return op_stenv
    if name == M.FNSAVE:
        def op_save():
            regs = b"".join(fpu.st(i).to_bytes(10, "little") for i in range(8))
            mem.write(ea(), env_bytes(fpu) + regs)
            fpu.reset()
        return op_save
    size = 28 if name == M.FLDENV else 108

    def op_load():
        pending(fpu)
        data = mem.read(ea(), size)
        if size == 108:
            for i in range(8):
                fpu.regs[(fpu.top + i) & 7] = 0      # placed after TOP is known
            top = int.from_bytes(data[4:6], "little") >> 11 & 7
            for i in range(8):
                fpu.regs[(top + i) & 7] = int.from_bytes(data[28 + 10 * i:38 + 10 * i],
                                                         "little")
        load_env(fpu, data)
    return op_load
