"""The `gas` dialect: AT&T syntax as `gcc -S` writes it (32- and 64-bit), plus
hand-written .s files.

Operands come source-first and are reversed into the Intel model; size suffixes
(`movl`, `addq`) size memory operands; `movzbl`-style names become movzx/movsx and
`movslq` movsxd; numeric local labels (`1:` with `1b`/`1f`) are renamed to unique ones
while parsing. A file that names a 64-bit register (or says `.code64`) is 64-bit code.
`sym(%rip)` is RIP-relative to sym.

Position-independent code (what `gcc -S` writes by default) is resolved as a static
`ld` link resolves it: `call f@PLT` is `call f`; `movq x@GOTPCREL(%rip), %reg` and
`movl x@GOT(%ebx), %reg` load x's address as `lea` does; `x@GOTOFF` is x's distance
from `_GLOBAL_OFFSET_TABLE_`, a 12-byte `.got.plt` section made when code names it; and
`$_GLOBAL_OFFSET_TABLE_` is the GOT's distance from the instruction (what the
`__x86.get_pc_thunk` call left in the register).

Sections are laid out as `ld` concatenates an object's sections: each output section
(`.text`) holds its input sections (`.text`, then `.text.foo`...) in the object's order,
each aligned to the largest `.align` it asked for.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial

from .data import parse_items
from .expr import ExprError, Undefined, evaluate, parse_expr, symbols_in
from .gas_macros import GasMacros
from .intel import IntelParser, unknown_mnemonic
from .lexer import Token, TokenStream, tokenize, x87_registers
from .model import (
    Align,
    Binary,
    Const,
    Data,
    Imm,
    Insn,
    Label,
    Mem,
    Num,
    Operand,
    Pos,
    Reg,
    SectionSwitch,
    Space,
)
from .names import (
    PREFIXES,
    SEGMENT_REGS,
    SHIFTS,
    is_register,
    mnemonics,
    needs_long_mode,
    register_bits,
)

SUFFIX_BITS = {"b": 8, "w": 16, "l": 32, "q": 64}
RENAMED = {"cltd": "cdq", "cwtl": "cwde", "cbtw": "cbw", "cwtd": "cwd", "movsl": "movsd",
           "cmpsl": "cmpsd", "stosl": "stosd", "lodsl": "lodsd", "scasl": "scasd",
           "ret": "ret", "retl": "ret", "calll": "call", "jmpl": "jmp", "pushfl": "pushfd",
           "popfl": "popfd", "pushal": "pushad", "popal": "popad", "leavel": "leave",
           "cltq": "cdqe", "cqto": "cqo", "retq": "ret", "callq": "call", "jmpq": "jmp",
           "pushfq": "pushfq", "popfq": "popfq", "leaveq": "leave", "movsq": "movsq",
           "stosq": "stosq", "lodsq": "lodsq", "cmpsq": "cmpsq", "scasq": "scasq"}
_EXTEND = re.compile(r"^mov([sz])([bwl])([wlq])$")
GOT = "_GLOBAL_OFFSET_TABLE_"
GOT_SIZE = 12                   # the three words a static link reserves in .got.plt
# The AT&T x87 quirk GNU as keeps (and gcc relies on): with a destination other than
# %st(0), fsub means Intel's fsubr and so on, the popping forms included.
AT_T_X87_SWAP = {"fsub": "fsubr", "fsubr": "fsub", "fdiv": "fdivr", "fdivr": "fdiv",
                 "fsubp": "fsubrp", "fsubrp": "fsubp", "fdivp": "fdivrp", "fdivrp": "fdivp"}
X87_DEEP = {f"st{i}" for i in range(1, 8)}
# x87 memory operands: the suffix means a float size for floating-point operations
# (s 32, l 64, t 80) and an integer size for integer ones (s 16, l 32, q/ll 64).
X87_SUFFIXES = (
    ({"fld", "fst", "fstp", "fadd", "fsub", "fsubr", "fmul", "fdiv", "fdivr", "fcom",
      "fcomp"}, {"s": 32, "l": 64}),
    ({"fld", "fstp"}, {"t": 80}),
    ({"fild", "fist", "fistp", "fisttp", "fiadd", "fisub", "fisubr", "fimul", "fidiv",
      "fidivr", "ficom", "ficomp"}, {"ll": 64, "s": 16, "l": 32}),
    ({"fild", "fistp", "fisttp"}, {"q": 64}),
)
FLOAT_UNITS = {".float": 4, ".single": 4, ".double": 8, ".tfloat": 10}
DATA_UNITS = {".byte": 1, ".word": 2, ".short": 2, ".value": 2, ".hword": 2, ".long": 4,
              ".int": 4, ".quad": 8}
IGNORED = {".file", ".ident", ".loc", ".type", ".size", ".local", ".hidden", ".weak",
           ".protected", ".internal", ".addrsig", ".addrsig_sym", ".sleb128",
           ".uleb128", ".version"}
FIRST_SECTIONS = (".text", ".data", ".bss")     # what GNU as makes before the first line
_BRANCHES = {"jmp", "call", "loop", "loope", "loopne", "loopz", "loopnz", "jecxz", "jcxz"}


def _section_for(name: str) -> str | None:
    """Where a gas section's contents go; None for sections that are never loaded."""
    for prefix in (".text", ".rodata", ".data.rel.ro", ".data", ".bss"):
        if name == prefix or name.startswith(prefix + "."):
            return prefix
    if name == "COMMON":
        return ".bss"
    return None


def _relocation(t: Token) -> list[Token]:
    """The tokens for one `sym@KIND` (see the module's docstring); others unchanged."""
    name, _, kind = str(t.value).rpartition("@")
    if kind in ("PLT", "GOTPCREL", "GOT"):
        return [replace(t, value=name)]
    if kind == "GOTOFF":
        return [Token("op", "(", t.column), replace(t, value=name), Token("op", "-", t.column),
                Token("id", GOT, t.column), Token("op", ")", t.column)]
    return [t]


class GasParser(IntelParser):
    dialect = "gas"

    def __init__(self, source: str, filename: str, **options):
        super().__init__(source, filename, **options)
        self.discarding = False
        self.numeric: dict[str, int] = {}
        self.names_64 = False                   # a 64-bit register was named
        self.got_load = False                   # this statement reads a GOT slot
        self.uses_got = False                   # the code names _GLOBAL_OFFSET_TABLE_
        self.input = ".text"                    # the object's section being written
        self.previous_input = ".text"
        self.stack: list[tuple[str, str]] = []  # .pushsection

    def tokenize(self, text: str, pos: Pos):
        return x87_registers(tokenize(_strip_comments(text), pos, suffixes=False, escapes='"',
                                      octal_zero=True, comment="#", char_constants=True), "%")

    def parse_lines(self, source: str, filename: str) -> None:
        """GNU as's macro layer first (gas_macros.py), then each statement of each line."""
        self.parse_expanded(GasMacros(self.include_paths, self.tokenize).lines(source, filename))

    def parse_text(self, pos: Pos, text: str) -> None:
        """gas allows several statements on a line (`;`)."""
        for part in _split_statements(text):
            offset = text.find(part) if part else 0
            self.keep_error(partial(self._parse_part, " " * offset + part, pos))

    def _parse_part(self, text: str, pos: Pos) -> None:
        ts = TokenStream(self.tokenize(text, pos), pos)
        if not ts.at_end():
            self.line(ts, pos)

    def define(self, name: str, pos: Pos, kind: str = "label", unit: int | None = None) -> str:
        if name.isdigit():                      # numeric local label: 1:
            self.numeric[name] = self.numeric.get(name, 0) + 1
            name = f".L{name}${self.numeric[name]}"
        if self.discarding:
            return name
        return super().define(name, pos, kind, unit)

    def line(self, ts: TokenStream, pos: Pos) -> None:
        tok = ts.peek()
        if tok.kind == "num" and ts.peek(1).is_op(":"):
            ts.next()
            ts.next()
            self.define(str(tok.value), pos.at(tok.column))
            if ts.at_end():
                return
        super().line(ts, pos)

    def statement(self, ts: TokenStream, pos: Pos) -> None:
        self.numeric_refs(ts)
        tok = ts.peek()
        word = tok.value.lower() if tok.kind == "id" else ""
        if tok.kind == "id" and ts.peek(1).is_op("="):        # sym = expr
            ts.next()
            ts.next()
            self.emit(Const(tok.value, parse_expr(ts, is_register), pos))
            ts.expect_end()
        elif word.startswith("."):
            self.directive(ts, pos, word)
        elif not self.discarding:
            self.statements.append(self.instruction(ts, pos))

    def emit(self, stmt) -> None:
        if not self.discarding:
            self.statements.append(stmt)

    def numeric_refs(self, ts: TokenStream) -> None:
        """`1b`/`1f` name the nearest numeric label `1:`; a lone `.` is the location;
        relocations (`f@PLT`, `x@GOTOFF`...) become what a static link makes of them."""
        self.got_load = False
        tokens = ts.tokens[:ts.i]
        for k in range(ts.i, len(ts.tokens)):
            t = ts.tokens[k]
            if t.kind == "id" and "@" in str(t.value)[1:]:
                kind = str(t.value).rpartition("@")[2]
                self.got_load |= kind in ("GOT", "GOTPCREL")
                self.uses_got |= kind == "GOTOFF"
                tokens += _relocation(t)
            elif t.kind == "id" and t.value == GOT and k > 0 and ts.tokens[k - 1].is_op("$"):
                self.uses_got = True             # $_GLOBAL_OFFSET_TABLE_: GOT - this insn
                tokens += [Token("op", "(", t.column), t, Token("op", "-", t.column),
                           Token("op", "$", t.column), Token("op", ")", t.column)]
            elif t.kind == "id" and t.value == "." and k > ts.i:
                tokens.append(replace(t, kind="op", value="$"))
            elif t.kind == "id" and re.fullmatch(r"\d+[bf]", t.value):
                n, way = t.value[:-1], t.value[-1]
                count = self.numeric.get(n, 0) + (1 if way == "f" else 0)
                tokens.append(replace(t, value=f".L{n}${count}"))
            else:
                tokens.append(t)
        ts.tokens[:] = tokens

    # -- directives --------------------------------------------------------------------

    def directive(self, ts: TokenStream, pos: Pos, word: str) -> None:
        start = ts.next()
        if word in (".text", ".data", ".bss"):
            self.switch(word, pos)
        elif word == ".previous":
            self.switch(self.previous_input, pos)
        elif word == ".popsection":
            if not self.stack:
                ts.error(".popsection without .pushsection", start)
            name, previous = self.stack.pop()
            self.switch(name, pos)
            self.previous_input = previous
        elif word in (".code32", ".code64"):
            self.set_bits(int(word[5:]), pos, start.column)
        elif word in (".section", ".pushsection"):
            name = ts.next()
            if name.kind not in ("id", "str"):
                ts.error(f"{word} takes a section name", name)
            if word == ".pushsection":
                self.stack.append((self.input, self.previous_input))
            self.switch(str(name.value if name.kind == "id" else name.value.decode(
                "utf-8", "surrogateescape")), pos)
            while not ts.at_end():
                ts.next()
            return
        elif word in (".globl", ".global"):
            self.globals.add(str(ts.next().value))
            while ts.accept_op(","):
                self.globals.add(str(ts.next().value))
        elif word in IGNORED or word.startswith(".cfi_"):
            while not ts.at_end():
                ts.next()
            return
        elif word in (".string", ".asciz", ".ascii"):
            items: list = []
            while True:
                s = ts.next()
                if s.kind != "str":
                    ts.error(f"{word} takes quoted strings", s)
                items.append(bytes(s.value) + (b"" if word == ".ascii" else b"\0"))
                if not ts.accept_op(","):
                    break
            self.emit(Data(1, items, pos))
        elif word in DATA_UNITS:
            self.emit(Data(DATA_UNITS[word], parse_items(ts, DATA_UNITS[word]), pos))
        elif word in FLOAT_UNITS:                # .float 1.5: every item a float, as as has it
            self.emit(Data(FLOAT_UNITS[word], parse_items(ts, FLOAT_UNITS[word]), pos, True))
        elif word in (".zero", ".skip", ".space"):
            count = parse_expr(ts, is_register)
            fill = 0
            if ts.accept_op(","):
                fill = parse_expr(ts, is_register)
                fill = fill.value & 0xFF if isinstance(fill, Num) else 0   # a byte, as as does
            self.emit(Space(count, pos, fill))
        elif word in (".align", ".balign", ".p2align"):     # .align is in bytes on x86
            boundary = parse_expr(ts, is_register)
            if word == ".p2align":
                boundary = Binary("<<", Num(1), boundary)
            fill = skip = None
            if ts.accept_op(","):
                if not ts.peek().is_op(",") and not ts.at_end():
                    fill = parse_expr(ts, is_register)
                    fill = fill.value & 0xFF if isinstance(fill, Num) else None
                if ts.accept_op(","):
                    skip = parse_expr(ts, is_register)
            self.emit(Align(boundary, pos, fill, skip, padding="gas"))
        elif word in (".comm", ".lcomm"):
            name = ts.next()
            ts.expect_op(",")
            size = parse_expr(ts, is_register)
            align = Num(4)
            if ts.accept_op(","):
                align = parse_expr(ts, is_register)
            saved = self.input, self.previous_input
            self.switch("COMMON" if word == ".comm" else ".bss", pos)
            self.emit(Align(align, pos))
            self.define(str(name.value), pos.at(name.column), "object")
            self.emit(Space(size, pos))
            self.switch(saved[0], pos)
            self.previous_input = saved[1]
        elif word in (".set", ".equ", ".equiv"):
            name = ts.next()
            ts.expect_op(",")
            self.emit(Const(str(name.value), parse_expr(ts, is_register), pos))
        else:
            ts.error(f"unsupported directive {word!r}", start)
        ts.expect_end()

    def switch(self, name: str, pos: Pos) -> None:
        """Write into the object's section `name` from here on (finish() orders them)."""
        if name != self.input:
            self.previous_input, self.input = self.input, name
        self.discarding = _section_for(name) is None
        if not self.discarding:
            self.statements.append(SectionSwitch(name, pos))

    # -- instructions ------------------------------------------------------------------

    def instruction(self, ts: TokenStream, pos: Pos) -> Insn:
        prefixes: list[str] = []
        while ts.peek().kind == "id" and ts.peek().value.lower() in PREFIXES:
            prefixes.append(PREFIXES[ts.next().value.lower()])
        tok = ts.next()
        if tok.kind != "id":
            ts.error("expected an instruction", tok)
        mnemonic, size, src_size = _intel_mnemonic(tok.value.lower())
        if mnemonic is None:
            unknown_mnemonic(ts, tok)
        branch = mnemonic in _BRANCHES or (mnemonic.startswith("j") and mnemonic in mnemonics())
        operands: list[Operand] = []
        if not ts.at_end():
            operands.append(self.operand(ts, branch))
            while ts.accept_op(","):
                operands.append(self.operand(ts, branch))
        ts.expect_end()
        if size and not src_size:
            _check_suffix(ts, tok, mnemonic, size, operands)
        operands.reverse()
        if size or src_size:
            operands = [_sized(op, src_size if src_size and i == len(operands) - 1 else size)
                        for i, op in enumerate(operands)]
        if mnemonic in AT_T_X87_SWAP and (
                (operands and isinstance(operands[0], Reg) and operands[0].name in X87_DEEP)
                or (not operands and mnemonic.endswith("p"))):
            mnemonic = AT_T_X87_SWAP[mnemonic]
        if mnemonic in SHIFTS and len(operands) == 1:     # `shrq %rax` shifts by one
            operands.append(Imm(Num(1), operands[0].column))
        if self.got_load:
            operands = _got_load(ts, tok, mnemonic, operands)
        return Insn(mnemonic, operands, pos.at(tok.column), tuple(prefixes))

    def operand(self, ts: TokenStream, branch: bool) -> Operand:
        tok = ts.peek()
        column = tok.column
        indirect = bool(ts.accept_op("*"))
        if ts.accept_op("$"):
            return Imm(parse_expr(ts, is_register, modulo=False), column)
        if tok.is_op("%") and not (ts.peek(1).kind == "id" and ts.peek(1).value.lower()
                                   in SEGMENT_REGS and ts.peek(2).is_op(":")) or \
                (indirect and ts.peek().is_op("%") and not ts.peek(2).is_op(":")):
            ts.accept_op("%")
            reg = ts.next()
            if reg.kind != "id" or not is_register(reg.value):
                ts.error(f"unknown register %{reg.value}", reg)
            self.names_64 |= needs_long_mode(reg.value)
            return Reg(reg.value.lower(), column)
        seg = None
        if ts.peek().is_op("%"):
            ts.next()
            seg = ts.next().value.lower()
            ts.expect_op(":")
        disp = None
        if not (ts.peek().is_op("(") and ts.peek(1).is_op("%", ",")):
            disp = parse_expr(ts, is_register, modulo=False)
        if not ts.peek().is_op("("):
            if branch and not indirect and seg is None:
                return Imm(disp, column)
            return Mem(None, seg, None, None, 1, disp, column)
        ts.next()
        base = index = None
        scale = 1
        if ts.peek().is_op("%"):
            base = self.register(ts)
        if ts.accept_op(","):
            if ts.peek().is_op("%"):
                index = self.register(ts)
            if ts.accept_op(","):
                s = ts.next()
                if s.kind != "num" or s.value not in (1, 2, 4, 8):
                    ts.error("scale must be 1, 2, 4 or 8", s)
                scale = int(s.value)
        ts.expect_op(")", "to close the address")
        if index in ("esp", "rsp"):
            ts.error(f"%{index} cannot be an index register")
        return Mem(None, seg, base, index, scale, disp, column,
                   rip_target=base == "rip" and bool(symbols_in(disp)))

    def register(self, ts: TokenStream) -> str:
        ts.expect_op("%")
        reg = ts.next()
        if reg.kind != "id" or not is_register(reg.value):
            ts.error(f"unknown register %{reg.value}", reg)
        self.names_64 |= needs_long_mode(reg.value)
        return reg.value.lower()

    def finish(self) -> None:
        if self.names_64:
            self.inferred_bits = 64
        if self.uses_got and GOT not in self.defined:
            pos = Pos(self.filename, 0, 1, "")
            self.statements += [SectionSwitch(".got.plt", pos), Label(GOT, pos, "object"),
                                Space(Num(GOT_SIZE), pos)]
            self.defined[GOT] = pos
        self.statements = _as_linked(self.statements)


def _as_linked(statements: list) -> list:
    """The statements regrouped as `ld` lays out one object: input sections in the
    object's order within their output section, each aligned to its largest `.align`."""
    pieces: dict[str, list] = {name: [] for name in FIRST_SECTIONS}
    current = ".text"
    for stmt in statements:
        if isinstance(stmt, SectionSwitch):
            current = stmt.name
            pieces.setdefault(current, [])
        else:
            pieces[current].append(stmt)
    out: list = []
    for name in sorted(pieces, key=_link_order(list(pieces))):
        stmts = pieces[name]
        if not stmts:
            continue
        first = stmts[0].pos if hasattr(stmts[0], "pos") else Pos("", 0, 1, "")
        out.append(SectionSwitch(_section_for(name) or name, first))
        widest = max((_constant(a.boundary) for a in stmts if isinstance(a, Align)),
                     default=1)
        if widest > 1:
            out.append(Align(Num(widest), first, padding="ld"))
        out += stmts
    return out


def _intel_mnemonic(m: str) -> tuple[str | None, int | None, int | None]:
    """AT&T mnemonic -> (Intel mnemonic, operand bits from the suffix, source bits)."""
    if m in RENAMED:
        return RENAMED[m], None, None
    for table, suffixes in X87_SUFFIXES:            # flds, fldl, fldt, fildll, fistps...
        for suffix, bits in suffixes.items():
            if m.endswith(suffix) and m[:-len(suffix)] in table:
                return m[:-len(suffix)], bits, None
    if m == "movq":                   # MMX/SSE's movq too; general registers are far commoner
        return "mov", 64, None
    ext = _EXTEND.match(m)
    if ext and SUFFIX_BITS[ext.group(2)] < SUFFIX_BITS[ext.group(3)]:
        kind, src, dst = ext.groups()
        name = "movsxd" if src == "l" else "movsx" if kind == "s" else "movzx"
        return name, SUFFIX_BITS[dst], SUFFIX_BITS[src]
    if m in mnemonics():
        return m, None, None
    if m[-1] in SUFFIX_BITS and m[:-1] in mnemonics():
        return m[:-1], SUFFIX_BITS[m[-1]], None
    return None, None, None


# Operands (AT&T order) a suffix does not size: a shift's %cl count and in's %dx port
# come first; out's %dx port and crc32's destination come last.
_UNSIZED_FIRST = SHIFTS | {"shld", "shrd", "in", "ins"}
_UNSIZED_LAST = {"out", "outs", "crc32"}


def _check_suffix(ts: TokenStream, tok, mnemonic: str, bits: int, operands: list) -> None:
    """GNU as refuses a general register whose width is not the suffix's (`movb $1,
    %eax`, `addw %eax, %ebx`); operands are in AT&T order here."""
    letter = tok.value[-1]
    for i, op in enumerate(operands):
        if not isinstance(op, Reg) or op.name in SEGMENT_REGS:
            continue
        if (i == 0 and mnemonic in _UNSIZED_FIRST) or \
                (i == len(operands) - 1 and mnemonic in _UNSIZED_LAST):
            continue
        width = register_bits(op.name)
        if width is not None and width != bits:
            at = next((t for t in ts.tokens if t.column == op.column), tok)
            ts.error(f"incorrect register `%{op.name}' used with `{letter}' suffix "
                     f"(`{letter}' is {bits}-bit; %{op.name} is {width}-bit)", at)


def _got_load(ts: TokenStream, tok, mnemonic: str, operands: list) -> list:
    """`mov x@GOT(%ebx), %eax` / `movq x@GOTPCREL(%rip), %rax` (Intel order here): the
    slot holds x's address, so a static link writes `mov $x, %reg` in the same six or
    seven bytes (the ModRM form of mov), as ld relaxes it."""
    if mnemonic != "mov" or len(operands) != 2 or not isinstance(operands[0], Reg) or \
            not isinstance(operands[1], Mem):
        ts.error("cpuemu resolves sym@GOT and sym@GOTPCREL only in a mov to a register "
                 "(what a static link rewrites)", tok)
    source = operands[1]
    return [operands[0], Imm(source.disp, source.column, modrm=True)]


def _sized(op: Operand, bits: int | None) -> Operand:
    if isinstance(op, Mem) and op.size is None and bits:
        return replace(op, size=bits)
    return op


def _strip_comments(text: str) -> str:
    return re.sub(r"/\*.*?\*/", lambda m: " " * len(m.group()), text)


def _split_statements(text: str) -> list[str]:
    """Split on `;` outside strings (gas allows several statements per line)."""
    parts, cur, quote = [], [], None
    for ch in text:
        if quote:
            cur.append(ch)
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
            cur.append(ch)
        elif ch == ";":
            parts.append("".join(cur))
            cur = []
        elif ch == "#":
            break
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


# ld's default script (`ld --verbose`): within an output section these input sections
# come first, in this order; the rest follow in the object's order.
_EARLY = (re.compile(r"\.text\.unlikely(\..*)?|\.text\..*_unlikely"),
          re.compile(r"\.text\.exit(\..*)?"), re.compile(r"\.text\.startup(\..*)?"),
          re.compile(r"\.text\.hot(\..*)?"), re.compile(r"\.text\.sorted\..*"),
          re.compile(r"\.data\.rel\.ro\.local.*"))


def _link_order(names: list[str]):
    """Sort key placing input sections as ld's default script does (COMMON after every
    .bss input)."""
    def key(name: str) -> tuple[int, str, int]:
        early = next((i for i, p in enumerate(_EARLY) if p.fullmatch(name)), len(_EARLY))
        sorted_name = name if early == 4 else ""          # SORT(.text.sorted.*)
        return (early + (1 if name == "COMMON" else 0), sorted_name, names.index(name))
    return key


def _constant(expr) -> int:
    """An alignment's value when the text gives it as a constant, else 1."""
    try:
        value = evaluate(expr, _no_symbol)
    except (Undefined, ExprError):
        return 1
    return value if value > 0 and not value & (value - 1) else 1


def _no_symbol(name: str, column: int) -> int:
    raise Undefined(name, column)
