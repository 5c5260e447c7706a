"""A machine at a glance, for notebooks (HTML) and terminals (rich text): registers
(hex, unsigned, signed; the ones the previous step changed highlighted; AX/AH/AL on
demand), EFLAGS as a value and as named bits, the segment registers with their bases,
the code around EIP with its labels and source lines, the stack with frame annotations,
and memory dumps in byte, word or dword units. Monospace throughout."""

from __future__ import annotations

import html
import io
from typing import TYPE_CHECKING

from ..cpu.instruction import code_bytes
from ..cpu.memory import MemoryFault
from ..cpu.registers import FLAG_BITS, REGS, SEGMENTS, flags_name, gprs, pc_name, signed
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


def code_rows(machine: Machine) -> list[tuple[int, str, bool, list[str], str]]:
    """(address, instruction, is PC, labels there, the learner's source line) around PC:
    what a code pane shows beside the disassembly."""
    program = machine.program
    labels: dict[int, list[str]] = {}
    for sym in program.symbols.values():
        if sym.type != "abs":
            labels.setdefault(sym.address, []).append(sym.name)
    rows = []
    for address, text, here in code_around(machine):
        line = program.line_at(address)
        rows.append((address, text, here, labels.get(address, []),
                     f"{line.line}: {line.text.strip()}" if line else ""))
    return rows


PARTS = {"eax": ("ax", "ah", "al"), "ebx": ("bx", "bh", "bl"), "ecx": ("cx", "ch", "cl"),
         "edx": ("dx", "dh", "dl"), "esi": ("si",), "edi": ("di",), "ebp": ("bp",),
         "esp": ("sp",)}


def register_rows(machine: Machine, parts: bool = False) -> list[tuple[str, str, int, int]]:
    """(name, hex, unsigned, signed) of the general registers and the instruction
    pointer, at the machine's width; with `parts`, AX/AH/AL and friends after each."""
    regs, bits = machine.regs, machine.bits
    rows = []
    for name in (*gprs(bits), pc_name(bits)):
        value = regs[name]
        rows.append((name, f"{value:0{bits // 4}x}", value, signed(value, bits)))
        if parts:
            small = PARTS.get(name if bits == 32 else "e" + name[1:], ())
            if bits == 64 and name[1:] in ("ax", "bx", "cx", "dx", "si", "di", "bp", "sp"):
                small = ("e" + name[1:], *small)
            for part in small:
                width = REGS[bits][part].bits
                v = regs[part]
                rows.append((part, f"{v:0{width // 4}x}", v, signed(v, width)))
    return rows


def segment_rows(machine: Machine) -> list[tuple[str, int, int]]:
    """(name, selector, base) of the six segment registers."""
    return [(name, seg.selector, seg.base)
            for name, seg in ((n, machine.segment(n)) for n in SEGMENTS)]


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


def machine_html(machine: Machine, *, memory: tuple | None = None,
                 parts: bool = False) -> str:
    """The machine for a notebook: registers (the ones the previous step changed
    highlighted; `parts` adds AX/AH/AL...), EFLAGS as a value and as flags, segment
    registers with their bases, the code with labels and source lines, the stack."""
    flags_reg = flags_name(machine.bits)
    changed, eflags = machine.changed, machine.regs[flags_reg]
    reg_rows = "".join(
        f'<tr class="{"changed" if name in changed else ""}"><th>{name}</th>'
        f"<td>{hex_}</td><td>{unsigned}</td><td>{signed_}</td></tr>"
        for name, hex_, unsigned, signed_ in register_rows(machine, parts))
    registers = (f"<table><tr><th>reg</th><th>hex</th><th>unsigned</th><th>signed</th></tr>"
                 f"{reg_rows}</table>")
    flags = (f'<div><b class="{"changed" if flags_reg in changed else ""}">{flags_reg} '
             f"{eflags:08x}</b></div>" +
             "".join(f'<span class="flag {"on" if eflags >> bit & 1 else "off"}'
                     f'{" changed" if name in changed else ""}">{name.upper()}</span>'
                     for name, bit in FLAG_BITS.items()))
    segments = ("<table><tr><th>seg</th><th>selector</th><th>base</th></tr>" + "".join(
        f"<tr><th>{name}</th><td>{selector:04x}</td><td>{base:08x}</td></tr>"
        for name, selector, base in segment_rows(machine)) + "</table>")
    code = "".join(
        "".join(f'<tr><td></td><td style="text-align:left"><b>{html.escape(label)}:</b>'
                f"</td><td></td></tr>" for label in labels) +
        f'<tr class="{"here" if here else ""}"><th>{a:08x}</th>'
        f'<td style="text-align:left">{html.escape(t)}</td>'
        f'<td style="text-align:left;color:#555">{html.escape(src)}</td></tr>'
        for a, t, here, labels, src in code_rows(machine))
    line = machine.source_line(machine.pc)
    source = html.escape(f"{line.file}:{line.line}: {line.text.strip()}") if line else ""
    stop = (html.escape(f"{machine.last_stop} ({machine.symbolize(machine.pc)})")
            if machine.last_stop else
            f"not started: at {html.escape(machine.symbolize(machine.pc))}")
    extra = memory_html(machine, *memory) if memory else ""
    if uses_fp(machine):
        extra = "<table><tr><th>x87/SSE</th><th>hex</th><th>value</th></tr>" + "".join(
            f'<tr><th>{name}</th><td>{hex_}</td><td style="text-align:left">'
            f"{html.escape(text)}</td></tr>" for name, hex_, text in fp_rows(machine)) + \
            "</table>" + extra
    return (f'<div class="cpuemu">{STYLE}<div><b>{stop}</b></div>'
            f'<div class="row"><div>{registers}<div>{flags}</div>{segments}</div>'
            f'<div><table>{code}</table><div>{source}</div></div>'
            f"<div>{stack_svg(machine)}</div></div>{extra}</div>")


def machine_text(machine: Machine, width: int = 100, parts: bool = False) -> str:
    """The same view as rich text, for terminals."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    changed, eflags = machine.changed, machine.regs[flags_name(machine.bits)]
    table = Table(title="registers", show_edge=False)
    for column in ("reg", "hex", "unsigned", "signed"):
        table.add_column(column, justify="right")
    for name, hex_, unsigned, signed_ in register_rows(machine, parts):
        style = "bold yellow" if name in changed else ""
        table.add_row(name, hex_, str(unsigned), str(signed_), style=style)
    flags = " ".join(f"[bold green]{n.upper()}[/]" if eflags >> b & 1 else n
                     for n, b in FLAG_BITS.items())
    code = Table(title="code", show_edge=False, show_header=False)
    code.add_column("address")
    code.add_column("instruction")
    code.add_column("source")
    for a, t, here, labels, src in code_rows(machine):
        for label in labels:
            code.add_row("", Text(f"{label}:"), "")
        code.add_row(f"{'>' if here else ' '} {a:08x}", Text(t), Text(src),
                     style="bold cyan" if here else "")
    console = Console(file=io.StringIO(), width=width, record=True, color_system=None)
    title = f"{machine.last_stop or 'not started'} ({machine.symbolize(machine.pc)})"
    console.print(title, markup=False, highlight=False)
    console.print(table)
    console.print(f"{flags_name(machine.bits)} {eflags:08x}: " + flags)
    console.print("  ".join(f"{name} {selector:04x} (base {base:08x})"
                            for name, selector, base in segment_rows(machine)),
                  markup=False, highlight=False)
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
