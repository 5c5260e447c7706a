"""Program: what the assembler or the ELF loader hands a Machine.

Sections of bytes at addresses with permissions, symbols, an entry point and a source
map from instruction address to the source line it came from.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceLine:
    file: str
    line: int
    column: int
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.text.strip()}"


@dataclass
class Section:
    name: str
    address: int
    data: bytes
    perms: str              # "r-x", "rw-", "r--"
    size: int = -1          # bytes mapped; larger than data for .bss-like tails

    def __post_init__(self):
        if self.size < 0:
            self.size = len(self.data)

    @property
    def end(self) -> int:
        return self.address + self.size


@dataclass(frozen=True)
class Symbol:
    name: str
    address: int
    size: int = 0
    type: str = "label"     # "func", "object", "label", "abs"
    section: str = ""
    exported: bool = False  # `global` / `.globl` (STB_GLOBAL in an ELF file)


@dataclass
class Program:
    """Assembled or loaded machine code, ready to be placed in a process image."""

    sections: list[Section]
    symbols: dict[str, Symbol] = field(default_factory=dict)
    entry: int = 0
    entry_kind: str = "start"           # "start": Linux _start stack; "main": called cdecl
    source_map: dict[int, SourceLine] = field(default_factory=dict)
    bits: int = 32
    filename: str = "<input>"
    auxv: dict[int, int] = field(default_factory=dict)   # extra auxv entries (ELF: AT_PHDR...)
    warnings: list = field(default_factory=list)         # the assembler's AssemblyWarnings
    imports: dict[str, int] = field(default_factory=dict)  # C library functions it calls

    def section(self, name: str) -> Section | None:
        return next((s for s in self.sections if s.name == name), None)

    @property
    def end(self) -> int:
        """First address past every section: where the brk heap may start."""
        return max((s.end for s in self.sections), default=0)

    def exported_at(self, address: int) -> bool:
        """Does an exported (global) symbol name this address?"""
        return any(s.exported and s.address == address for s in self.symbols.values())

    def line_at(self, address: int) -> SourceLine | None:
        return self.source_map.get(address)

    def symbolize(self, address: int) -> str:
        """`name+off` for the nearest symbol at or below address in the same section,
        else hex (the stack, the heap and the exit stub are no label's)."""
        if not any(s.address <= address < s.end for s in self.sections):
            return f"{address:#x}"
        labels = sorted((s.address, s.name) for s in self.symbols.values() if s.type != "abs")
        i = bisect.bisect_right(labels, (address, "\uffff")) - 1
        if i < 0:
            return f"{address:#x}"
        base, name = labels[i]
        return name if address == base else f"{name}+{address - base:#x}"
