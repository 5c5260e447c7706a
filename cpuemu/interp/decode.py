"""The iced-x86 adapter: one decoded instruction becomes a `Translation`, which hands the
semantics factories readers, writers and address closures for its operands.

Everything that can be decided at translation time is: which register slice, which
width, whether a segment base must be added, the constant part of an address. The
closures that come out touch only `cpu.r`, memory accessors and constants.
"""

from __future__ import annotations

from iced_x86 import Code, Instruction, MemorySizeExt, OpKind, Register

from ..cpu.registers import GPR32, MASK, REGS32, SEGMENTS
from .cpu import CpuFault

M32 = 0xFFFFFFFF


class Unsupported(Exception):
    """The factory cannot translate this form; becomes UnsupportedInstruction."""


def _register_table() -> dict[int, tuple[int, int, int]]:
    table = {}
    for name, s in REGS32.items():
        if s.full in GPR32:
            table[getattr(Register, name.upper())] = (GPR32.index(s.full), s.shift, s.bits)
    return table


CODE_NAMES = {value: name for name, value in vars(Code).items() if name.isupper()}


GPR = _register_table()                               # iced Register -> (index, shift, bits)
SEG = {getattr(Register, name.upper()): name for name in SEGMENTS}

IMMEDIATE_BITS = {OpKind.IMMEDIATE8: 8, OpKind.IMMEDIATE16: 16, OpKind.IMMEDIATE32: 32,
                  OpKind.IMMEDIATE8TO16: 16, OpKind.IMMEDIATE8TO32: 32,
                  OpKind.IMMEDIATE8_2ND: 8}
BRANCH_KINDS = (OpKind.NEAR_BRANCH32, OpKind.NEAR_BRANCH16)


def reg_reader(r: list, index: int, shift: int, bits: int):
    if bits == 32:
        return lambda: r[index]
    mask = MASK[bits]
    if shift:
        return lambda: r[index] >> shift & mask
    return lambda: r[index] & mask


def reg_writer(r: list, index: int, shift: int, bits: int):
    if bits == 32:
        def put32(value):
            r[index] = value
        return put32
    keep = M32 ^ (MASK[bits] << shift)

    def put(value):
        r[index] = r[index] & keep | value << shift
    return put


def refuse_code_write(value: int) -> None:
    raise CpuFault("general-protection", "write through CS: code segments are not writable")


class Translation:
    """One instruction being translated: its iced record, its addresses and accessors."""

    def __init__(self, engine, insn: Instruction, index: int = 0):
        self.engine = engine
        self.index = index                # position in its block
        self.cpu = engine.cpu
        self.mem = engine.cpu.mem
        self.insn = insn
        self.address = insn.ip32
        self.next_ip = insn.next_ip32
        self.ends_block = False

    # -- operand shape -----------------------------------------------------------------

    def kind(self, i: int) -> int:
        return self.insn.op_kind(i)

    def is_reg(self, i: int) -> bool:
        return self.insn.op_kind(i) == OpKind.REGISTER

    def is_mem(self, i: int) -> bool:
        return self.insn.op_kind(i) == OpKind.MEMORY

    def is_imm(self, i: int) -> bool:
        return self.insn.op_kind(i) in IMMEDIATE_BITS

    def bits(self, i: int) -> int:
        """Width of operand i in bits."""
        kind = self.insn.op_kind(i)
        if kind == OpKind.REGISTER:
            reg = self.insn.op_register(i)
            if reg in GPR:
                return GPR[reg][2]
            if reg in SEG:
                return 16
            raise Unsupported(f"register {reg}")
        if kind == OpKind.MEMORY:
            return MemorySizeExt.size(self.insn.memory_size) * 8
        if kind in IMMEDIATE_BITS:
            return IMMEDIATE_BITS[kind]
        raise Unsupported(f"operand kind {kind}")

    def gpr(self, i: int) -> tuple[int, int, int]:
        """(index, shift, bits) of a general register operand."""
        reg = self.insn.op_register(i)
        if reg not in GPR:
            raise Unsupported(f"register {reg}")
        return GPR[reg]

    def segment(self, i: int) -> str:
        reg = self.insn.op_register(i)
        if reg not in SEG:
            raise Unsupported(f"register {reg}")
        return SEG[reg]

    def imm(self, i: int, bits: int | None = None) -> int:
        """Immediate operand i, sign-extended as encoded, masked to `bits`."""
        return self.insn.immediate(i) & MASK[bits or self.bits(i)]

    def target(self, i: int = 0) -> int:
        kind = self.insn.op_kind(i)
        if kind == OpKind.NEAR_BRANCH32:
            return self.insn.near_branch32
        if kind == OpKind.NEAR_BRANCH16:
            return self.insn.near_branch16
        raise Unsupported(f"branch operand kind {kind}")

    # -- accessors ---------------------------------------------------------------------

    def reader(self, i: int, bits: int | None = None):
        """A zero-argument closure returning operand i (unsigned)."""
        kind = self.insn.op_kind(i)
        if kind == OpKind.REGISTER:
            reg = self.insn.op_register(i)
            if reg in SEG:
                seg, cpu = SEG[reg], self.cpu
                return lambda: cpu.seg[seg]
            return reg_reader(self.cpu.r, *self.gpr(i))
        if kind == OpKind.MEMORY:
            read = self.mem.reader((bits or self.bits(i)) // 8)
            simple = self._simple_address()
            if simple is not None:                     # [base + disp] or [disp]: fused
                b, disp, r = *simple, self.cpu.r
                if b is None:
                    return lambda: read(disp)
                return lambda: read((r[b] + disp) & M32)
            ea = self.address_of()
            return lambda: read(ea())
        if kind in IMMEDIATE_BITS:
            value = self.imm(i, bits)
            return lambda: value
        raise Unsupported(f"operand kind {kind}")

    def writer(self, i: int, bits: int | None = None):
        """A one-argument closure storing an unsigned value into operand i."""
        kind = self.insn.op_kind(i)
        if kind == OpKind.REGISTER:
            return reg_writer(self.cpu.r, *self.gpr(i))
        if kind == OpKind.MEMORY:
            if self.writes_code_segment():
                return refuse_code_write
            write = self.mem.writer((bits or self.bits(i)) // 8)
            simple = self._simple_address()
            if simple is not None:
                b, disp, r = *simple, self.cpu.r
                if b is None:
                    return lambda value: write(disp, value)
                return lambda value: write((r[b] + disp) & M32, value)
            ea = self.address_of()
            return lambda value: write(ea(), value)
        raise Unsupported(f"destination operand kind {kind}")

    def writes_code_segment(self) -> bool:
        """A CS override on a memory destination: code segments are never writable."""
        return SEG.get(self.insn.memory_segment) == "cs"

    def _simple_address(self) -> tuple[int | None, int] | None:
        """(base register index or None, displacement) when the address needs no index
        and no segment base; None otherwise."""
        insn = self.insn
        if insn.memory_index != Register.NONE or not self._flat_segment():
            return None
        base = insn.memory_base
        if base == Register.NONE:
            return None, insn.memory_displacement & M32
        if base not in GPR or GPR[base][2] != 32:
            return None                           # address_of() explains what is wrong
        return GPR[base][0], insn.memory_displacement & M32

    def _flat_segment(self) -> bool:
        return SEG.get(self.insn.memory_segment, "ds") not in ("fs", "gs") and self.cpu.flat

    def address_of(self, *, with_segment: bool = True):
        """A closure computing the memory operand's linear address."""
        insn, r, cpu = self.insn, self.cpu.r, self.cpu
        disp = insn.memory_displacement & M32
        base, index, scale = insn.memory_base, insn.memory_index, insn.memory_index_scale
        for reg in (base, index):
            if reg != Register.NONE and (reg not in GPR or GPR[reg][2] != 32):
                raise Unsupported("16-bit addressing")
        b = GPR[base][0] if base != Register.NONE else None
        x = GPR[index][0] if index != Register.NONE else None
        if b is None and x is None:
            ea = lambda: disp                                          # noqa: E731
        elif x is None:
            ea = (lambda: r[b]) if disp == 0 else (lambda: (r[b] + disp) & M32)
        elif b is None:
            ea = lambda: (r[x] * scale + disp) & M32                   # noqa: E731
        else:
            ea = lambda: (r[b] + r[x] * scale + disp) & M32            # noqa: E731
        segment = SEG.get(insn.memory_segment, "ds")
        if not with_segment or (segment not in ("fs", "gs") and cpu.flat):
            return ea
        base_of = cpu.base
        return lambda: (ea() + base_of(segment)) & M32
