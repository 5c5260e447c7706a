"""Lay out sections, resolve symbols, emit bytes: passes until every address settles.

Each pass walks the statements, placing each at the current location. A symbol not yet
placed in this pass takes its value from the previous pass, or a small guess the first
time, so branches start short and only grow; the loop ends when a pass reproduces the
previous pass's symbols exactly, and that pass's bytes are the program.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction

from ..cpu.memory import PAGE
from ..errors import AssemblyError, AssemblyErrors
from ..limits import MAX_OUTPUT, MAX_REPEAT, MAX_RESERVE
from ..program import Program, Section, SourceLine, Symbol
from .encode import GPR64, SIZE_UNSAID, COp, EncodeError, encode
from .expr import ExprError, Undefined, evaluate
from .floats import FORMATS as FLOAT_FORMATS
from .floats import encode as encode_float
from .model import (
    Align,
    Const,
    Data,
    DataItem,
    Dup,
    Expr,
    FloatItem,
    Imm,
    Insn,
    Label,
    Mem,
    Pos,
    Reg,
    SectionSwitch,
    Space,
    Times,
    Uninit,
    Unit,
)
from .names import register_bits
from .nops import padding

TEXT_BASE = 0x08048000          # where Linux i386 executables start
TEXT_BASE64 = 0x400000          # and static x86-64 ones
SECTION_ORDER = (".text", ".rodata", ".data.rel.ro", ".got.plt", ".data", ".bss")  # as ld's
PERMS = {".text": "r-x", ".rodata": "r--", ".data.rel.ro": "rw-", ".got.plt": "rw-",
         ".data": "rw-", ".bss": "rw-"}
MAX_PASSES = 40
DWORD_OF = {r: ("e" + r[1:] if r[1] in "abcds" else r + "d") for r in GPR64}
SIZE_HINTS = {     # how each dialect says the size of a memory operand
    "nasm": ": say byte, word, dword or qword (e.g. `inc dword [x]`)",
    "guide": ": say BYTE PTR, WORD PTR or DWORD PTR (e.g. `inc DWORD PTR [x]`)",
    "gas": ": give the mnemonic a size suffix b, w, l or q (e.g. `incl (%ebx)`)",
}
MAIN_NAMES = ("main", "_main")


def align_up(value: int, boundary: int) -> int:
    return -(-value // boundary) * boundary


@dataclass
class PassResult:
    symbols: dict[str, int] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    source_map: dict[int, SourceLine] = field(default_factory=dict)
    guessed: bool = False
    errors: list = field(default_factory=list)      # every statement's AssemblyError
    imports: dict[str, int] = field(default_factory=dict)   # C library functions used


class Layout:
    def __init__(self, unit: Unit, bits: int = 32):
        self.unit, self.bits = unit, bits
        self.by_section: dict[str, list] = {name: [] for name in SECTION_ORDER}
        self.origins: dict[str, SectionSwitch] = {}      # absolute "sections": no memory
        current = ".text"
        for stmt in unit.statements:
            if isinstance(stmt, SectionSwitch):
                current = stmt.name
                self.by_section.setdefault(current, [])
                if stmt.origin is not None:
                    self.origins[current] = stmt
            else:
                self.by_section[current].append(stmt)
        self.absolute = {s.name for name in self.origins for s in self.by_section[name]
                         if isinstance(s, Label)}
        self.labels = {s.name: s for s in unit.statements if isinstance(s, Label)}
        self.consts = {s.name: s for s in unit.statements if isinstance(s, Const)}
        for name, const in self.consts.items():
            if name in self.labels:
                raise _error(const.pos, f"{name!r} is both a label and a constant", 1)

    def imported(self, name: str, pos: Pos | None, column: int) -> int:
        """An undefined name the C library has (libc/): `extern` in nasm, any undefined
        name in GNU as (which has no extern); else the undefined-symbol error."""
        from ..libc import FUNCTIONS, address_of
        unit = self.unit
        declared = name in unit.externs
        address = address_of(name, self.bits)
        if address is None or not (declared or unit.dialect == "gas"):
            if declared:
                raise _error(unit.externs[name], f"extern {name}: cpuemu's C library has no "
                             f"{name} (it has {', '.join(FUNCTIONS)})", 1)
            raise _error(pos, f"undefined symbol {name!r}", column)
        return address

    def run(self) -> Program:
        previous: dict[str, int] = {}
        for _ in range(MAX_PASSES):
            result = self.one_pass(previous)
            if result.errors:
                raise self.all_errors(result.errors)
            if not result.guessed and result.symbols == previous:
                return self.program(result)
            previous = result.symbols
        raise AssemblyError("addresses do not settle (a layout that oscillates)",
                            file=self.unit.filename)

    # -- one pass --------------------------------------------------------------------

    def one_pass(self, previous: dict[str, int]) -> PassResult:
        result = PassResult()
        address = TEXT_BASE64 if self.bits == 64 else TEXT_BASE
        for name in self.origins:                # offsets first: code and data use them
            self.offsets(name, self.by_section[name], result, previous)
        for name, stmts in self.by_section.items():
            if name in self.origins:
                continue
            if not stmts and name != ".text":
                continue
            base = address if name == ".text" else align_up(address, PAGE)
            emitter = _Emitter(self, result, previous, name, base)
            for stmt in stmts:
                try:
                    emitter.statement(stmt)
                except AssemblyError as e:          # keep going: report them all at once
                    result.errors.append(e)
                    if len(result.errors) > AssemblyErrors.MAX_ERRORS:
                        raise self.all_errors(result.errors) from None
            data = bytes(emitter.out)
            if name == ".bss":
                if any(data):
                    raise AssemblyError(".bss holds initialised data; use .data",
                                        file=self.unit.filename)
                section = Section(name, base, b"", PERMS[name], emitter.size)
            else:
                section = Section(name, base, data, PERMS.get(name, "rw-"))
            result.sections.append(section)
            address = base + emitter.size
        return result

    def all_errors(self, errors: list[AssemblyError]) -> AssemblyError:
        """The pass's errors in line order (the main file's first), as one error."""
        errors = sorted(errors, key=lambda e: (e.file != self.unit.filename, e.file, e.line))
        limit = AssemblyErrors.MAX_ERRORS
        return errors[0] if len(errors) == 1 else \
            AssemblyErrors(errors[:limit], len(errors) > limit)

    def offsets(self, name: str, stmts: list, result: PassResult,
                previous: dict[str, int]) -> None:
        """An `absolute` block: labels count from its origin over reservations; it
        holds no bytes and takes no memory (struc layouts are made of these)."""
        switch = self.origins[name]
        emitter = _Emitter(self, result, previous, name, 0)
        emitter.pos = switch.pos
        emitter.base = emitter.eval(switch.origin)
        emitter.virtual = True
        for stmt in stmts:
            if isinstance(stmt, (Data, Insn)) or (isinstance(stmt, Times)
                                                  and not isinstance(stmt.stmt, Space)):
                raise _error(stmt.pos, "only reservations (resb, resd...) and labels may "
                             "follow `absolute` or `struc`: they name offsets, not memory",
                             stmt.pos.column)
            emitter.statement(stmt)

    def program(self, result: PassResult) -> Program:
        symbols: dict[str, Symbol] = {}
        placed = sorted((v, n) for n, v in result.symbols.items()
                        if n in self.labels and n not in self.absolute)
        for i, (value, name) in enumerate(placed):
            section = next((s for s in result.sections if s.address <= value <= s.end), None)
            end = section.end if section else value
            nxt = min(placed[i + 1][0], end) if i + 1 < len(placed) else end
            symbols[name] = Symbol(name, value, max(nxt - value, 0), self.labels[name].kind,
                                   section.name if section else "",
                                   exported=name in self.unit.globals)
        for name in [*self.consts, *self.absolute]:
            symbols[name] = Symbol(name, result.symbols[name], 0, "abs")
        entry, kind = self.entry(result, symbols)
        sections = [s for s in result.sections if s.size or s.name == ".text"]
        return Program(sections, symbols, entry, kind, result.source_map, self.bits,
                       self.unit.filename, warnings=list(self.unit.warnings),
                       imports=dict(result.imports))

    def entry(self, result: PassResult, symbols: dict[str, Symbol]) -> tuple[int, str]:
        unit = self.unit
        if unit.entry:
            if unit.entry not in symbols:
                raise _error(unit.entry_pos, f"entry point {unit.entry!r} is not defined",
                             unit.entry_pos.column if unit.entry_pos else 1)
            sym = symbols[unit.entry]
            kind = "main" if unit.entry in MAIN_NAMES or sym.type == "func" else "start"
            return sym.address, kind
        if "_start" in symbols:
            return symbols["_start"].address, "start"
        for name in MAIN_NAMES:
            if name in symbols:
                return symbols[name].address, "main"
        return result.sections[0].address, "start"


class _Emitter:
    """Places and encodes the statements of one section during one pass."""

    def __init__(self, layout: Layout, result: PassResult, previous: dict[str, int],
                 section: str, base: int):
        self.layout, self.result, self.previous = layout, result, previous
        self.section, self.base = section, base
        self.out = bytearray()
        self.reserved = 0                   # .bss: zero bytes laid out, never stored
        self.virtual = section == ".bss"    # only sizes count here (.bss, absolute)
        self.pos: Pos | None = None

    @property
    def loc(self) -> int:
        return self.base + len(self.out) + self.reserved

    @property
    def size(self) -> int:
        return len(self.out) + self.reserved

    def room(self, more: int, what: str) -> None:
        """AssemblyError unless the section can grow by `more` bytes: cpuemu's limits
        on assembled bytes (MAX_OUTPUT) and on reserved .bss (MAX_RESERVE)."""
        limit = MAX_RESERVE if self.virtual else MAX_OUTPUT
        if self.size + more > limit:
            kind = "reserved" if self.virtual else "assembled"
            raise _error(self.pos, f"{what} would make {self.section} {self.size + more:,} "
                         f"bytes, past cpuemu's limit of {limit >> 20} MiB of {kind} bytes", 1)

    def fill(self, count: int, byte: int, what: str) -> None:
        """`count` copies of `byte` (zeros in .bss take no memory)."""
        self.room(count, what)
        if self.virtual and byte == 0:
            self.reserved += count
        else:
            self.out += bytes([byte]) * count

    def lookup(self, name: str, column: int) -> int:
        symbols = self.result.symbols
        if name in symbols:
            return symbols[name]
        layout = self.layout
        if name not in layout.labels and name not in layout.consts:
            address = layout.imported(name, self.pos, column)
            self.result.imports[name] = address
            return address
        if name in self.previous:
            return self.previous[name]
        self.result.guessed = True
        return self.loc if name in layout.labels else 0

    def eval(self, expr: Expr, column: int = 0) -> int:
        try:
            return evaluate(expr, self.lookup, self.loc, self.base)
        except ExprError as e:
            raise _error(self.pos, str(e), column) from None
        except Undefined as e:
            raise _error(self.pos, f"undefined symbol {e.name!r}", e.column) from None

    def statement(self, stmt) -> None:
        self.pos = getattr(stmt, "pos", None)
        match stmt:
            case Label(name=name):
                self.result.symbols[name] = self.loc
            case Const(name=name, expr=expr):
                self.result.symbols[name] = self.eval(expr)
            case Data():
                self.data(stmt)
            case Space(count=count, fill=fill):
                n = self.eval(count)
                if n < 0:
                    raise _error(self.pos, f"negative size {n}", 1)
                self.fill(n, fill & 0xFF, "this reservation")
            case Align():
                self.align(stmt)
            case Times(count=count, stmt=inner):
                n = self.eval(count)
                if n < 0:
                    raise _error(self.pos, f"times count is negative ({n})", 1)
                if n > MAX_REPEAT:
                    raise _error(self.pos, f"times count {n:,} is past cpuemu's limit of "
                                 f"{MAX_REPEAT:,} repetitions", 1)
                for _ in range(n):
                    self.statement(inner)
                    self.pos = stmt.pos
                    self.room(0, "this times")
            case Insn():
                self.insn(stmt)
            case _:
                raise TypeError(stmt)

    def align(self, stmt: Align) -> None:
        n = self.eval(stmt.boundary)
        if n <= 0 or n & (n - 1):
            raise _error(self.pos, f"alignment must be a power of two, not {n}", 1)
        pad = align_up(self.loc, n) - self.loc
        if stmt.max_skip is not None and pad > self.eval(stmt.max_skip):
            return                                   # gas: too far, so not at all
        if stmt.fill is None and self.section == ".text":
            self.room(pad, f"aligning to {n}")
            self.out += padding(stmt.padding, pad, self.layout.bits)
            return
        self.fill(pad, (stmt.fill or 0) & 0xFF, f"aligning to {n}")

    def nasm_wide_move(self, insn: Insn, ops: list[COp]) -> Insn:
        """`mov r64, imm` as nasm encodes it: an address (a value that moves with the
        code) or `strict qword` takes the 10-byte movabs; a constant 0..0xffffffff the
        5-byte `mov r32, imm32` (which zero-extends); others keystone's sign-extended form."""
        if insn.mnemonic != "mov" or len(ops) != 2 or ops[0].kind != "reg" or \
                ops[1].kind != "imm" or register_bits(ops[0].reg) != 64:
            return insn
        imm = insn.operands[1]
        if (imm.strict and imm.size in (None, 64)) or self.relocatable(imm.expr):
            return replace(insn, mnemonic="movabs")
        if imm.size != 32 and 0 <= ops[1].value <= 0xFFFFFFFF:
            ops[0] = replace(ops[0], reg=DWORD_OF[ops[0].reg])
        return insn

    def relocatable(self, expr: Expr) -> bool:
        """Whether the value moves with the program (names a label, not a difference of
        two): what nasm emits a relocation for."""
        shift = 0x10000

        def moved(name: str, column: int) -> int:
            value = self.lookup(name, column)
            layout = self.layout
            return value + shift if name in layout.labels and name not in layout.absolute \
                else value
        try:
            return evaluate(expr, moved, self.loc + shift, self.base + shift) != \
                evaluate(expr, self.lookup, self.loc, self.base)
        except (ExprError, Undefined):
            return False

    def data(self, stmt: Data) -> None:
        for item in stmt.items:
            self.item(item, stmt.unit, stmt.real)

    def item(self, item: DataItem, unit: int, real: bool = False) -> None:
        match item:
            case bytes():
                self.out += item
            case FloatItem(value=value, negative=negative, column=column):
                if unit not in FLOAT_FORMATS:
                    raise _error(self.pos, f"no {unit * 8}-bit floating-point format: put "
                                 "floating-point constants in dw, dd, dq or dt", column)
                self.out += encode_float(value, negative, unit)
            case Uninit():
                self.fill(unit, 0, "this reservation")
            case Dup(count=count, items=items):
                n = self.eval(count)
                if n < 0:
                    raise _error(self.pos, f"DUP count is negative ({n})", 1)
                start, reserved = len(self.out), self.reserved
                for it in items:
                    self.item(it, unit, real)
                chunk = bytes(self.out[start:])
                size = len(chunk) + self.reserved - reserved
                self.room(size * (n - 1), "this DUP")
                if self.virtual and not any(chunk):              # sizes only
                    del self.out[start:]
                    self.reserved = reserved + size * n
                elif n == 0:
                    del self.out[start:]
                else:                        # (reserved only changes in .bss)
                    self.out += chunk * (n - 1)
            case _ if real:                       # REAL4 3 is the floating-point 3.0
                value = self.eval(item)
                self.out += encode_float(Fraction(abs(value)), value < 0, unit)
            case _:
                if unit == 10:
                    raise _error(self.pos, "integer supplied as 80-bit data: write a "
                                 "floating-point constant (3.0)", 1)
                value = self.eval(item)
                bits = unit * 8
                if not -(1 << (bits - 1)) <= value < (1 << bits):
                    raise _error(self.pos, f"value {value} does not fit in {bits} bits", 1)
                self.out += (value & ((1 << bits) - 1)).to_bytes(unit, "little")

    def operand(self, op) -> COp:
        match op:
            case Reg(name=name):
                return COp("reg", reg=name)
            case Imm(expr=expr, column=column, size=size, strict=strict, modrm=modrm):
                return COp("imm", value=self.eval(expr, column), size=size, strict=strict,
                           modrm=modrm)
            case Mem():
                disp = self.eval(op.disp, op.column) if op.disp is not None else 0
                return COp("mem", size=op.size, seg=op.seg, base=op.base, index=op.index,
                           scale=op.scale, disp=disp,
                           rip_literal=op.base == "rip" and not op.rip_target,
                           disp_size=op.disp_size)
        raise TypeError(op)

    def insn(self, insn: Insn) -> None:
        ops = [self.operand(op) for op in insn.operands]
        if self.layout.bits == 64 and self.layout.unit.dialect == "nasm":
            insn = self.nasm_wide_move(insn, ops)
        try:
            code, _ = encode(insn.mnemonic, ops, insn.prefixes, self.loc, self.layout.bits,
                             [written(insn.pos.text, op.column) for op in insn.operands])
        except EncodeError as e:
            column = insn.operands[e.operand].column if e.operand is not None \
                else insn.pos.column
            message = str(e)
            if message == SIZE_UNSAID:
                message += SIZE_HINTS.get(self.layout.unit.dialect, SIZE_HINTS["nasm"])
            raise _error(insn.pos, message, column) from None
        p = insn.pos
        self.result.source_map[self.loc] = SourceLine(p.file, p.line, p.column, p.text)
        self.out += code


def written(text: str, column: int) -> str:
    """The operand that starts at `column` of a line, as the user wrote it: up to the
    next comma outside brackets, quotes and parentheses, or a comment."""
    depth, quote, out = 0, None, []
    for ch in text[max(column - 1, 0):]:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'`":
            quote = ch
        elif ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif (ch == "," and depth <= 0) or ch in ";#":
            break
        out.append(ch)
    return "".join(out).strip()


def _error(pos: Pos | None, message: str, column: int) -> AssemblyError:
    if pos is None:
        return AssemblyError(message)
    return AssemblyError(message, file=pos.file, line=pos.line, column=column or pos.column,
                         text=pos.text)
