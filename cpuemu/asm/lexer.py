"""Tokens of one source line, shared by the three dialects.

Numbers are read in every notation the dialects use (0x1f, 1fh, 101b, 0b101, 17o/17q, 0o17);
`suffixes=False` turns off the h/b/o/q suffixes for AT&T, where `1b`/`1f` name labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import AssemblyError
from ..limits import MAX_VALUE_BITS
from .floats import LITERAL as FLOAT_LITERAL
from .model import Pos


@dataclass(frozen=True)
class Token:
    kind: str           # "num", "id", "str", "op", "end"
    value: object
    column: int         # 1-based

    def is_op(self, *ops: str) -> bool:
        return self.kind == "op" and self.value in ops

    def is_id(self, *names: str) -> bool:
        return self.kind == "id" and str(self.value).lower() in names


_NUMBER_SUFFIXED = re.compile(
    r"0[xX][0-9a-fA-F_]+|0[oOqQ][0-7_]+\b|[0-9][0-9a-fA-F_]*[hH]\b|0[bB][01_]+\b|[01_]+[bByY]\b"
    r"|[0-7_]+[oOqQ]\b|[0-9][0-9_]*[dD]?\b")
_NUMBER_PLAIN = re.compile(r"0[xX][0-9a-fA-F]+|0[bB][01]+|[0-9]+")
_IDENT = re.compile(r"[A-Za-z_.@?][\w.$@?]*")
_OPS = ("<<", ">>", "$$", "==", "!=", "<=", ">=", "&&", "||", "<>")
_SINGLE = "[]()+-*/%,:~&|^!=<>$?{}#"

_ESCAPES = {"n": 10, "t": 9, "r": 13, "0": 0, "\\": 92, "'": 39, '"': 34, "`": 96,
            "a": 7, "b": 8, "f": 12, "v": 11, "e": 27}


def parse_number(text: str, *, suffixes: bool = True, octal_zero: bool = False) -> int:
    """The value of one number token in any supported notation."""
    t = text.replace("_", "").lower()
    if t.startswith("0x"):
        return int(t[2:], 16)
    if suffixes and t.endswith("h"):
        return int(t[:-1], 16)
    if t.startswith("0b") and len(t) > 2 and not (suffixes and t.endswith("h")):
        return int(t[2:], 2)
    if suffixes and t[:2] in ("0o", "0q") and len(t) > 2:       # nasm 0o755
        return int(t[2:], 8)
    if suffixes and t[-1] in "by":
        return int(t[:-1], 2)
    if suffixes and t[-1] in "oq":
        return int(t[:-1], 8)
    if suffixes and t.endswith("d"):
        return int(t[:-1], 10)
    if octal_zero and len(t) > 1 and t.startswith("0"):
        return int(t, 8)
    return int(t, 10)


def _string(line: str, start: int, pos: Pos, escapes: str,
            one_char: bool = False) -> tuple[bytes, int]:
    """Read a quoted string starting at `start`; return its bytes and the index after it.
    `one_char`: GNU as's character constant, `'c` or `'\n` (a closing quote optional)."""
    quote = line[start]
    out = bytearray()
    i = start + 1
    while i < len(line):
        if one_char and out:
            return bytes(out), i + 1 if line[i] == quote else i
        ch = line[i]
        if ch == quote and not (one_char and not out):
            if quote in ("'", '"') and i + 1 < len(line) and line[i + 1] == quote \
                    and quote not in escapes:
                out.append(ord(quote))          # MASM/nasm: a doubled quote is one quote
                i += 2
                continue
            return bytes(out), i + 1
        if ch == "\\" and quote in escapes and i + 1 < len(line):
            nxt = line[i + 1]
            if nxt == "x":
                m = re.match(r"[0-9a-fA-F]{1,2}", line[i + 2:])
                if m:
                    out.append(int(m.group(), 16))
                    i += 2 + len(m.group())
                    continue
            if nxt in "01234567" and (nxt != "0" or line[i + 2:i + 3].isdigit()):   # \101
                m = re.match(r"[0-7]{1,3}", line[i + 1:])
                out.append(int(m.group(), 8) & 0xFF)
                i += 1 + len(m.group())
                continue
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            out += nxt.encode("utf-8", "surrogateescape")
            i += 2
            continue
        out += ch.encode("utf-8", "surrogateescape")      # a Latin-1 byte stays that byte
        i += 1
    if one_char and out:
        return bytes(out), i
    raise AssemblyError("unterminated string", file=pos.file, line=pos.line,
                        column=start + 1, text=pos.text)


def tokenize(line: str, pos: Pos, *, suffixes: bool = True, escapes: str = "`",
             octal_zero: bool = False, comment: str = ";",
             char_constants: bool = False) -> list[Token]:
    """Split one line into tokens; stops at the dialect's comment character.
    `char_constants`: `'c` is GNU as's character constant, a number."""
    tokens: list[Token] = []
    number = _NUMBER_SUFFIXED if suffixes else _NUMBER_PLAIN
    i = 0
    while i < len(line):
        ch = line[i]
        if ch.isspace():
            i += 1
            continue
        if ch in comment:
            break
        if ch == "'" and char_constants:
            value, end = _string(line, i, pos, "'", one_char=True)
            tokens.append(Token("num", int.from_bytes(value[:1] or b"\0", "little"), i + 1))
            i = end
            continue
        if ch in "'\"`":
            value, end = _string(line, i, pos, escapes)
            tokens.append(Token("str", value, i + 1))
            i = end
            continue
        if ch.isdigit() and (f := FLOAT_LITERAL.match(line, i)):
            tokens.append(Token("float", f.group(), i + 1))      # 1.5, 2e-3, 0x1.8p3
            i = f.end()
            continue
        if ch.isdigit():
            m = number.match(line, i)
            if not m:
                raise AssemblyError(f"bad number {line[i:].split()[0]!r}", file=pos.file,
                                    line=pos.line, column=i + 1, text=pos.text)
            text = m.group()
            end = m.end()
            if not suffixes and end < len(line) and line[end] in "bf" and text.isdigit() \
                    and (end + 1 == len(line) or not (line[end + 1].isalnum()
                                                      or line[end + 1] == "_")):
                tokens.append(Token("id", text + line[end], i + 1))  # AT&T local 1b / 1f
                i = end + 1
                continue
            if end < len(line) and (line[end].isalnum() or line[end] == "_"):
                bad = re.match(r"\w+", line[i:]).group()
                raise AssemblyError(f"bad number {bad!r}", file=pos.file, line=pos.line,
                                    column=i + 1, text=pos.text)
            try:
                value = parse_number(text, suffixes=suffixes, octal_zero=octal_zero)
            except ValueError:                   # 09 in octal, 0x alone, 5,000 digits
                raise AssemblyError(f"bad number {text[:40]!r}", file=pos.file, line=pos.line,
                                    column=i + 1, text=pos.text) from None
            if value.bit_length() > MAX_VALUE_BITS:
                raise AssemblyError(f"number too large: more than {MAX_VALUE_BITS} bits",
                                    file=pos.file, line=pos.line, column=i + 1, text=pos.text)
            tokens.append(Token("num", value, i + 1))
            i = end
            continue
        m = _IDENT.match(line, i)
        if m and not (ch == "?" and m.end() == i + 1):
            tokens.append(Token("id", m.group(), i + 1))
            i = m.end()
            continue
        two = line[i:i + 2]
        if two in _OPS:
            tokens.append(Token("op", two, i + 1))
            i += 2
            continue
        if ch in _SINGLE:
            tokens.append(Token("op", ch, i + 1))
            i += 1
            continue
        raise AssemblyError(f"unexpected character {ch!r}", file=pos.file, line=pos.line,
                            column=i + 1, text=pos.text)
    tokens.append(Token("end", None, len(line.rstrip()) + 1))
    return tokens


class TokenStream:
    """A cursor over one line's tokens with errors that point into the line."""

    def __init__(self, tokens: list[Token], pos: Pos):
        self.tokens, self.pos, self.i = tokens, pos, 0

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def next(self) -> Token:
        tok = self.peek()
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return tok

    def at_end(self) -> bool:
        return self.peek().kind == "end"

    def accept_op(self, *ops: str) -> Token | None:
        if self.peek().is_op(*ops):
            return self.next()
        return None

    def expect_op(self, op: str, what: str = "") -> Token:
        tok = self.peek()
        if not tok.is_op(op):
            self.error(f"expected {op!r}{' ' + what if what else ''}", tok)
        return self.next()

    def rest_text(self) -> str:
        return self.pos.text[self.peek().column - 1:].strip()

    def error(self, message: str, tok: Token | None = None, hint: str = "") -> None:
        tok = tok or self.peek()
        raise AssemblyError(message, file=self.pos.file, line=self.pos.line,
                            column=tok.column, text=self.pos.text, hint=hint)

    def expect_end(self) -> None:
        if not self.at_end():
            tok = self.peek()
            self.error(f"unexpected {describe(tok)}", tok)


def describe(tok: Token) -> str:
    if tok.kind == "end":
        return "end of line"
    if tok.kind == "str":
        return "string"
    if tok.kind == "float":
        return f"floating-point constant {tok.value}"
    if tok.kind == "num" and tok.value.bit_length() > 64:
        return f"a {tok.value.bit_length()}-bit number"
    return repr(str(tok.value))


def x87_registers(tokens: list[Token], prefix: str = "") -> list[Token]:
    """`st(1)` -> `st1`, and a bare `st` -> `st0`: the x87 stack as AT&T (`%st(1)`, with
    `prefix` "%") and MASM write it, in the spelling the rest of cpuemu uses."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        is_st = tok.kind == "id" and str(tok.value).lower() == "st" and \
            (not prefix or (out and out[-1].is_op(prefix)))
        if is_st:
            n = tokens[i + 1:i + 4]
            if len(n) == 3 and n[0].is_op("(") and n[1].kind == "num" and 0 <= n[1].value < 8 \
                    and n[2].is_op(")"):
                out.append(Token("id", f"st{n[1].value}", tok.column))
                i += 4
                continue
            out.append(Token("id", "st0", tok.column))
        else:
            out.append(tok)
        i += 1
    return out
