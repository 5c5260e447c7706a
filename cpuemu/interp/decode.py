"""The iced-x86 adapter: one decoded instruction becomes a `Translation`, which hands the
semantics factories readers, writers and address closures for its operands.

Everything that can be decided at translation time is: which register slice, which
width, whether a segment base must be added, the constant part of an address. The
closures that come out touch only `cpu.r`, memory accessors and constants.
"""

from __future__ import annotations

from iced_x86 import Code, Instruction, MemorySizeExt, Mnemonic, OpKind, Register

from ..cpu.instruction import iced_register
from ..cpu.registers import MASK, REGS, SEGMENTS, gprs
from .cpu import CpuFault


class Unsupported(Exception):
    """The factory cannot translate this form; becomes UnsupportedInstruction."""


def _register_table(bits: int) -> dict[int, tuple[int, int, int]]:
    full = gprs(bits)
    return {iced_register(name): (full.index(s.full), s.shift, s.bits)
            for name, s in REGS[bits].items() if s.full in full}


CODE_NAMES = {value: name for name, value in vars(Code).items() if name.isupper()}
MNEMONIC_NAMES = {value: name.lower() for name, value in vars(Mnemonic).items()
                  if name.isupper()}

# iced Register -> (index, shift, bits), per mode: 64-bit mode adds r8..r15 and the
# REX byte registers (spl bpl sil dil r8b..r15b).
GPRS = {32: _register_table(32), 64: _register_table(64)}
GPR = GPRS[64]                                        # every name either mode decodes
SEG = {getattr(Register, name.upper()): name for name in SEGMENTS}

IMMEDIATE_BITS = {OpKind.IMMEDIATE8: 8, OpKind.IMMEDIATE16: 16, OpKind.IMMEDIATE32: 32,
                  OpKind.IMMEDIATE8TO16: 16, OpKind.IMMEDIATE8TO32: 32,
                  OpKind.IMMEDIATE8_2ND: 8, OpKind.IMMEDIATE64: 64,
                  OpKind.IMMEDIATE8TO64: 64, OpKind.IMMEDIATE32TO64: 64}
BRANCH_KINDS = (OpKind.NEAR_BRANCH32, OpKind.NEAR_BRANCH16, OpKind.NEAR_BRANCH64)
POINTER_REGISTERS = (Register.RIP, Register.EIP)


def reg_reader(r: list, index: int, shift: int, bits: int, full: int = 32):
    """Read a register slice; `full` is the mode's register width (32 or 64)."""
    if bits == full:
        return lambda: r[index]
    mask = MASK[bits]
    if shift:
        return lambda: r[index] >> shift & mask
    return lambda: r[index] & mask


def reg_writer(r: list, index: int, shift: int, bits: int, full: int = 32):
    """Write a register slice. A 32-bit write replaces the whole register in 64-bit mode
    (it zero-extends), so it is a plain store in both modes; 8- and 16-bit writes keep
    the bits around them."""
    if bits == full or bits == 32:
        def put_full(value):
            r[index] = value
        return put_full
    keep = ~(MASK[bits] << shift)

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
        self.width = engine.cpu.bits          # register width: 32, or 64 in long mode
        self.amask = MASK[self.width]         # addresses and the stack pointer wrap here
        self.gprs = GPRS[self.width]
        self.address = insn.ip
        self.next_ip = insn.next_ip
        self.ends_block = False
        self.repeats = False            # a rep string instruction: spends budget per turn

    @property
    def name(self) -> str:
        """The mnemonic in lower case, as iced-x86 names it (`cmpsd`, not `cmpltsd`)."""
        return MNEMONIC_NAMES[self.insn.mnemonic]

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
            if reg in self.gprs:
                return self.gprs[reg][2]
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
        if reg not in self.gprs:
            raise Unsupported(f"register {reg}")
        return self.gprs[reg]

    def bits_of_register(self, reg: int) -> int:
        if reg not in self.gprs:
            raise Unsupported(f"register {reg}")
        return self.gprs[reg][2]

    def reg_reader(self, index: int, shift: int, bits: int):
        """A reader of a register slice (implicit operands: the accumulator, RCX...)."""
        return reg_reader(self.cpu.r, index, shift, bits, self.width)

    def reg_writer(self, index: int, shift: int, bits: int):
        return reg_writer(self.cpu.r, index, shift, bits, self.width)

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
        if kind in BRANCH_KINDS:
            return self.insn.near_branch_target
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
            return self.reg_reader(*self.gpr(i))
        if kind == OpKind.MEMORY:
            read = self.mem.reader((bits or self.bits(i)) // 8)
            simple = self._simple_address()
            if simple is not None:                     # [base + disp] or [disp]: fused
                b, disp, r, mask = *simple, self.cpu.r, self.amask
                if b is None:
                    return lambda: read(disp)
                return lambda: read((r[b] + disp) & mask)
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
            return self.reg_writer(*self.gpr(i))
        if kind == OpKind.MEMORY:
            if self.writes_code_segment():
                return refuse_code_write
            write = self.mem.writer((bits or self.bits(i)) // 8)
            simple = self._simple_address()
            if simple is not None:
                b, disp, r, mask = *simple, self.cpu.r, self.amask
                if b is None:
                    return lambda value: write(disp, value)
                return lambda value: write((r[b] + disp) & mask, value)
            ea = self.address_of()
            return lambda value: write(ea(), value)
        raise Unsupported(f"destination operand kind {kind}")

    def writes_code_segment(self) -> bool:
        """A CS override on a memory destination: code segments are never writable (in
        64-bit mode CS, DS, ES and SS overrides are ignored)."""
        return self.width == 32 and SEG.get(self.insn.memory_segment) == "cs"

    def address_bits(self) -> int:
        """The address size: the mode's, or 32 in 64-bit code with a 0x67 prefix."""
        insn = self.insn
        for reg in (insn.memory_base, insn.memory_index):
            if reg == Register.NONE:
                continue
            if reg in POINTER_REGISTERS:
                return 64 if reg == Register.RIP else 32
            if reg not in self.gprs or self.gprs[reg][2] < 32:
                raise Unsupported("16-bit addressing")
            return self.gprs[reg][2]
        return self.width

    def _simple_address(self) -> tuple[int | None, int] | None:
        """(base register index or None, displacement) when the address needs no index
        and no segment base and has the mode's address size; None otherwise. RIP-relative
        operands are absolute addresses by now (iced resolves them)."""
        insn = self.insn
        if insn.memory_index != Register.NONE or not self._flat_segment() or \
                self.address_bits() != self.width:
            return None
        base = insn.memory_base
        if base == Register.NONE or base == Register.RIP:
            return None, insn.memory_displacement & self.amask
        return self.gprs[base][0], insn.memory_displacement & self.amask

    def _flat_segment(self) -> bool:
        return SEG.get(self.insn.memory_segment, "ds") not in ("fs", "gs") and self.cpu.flat

    def address_of(self, *, with_segment: bool = True):
        """A closure computing the memory operand's linear address."""
        insn, r, cpu = self.insn, self.cpu.r, self.cpu
        mask = MASK[self.address_bits()]
        disp = insn.memory_displacement & mask
        base, index, scale = insn.memory_base, insn.memory_index, insn.memory_index_scale
        b = self.gprs[base][0] if base not in (Register.NONE, *POINTER_REGISTERS) else None
        x = self.gprs[index][0] if index != Register.NONE else None
        if b is None and x is None:
            ea = lambda: disp                                          # noqa: E731
        elif x is None:
            ea = (lambda: r[b]) if disp == 0 and mask == self.amask else \
                (lambda: (r[b] + disp) & mask)
        elif b is None:
            ea = lambda: (r[x] * scale + disp) & mask                  # noqa: E731
        else:
            ea = lambda: (r[b] + r[x] * scale + disp) & mask           # noqa: E731
        segment = SEG.get(insn.memory_segment, "ds")
        if not with_segment or (segment not in ("fs", "gs") and cpu.flat):
            return ea
        base_of, amask = cpu.base, self.amask
        return lambda: (ea() + base_of(segment)) & amask
