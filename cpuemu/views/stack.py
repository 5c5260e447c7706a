"""The stack as people draw it: one row per machine word (dword, or qword in 64-bit
code), high addresses at the top, each word labelled with what it means to the frame
that owns it ("arg 1", "return -> main+0x16 (line 41)", "saved ebp", "local [ebp-4]"),
with EBP and ESP (RBP and RSP) marked. As text for the terminal, and as an SVG diagram
(in HTML) for notebooks."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..abi.call import RED_ZONE, SYSV_REGISTERS
from ..abi.frames import Frame
from ..cpu.memory import MemoryFault
from ..cpu.registers import EBP, ESP, gpr

if TYPE_CHECKING:
    from ..machine import Machine


@dataclass
class Row:
    address: int
    value: int | None
    meaning: str
    frame: int | None           # index into frames (0 = innermost), None if nobody's
    marks: tuple[str, ...]      # "esp", "ebp"


def stack_rows(machine: Machine, frames: list[Frame] | None = None,
               extra: int = 2) -> list[Row]:
    """Rows from a little below ESP up to the outermost frame's arguments."""
    frames = machine.frames() if frames is None else frames
    regs, word = machine.regs, machine.bits // 8
    sp_name, bp_name = gpr(machine.bits, ESP), gpr(machine.bits, EBP)
    esp, ebp = regs[sp_name], regs[bp_name]
    meaning: dict[int, tuple[str, int]] = {}
    for i, f in enumerate(frames):
        for k, (address, _) in enumerate(f.args):
            at = f" [{bp_name}+{address - f.base}]" if f.base is not None else ""
            meaning[address] = (f"arg {k + 1} of {f.function}{at}", i)
        if f.return_slot is not None:
            line = f" (line {f.caller_line.line})" if f.caller_line else ""
            meaning[f.return_slot] = (f"return -> {f.caller}{line}", i)
        for reg, address in f.saved.items():
            meaning[address] = (f"saved {reg}" + (" (the caller's frame base)"
                                                 if reg == bp_name else ""), i)
        for address, _ in f.locals:
            meaning.setdefault(address, (f"local [{bp_name}-{f.base - address}]", i))
    low, high = esp - word * extra, esp + word * extra
    if word == 8:                                  # System V: the red zone below RSP
        low = esp - RED_ZONE
        for address in range(esp - 8, low - 1, -8):
            meaning.setdefault(address, ("red zone" + (" (128 bytes a function may use "
                                                       "without moving RSP)"
                                                       if address == esp - 8 else ""), None))
    top = max([high, *(a for a in meaning)]) if meaning else high
    rows = []
    for address in range(top & -word, low - 1, -word):
        try:
            value = int.from_bytes(machine.engine.read(address, word, need=0), "little")
        except MemoryFault:
            value = None
        text, owner = meaning.get(address, ("", None))
        if owner is None and address >= esp:
            owner = next((i for i, f in enumerate(frames)
                          if f.low <= address < _top(f, word)), None)
        marks = tuple(m for m, v in ((sp_name, esp), (bp_name, ebp)) if v == address)
        rows.append(Row(address, value, text, owner, marks))
    return rows


def _top(frame: Frame, word: int = 4) -> int:
    if frame.state == "start":                  # _start owns everything above it
        return 1 << 64
    return (frame.return_slot or frame.low) + word + word * len(frame.args)


def argument_registers(machine: Machine) -> str:
    """System V's argument registers as they are now ("" in 32-bit code, where the
    arguments are on the stack)."""
    if machine.bits != 64:
        return ""
    return "argument registers: " + " ".join(f"{r}={machine.regs[r]:#x}"
                                             for r in SYSV_REGISTERS)


def _hex(value: int | None, word: int) -> str:
    return f"{value:0{2 * word}x}" if value is not None else "-" * 2 * word


def stack_text(machine: Machine, frames: list[Frame] | None = None) -> str:
    """The stack, one line per dword, with frame headers."""
    frames = machine.frames() if frames is None else frames
    word = machine.bits // 8
    lines = [argument_registers(machine)] if word == 8 else []
    current = -1
    for row in stack_rows(machine, frames):
        if row.frame is not None and row.frame != current:
            current = row.frame
            f = frames[current]
            lines.append(f"-- frame #{current}: {f.function} ({f.state}) " + "-" * 20)
        marks = "".join(f" <- {m}" for m in row.marks)
        lines.append(f"  {row.address:08x}  {_hex(row.value, word)}  {row.meaning}{marks}")
    return "\n".join(lines)


def backtrace(machine: Machine, frames: list[Frame] | None = None) -> list[str]:
    """`#0 fib+0x12 at file:line` lines, innermost first."""
    frames = machine.frames() if frames is None else frames
    out = []
    for i, f in enumerate(frames):
        here = machine.pc if i == 0 else frames[i - 1].return_address
        line = machine.program.line_at(here) if i == 0 else (frames[i - 1].caller_line)
        where = f" at {line.file}:{line.line}: {line.text.strip()}" if line else ""
        args = ", ".join(f"{v:#x}" for _, v in f.args)
        out.append(f"#{i} {f.function}({args}){where}")
    return out


COLOURS = ("#dbeafe", "#dcfce7", "#fef3c7", "#fce7f3", "#e0e7ff", "#ccfbf1")


def stack_svg(machine: Machine, frames: list[Frame] | None = None) -> str:
    """The classic picture: frames stacked downward, each a coloured band, every dword a
    box with its address, value and meaning; EBP and ESP as arrows on the left."""
    frames = machine.frames() if frames is None else frames
    rows = stack_rows(machine, frames)
    h, w, left = 22, 620, 70
    height = h * len(rows) + 30
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{height}" '
           f'font-family="monospace" font-size="12" class="cpuemu-stack">',
           f'<text x="{left}" y="14" fill="#555">higher addresses  '
           f'{html.escape(argument_registers(machine))}</text>']
    for k, row in enumerate(rows):
        y = 20 + k * h
        fill = COLOURS[row.frame % len(COLOURS)] if row.frame is not None else "#f5f5f5"
        out.append(f'<rect x="{left}" y="{y}" width="{w - left - 10}" height="{h}" '
                   f'fill="{fill}" stroke="#888"/>')
        value = _hex(row.value, machine.bits // 8)
        out.append(f'<text x="{left + 6}" y="{y + 15}">{row.address:08x}  {value}  '
                   f'{html.escape(row.meaning)}</text>')
        for j, mark in enumerate(row.marks):
            out.append(f'<text x="{4 + 30 * j}" y="{y + 15}" font-weight="bold" '
                       f'fill="#b91c1c" class="mark-{mark}">{mark.upper()}&#8594;</text>')
    starts: dict[int, int] = {}
    for k, row in enumerate(rows):
        if row.frame is not None:
            starts.setdefault(row.frame, k)
    for index, k in starts.items():
        f = frames[index]
        out.append(f'<text x="{w - 14}" y="{20 + k * h + 15}" text-anchor="end" '
                   f'font-weight="bold" class="frame-label">{html.escape(f.function)} '
                   f'#{index}</text>')
    out.append("</svg>")
    return "\n".join(out)


def stack_html(machine: Machine) -> str:
    """The SVG diagram with the backtrace under it, for notebooks."""
    frames = machine.frames()
    trace = "<br>".join(html.escape(line) for line in backtrace(machine, frames))
    return f'<div class="cpuemu-frames">{stack_svg(machine, frames)}' \
           f'<pre style="margin-top:4px">{trace}</pre></div>'
