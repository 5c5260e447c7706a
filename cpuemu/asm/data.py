"""Data-definition operands shared by the Intel dialects: values, strings, `?`, `N DUP(x)`."""

from __future__ import annotations

from .expr import parse_expr
from .lexer import TokenStream
from .model import DataItem, Dup, Uninit
from .names import is_register

# Data directives of the Intel dialects: word -> bytes per item.
DATA_UNITS = {"db": 1, "dw": 2, "dd": 4, "dq": 8, "byte": 1, "sbyte": 1, "word": 2,
              "sword": 2, "dword": 4, "sdword": 4, "qword": 8}
RESERVE_UNITS = {"resb": 1, "resw": 2, "resd": 4, "resq": 8}


def parse_items(ts: TokenStream, unit: int) -> list[DataItem]:
    """Comma-separated data items up to the end of the line (or a closing parenthesis)."""
    items: list[DataItem] = [_item(ts, unit)]
    while ts.accept_op(","):
        items.append(_item(ts, unit))
    return items


def _item(ts: TokenStream, unit: int) -> DataItem:
    tok = ts.peek()
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
