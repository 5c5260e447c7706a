"""Why an instruction has no encoding, in the user's terms, from iced-x86's opcode table.

Used only after encoding failed (keystone refused, or no memory size could be chosen):
it says which operand no form of the mnemonic can take, or that the operands cannot go
together, naming operands as they were written; never an encoder's error code.
"""

from __future__ import annotations

import re
from functools import cache

import iced_x86

from .names import SEGMENT_REGS, canonical, iced_mnemonic_names, register_bits

_KIND_NAMES = {v: k for k, v in vars(iced_x86.OpCodeOperandKind).items()
               if isinstance(v, int)}
_GPR_KIND = re.compile(r"R(8|16|32|64)_(REG|OR_MEM|OPCODE|RM|REG_MEM|VVVV)")
_IMM_WIDTH = re.compile(r"IMM(\d+)(SEX\d+)?")
_FIXED = {"AL", "CL", "AX", "DX", "EAX", "RAX", "ES", "CS", "SS", "DS", "FS", "GS"}
_IMPLICIT = ("SEG_", "ES_RDI")            # string operands: written as movsb, not spelled
_CLASSES = (("xmm", "XMM"), ("ymm", "YMM"), ("zmm", "ZMM"), ("mm", "MM_"), ("cr", "CR_"),
            ("dr", "DR_"), ("tr", "TR_"), ("k", "K"), ("bnd", "BND"))


def forms(mnemonic: str, bits: int) -> tuple[tuple[tuple[str, ...], int], ...]:
    """(operand kind names, memory bits) of every form of `mnemonic` in this mode."""
    return _table().get((mnemonic, bits), ())


def memory_sizes(mnemonic: str, bits: int) -> frozenset[int]:
    """The sizes, in bits, of the memory operand of every form of `mnemonic` this mode
    has (one size: an unsized operand is unambiguous, as nasm and MASM take it)."""
    return frozenset(size for kinds, size in forms(mnemonic, bits)
                     if any("MEM" in kind for kind in kinds))


@cache
def _table() -> dict[tuple[str, int], tuple]:
    """Every form of iced's opcode table, by (mnemonic, mode): one pass, once."""
    names = iced_mnemonic_names()
    out: dict[tuple[str, int], list] = {}
    for code in range(code_count()):
        info = iced_x86.OpCodeInfo(code)
        kinds = tuple(_KIND_NAMES[info.op_kind(i)] for i in range(info.op_count))
        form = (tuple(k for k in kinds if not k.startswith(_IMPLICIT)),
                iced_x86.MemorySizeExt.size(info.memory_size) * 8)
        for bits, available in ((32, info.mode32), (64, info.mode64)):
            if available:
                out.setdefault((names.get(info.mnemonic, ""), bits), []).append(form)
    return {key: tuple(value) for key, value in out.items()}


@cache
def code_count() -> int:
    return max(v for v in vars(iced_x86.Code).values() if isinstance(v, int)) + 1


def _register_class(name: str) -> str:
    if name in SEGMENT_REGS:
        return "seg"
    if register_bits(name):
        return "gpr"
    if name.startswith("st"):
        return "st"
    for cls, _ in _CLASSES:
        if re.fullmatch(rf"{cls}\d+", name):
            return cls
    return "other"


def accepts(kind: str, memory_bits: int, op) -> bool:
    """Whether an operand of this iced kind can be `op` (sizes checked where known)."""
    if op.kind == "reg":
        name, cls = op.reg, _register_class(op.reg)
        if kind in _FIXED:
            return name == kind.lower()
        if cls == "gpr":
            m = _GPR_KIND.fullmatch(kind)
            return bool(m) and int(m.group(1)) == register_bits(name)
        if cls == "seg":
            return kind in ("SEG_REG", "SEG_RM")
        if cls == "st":
            return kind == "STI_OPCODE" or (kind == "ST0" and name in ("st0", "st"))
        prefix = dict(_CLASSES).get(cls)
        return bool(prefix) and kind.startswith(prefix) and "MEM" not in kind.split("_OR_")[0]
    if op.kind == "imm":
        if kind == "IMM8_CONST_1":
            return op.value == 1
        width = _IMM_WIDTH.fullmatch(kind)
        if width and int(width.group(1)) < 32:
            bits = int(width.group(1))
            return -(1 << (bits - 1)) <= op.value < (1 << bits)
        return kind.startswith(("IMM", "BR", "FARBR", "XBEGIN"))
    if "MEM" not in kind and kind != "SIBMEM":
        return False
    if op.size and memory_bits and kind not in ("MEM", "MEM_OFFS") and "VSIB" not in kind:
        return op.size == memory_bits
    return True


def fits(candidates, ops: list) -> bool:
    """Whether one of these forms takes all of `ops` (an unsized memory operand fits any
    size)."""
    return any(len(kinds) == len(ops) and
               all(accepts(k, size, op) for k, op in zip(kinds, ops, strict=True))
               for kinds, size in candidates)


def describe(op, written: str) -> str:
    if op.kind == "reg":
        bits = register_bits(op.reg)
        kinds = {"seg": "a segment register", "st": "an x87 register",
                 "gpr": f"{_article(bits)} {bits}-bit register"}
        what = kinds.get(_register_class(op.reg), f"register {op.reg}")
    elif op.kind == "imm":
        what = "an immediate"
    else:
        what = f"{_article(op.size)} {op.size}-bit memory operand" if op.size \
            else "a memory operand"
    return f"`{written}` ({what})"


def _article(bits) -> str:
    return "an" if bits in (8, 80) else "a"


ORDINALS = ("first", "second", "third", "fourth")


def explain(mnemonic: str, ops: list, bits: int, written: list[str]) -> tuple[str, int | None]:
    """(message, culprit operand index) for an instruction no encoder could encode."""
    name = canonical(mnemonic)
    known = forms(name, bits)
    if not known:
        return f"{mnemonic} has no encoding in {bits}-bit code", None
    counted = [f for f in known if len(f[0]) == len(ops)]
    if not counted:
        counts = sorted({len(k) for k, _ in known})
        said = " or ".join(map(str, counts))
        return (f"{mnemonic} takes {said} operand{'s' if counts != [1] else ''}, "
                f"not {len(ops)}", None)
    text = [w or "?" for w in written] + ["?"] * (len(ops) - len(written))
    if sum(op.kind == "mem" for op in ops) > 1:
        second = [i for i, op in enumerate(ops) if op.kind == "mem"][1]
        return (f"{mnemonic} cannot take two memory operands (`{text[0]}` and "
                f"`{text[second]}`): x86 reads or writes memory through one operand; "
                "go through a register", second)
    for i, op in enumerate(ops):
        if not any(accepts(kinds[i], size, op) for kinds, size in counted):
            widths = [int(m.group(1)) for kinds, _ in counted
                      if (m := _IMM_WIDTH.fullmatch(kinds[i]))]
            if op.kind == "imm" and widths:
                width = max(widths)
                return (f"{mnemonic}'s {ORDINALS[min(i, 3)]} operand is {_article(width)} "
                        f"{width}-bit immediate: `{text[i]}` ({op.value}) does not fit", i)
            return (f"{mnemonic} cannot take {describe(op, text[i])} as its "
                    f"{ORDINALS[min(i, 3)]} operand", i)
    if fits(counted, ops):
        return (f"cpuemu's encoder (keystone) has no encoding for this {mnemonic}, though "
                "the CPU has the form; please report it", None)
    together = ", ".join(describe(op, t) for op, t in zip(ops, text[:len(ops)], strict=True))
    culprit = len(ops) - 1
    return f"{mnemonic} has no form for these operands together: {together}", culprit
