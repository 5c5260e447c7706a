"""Constant expressions: parse from tokens (precedence climbing) and evaluate at layout.

Registers may appear only inside memory brackets; `split_address` turns such a tree
into base + index*scale + displacement.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from fractions import Fraction

from ..limits import MAX_VALUE_BITS
from .floats import FUNCTIONS as FLOAT_FUNCTIONS
from .floats import encode as encode_float
from .floats import parse_literal
from .lexer import Token, TokenStream, describe
from .model import Binary, Expr, Here, Num, RegRef, Sym, Unary

# Binary operators, loosest first.
PRECEDENCE = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<>": 3, "<": 3, ">": 3, "<=": 3, ">=": 3,
              "|": 4, "^": 5, "&": 6, "<<": 7, ">>": 7, "+": 8, "-": 8, "*": 9, "/": 9,
              "%": 9}                      # nasm's order; comparisons give 1 or 0


class ExprError(Exception):
    """A constant expression with no value an assembler can hold (a division by zero,
    a shift by a negative or huge count, a value past MAX_VALUE_BITS)."""


class Undefined(Exception):
    """A symbol has no value (yet): layout guesses in early passes, reports in the last."""

    def __init__(self, name: str, column: int):
        super().__init__(name)
        self.name, self.column = name, column


def string_value(raw: bytes) -> int:
    """A quoted string used as a number: its bytes little-endian, as nasm and MASM read it."""
    return int.from_bytes(raw[:8], "little")


class ExprParser:
    """Parses one expression; `is_register` says which identifiers are registers."""

    def __init__(self, ts: TokenStream, is_register: Callable[[str], bool],
                 *, modulo: bool = True, allow_registers: bool = False):
        self.ts, self.is_register = ts, is_register
        self.modulo, self.allow_registers = modulo, allow_registers

    def parse(self, min_prec: int = 1) -> Expr:
        left = self.unary()
        while True:
            tok = self.ts.peek()
            prec = PRECEDENCE.get(tok.value) if tok.kind == "op" else None
            if prec is None or prec < min_prec or (tok.value == "%" and not self.modulo):
                return left
            self.ts.next()
            right = self.parse(prec + 1)
            left = Binary(str(tok.value), left, right)

    def unary(self) -> Expr:
        tok = self.ts.peek()
        if tok.is_op("-", "+", "~", "!"):
            self.ts.next()
            arg = self.unary()
            return arg if tok.value == "+" else Unary(str(tok.value), arg)
        return self.atom()

    def atom(self) -> Expr:
        ts = self.ts
        tok = ts.next()
        if tok.kind == "num":
            return Num(int(tok.value))
        if tok.kind == "str":
            return Num(string_value(tok.value))
        if tok.kind == "float":
            ts.error("a floating-point constant has no integer value: put it in dd, dq or "
                     "dt data, or say __float32__(x) / __float64__(x) for its bits", tok)
        if tok.kind == "id" and str(tok.value).lower() in FLOAT_FUNCTIONS and \
                ts.peek().is_op("("):
            return self.float_bits(tok)
        if tok.is_op("("):
            inner = self.parse()
            ts.expect_op(")")
            return inner
        if tok.is_op("$"):
            return Here()
        if tok.is_op("$$"):
            return Here(section_start=True)
        if tok.is_op("%") and self.allow_registers and ts.peek().kind == "id":
            name = ts.next()                              # AT&T %reg inside an expression
            return RegRef(str(name.value).lower(), tok.column)
        if tok.kind == "id":
            name = str(tok.value)
            if self.is_register(name.lower()):
                if not self.allow_registers:
                    ts.error(f"register {name} is not allowed here", tok)
                return RegRef(name.lower(), tok.column)
            return Sym(name, tok.column)
        ts.error(f"expected an expression, found {describe(tok)}", tok)
        raise AssertionError  # unreachable: error() raises


    def float_bits(self, tok) -> Expr:
        """`__float32__(1.5)`: the bits of the constant, as an integer (nasm)."""
        ts = self.ts
        ts.expect_op("(")
        negative = bool(ts.accept_op("-"))
        ts.accept_op("+")
        arg = ts.next()
        if arg.kind not in ("float", "num"):
            ts.error(f"{tok.value} takes a floating-point constant", arg)
        ts.expect_op(")", f"to close {tok.value}(")
        try:
            value = parse_literal(arg.value) if arg.kind == "float" else Fraction(arg.value)
        except ValueError as e:
            ts.error(str(e), arg)
        size = FLOAT_FUNCTIONS[str(tok.value).lower()]
        return Num(int.from_bytes(encode_float(value, negative, size), "little"))


def parse_expr(ts: TokenStream, is_register: Callable[[str], bool], **kw) -> Expr:
    return ExprParser(ts, is_register, **kw).parse()


def evaluate(expr: Expr, lookup: Callable[[str, int], int], here: int = 0,
             section_start: int = 0) -> int:
    """The integer value of an expression; `lookup(name, column)` raises Undefined."""
    match expr:
        case Num(value):
            return bounded(value)
        case Sym(name, column):
            return lookup(name, column)
        case Here(start):
            return section_start if start else here
        case Unary(op, arg):
            v = evaluate(arg, lookup, here, section_start)
            return bounded(-v if op == "-" else (~v if op == "~" else int(not v)))
        case Binary(op, left, right):
            a = evaluate(left, lookup, here, section_start)
            b = evaluate(right, lookup, here, section_start)
            return _binary(op, a, b)
    raise TypeError(f"not a constant expression: {expr!r}")


def _truncating_div(a: int, b: int) -> int:
    """Division rounding toward zero, as assemblers (and C) do."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


_BINARY = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "&": operator.and_,
    "|": operator.or_, "^": operator.xor, "<<": operator.lshift, ">>": operator.rshift,
    "/": _truncating_div, "%": lambda a, b: a - _truncating_div(a, b) * b,
    "==": lambda a, b: int(a == b), "!=": lambda a, b: int(a != b),
    "<>": lambda a, b: int(a != b), "<": lambda a, b: int(a < b), ">": lambda a, b: int(a > b),
    "<=": lambda a, b: int(a <= b), ">=": lambda a, b: int(a >= b),
    "&&": lambda a, b: int(bool(a) and bool(b)), "||": lambda a, b: int(bool(a) or bool(b)),
}


def _binary(op: str, a: int, b: int) -> int:
    if op in "/%" and b == 0:
        raise ExprError("division by zero in expression")
    if op in ("<<", ">>") and not 0 <= b <= MAX_VALUE_BITS:
        raise ExprError(f"shift count {b} is out of range (0 to {MAX_VALUE_BITS})")
    return bounded(_BINARY[op](a, b))


def bounded(value: int) -> int:
    """`value`, if it has at most MAX_VALUE_BITS bits (keeps every later step cheap)."""
    if value.bit_length() > MAX_VALUE_BITS:
        raise ExprError(f"value too large: more than {MAX_VALUE_BITS} bits "
                        "(cpuemu's limit on assembler expressions)")
    return value


def symbols_in(expr: Expr | None) -> list[Sym]:
    """Every symbol an expression mentions, in order."""
    match expr:
        case Sym():
            return [expr]
        case Unary(_, arg):
            return symbols_in(arg)
        case Binary(_, left, right):
            return symbols_in(left) + symbols_in(right)
    return []


class AddressError(Exception):
    def __init__(self, message: str, column: int = 0):
        super().__init__(message)
        self.column = column


def split_address(expr: Expr) -> tuple[str | None, str | None, int, Expr | None]:
    """[ebx + esi*4 - 8] -> ("ebx", "esi", 4, -8): base, index, scale, displacement."""
    regs: list[tuple[str, int, int]] = []         # (name, scale, column)
    disp: list[tuple[int, Expr]] = []             # (sign, term)

    def walk(node: Expr, sign: int) -> None:
        match node:
            case RegRef(name, column):
                if sign < 0:
                    raise AddressError("a register cannot be subtracted in an address", column)
                regs.append((name, 1, column))
            case Binary("+", left, right):
                walk(left, sign)
                walk(right, sign)
            case Binary("-", left, right):
                walk(left, sign)
                walk(right, -sign)
            case Binary("*", RegRef(name, column), factor) | \
                    Binary("*", factor, RegRef(name, column)):
                if sign < 0 or _has_reg(factor):
                    raise AddressError("bad index expression", column)
                regs.append((name, factor, column))   # factor evaluated below
            case _:
                if _has_reg(node):
                    raise AddressError("registers may only be added or scaled in an address")
                disp.append((sign, node))

    walk(expr, 1)
    base = index = None
    scale = 1
    for name, factor, column in regs:
        if factor == 1:
            if base is None:
                base = name
            elif index is None:
                index = name
            else:
                raise AddressError("too many registers in address", column)
        else:
            if index is not None:
                if base is None and scale == 1:
                    base, index = index, None
                else:
                    raise AddressError("only one register can be scaled", column)
            try:
                scale = evaluate(factor, _no_symbols)
            except (Undefined, TypeError, ExprError):
                raise AddressError("scale must be a constant 1, 2, 4 or 8", column) from None
            if scale not in (1, 2, 4, 8):
                raise AddressError(f"scale must be 1, 2, 4 or 8, not {scale}", column)
            index = name
    if index in ("esp", "rsp") and scale == 1 and base not in (None, index):
        base, index = index, base            # esp cannot be an index; swap when unscaled
    if index in ("esp", "rsp"):
        raise AddressError("esp cannot be an index register")
    total: Expr | None = None
    for sign, term in disp:
        term = term if sign > 0 else Unary("-", term)
        total = term if total is None else Binary("+", total, term)
    return base, index, scale, total


def _has_reg(node: Expr) -> bool:
    match node:
        case RegRef():
            return True
        case Unary(_, arg):
            return _has_reg(arg)
        case Binary(_, left, right):
            return _has_reg(left) or _has_reg(right)
    return False


def _no_symbols(name: str, column: int) -> int:
    raise Undefined(name, column)


__all__ = ["AddressError", "ExprError", "ExprParser", "Token", "Undefined", "evaluate",
           "parse_expr", "split_address", "string_value", "symbols_in"]
