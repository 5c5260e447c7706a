"""The `guide` dialect: MASM-flavoured Intel syntax as the UVa CS216 x86 guide writes it.

MASM reads a bare data label as memory (`mov eax, var` loads var) and sizes `[var]` from
its declaration (`var DD 0` makes `inc [var]` a dword); both are applied after parsing,
once every declaration is known.
"""

from __future__ import annotations

from ..errors import AssemblyError
from .data import DATA_UNITS, REAL_UNITS, parse_items
from .expr import parse_expr, symbols_in
from .intel import IntelParser, parse_instruction
from .lexer import TokenStream, tokenize, x87_registers
from .model import Align, Const, Data, Imm, Insn, Label, Mem, Num, Pos, Reg, SectionSwitch
from .names import is_register, sizing_register_bits

SECTIONS = {".code": ".text", ".data": ".data", ".data?": ".bss", ".const": ".rodata",
            ".text": ".text"}
IGNORED = {".386", ".386p", ".486", ".486p", ".586", ".586p", ".686", ".686p", ".model",
           ".stack", ".xmm", ".mmx", "option", "title", "subtitle", "page", ".nolist",
           ".list"}
UNSUPPORTED = {"extern", "extrn", "includelib", "macro", "invoke", "proto",
               "struct", "struc", "record", "if", "ifdef", "else", "endif", "local", "assume",
               "segment", "ends", "org"}
# Memory operands of these take no size (lea computes an address; branches are dwords).
SIZE_FREE = {"lea", "jmp", "call", "push", "pop"}
# Register and memory operands of different sizes, by design.
MIXED_SIZES = {"crc32", "movd", "movq", "cvtsi2sd", "cvtsi2ss", "pinsrb", "pinsrw", "pinsrd"}
MASM_SIZES = {8: "BYTE", 16: "WORD", 32: "DWORD", 64: "QWORD", 80: "TBYTE"}


class GuideParser(IntelParser):
    dialect = "guide"

    def statement(self, ts: TokenStream, pos: Pos) -> None:
        tok = ts.peek()
        word = tok.value.lower() if tok.kind == "id" else ""
        after = ts.peek(1)
        second = after.value.lower() if after.kind == "id" else ""
        if word in SECTIONS:
            ts.next()
            self.statements.append(SectionSwitch(SECTIONS[word], pos))
            ts.expect_end()
        elif word in IGNORED or word.startswith(".") and word[1:].isdigit():
            return
        elif word in ("public", "global"):
            ts.next()
            self.globals.add(str(ts.next().value))
            while ts.accept_op(","):
                self.globals.add(str(ts.next().value))
            ts.expect_end()
        elif word == "end":
            ts.next()
            if not ts.at_end():
                name = ts.next()
                self.entry, self.entry_pos = str(name.value), pos.at(name.column)
            ts.expect_end()
        elif word == "include":
            ts.next()
            name = ts.rest_text()
            if not name:
                ts.error("INCLUDE needs a file name")
            self.include(name.strip("'\"<>"), pos, ts.peek().column)
        elif word in ("align", "even"):
            ts.next()
            boundary = Num(2) if word == "even" else parse_expr(ts, is_register)
            ts.expect_end()
            self.statements.append(Align(boundary, pos))
        elif word in UNSUPPORTED or word.startswith("."):
            ts.error(f"unsupported directive {tok.value!r}")
        elif word in DATA_UNITS and not (after.kind == "id" and second in DATA_UNITS):
            ts.next()
            self.data(ts, pos, DATA_UNITS[word], word in REAL_UNITS)
        elif tok.kind == "id" and second in DATA_UNITS and not is_register(word) \
                and not ts.peek(2).is_id("ptr"):
            ts.next()
            unit = DATA_UNITS[ts.next().value.lower()]
            self.define(tok.value, pos.at(tok.column), "object", unit * 8)
            self.data(ts, pos, unit, second in REAL_UNITS)
        elif tok.kind == "id" and second == "proc":
            ts.next()
            ts.next()
            self.define(tok.value, pos.at(tok.column), "func")
        elif tok.kind == "id" and second == "endp":
            return
        elif tok.kind == "id" and (second == "equ" or after.is_op("=")):
            ts.next()
            ts.next()
            self.statements.append(Const(tok.value, parse_expr(ts, is_register), pos))
            ts.expect_end()
        elif tok.kind == "id" and second == "label":
            ts.next()
            ts.next()
            self.define(tok.value, pos.at(tok.column))
        else:
            self.statements.append(parse_instruction(ts, pos))

    def tokenize(self, text: str, pos: Pos):
        return x87_registers(tokenize(text, pos))           # ST, ST(1)

    def data(self, ts: TokenStream, pos: Pos, unit: int, real: bool = False) -> None:
        items = parse_items(ts, unit)
        ts.expect_end()
        self.statements.append(Data(unit, items, pos, real))

    def finish(self) -> None:
        typed = {s.name: s.unit for s in self.statements if isinstance(s, Label) and s.unit}
        for stmt in self.statements:
            if isinstance(stmt, Insn):
                stmt.operands = masm_operands(stmt, typed)


def masm_operands(insn: Insn, typed: dict[str, int]) -> list:
    """Apply MASM's reading of data labels to one instruction's operands."""
    ops = []
    for op in insn.operands:
        if isinstance(op, Imm) and not op.offset and _names_data(op.expr, typed):
            op = Mem(op.size, None, None, None, 1, op.expr, op.column)   # DWORD PTR x
        ops.append(op)
    names = [op.name if isinstance(op, Reg) else None for op in ops]
    if insn.mnemonic in SIZE_FREE:
        return ops
    bits = sizing_register_bits(insn.mnemonic, names)
    if bits:
        if insn.mnemonic not in MIXED_SIZES:
            _same_size(insn, ops, names, bits, typed)
        return ops
    out = []
    for op in ops:
        if isinstance(op, Mem) and op.size is None:
            syms = [s.name for s in symbols_in(op.disp) if s.name in typed]
            if syms:
                op = Mem(typed[syms[0]], op.seg, op.base, op.index, op.scale, op.disp,
                         op.column)
        out.append(op)
    return out


def _same_size(insn: Insn, ops: list, names: list, bits: int, typed: dict[str, int]) -> None:
    """MASM's A2022: `mov eax, x` where x is a BYTE is refused, not read as 4 bytes."""
    for op in ops:
        if isinstance(op, Mem) and op.size is None:
            syms = [s.name for s in symbols_in(op.disp) if s.name in typed]
            if syms and typed[syms[0]] != bits:
                reg = next(n for n in names if n)
                p = insn.pos
                raise AssemblyError(
                    f"instruction operands must be the same size: {reg} is "
                    f"{MASM_SIZES.get(bits, bits)}, {syms[0]} is "
                    f"{MASM_SIZES.get(typed[syms[0]], typed[syms[0]])}",
                    file=p.file, line=p.line, column=op.column, text=p.text,
                    hint=f"say {MASM_SIZES.get(bits, bits)} PTR {syms[0]} to read "
                         f"{bits // 8} bytes there, or use a register of the label's size")


def _names_data(expr, typed: dict[str, int]) -> bool:
    syms = symbols_in(expr)
    return bool(syms) and syms[0].name in typed
