"""Instruction semantics written once, as Python source.

A semantics factory may return a `Source` rather than a closure: the lines of Python
that execute the instruction. The block compiler (`blockgen.py`) inlines them into one
function per block, and the same text compiled alone is the instruction's closure for
single-stepping, so there is never a second hand-written copy of a semantic.

The lines speak a small vocabulary the compiler rewrites:

- `R[i]`: general register i (its full width). Inside a block it becomes a local.
- `$name`: a name private to this instruction: a temporary, or an object the factory
  bound with `bind` (a memory accessor, a flag rule).
- `COND[i]`: the truth of condition i (the low nibble of jcc), `CARRY`: CF as 0 or 1,
  `KEEPCF`: what inc/dec keep of the previous flags. The compiler answers these from
  the flag state it knows at that point (often `$a < $b` straight off a cmp).

A Source that defines the status flags calls `set_flags(rule, a, b, res, extra)`
instead of writing `cpu.lazy`: the compiler builds the lazy state only where something
may read it (a closure, a block exit, a fault). One that must see or replace the whole
EFLAGS (pushf, popf) sets `cpu_flags`, and the compiler stores the flags before it.
Writes must follow the CPU's fault order as the closures do: memory first, registers
last, so a fault leaves the state as it was.
"""

from __future__ import annotations

from iced_x86 import OpKind, Register

from ..cpu.registers import MASK
from .decode import IMMEDIATE_BITS, POINTER_REGISTERS, SEG, Unsupported, refuse_code_write


class Source:
    """One instruction's semantics as lines of Python (see the module docstring)."""

    __slots__ = ("t", "lines", "env", "flags", "next", "cond", "target", "raises",
                 "writes", "cpu_flags", "_ea")

    def __init__(self, t):
        self.t = t
        self.lines: list[str] = []
        self.env: dict[str, object] = {}
        self.flags: tuple | None = None      # (rule, a, b, res, extra) expressions
        self.next: str | None = None         # a branch: the next RIP as an expression
        self.cond: int | None = None         # jcc: condition index, with `target`
        self.target: int | None = None
        self.raises = False                  # may fault (memory, division...)
        self.writes = False                  # writes guest memory (code may change)
        self.cpu_flags = False               # reads or writes cpu.lazy itself (pushf, popf)
        self._ea: str | None = None          # the address, once kept

    def __call__(self, *lines: str) -> Source:
        self.lines.extend(lines)
        return self

    def bind(self, name: str, value) -> str:
        """Make `value` available to the lines as `$name`."""
        self.env[name] = value
        return "$" + name

    def set_flags(self, rule, a: str, b: str, res: str, extra: str = "None") -> None:
        self.flags = (rule, a, b, res, extra)

    def branch(self, next_ip: str) -> Source:
        self.next = next_ip
        return self

    def jump_if(self, cond: int, target: int, fall: int) -> Source:
        self.cond, self.target = cond, target
        self.next = f"({target} if COND[{cond}] else {fall})"
        return self

    # -- operands ----------------------------------------------------------------------

    def read(self, i: int, bits: int | None = None) -> str:
        """An expression for operand i, unsigned (a memory operand is read here)."""
        t = self.t
        kind = t.kind(i)
        if kind == OpKind.REGISTER:
            reg = t.insn.op_register(i)
            if reg in SEG:
                return f'{self.bind("cpu", t.cpu)}.seg["{SEG[reg]}"]'
            return register_read(*t.gpr(i), t.width)
        if kind == OpKind.MEMORY:
            size = (bits or t.bits(i)) // 8
            self.raises = True
            return f"{self.bind(f'rd{size}', t.mem.reader(size))}({self.address()})"
        if kind in IMMEDIATE_BITS:
            return str(t.imm(i, bits))
        raise Unsupported(f"operand kind {kind}")

    def write(self, i: int, value: str, bits: int | None = None) -> Source:
        """Store `value` (an expression, unsigned, in range) into operand i."""
        t = self.t
        kind = t.kind(i)
        if kind == OpKind.REGISTER:
            return self(register_write(*t.gpr(i), t.width, value))
        if kind == OpKind.MEMORY:
            self.raises = self.writes = True
            if t.writes_code_segment():
                return self(f"{self.bind('refuse', refuse_code_write)}({value})")
            size = (bits or t.bits(i)) // 8
            return self(f"{self.bind(f'wr{size}', t.mem.writer(size))}"
                        f"({self.address()}, {value})")
        raise Unsupported(f"destination operand kind {kind}")

    def address(self, *, with_segment: bool = True) -> str:
        """The memory operand's linear address (`$ea` once `keep_address` named it)."""
        if with_segment and self._ea is not None:
            return self._ea
        return address_expression(self, with_segment)

    def keep_address(self) -> None:
        """A read-modify-write operand: compute its address once, as `$ea`."""
        text = address_expression(self, True)
        if text.isdigit() or text.startswith("R[") and text.endswith("]"):
            self._ea = text
        else:
            self(f"$ea = {text}")
            self._ea = "$ea"


def register_read(index: int, shift: int, bits: int, full: int) -> str:
    if bits == full:
        return f"R[{index}]"
    if shift:
        return f"(R[{index}] >> {shift} & {MASK[bits]:#x})"
    return f"(R[{index}] & {MASK[bits]:#x})"


def register_write(index: int, shift: int, bits: int, full: int, value: str) -> str:
    """A 32-bit write replaces the whole register (it zero-extends in 64-bit mode)."""
    if bits == full or bits == 32:
        return f"R[{index}] = {value}"
    keep = ~(MASK[bits] << shift) & MASK[full]
    value = value if value.isidentifier() or value.isdigit() else f"({value})"
    return f"R[{index}] = R[{index}] & {keep:#x} | {value}" + (f" << {shift}" if shift else "")


def address_expression(s: Source, with_segment: bool) -> str:
    """Base + index * scale + displacement, wrapped to the address size, plus FS/GS (or
    any non-flat segment) base. RIP-relative displacements are absolute already."""
    t = s.t
    insn = t.insn
    mask = MASK[t.address_bits()]
    disp = insn.memory_displacement & mask
    base, index, scale = insn.memory_base, insn.memory_index, insn.memory_index_scale
    terms = []
    if base not in (Register.NONE, *POINTER_REGISTERS):
        terms.append(f"R[{t.gprs[base][0]}]")
    if index != Register.NONE:
        x = t.gprs[index][0]
        terms.append(f"R[{x}] * {scale}" if scale != 1 else f"R[{x}]")
    if not terms:
        text = str(disp)
    elif len(terms) == 1 and disp == 0 and mask == t.amask and "*" not in terms[0]:
        text = terms[0]
    else:
        if disp:
            terms.append(str(disp))
        text = f"({' + '.join(terms)}) & {mask:#x}"
    segment = SEG.get(insn.memory_segment, "ds")
    if not with_segment or (segment not in ("fs", "gs") and t.cpu.flat):
        return text
    return f"({text} + {s.bind('base', t.cpu.base)}('{segment}')) & {t.amask:#x}"
