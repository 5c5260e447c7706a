"""Intel-syntax operands and instruction lines, shared by the guide and nasm dialects.

Accepts both spellings of a memory size (`DWORD PTR [x]` and `dword [x]`), segment
overrides outside or inside the brackets, `OFFSET sym`, and `short`/`near` on branches.
"""

from __future__ import annotations

from functools import partial

from ..errors import AssemblyError, AssemblyErrors, AssemblyWarning
from .expr import AddressError, parse_expr, split_address
from .files import included
from .lexer import TokenStream, describe, tokenize
from .model import Binary, Imm, Insn, Label, Mem, Operand, Pos, Reg, Unit
from .names import PREFIXES, SEGMENT_REGS, is_register, mnemonics, suggest

SIZE_WORDS = {"byte": 8, "word": 16, "dword": 32, "qword": 64, "tbyte": 80, "tword": 80,
              "sbyte": 8, "sword": 16, "sdword": 32, "oword": 128, "xmmword": 128}
BRANCH_HINTS = ("short", "near")


def parse_operand(ts: TokenStream, default_rel: bool = False) -> Operand:
    tok = ts.peek()
    column = tok.column
    size = None
    strict = bool(ts.peek().is_id("strict") and ts.next())
    tok = ts.peek()
    if tok.kind == "id" and tok.value.lower() in SIZE_WORDS and not ts.peek(1).is_op(","):
        size = SIZE_WORDS[ts.next().value.lower()]
        if ts.peek().is_id("ptr"):
            ts.next()
    while ts.peek().is_id(*BRANCH_HINTS):
        ts.next()
    seg = None
    if ts.peek().is_id(*SEGMENT_REGS) and ts.peek(1).is_op(":"):
        seg = ts.next().value.lower()
        ts.next()
    if ts.peek().is_op("["):
        return _memory(ts, size, seg, column, default_rel)
    if seg is not None:                       # fs:0x10 without brackets
        disp = parse_expr(ts, is_register)
        return Mem(size, seg, None, None, 1, disp, column)
    if ts.peek().is_id("offset"):
        ts.next()
        return Imm(parse_expr(ts, is_register), column, offset=True)
    tok = ts.peek()
    if tok.kind == "id" and is_register(tok.value) and (ts.peek(1).is_op(",")
                                                       or ts.peek(1).kind == "end"):
        ts.next()                          # nasm: `mov byte bl, 7` (the register decides)
        return Reg(tok.value.lower(), column)
    return Imm(parse_expr(ts, is_register), column, size=size, strict=strict)


def _memory(ts: TokenStream, size: int | None, seg: str | None, column: int,
            default_rel: bool = False) -> Mem:
    """`[...]`; nasm's `[rel sym]` (or `default rel`) makes a bare address RIP-relative,
    `[abs sym]` keeps it absolute; FS and GS offsets are never made RIP-relative."""
    open_tok = ts.expect_op("[")
    if ts.peek().kind == "id" and ts.peek().value.lower() in SIZE_WORDS and \
            not ts.peek(1).is_op("]"):             # nasm [dword x]: the displacement's size
        width = ts.next()
        displacement = SIZE_WORDS[width.value.lower()]
    else:
        width, displacement = None, None
    rel = default_rel
    if ts.peek().is_id("rel", "abs") and not ts.peek(1).is_op("]"):
        rel = ts.next().value.lower() == "rel"
    if ts.peek().is_id(*SEGMENT_REGS) and ts.peek(1).is_op(":"):   # nasm [es:edi]
        seg = ts.next().value.lower()
        ts.next()
    expr = parse_expr(ts, is_register, allow_registers=True)
    ts.expect_op("]", "to close the memory operand")
    while ts.peek().is_op("+", "-"):        # MASM [ebx]+4
        sign = ts.next().value
        expr = Binary(sign, expr, parse_expr(ts, is_register))
    try:
        base, index, scale, disp = split_address(expr)
    except AddressError as e:
        ts.error(str(e), _tok_at(ts, e.column or open_tok.column))
    if displacement is not None and displacement not in (8, 32):
        ts.error(f"a displacement is a byte or a dword, not {width.value}", width)
    if rel and base is None and index is None and seg not in ("fs", "gs"):
        return Mem(size, seg, "rip", None, 1, disp, column, rip_target=True,
                   disp_size=displacement)
    return Mem(size, seg, base, index, scale, disp, column, disp_size=displacement)


def _tok_at(ts: TokenStream, column: int):
    return next((t for t in ts.tokens if t.column == column), ts.peek())


def parse_instruction(ts: TokenStream, pos: Pos, default_rel: bool = False) -> Insn:
    """`[prefix] mnemonic operand, operand...` from the stream's current token."""
    prefixes: list[str] = []
    while ts.peek().kind == "id" and ts.peek().value.lower() in PREFIXES:
        prefixes.append(PREFIXES[ts.next().value.lower()])
    tok = ts.next()
    if tok.kind != "id":
        ts.error(f"expected an instruction, found {describe(tok)}", tok)
    mnemonic = tok.value.lower()
    if mnemonic not in mnemonics():
        unknown_mnemonic(ts, tok)
    operands: list[Operand] = []
    if not ts.at_end():
        operands.append(parse_operand(ts, default_rel))
        while ts.accept_op(","):
            operands.append(parse_operand(ts, default_rel))
    ts.expect_end()
    return Insn(mnemonic, operands, pos.at(tok.column), tuple(prefixes))


def unknown_mnemonic(ts: TokenStream, tok) -> None:
    guesses = suggest(tok.value)
    hint = f"did you mean: {', '.join(guesses)}?" if guesses else ""
    raise AssemblyError(f"unknown instruction {tok.value!r}", file=ts.pos.file,
                        line=ts.pos.line, column=tok.column, text=ts.pos.text, hint=hint)


class IntelParser:
    """Line loop shared by the Intel dialects; subclasses add their directives."""

    dialect = "intel"

    def __init__(self, source: str, filename: str, *, include_paths=(), defines=None):
        self.source, self.filename = source, filename
        self.include_paths = list(include_paths)      # nasm -I
        self.predefined = dict(defines or {})         # nasm -D NAME[=VALUE]
        self.statements: list = []
        self.entry: str | None = None
        self.entry_pos: Pos | None = None
        self.globals: set[str] = set()
        self.defined: dict[str, Pos] = {}
        self.scope = ""                          # last non-local label, for nasm `.loop`
        self.including: list[str] = []
        self.bits: int | None = None              # the mode the source asked for
        self.bits_pos: Pos | None = None
        self.inferred_bits: int | None = None     # the mode its text implies
        self.warnings: list[AssemblyWarning] = []
        self.externs: dict[str, Pos] = {}             # nasm `extern`
        self.errors: list[AssemblyError] = []      # every line's error, reported together

    def set_bits(self, bits: int, pos: Pos, column: int) -> None:
        """The source names its mode (`bits 64`); one mode per program."""
        if bits not in (32, 64):
            raise AssemblyError(f"cpuemu runs 32- and 64-bit code, not {bits}-bit",
                                file=pos.file, line=pos.line, column=column, text=pos.text)
        if self.bits not in (None, bits) or (self.bits is None and any(
                isinstance(s, Insn) for s in self.statements) and bits != 32):
            raise AssemblyError(f"bits {bits} after {self.bits or 32}-bit code: a program "
                                "runs in one mode", file=pos.file, line=pos.line,
                                column=column, text=pos.text)
        self.bits, self.bits_pos = bits, pos

    def parse(self) -> Unit:
        self.parse_lines(self.source, self.filename)
        if not self.errors:
            self.finish()
        if self.errors:
            limit = AssemblyErrors.MAX_ERRORS
            raise self.errors[0] if len(self.errors) == 1 else \
                AssemblyErrors(self.errors[:limit], len(self.errors) > limit)
        return Unit(self.statements, self.dialect, self.filename, self.entry, self.entry_pos,
                    self.globals, self.bits, self.bits_pos, self.inferred_bits, self.warnings,
                    self.externs)

    def keep_error(self, parse) -> None:
        """Run `parse` (one line); its error is kept so the next line is parsed too."""
        try:
            parse()
        except AssemblyErrors as e:                 # an include's own errors
            self.errors.extend(e.errors)
        except AssemblyError as e:
            self.errors.append(e)

    def warn(self, message: str, pos: Pos, column: int, hint: str = "") -> None:
        self.warnings.append(AssemblyWarning(message, file=pos.file, line=pos.line,
                                             column=column, text=pos.text, hint=hint))

    def parse_lines(self, source: str, filename: str) -> None:
        self.parse_expanded((Pos(filename, number, 1, text), text)
                            for number, text in enumerate(source.splitlines(), 1))

    def parse_expanded(self, lines) -> None:
        """Parse (origin, text) lines as a macro layer gives them (or a file's own): each
        line's error is kept and the next line parsed, up to MAX_ERRORS; an error of the
        layer itself ends the file."""
        try:
            for origin, text in lines:
                if len(self.errors) > AssemblyErrors.MAX_ERRORS:
                    break                                # enough to report
                self.parse_text(Pos(origin.file, origin.line, 1, text.rstrip("\r\n")), text)
        except AssemblyError as e:
            self.errors.append(e)

    def parse_text(self, pos: Pos, text: str) -> None:
        """One line (the text errors show is `pos.text`, the line as parsed)."""
        self.keep_error(partial(self._parse_line, pos))

    def _parse_line(self, pos: Pos) -> None:
        ts = TokenStream(self.tokenize(pos.text, pos), pos)
        if not ts.at_end():
            self.line(ts, pos)

    def include(self, name: str, pos: Pos, column: int) -> None:
        """Parse another file here (beside the including file, then the -I directories);
        errors name that file."""
        with included(name, pos, self.include_paths, self.including, column) as (source, path):
            self.parse_lines(source, path)

    def tokenize(self, text: str, pos: Pos):
        return tokenize(text, pos)

    def line(self, ts: TokenStream, pos: Pos) -> None:
        tok = ts.peek()
        if tok.kind == "id" and ts.peek(1).is_op(":") and not is_register(tok.value) \
                and tok.value.lower() not in PREFIXES:
            ts.next()
            ts.next()
            ts.accept_op(":")                    # MASM `label::`
            self.define(tok.value, pos.at(tok.column))
            if ts.at_end():
                return
        self.statement(ts, pos)

    def statement(self, ts: TokenStream, pos: Pos) -> None:
        raise NotImplementedError

    def local_name(self, name: str) -> str:
        return name

    def define(self, name: str, pos: Pos, kind: str = "label", unit: int | None = None) -> str:
        full = self.local_name(name)
        if full in self.defined:
            first = self.defined[full]
            raise AssemblyError(f"duplicate label {name!r} (first defined at line {first.line})",
                                file=pos.file, line=pos.line, column=pos.column, text=pos.text)
        self.defined[full] = pos
        self.statements.append(Label(full, pos, kind, unit))
        return full

    def finish(self) -> None:
        pass
