"""The `gas` dialect: AT&T syntax as `gcc -S` writes it (32- and 64-bit), plus
hand-written .s files.

Operands come source-first and are reversed into the Intel model; size suffixes
(`movl`, `addq`) size memory operands; `movzbl`-style names become movzx/movsx and
`movslq` movsxd; numeric local labels (`1:` with `1b`/`1f`) are renamed to unique ones
while parsing. A file that names a 64-bit register (or says `.code64`) is 64-bit code.
`sym(%rip)` is RIP-relative to sym; with nothing to link against, `call f@PLT` is
`call f` and `movq x@GOTPCREL(%rip), %reg` loads x's address as `leaq x(%rip), %reg`
does (the relaxation a static link makes).
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial

from .data import parse_items
from .expr import parse_expr, symbols_in
from .gas_macros import GasMacros
from .intel import IntelParser, unknown_mnemonic
from .lexer import TokenStream, tokenize, x87_registers
from .model import (
    Align,
    Binary,
    Const,
    Data,
    Imm,
    Insn,
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
RELOCATIONS = ("@PLT", "@GOTPCREL")
# The AT&T x87 quirk GNU as keeps (and gcc relies on): with a destination other than
# %st(0), fsub means Intel's fsubr and so on, the popping forms included.
AT_T_X87_SWAP = {"fsub": "fsubr", "fsubr": "fsub", "fdiv": "fdivr", "fdivr": "fdiv",
                 "fsubp": "fsubrp", "fsubrp": "fsubp", "fdivp": "fdivrp", "fdivrp": "fdivp"}
X87_DEEP = {f"st{i}" for i in range(1, 8)}
FLOAT_UNITS = {".float": 4, ".single": 4, ".double": 8, ".tfloat": 10}
DATA_UNITS = {".byte": 1, ".word": 2, ".short": 2, ".value": 2, ".hword": 2, ".long": 4,
              ".int": 4, ".quad": 8}
IGNORED = {".file", ".ident", ".loc", ".type", ".size", ".local", ".hidden", ".weak",
           ".protected", ".internal", ".addrsig", ".addrsig_sym", ".sleb128",
           ".uleb128", ".version", ".previous", ".popsection"}
_BRANCHES = {"jmp", "call", "loop", "loope", "loopne", "loopz", "loopnz", "jecxz", "jcxz"}


def _section_for(name: str) -> str | None:
    """Where a gas section's contents go; None for sections that are never loaded."""
    for prefix in (".text", ".rodata", ".data", ".bss"):
        if name == prefix or name.startswith(prefix + "."):
            return prefix
    if name.startswith(".data.rel"):
        return ".data"
    return None


class GasParser(IntelParser):
    dialect = "gas"

    def __init__(self, source: str, filename: str, **options):
        super().__init__(source, filename, **options)
        self.discarding = False
        self.current = ".text"
        self.numeric: dict[str, int] = {}
        self.names_64 = False                   # a 64-bit register was named
        self.got_load = False                   # this statement reads `sym@GOTPCREL`

    def tokenize(self, text: str, pos: Pos):
        return x87_registers(tokenize(_strip_comments(text), pos, suffixes=False, escapes='"',
                                      octal_zero=True, comment="#"), "%")

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
        `f@PLT` and `x@GOTPCREL` name f and x."""
        self.got_load = False
        for k in range(ts.i, len(ts.tokens)):
            t = ts.tokens[k]
            if t.kind == "id" and str(t.value).endswith(RELOCATIONS):
                name, _, kind = str(t.value).rpartition("@")
                self.got_load |= kind == "GOTPCREL"
                ts.tokens[k] = t = replace(t, value=name)
            if t.kind == "id" and t.value == "." and k > ts.i:
                ts.tokens[k] = replace(t, kind="op", value="$")
            elif t.kind == "id" and re.fullmatch(r"\d+[bf]", t.value):
                n, way = t.value[:-1], t.value[-1]
                count = self.numeric.get(n, 0) + (1 if way == "f" else 0)
                ts.tokens[k] = replace(t, value=f".L{n}${count}")

    # -- directives --------------------------------------------------------------------

    def directive(self, ts: TokenStream, pos: Pos, word: str) -> None:
        start = ts.next()
        if word in (".text", ".data", ".bss"):
            self.switch(word, pos)
        elif word in (".code32", ".code64"):
            self.set_bits(int(word[5:]), pos, start.column)
        elif word in (".section", ".pushsection"):
            name = ts.next()
            target = _section_for(str(name.value))
            self.switch(target, pos)
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
        elif word in (".align", ".balign", ".p2align"):
            boundary = parse_expr(ts, is_register)
            if word == ".p2align":
                boundary = Binary("<<", Num(1), boundary)
            while not ts.at_end():
                ts.next()                       # fill and max-skip arguments
            self.emit(Align(boundary, pos))
            return
        elif word in (".comm", ".lcomm"):
            name = ts.next()
            ts.expect_op(",")
            size = parse_expr(ts, is_register)
            align = Num(4)
            if ts.accept_op(","):
                align = parse_expr(ts, is_register)
            saved = self.current
            self.switch(".bss", pos)
            self.emit(Align(align, pos))
            self.define(str(name.value), pos.at(name.column), "object")
            self.emit(Space(size, pos))
            self.switch(saved, pos)
        elif word in (".set", ".equ", ".equiv"):
            name = ts.next()
            ts.expect_op(",")
            self.emit(Const(str(name.value), parse_expr(ts, is_register), pos))
        else:
            ts.error(f"unsupported directive {word!r}", start)
        ts.expect_end()

    def switch(self, section: str | None, pos: Pos) -> None:
        self.discarding = section is None
        if section:
            self.current = section
            self.statements.append(SectionSwitch(section, pos))

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
        if self.got_load and mnemonic == "mov":     # the address the GOT slot would hold
            mnemonic = "lea"
            operands = [replace(op, size=None) if isinstance(op, Mem) else op
                        for op in operands]
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


def _intel_mnemonic(m: str) -> tuple[str | None, int | None, int | None]:
    """AT&T mnemonic -> (Intel mnemonic, operand bits from the suffix, source bits)."""
    if m in RENAMED:
        return RENAMED[m], None, None
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
