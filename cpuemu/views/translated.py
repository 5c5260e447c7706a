"""What the interpreter makes of a program: each block of its code as the Python function
the block compiler generates (`cpuemu asm --translated`)."""

from __future__ import annotations

from ..cpu.memory import MemoryFault
from ..errors import CpuemuError

MAX_BLOCKS = 500


def block_starts(machine) -> list[int]:
    """Where blocks start when the program runs from its entry: the entry, every label
    in code, and whatever each block can fall or branch to (as far as it is static)."""
    program = machine.program
    code = [s for s in program.sections if "x" in s.perms]
    inside = lambda a: any(s.address <= a < s.address + len(s.data) for s in code)  # noqa: E731
    todo = [program.entry] + sorted(s.address for s in program.symbols.values()
                                    if s.type != "abs" and inside(s.address))
    seen: list[int] = []
    engine = machine.engine
    while todo and len(seen) < MAX_BLOCKS:
        address = todo.pop(0)
        if address in seen or not inside(address):
            continue
        seen.append(address)
        try:
            block = engine.blocks.get(address) or engine.translate(address)
        except MemoryFault:
            continue
        last = block.insns[-1]
        todo += [a for a in (last.next, last.target) if a is not None]
    return sorted(seen)


def translated(machine) -> str:
    """Every block's generated Python, in address order, under its source line."""
    if machine.engine.name != "interp":
        raise CpuemuError("only the interp engine translates code to Python")
    out = []
    for address in block_starts(machine):
        label = machine.program.symbolize(address)
        out.append(f"# block at {address:#x} ({label})")
        out.append(machine.translation(address))
        out.append("")
    return "\n".join(out) + "\n"
