"""Random valid instructions round-trip through the front end and keystone.

Each generated instruction is written as nasm text and as AT&T text, assembled, and
decoded by capstone (independent of the iced-x86 check inside the assembler); mnemonic,
registers, immediates and every part of a memory operand must come back as generated.
"""

from __future__ import annotations

from dataclasses import dataclass

import capstone
from capstone import x86_const as CX
from hypothesis import given, settings
from hypothesis import strategies as st

from cpuemu import assemble

REGS = {32: ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"],
        16: ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"],
        8: ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"]}
SUFFIX = {8: "b", 16: "w", 32: "l"}
NASM_SIZE = {8: "byte", 16: "word", 32: "dword"}
BINARY = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "mov", "test"]
UNARY = ["inc", "dec", "neg", "not", "mul", "imul", "div", "idiv"]
SHIFTS = ["shl", "shr", "sar", "rol", "ror", "rcl", "rcr"]


@dataclass(frozen=True)
class Mem:
    base: str | None
    index: str | None
    scale: int
    disp: int
    size: int

    def nasm(self, sized: bool) -> str:
        parts = [p for p in (self.base, self.index and f"{self.index}*{self.scale}") if p]
        text = "+".join(parts) + (f"{self.disp:+d}" if parts else str(self.disp & 0xFFFFFFFF))
        return f"{NASM_SIZE[self.size]} [{text}]" if sized else f"[{text}]"

    def gas(self) -> str:
        if not self.base and not self.index:
            return str(self.disp & 0xFFFFFFFF)
        inner = f"%{self.base}" if self.base else ""
        if self.index:
            inner += f",%{self.index},{self.scale}"
        return f"{self.disp}({inner})"


@dataclass(frozen=True)
class Spec:
    mnemonic: str
    ops: tuple            # str register, int immediate, Mem
    size: int

    def nasm(self) -> str:
        has_reg = any(isinstance(o, str) and o != "cl" for o in self.ops) \
            and not (self.mnemonic in SHIFTS and isinstance(self.ops[0], Mem))
        text = ", ".join(o if isinstance(o, str) else str(o) if isinstance(o, int)
                         else o.nasm(sized=not has_reg) for o in self.ops)
        return f"{self.mnemonic} {text}"

    def gas(self) -> str:
        text = ", ".join(f"%{o}" if isinstance(o, str) else f"${o}" if isinstance(o, int)
                         else o.gas() for o in reversed(self.ops))
        return f"{self.mnemonic}{SUFFIX[self.size]} {text}"


def mems(size: int):
    reg = st.sampled_from(REGS[32])
    index = st.sampled_from([r for r in REGS[32] if r != "esp"])
    disp = st.one_of(st.integers(-128, 127), st.integers(-(2**31), 2**31 - 1))
    return st.builds(Mem, st.one_of(st.none(), reg), st.one_of(st.none(), index),
                     st.sampled_from([1, 2, 4, 8]), disp, st.just(size)
                     ).filter(lambda m: m.base or m.index or m.disp >= 0)


def imms(size: int):
    return st.integers(-(2 ** (size - 1)), 2 ** (size - 1) - 1)


@st.composite
def specs(draw):
    size = draw(st.sampled_from([8, 16, 32]))
    reg = st.sampled_from(REGS[size])
    form = draw(st.sampled_from(["rr", "ri", "rm", "mr", "mi", "u", "um", "sh", "shm"]))
    if form in ("u", "um"):
        op = draw(reg) if form == "u" else draw(mems(size))
        return Spec(draw(st.sampled_from(UNARY)), (op,), size)
    if form in ("sh", "shm"):
        dst = draw(reg) if form == "sh" else draw(mems(size))
        count = draw(st.one_of(st.just("cl"), st.integers(0, 31)))
        return Spec(draw(st.sampled_from(SHIFTS)), (dst, count), size)
    mnemonic = draw(st.sampled_from(BINARY))
    if form == "rm" and mnemonic == "test":
        form = "mr"
    first = draw(mems(size)) if form[0] == "m" else draw(reg)
    second = {"r": reg, "i": imms(size), "m": mems(size)}[form[1]]
    return Spec(mnemonic, (first, draw(second)), size)


_cs = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_32)
_cs.detail = True


def check(spec: Spec, code: bytes) -> None:
    ins = next(_cs.disasm(code, 0x8048000))
    assert ins.size == len(code)
    assert ins.mnemonic == spec.mnemonic, (spec, ins.mnemonic, ins.op_str)
    ops = list(ins.operands)
    assert len(ops) == len(spec.ops), (spec, ins.op_str)
    mask = (1 << spec.size) - 1
    for want, got in zip(spec.ops, ops, strict=True):
        if isinstance(want, str):
            assert got.type == CX.X86_OP_REG and ins.reg_name(got.reg) == want, ins.op_str
        elif isinstance(want, int):
            assert got.type == CX.X86_OP_IMM
            assert got.imm & mask == want & mask, (spec, ins.op_str)
        else:
            assert got.type == CX.X86_OP_MEM, ins.op_str
            m = got.mem
            assert (ins.reg_name(m.base) if m.base else None) == want.base, ins.op_str
            assert (ins.reg_name(m.index) if m.index else None) == want.index, ins.op_str
            if want.index:
                assert m.scale == want.scale
            assert m.disp & 0xFFFFFFFF == want.disp & 0xFFFFFFFF, ins.op_str
            assert got.size * 8 == want.size, ins.op_str


@settings(max_examples=300, deadline=None)
@given(specs())
def test_nasm_text_round_trips(spec):
    program = assemble(f"section .text\n_start: {spec.nasm()}\n", dialect="nasm")
    check(spec, program.sections[0].data)


@settings(max_examples=300, deadline=None)
@given(specs())
def test_gas_text_round_trips(spec):
    program = assemble(f".text\n_start: {spec.gas()}\n", dialect="gas")
    check(spec, program.sections[0].data)
