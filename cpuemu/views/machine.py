"""A machine at a glance, for notebooks (HTML) and terminals (rich text): registers
(hex, unsigned, signed; the ones the last step changed highlighted), flags as named
bits, the code around EIP with its source line, the stack with frame annotations, and
memory dumps in byte, word or dword units."""

from __future__ import annotations

import html
import io
from typing import TYPE_CHECKING

from ..cpu.instruction import code_bytes
from ..cpu.memory import MemoryFault
from ..cpu.registers import FLAG_BITS, GPR32, signed
from .disasm import disassemble
from .stack import stack_svg, stack_text

if TYPE_CHECKING:
    from ..machine import Machine

STYLE = """<style>
.cpuemu { font-family: monospace; font-size: 12px; }
.cpuemu table { border-collapse: collapse; margin: 2px 12px 6px 0; }
.cpuemu td, .cpuemu th { padding: 1px 6px; border: 1px solid #ddd; text-align: right; }
.cpuemu .changed { background: #fde68a; font-weight: bold; }
.cpuemu .flag { display: inline-block; padding: 1px 5px; margin: 1px; border-radius: 3px; }
.cpuemu .on { background: #16a34a; color: white; } .cpuemu .off { background: #e5e7eb; }
.cpuemu .flag.changed { outline: 2px solid #f59e0b; }
.cpuemu .here { background: #dbeafe; font-weight: bold; }
.cpuemu .row { display: flex; flex-wrap: wrap; align-items: flex-start; }
</style>"""
UNITS = {1: "byte", 2: "word", 4: "dword"}


def code_around(machine: Machine, before: int = 3, after: int = 4) -> list[tuple[int, str, bool]]:
    """(address, text, is EIP) for the instructions around EIP: from the program's source
    map when EIP is in assembled code, else disassembled forward from EIP."""
    eip = machine.regs.eip
    addresses = sorted(machine.program.source_map)
    rows = []
    if eip in machine.program.source_map:
        i = addresses.index(eip)
        for a in addresses[max(0, i - before):i + after + 1]:
            code = code_bytes(machine, a)
            text = next((t for _, _, t in disassemble(code, a, count=1)), "(bad)")
            rows.append((a, text, a == eip))
        return rows
    code = code_bytes(machine, eip, 64)
    if not code:
        return [(eip, "(unmapped)", True)]
    return [(a, t, a == eip) for a, _, t in disassemble(code, eip, count=after + 1)]


def memory_rows(machine: Machine, address: int, count: int, unit: int = 1,
                per_row: int = 16) -> list[tuple[int, list[str]]]:
    rows = []
    for start in range(address, address + count, per_row):
        cells = []
        for at in range(start, min(start + per_row, address + count), unit):
            try:
                value = int.from_bytes(machine.engine.read(at, unit, need=0), "little")
                cells.append(f"{value:0{2 * unit}x}")
            except MemoryFault:
                cells.append("??" * unit)
        rows.append((start, cells))
    return rows


def _where(machine: Machine, where: int | str) -> int:
    return machine.address(where)


def memory_html(machine: Machine, where: int | str, count: int = 64, unit: int = 1) -> str:
    address = _where(machine, where)
    title = f"{UNITS[unit]}s at {address:#010x}" + (f" ({where})" if isinstance(where, str) else "")
    body = "".join(f"<tr><th>{start:08x}</th>" + "".join(f"<td>{c}</td>" for c in cells)
                   + "</tr>" for start, cells in memory_rows(machine, address, count, unit))
    return f'<div class="cpuemu">{STYLE}<b>{html.escape(title)}</b><table>{body}</table></div>'


def machine_html(machine: Machine, *, memory: tuple | None = None) -> str:
    regs, changed = machine.regs.as_dict(), machine.changed
    reg_rows = "".join(
        f'<tr class="{"changed" if name in changed else ""}"><th>{name}</th>'
        f"<td>{regs[name]:08x}</td><td>{regs[name]}</td><td>{signed(regs[name])}</td></tr>"
        for name in (*GPR32, "eip"))
    registers = (f"<table><tr><th>reg</th><th>hex</th><th>unsigned</th><th>signed</th></tr>"
                 f"{reg_rows}</table>")
    flags = "".join(f'<span class="flag {"on" if regs["eflags"] >> bit & 1 else "off"}'
                    f'{" changed" if name in changed else ""}">{name.upper()}</span>'
                    for name, bit in FLAG_BITS.items())
    code = "".join(f'<tr class="{"here" if here else ""}"><th>{a:08x}</th>'
                   f'<td style="text-align:left">{html.escape(t)}</td></tr>'
                   for a, t, here in code_around(machine))
    line = machine.source_line(machine.regs.eip)
    source = html.escape(f"{line.file}:{line.line}: {line.text.strip()}") if line else ""
    stop = html.escape(str(machine.last_stop)) if machine.last_stop else "not started"
    extra = memory_html(machine, *memory) if memory else ""
    return (f'<div class="cpuemu">{STYLE}<div><b>{stop}</b></div>'
            f'<div class="row"><div>{registers}<div>{flags}</div></div>'
            f'<div><table>{code}</table><div>{source}</div></div>'
            f"<div>{stack_svg(machine)}</div></div>{extra}</div>")


def machine_text(machine: Machine, width: int = 100) -> str:
    """The same view as rich text, for terminals."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    regs, changed = machine.regs.as_dict(), machine.changed
    table = Table(title="registers", show_edge=False)
    for column in ("reg", "hex", "unsigned", "signed"):
        table.add_column(column, justify="right")
    for name in (*GPR32, "eip"):
        style = "bold yellow" if name in changed else ""
        table.add_row(name, f"{regs[name]:08x}", str(regs[name]), str(signed(regs[name])),
                      style=style)
    flags = " ".join(f"[bold green]{n.upper()}[/]" if regs["eflags"] >> b & 1 else n
                     for n, b in FLAG_BITS.items())
    code = Table(title="code", show_edge=False, show_header=False)
    code.add_column("address")
    code.add_column("instruction")
    for a, t, here in code_around(machine):
        code.add_row(f"{'>' if here else ' '} {a:08x}", Text(t), style="bold cyan" if here else "")
    console = Console(file=io.StringIO(), width=width, record=True, color_system=None)
    console.print(table)
    console.print("flags: " + flags)
    console.print(code)
    line = machine.source_line(machine.regs.eip)
    if line:
        console.print(f"{line.file}:{line.line}: {line.text.strip()}", markup=False,
                      highlight=False)
    stack = stack_text(machine)
    if stack:
        console.print(stack, markup=False, highlight=False)
    return console.export_text()
