"""Assembler listing: address, bytes and source line per instruction; data as hex."""

from __future__ import annotations

from ..program import Program
from .disasm import disassemble

BYTES_WIDTH = 8


def listing(program: Program) -> str:
    lines = []
    for section in program.sections:
        lines.append(f"section {section.name}  {section.address:#010x}  {section.size} bytes "
                     f"{section.perms}")
        if section.perms.endswith("x"):
            for address, raw, text in disassemble(section.data, section.address,
                                                  program.bits):
                src = program.line_at(address)
                where = f"{src.line:5d}  {src.text.strip()}" if src else f"       {text}"
                lines.append(f"  {address:08x}  {raw.hex(' '):<{BYTES_WIDTH * 3}} {where}")
        else:
            for off in range(0, len(section.data), 16):
                chunk = section.data[off:off + 16]
                text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
                lines.append(f"  {section.address + off:08x}  {chunk.hex(' '):<48} {text}")
            if section.size > len(section.data):
                lines.append(f"  ({section.size - len(section.data)} zero bytes)")
    symbols = sorted(program.symbols.values(), key=lambda s: (s.type == "abs", s.address))
    if symbols:
        lines.append("symbols")
        for sym in symbols:
            lines.append(f"  {sym.address:08x}  {sym.type:<6} {sym.name}")
    lines.append(f"entry {program.entry:#010x} ({program.entry_kind})")
    return "\n".join(lines) + "\n"
