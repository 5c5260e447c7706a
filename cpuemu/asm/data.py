"""Data-definition operands shared by the Intel dialects: values, strings, `?`, `N DUP(x)`."""

from __future__ import annotations

from .expr import parse_expr
from .floats import SPECIALS, parse_literal
from .lexer import TokenStream
from .model import DataItem, Dup, FloatItem, Uninit
from .names import is_register

# Data directives of the Intel dialects: word -> bytes per item.
DATA_UNITS = {"db": 1, "dw": 2, "dd": 4, "dq": 8, "byte": 1, "sbyte": 1, "word": 2,
              "sword": 2, "dword": 4, "sdword": 4, "qword": 8, "real4": 4, "real8": 8,
              "real10": 10, "tbyte": 10}
REAL_UNITS = {"real4", "real8", "real10"}         # MASM: every item a floating-point value
RESERVE_UNITS = {"resb": 1, "resw": 2, "resd": 4, "resq": 8, "rest": 10}


def parse_items(ts: TokenStream, unit: int, trailing_comma: bool = False) -> list[DataItem]:
    """Comma-separated data items up to the end of the line (or a closing parenthesis);
    nasm allows a comma after the last one."""
    items: list[DataItem] = [_item(ts, unit)]
    while ts.accept_op(","):
        if trailing_comma and ts.at_end():
            break
        items.append(_item(ts, unit))
    return items


def _item(ts: TokenStream, unit: int) -> DataItem:
    tok = ts.peek()
    floating = _float_item(ts)
    if floating is not None:
        return floating
    if tok.is_op("?"):
        ts.next()
        return Uninit()
    if tok.kind == "str" and (unit == 1 or len(tok.value) > unit) \
            and (ts.peek(1).is_op(",", ")") or ts.peek(1).kind == "end"):
        ts.next()
        raw = bytes(tok.value)
        if unit > 1:                     # nasm pads a long string to whole units
            raw += b"\0" * (-len(raw) % unit)
        return raw
    expr = parse_expr(ts, is_register)
    if ts.peek().is_id("dup"):
        ts.next()
        ts.expect_op("(", "after DUP")
        inner = parse_items(ts, unit)
        ts.expect_op(")", "to close DUP(...)")
        return Dup(expr, inner)
    return expr


def _float_item(ts: TokenStream) -> FloatItem | None:
    """`1.5`, `-2.5e-3`, `__Infinity__`, `-__QNaN__` as a whole item, else None."""
    k = 1 if ts.peek().is_op("-", "+") else 0
    tok, after = ts.peek(k), ts.peek(k + 1)
    special = SPECIALS.get(str(tok.value).lower()) if tok.kind == "id" else None
    if not (tok.kind == "float" or special) or not (after.is_op(",", ")") or after.kind == "end"):
        return None
    negative = k == 1 and ts.peek().is_op("-")
    for _ in range(k + 1):
        ts.next()
    try:
        value = special or parse_literal(tok.value)
    except ValueError as e:
        ts.error(str(e), tok)
    return FloatItem(value, negative, tok.column)
