"""Assembler listing: address, bytes and source line per instruction, a line for each
label where it lands (as an assembler's listing shows them), data as hex rows that
start afresh at each label."""

from __future__ import annotations

from ..program import Program, Section
from .disasm import disassemble

BYTES_WIDTH = 8
LABEL_INDENT = 2 + 8 + 2 + BYTES_WIDTH * 3 + 1 + 7     # under the source text


def listing(program: Program) -> str:
    lines = []
    for section in program.sections:
        lines.append(f"section {section.name}  {section.address:#010x}  {section.size} bytes "
                     f"{section.perms}")
        labels = _labels(program, section)
        if section.perms.endswith("x"):
            for address, raw, text in disassemble(section.data, section.address,
                                                  program.bits):
                lines += [" " * LABEL_INDENT + f"{name}:" for name in labels.get(address, ())]
                src = program.line_at(address)
                where = f"{src.line:5d}  {src.text.strip()}" if src else f"       {text}"
                lines.append(f"  {address:08x}  {raw.hex(' '):<{BYTES_WIDTH * 3}} {where}")
        else:
            lines += _data_rows(section, labels)
    symbols = sorted(program.symbols.values(), key=lambda s: (s.type == "abs", s.address))
    if symbols:
        lines.append("symbols")
        for sym in symbols:
            lines.append(f"  {sym.address:08x}  {sym.type:<6} {sym.name}")
    lines.append(f"entry {program.entry:#010x} ({program.entry_kind})")
    return "\n".join(lines) + "\n"


def _labels(program: Program, section: Section) -> dict[int, list[str]]:
    """Address -> the labels placed there, in this section."""
    out: dict[int, list[str]] = {}
    for sym in program.symbols.values():
        if sym.type != "abs" and section.address <= sym.address < section.end:
            out.setdefault(sym.address, []).append(sym.name)
    return out


def _data_rows(section: Section, labels: dict[int, list[str]]) -> list[str]:
    """16-byte rows, cut at each label so the label line sits above its bytes."""
    lines = []
    end = section.address + len(section.data)
    cuts = sorted({section.address, end, *(a for a in labels if a < end)})
    for start, stop in zip(cuts, cuts[1:], strict=False):
        lines += [" " * 12 + f"{name}:" for name in labels.get(start, ())]
        for row in range(start, stop, 16):
            chunk = section.data[row - section.address:min(row + 16, stop) - section.address]
            text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
            lines.append(f"  {row:08x}  {chunk.hex(' '):<48} {text}")
    if section.size > len(section.data):
        for address in sorted(a for a in labels if a >= end):
            lines += [f"  {address:08x}  " + " " * 49 + f"{name}:" for name in labels[address]]
        lines.append(f"  ({section.size - len(section.data)} zero bytes)")
    return lines
