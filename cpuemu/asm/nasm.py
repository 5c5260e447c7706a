"""The `nasm` dialect: sections, db/res*/times/equ, `$`/`$$`, local `.labels`, %define.

Only the single-line `%define NAME text` of the preprocessor is supported; anything else
starting with `%` is an error here, so no such text ever reaches keystone (where
`%define` hangs it forever).
"""

from __future__ import annotations

import re
from dataclasses import replace

from .data import RESERVE_UNITS, parse_items
from .expr import parse_expr
from .intel import IntelParser, parse_instruction
from .lexer import TokenStream, tokenize
from .model import Align, Binary, Const, Data, Insn, Num, Pos, SectionSwitch, Space, Times
from .names import is_register, mnemonics

NASM_DATA = {"db": 1, "dw": 2, "dd": 4, "dq": 8}
SECTION_NAMES = {".text": ".text", ".data": ".data", ".bss": ".bss", ".rodata": ".rodata",
                 ".rdata": ".rodata", "text": ".text", "data": ".data", "bss": ".bss"}
IGNORED = {"cpu", "absolute"}
UNSUPPORTED = {"extern", "org", "common", "struc", "endstruc", "istruc", "iend", "incbin"}
_DEFINE = re.compile(r"^\s*%\s*(x?i?define)\s+([A-Za-z_.$?][\w.$?]*)\s*(.*)$", re.I)
_INCLUDE = re.compile(r"""^\s*%\s*include\s+(["'])(.+?)\1\s*(;.*)?$""", re.I)


class NasmParser(IntelParser):
    dialect = "nasm"

    def __init__(self, source: str, filename: str):
        super().__init__(source, filename)
        self.defines: dict[str, str] = {}
        self.default_rel = False               # `default rel`: [sym] is RIP-relative

    def tokenize(self, text: str, pos: Pos):
        stripped = text.strip()
        if stripped.startswith("%"):
            inc = _INCLUDE.match(text)
            if inc:
                self.include(inc.group(2), pos, text.index(inc.group(1)) + 1)
                return tokenize("", pos)
            m = _DEFINE.match(text)
            if not m:
                word = stripped.split()[0]
                tokens = tokenize(text, pos)
                TokenStream(tokens, pos).error(f"unsupported preprocessor directive {word!r}")
            self.defines[m.group(2)] = m.group(3).split(";")[0].strip()
            return tokenize("", pos)
        tokens = tokenize(text, pos)
        if not self.defines:
            return tokens
        out = []
        for tok in tokens:
            if tok.kind == "id" and tok.value in self.defines:
                out.extend(replace(t, column=tok.column)
                           for t in tokenize(self.defines[tok.value], pos)[:-1])
            else:
                out.append(tok)
        return out

    def qualify_locals(self, ts: TokenStream) -> None:
        """`.loop` in an operand means the `.loop` under the latest non-local label."""
        for k in range(ts.i + 1, len(ts.tokens)):
            t = ts.tokens[k]
            if t.kind == "id" and t.value.startswith(".") and not t.value.startswith(".."):
                ts.tokens[k] = replace(t, value=self.scope + t.value)

    def local_name(self, name: str) -> str:
        if name.startswith(".") and not name.startswith(".."):
            return self.scope + name
        return name

    def define(self, name: str, pos: Pos, kind: str = "label", unit: int | None = None) -> str:
        full = super().define(name, pos, kind, unit)
        if not name.startswith("."):
            self.scope = name
        return full

    def line(self, ts: TokenStream, pos: Pos) -> None:
        if ts.peek().kind == "id" and ts.peek(1).is_op(":") and ts.peek(2).is_id("equ"):
            ts.tokens.pop(ts.i + 1)               # `len: equ $ - msg` is `len equ ...`
        if ts.peek().is_op("["):                  # [bits 32], [section .text]
            ts.next()
            inner_end = next(i for i, t in enumerate(ts.tokens) if t.is_op("]") or t.kind == "end")
            ts.tokens = ts.tokens[ts.i:inner_end] + ts.tokens[-1:]
            ts.i = 0
        super().line(ts, pos)

    def statement(self, ts: TokenStream, pos: Pos) -> None:
        tok = ts.peek()
        word = tok.value.lower() if tok.kind == "id" else ""
        if word not in ("section", "segment"):
            self.qualify_locals(ts)
        after = ts.peek(1)
        second = after.value.lower() if after.kind == "id" else ""
        if word in ("section", "segment"):
            ts.next()
            name = ts.next()
            key = str(name.value).lower()
            if key not in SECTION_NAMES:
                ts.error(f"unknown section {name.value!r} (use .text, .data, .bss or .rodata)",
                         name)
            self.statements.append(SectionSwitch(SECTION_NAMES[key], pos))
            while not ts.at_end():               # section attributes: align=16 progbits...
                ts.next()
        elif word in ("global", "globl"):
            ts.next()
            while True:
                name = ts.next()
                self.globals.add(str(name.value))
                if ts.accept_op(":"):
                    ts.next()                    # global main:function
                if not ts.accept_op(","):
                    break
            ts.expect_end()
        elif word in ("bits", "use32", "use64"):
            ts.next()
            bits = ts.next() if word == "bits" else None
            value = bits.value if bits is not None else int(word[3:])
            if not isinstance(value, int):
                ts.error("bits takes 32 or 64", bits)
            self.set_bits(value, pos, bits.column if bits is not None else tok.column)
        elif word == "default":
            ts.next()
            mode = ts.next()
            if str(mode.value).lower() not in ("rel", "abs"):
                ts.error("default takes rel or abs", mode)
            self.default_rel = str(mode.value).lower() == "rel"
            ts.expect_end()
        elif word in IGNORED:
            return
        elif word in UNSUPPORTED:
            ts.error(f"unsupported directive {tok.value!r}")
        elif word == "align" or word == "alignb":
            ts.next()
            boundary = parse_expr(ts, is_register)
            ts.expect_end()
            self.statements.append(Align(boundary, pos, 0 if word == "alignb" else 0x90))
        elif word == "times":
            ts.next()
            count = parse_expr(ts, is_register)
            before = len(self.statements)
            self.statement(ts, pos)
            inner = self.statements.pop() if len(self.statements) > before else None
            if not isinstance(inner, (Data, Insn)):
                ts.error("times repeats one data or instruction statement")
            self.statements.append(Times(count, inner, pos))
        elif tok.kind == "id" and (second in NASM_DATA or second in RESERVE_UNITS
                                   or second == "equ" or second == "times") \
                and not is_register(word):
            ts.next()
            if second == "equ":
                ts.next()
                self.statements.append(Const(self.local_name(tok.value),
                                             parse_expr(ts, is_register), pos))
                ts.expect_end()
                return
            unit = NASM_DATA.get(second) or RESERVE_UNITS.get(second)
            self.define(tok.value, pos.at(tok.column), "object", unit * 8 if unit else None)
            self.statement(ts, pos)
        elif word in NASM_DATA:
            ts.next()
            items = parse_items(ts, NASM_DATA[word])
            ts.expect_end()
            self.statements.append(Data(NASM_DATA[word], items, pos))
        elif word in RESERVE_UNITS:
            ts.next()
            count = parse_expr(ts, is_register)
            ts.expect_end()
            self.statements.append(Space(Binary("*", count, Num(RESERVE_UNITS[word])), pos))
        elif tok.kind == "id" and after.kind == "end" and not is_register(word) \
                and word not in mnemonics():
            ts.next()
            self.define(tok.value, pos.at(tok.column))   # a label without its colon
        else:
            self.statements.append(parse_instruction(ts, pos, self.default_rel))
