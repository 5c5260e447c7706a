"""The `nasm` dialect: sections, db/res*/times/equ, `$`/`$$`, local `.labels`, absolute
and struc, after NASM's preprocessor (preprocess.py). A `%` directive never reaches
keystone (where `%define` hangs it forever): the preprocessor consumes or refuses it.
"""

from __future__ import annotations

from dataclasses import replace

from ..cpu.memory import PAGE
from ..errors import AssemblyError
from .data import RESERVE_UNITS, parse_items
from .expr import parse_expr
from .intel import IntelParser, parse_instruction
from .lexer import TokenStream
from .model import (
    Align,
    Binary,
    Const,
    Data,
    Here,
    Insn,
    Label,
    Num,
    Pos,
    SectionSwitch,
    Space,
    Sym,
    Times,
)
from .names import PREFIXES, is_register, mnemonics, suggest
from .preprocess import Preprocessor

NASM_DATA = {"db": 1, "dw": 2, "dd": 4, "dq": 8, "dt": 10}
SECTION_NAMES = {".text": ".text", ".data": ".data", ".bss": ".bss", ".rodata": ".rodata",
                 ".rdata": ".rodata", "text": ".text", "data": ".data", "bss": ".bss"}
IGNORED = {"cpu"}
ONE_BYTE_FILLS = {"nop": 0x90, "int3": 0xCC, "hlt": 0xF4}
UNSUPPORTED = {"org", "common", "incbin"}


class NasmParser(IntelParser):
    dialect = "nasm"

    def __init__(self, source: str, filename: str, **options):
        super().__init__(source, filename, **options)
        self.default_rel = False               # `default rel`: [sym] is RIP-relative
        self.section = ".text"                 # where statements go now
        self.absolutes = 0                     # `absolute` blocks so far (each is named)
        self.struc: tuple[str, str, Pos] | None = None    # name, section before, where
        self.istruc: tuple[str, str, Pos] | None = None   # type, start label, where

    def parse_lines(self, source: str, filename: str) -> None:
        """The preprocessor's lines (preprocess.py), each parsed with its error kept."""
        pre = Preprocessor(self.include_paths, self.predefined)
        self.parse_expanded(pre.lines(source, filename))
        for origin, message in pre.state.warnings:
            self.warn(message, origin, 1)

    def switch(self, section: str, pos: Pos, origin=None) -> None:
        self.section = section
        self.statements.append(SectionSwitch(section, pos, origin))

    def absolute(self, origin, pos: Pos) -> None:
        """`absolute X`: what follows names offsets from X (reservations only)."""
        self.absolutes += 1
        self.switch(f"absolute {self.absolutes}", pos, origin)

    def structure(self, ts: TokenStream, pos: Pos, word: str) -> None:
        """struc/endstruc declare a layout (`NAME.field` offsets and `NAME_size`);
        istruc/at/iend lay out data in it, padding with zeros to each field."""
        tok = ts.next()
        if word == "struc":
            name = ts.next()
            if name.kind != "id":
                ts.error("struc needs a name", name)
            ts.expect_end()
            if self.struc is not None:
                ts.error(f"struc {name.value} inside struc {self.struc[0]}", tok)
            self.struc = (str(name.value), self.section, pos)
            self.absolute(Num(0), pos)
            self.define(str(name.value), pos.at(name.column))
        elif word == "endstruc":
            ts.expect_end()
            if self.struc is None:
                ts.error("endstruc without struc", tok)
            name, before, _ = self.struc
            self.statements.append(Const(f"{name}_size", Here(), pos))
            self.struc = None
            self.switch(before, pos)
        elif word == "istruc":
            name = ts.next()
            ts.expect_end()
            start = f"..istruc.{pos.line}.{name.value}"
            self.statements.append(Label(start, pos))
            self.istruc = (str(name.value), start, pos)
        elif word == "at":
            if self.istruc is None:
                ts.error("at outside istruc", tok)
            field = parse_expr(ts, is_register)
            ts.expect_op(",", "after the field")
            self._pad_to(field, pos)
            self.statement(ts, pos)
        else:                                            # iend
            ts.expect_end()
            if self.istruc is None:
                ts.error("iend without istruc", tok)
            self._pad_to(Sym(f"{self.istruc[0]}_size", tok.column), pos)
            self.istruc = None

    def _pad_to(self, offset, pos: Pos) -> None:
        """Zeros up to `offset` bytes past the istruc's start."""
        start = Sym(self.istruc[1], 1)
        self.statements.append(Space(Binary("-", offset, Binary("-", Here(), start)), pos))

    def finish(self) -> None:
        if self.struc is not None:
            name, _, pos = self.struc
            raise AssemblyError(f"struc {name} has no endstruc", file=pos.file,
                                line=pos.line, column=1, text=pos.text)
        if self.istruc is not None:
            name, _, pos = self.istruc
            raise AssemblyError(f"istruc {name} has no iend", file=pos.file, line=pos.line,
                                column=1, text=pos.text)
        super().finish()

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

    def align_fill(self, ts: TokenStream) -> int:
        """The byte `align 8, db 0xcc` (or `, nop` / `, int3`) pads with."""
        tok = ts.next()
        word = str(tok.value).lower() if tok.kind == "id" else ""
        if word in ONE_BYTE_FILLS:
            return ONE_BYTE_FILLS[word]
        if word == "db":
            value = parse_expr(ts, is_register)
            if isinstance(value, Num) and -128 <= value.value <= 255:
                return value.value & 0xFF
        ts.error("cpuemu pads `align` with one byte: `db VALUE`, `nop` or `int3`", tok)
        raise AssertionError  # unreachable

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
            self.switch(SECTION_NAMES[key], pos)
            while not ts.at_end():               # section attributes: align=16 progbits...
                ts.next()
        elif word == "absolute":
            ts.next()
            origin = parse_expr(ts, is_register)
            ts.expect_end()
            self.absolute(origin, pos)
        elif word in ("struc", "endstruc", "istruc", "at", "iend"):
            self.structure(ts, pos, word)
        elif word == "extern":                   # resolved to cpuemu's C library (libc/)
            ts.next()
            while True:
                name = ts.next()
                if name.kind != "id":
                    ts.error("extern takes names", name)
                self.externs[str(name.value)] = pos.at(name.column)
                if ts.accept_op(":"):
                    ts.next()                    # extern printf:function
                if not ts.accept_op(","):
                    break
            ts.expect_end()
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
            fill = 0 if word == "alignb" else 0x90
            if ts.accept_op(","):
                fill = self.align_fill(ts)
            ts.expect_end()
            self.statements.append(Align(boundary, pos, fill))
        elif word == "sectalign":
            ts.next()                  # cpuemu starts every section on a page: aligned
            if not (ts.peek().is_id("on", "off")):
                boundary = parse_expr(ts, is_register)
                if not (isinstance(boundary, Num) and boundary.value > 0
                        and not boundary.value & (boundary.value - 1)):
                    ts.error("sectalign takes a power of two (or on/off)")
                if boundary.value > PAGE:
                    ts.error(f"cpuemu aligns sections to at most a page ({PAGE} bytes)")
            else:
                ts.next()
            ts.expect_end()
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
            items = parse_items(ts, NASM_DATA[word], trailing_comma=True)
            ts.expect_end()
            self.statements.append(Data(NASM_DATA[word], items, pos))
        elif word in RESERVE_UNITS:
            ts.next()
            count = parse_expr(ts, is_register)
            ts.expect_end()
            self.statements.append(Space(Binary("*", count, Num(RESERVE_UNITS[word])), pos))
        elif tok.kind == "id" and not is_register(word) and word not in mnemonics() \
                and word not in PREFIXES and after.kind == "id" \
                and (second in mnemonics() or second in PREFIXES):
            ts.next()                              # `again  add eax, 1`: a label, no colon
            self.define(tok.value, pos.at(tok.column))
            self.statement(ts, pos)
        elif tok.kind == "id" and after.kind == "end" and not is_register(word) \
                and word not in mnemonics():
            ts.next()
            self.define(tok.value, pos.at(tok.column))   # a label without its colon
            guesses = suggest(tok.value)
            self.warn("label alone on a line without a colon might be in error "
                      "[-w+label-orphan]", pos, tok.column,
                      f"did you mean: {', '.join(guesses)}?" if guesses else "")
        else:
            self.statements.append(parse_instruction(ts, pos, self.default_rel))
