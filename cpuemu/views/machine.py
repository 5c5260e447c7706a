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
from ..cpu.registers import FLAG_BITS, flags_name, gprs, pc_name, signed
from .disasm import disassemble
from .fp import fp_rows, uses_fp
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
    eip, bits = machine.pc, machine.bits
    addresses = sorted(machine.program.source_map)
    rows = []
    if eip in machine.program.source_map:
        i = addresses.index(eip)
        for a in addresses[max(0, i - before):i + after + 1]:
            code = code_bytes(machine, a)
            text = next((t for _, _, t in disassemble(code, a, bits, count=1)), "(bad)")
            rows.append((a, text, a == eip))
        return rows
    code = code_bytes(machine, eip, 64)
    if not code:
        return [(eip, "(unmapped)", True)]
    return [(a, t, a == eip) for a, _, t in disassemble(code, eip, bits, count=after + 1)]


def register_rows(machine: Machine) -> list[tuple[str, str, int, int]]:
    """(name, hex, unsigned, signed) of the general registers and the instruction
    pointer, at the machine's width."""
    regs, bits = machine.regs.as_dict(), machine.bits
    return [(name, f"{regs[name]:0{bits // 4}x}", regs[name], signed(regs[name], bits))
            for name in (*gprs(bits), pc_name(bits))]


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
    changed, eflags = machine.changed, machine.regs[flags_name(machine.bits)]
    reg_rows = "".join(
        f'<tr class="{"changed" if name in changed else ""}"><th>{name}</th>'
        f"<td>{hex_}</td><td>{unsigned}</td><td>{signed_}</td></tr>"
        for name, hex_, unsigned, signed_ in register_rows(machine))
    registers = (f"<table><tr><th>reg</th><th>hex</th><th>unsigned</th><th>signed</th></tr>"
                 f"{reg_rows}</table>")
    flags = "".join(f'<span class="flag {"on" if eflags >> bit & 1 else "off"}'
                    f'{" changed" if name in changed else ""}">{name.upper()}</span>'
                    for name, bit in FLAG_BITS.items())
    code = "".join(f'<tr class="{"here" if here else ""}"><th>{a:08x}</th>'
                   f'<td style="text-align:left">{html.escape(t)}</td></tr>'
                   for a, t, here in code_around(machine))
    line = machine.source_line(machine.pc)
    source = html.escape(f"{line.file}:{line.line}: {line.text.strip()}") if line else ""
    stop = html.escape(str(machine.last_stop)) if machine.last_stop else "not started"
    extra = memory_html(machine, *memory) if memory else ""
    if uses_fp(machine):
        extra = "<table><tr><th>x87/SSE</th><th>hex</th><th>value</th></tr>" + "".join(
            f'<tr><th>{name}</th><td>{hex_}</td><td style="text-align:left">'
            f"{html.escape(text)}</td></tr>" for name, hex_, text in fp_rows(machine)) + \
            "</table>" + extra
    return (f'<div class="cpuemu">{STYLE}<div><b>{stop}</b></div>'
            f'<div class="row"><div>{registers}<div>{flags}</div></div>'
            f'<div><table>{code}</table><div>{source}</div></div>'
            f"<div>{stack_svg(machine)}</div></div>{extra}</div>")


def machine_text(machine: Machine, width: int = 100) -> str:
    """The same view as rich text, for terminals."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    changed, eflags = machine.changed, machine.regs[flags_name(machine.bits)]
    table = Table(title="registers", show_edge=False)
    for column in ("reg", "hex", "unsigned", "signed"):
        table.add_column(column, justify="right")
    for name, hex_, unsigned, signed_ in register_rows(machine):
        style = "bold yellow" if name in changed else ""
        table.add_row(name, hex_, str(unsigned), str(signed_), style=style)
    flags = " ".join(f"[bold green]{n.upper()}[/]" if eflags >> b & 1 else n
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
    line = machine.source_line(machine.pc)
    if line:
        console.print(f"{line.file}:{line.line}: {line.text.strip()}", markup=False,
                      highlight=False)
    if uses_fp(machine):
        fp = Table(title="x87/SSE", show_edge=False, show_header=False)
        for column in ("reg", "hex", "value"):
            fp.add_column(column)
        for row in fp_rows(machine):
            fp.add_row(*(Text(cell) for cell in row))
        console.print(fp)
    stack = stack_text(machine)
    if stack:
        console.print(stack, markup=False, highlight=False)
    return console.export_text()
