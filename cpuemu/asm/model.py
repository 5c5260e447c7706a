"""The one instruction model every dialect parses into.

Expressions are small trees evaluated at layout time (symbols are not known while
parsing). Operand sizes are in bits. Statements carry their source position so every
later error can point at file, line and column.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Pos:
    file: str
    line: int
    column: int
    text: str

    def at(self, column: int) -> Pos:
        return Pos(self.file, self.line, column, self.text)


# -- expressions ---------------------------------------------------------------------

@dataclass(frozen=True)
class Num:
    value: int


@dataclass(frozen=True)
class Sym:
    name: str
    column: int = 0


@dataclass(frozen=True)
class Here:
    """`$` (current location) or, with section_start, `$$`."""

    section_start: bool = False


@dataclass(frozen=True)
class Unary:
    op: str
    arg: Expr


@dataclass(frozen=True)
class Binary:
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class RegRef:
    """A register inside an address expression, before it is split into base/index."""

    name: str
    column: int = 0


Expr = Num | Sym | Here | Unary | Binary | RegRef


# -- operands ------------------------------------------------------------------------

@dataclass(frozen=True)
class Reg:
    name: str
    column: int = 0


@dataclass(frozen=True)
class Imm:
    expr: Expr
    column: int = 0
    offset: bool = False        # written `OFFSET sym`: an address, never a memory access
    size: int | None = None     # nasm `push dword 5`: the operand size the text gave
    strict: bool = False        # nasm `push strict dword 5`: that size, not a shorter one
    modrm: bool = False         # mov reg, imm32 in the C7 /0 form (a relaxed GOT load)


@dataclass(frozen=True)
class Mem:
    """A memory operand. `base` "rip" is RIP-relative: `disp` is then the target address
    with `rip_target` (nasm `[rel sym]`, gas `sym(%rip)`), else the displacement from
    the next instruction as written (`[rip + 16]`, `16(%rip)`)."""

    size: int | None            # bits, None when the text gave none
    seg: str | None = None
    base: str | None = None
    index: str | None = None
    scale: int = 1
    disp: Expr | None = None
    column: int = 0
    rip_target: bool = False
    disp_size: int | None = None    # nasm `[byte esi]`, `[dword esi+4]`: bits to encode


Operand = Reg | Imm | Mem


# -- statements ----------------------------------------------------------------------

@dataclass
class Insn:
    mnemonic: str
    operands: list[Operand]
    pos: Pos
    prefixes: tuple[str, ...] = ()


@dataclass
class Dup:
    count: Expr
    items: list[DataItem]


@dataclass(frozen=True)
class Uninit:
    """`?`: a unit of storage with no initial value (zero)."""


@dataclass(frozen=True)
class FloatItem:
    """A floating-point constant in data: an exact value, or "inf", "qnan", "snan"."""

    value: object               # fractions.Fraction or one of the special names
    negative: bool = False
    column: int = 0


DataItem = Expr | bytes | Dup | Uninit | FloatItem


@dataclass
class Data:
    unit: int                   # bytes per item: 1, 2, 4, 8 (10: dt, REAL10)
    items: list[DataItem]
    pos: Pos
    real: bool = False          # REAL4/8/10: integers are floating-point values too


@dataclass
class Space:
    """Reserved bytes (resb, .zero, .comm): `count` bytes of `fill`."""

    count: Expr
    pos: Pos
    fill: int = 0


@dataclass
class Align:
    boundary: Expr
    pos: Pos
    fill: int | None = None     # None: no-ops in code, zero elsewhere
    max_skip: Expr | None = None    # gas: no padding at all when more would be needed
    padding: str = "nop"        # code padding (nops.py): "nop" 0x90s, "gas" or "ld"


@dataclass
class Label:
    name: str
    pos: Pos
    kind: str = "label"         # "label", "func", "object"
    unit: int | None = None     # bits of a typed data label (guide: `var DD 1`)


@dataclass
class Const:
    name: str
    expr: Expr
    pos: Pos


@dataclass
class SectionSwitch:
    name: str
    pos: Pos
    origin: Expr | None = None  # nasm `absolute X`: a map of offsets from X, not memory


@dataclass
class Times:
    count: Expr
    stmt: Insn | Data
    pos: Pos


Statement = Insn | Data | Space | Align | Label | Const | SectionSwitch | Times


@dataclass
class Unit:
    """A parsed source file: statements in order plus what the directives declared."""

    statements: list[Statement]
    dialect: str
    filename: str
    entry: str | None = None
    entry_pos: Pos | None = None
    globals: set[str] = field(default_factory=set)
    bits: int | None = None     # what the source said (`bits 64`, `.code64`), if anything
    bits_pos: Pos | None = None
    inferred_bits: int | None = None    # what it implies (AT&T naming 64-bit registers)
    warnings: list = field(default_factory=list)    # AssemblyWarning, in line order
    externs: dict = field(default_factory=dict)     # nasm `extern` names -> Pos
