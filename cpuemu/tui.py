"""`cpuemu tui FILE`: a live terminal view in the spirit of blinkenlights and the
teaching emulators' windows, built on Textual.

Panes: the source with the current line and breakpoints, the disassembly with labels,
registers (changed by the last step in yellow; `p` shows AX/AH/AL parts), EFLAGS as a
value and as flags, segment registers with their bases, the stack as the frame diagram,
memory, the guest's output, and the debugger's own lines. Keys: s step, n next,
c continue, f finish, b back one instruction, r reverse-continue, p register parts,
: a gdb command (the debugger's whole language), q quit. Selecting a source line
(click or Enter) sets or clears a breakpoint there.

Every pane's plain text is kept in `app.texts`, which the tests read.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Input, Static

from .cpu.registers import FLAG_BITS, SEGMENTS, flags_name, signed
from .debug.debugger import REGISTER_ORDER, Debugger
from .machine import Machine
from .views.machine import code_around
from .views.stack import stack_text

PARTS32 = {"eax": ("ax", "ah", "al"), "ebx": ("bx", "bh", "bl"), "ecx": ("cx", "ch", "cl"),
           "edx": ("dx", "dh", "dl"), "esi": ("si",), "edi": ("di",), "ebp": ("bp",),
           "esp": ("sp",)}
PARTS64 = {"r" + k[1:]: ("e" + k[1:], *v) for k, v in PARTS32.items()}
MEMORY_ROWS = 8


class CpuemuTUI(App):
    CSS = """
    Screen { layout: vertical; }
    #main { height: 1fr; }
    #left { width: 3fr; }
    #right { width: 2fr; }
    #source { height: 1fr; }
    .pane { border: round $primary; padding: 0 1; height: auto; }
    #log { height: 6; border: round $secondary; }
    #output { height: 5; border: round $secondary; }
    #command { dock: bottom; display: none; }
    #command.shown { display: block; }
    """
    BINDINGS = [("s", "step", "step"), ("n", "next", "next"), ("c", "continue", "continue"),
                ("f", "finish", "finish"), ("b", "back", "back"),
                ("r", "reverse_continue", "reverse-continue"), ("p", "parts", "parts"),
                ("colon", "command", "command"), ("q", "quit", "quit")]

    def __init__(self, machine: Machine, restart=None):
        super().__init__()
        self.lines: list[str] = []
        self.debugger = Debugger(machine, out=self.lines.append, restart=restart)
        self.texts: dict[str, str] = {}
        self.show_parts = False
        self.source_rows: list[tuple[str, int]] = []      # (file, line) per table row

    @property
    def m(self) -> Machine:
        return self.debugger.m

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield DataTable(id="source", cursor_type="row", zebra_stripes=False)
                yield Static(id="code", classes="pane")
                yield VerticalScroll(Static(id="log_text"), id="log")
            with VerticalScroll(id="right"):
                yield Static(id="registers", classes="pane")
                yield Static(id="flags", classes="pane")
                yield Static(id="segments", classes="pane")
                yield Static(id="stack", classes="pane")
                yield Static(id="memory", classes="pane")
                yield Static(id="output", classes="pane")
        yield Input(placeholder="gdb command (Enter runs it, Escape returns)", id="command")
        yield Footer()

    def on_mount(self) -> None:
        self.title = f"cpuemu {self.m.program.filename}"
        table = self.query_one("#source", DataTable)
        table.add_columns(" ", "line", "source")
        self._fill_source()
        table.focus()                  # keys go to the machine; `:` opens the command line
        self.refresh_panes()

    # -- actions -----------------------------------------------------------------------

    def run_command(self, line: str) -> None:
        self.debugger.one(line)
        self.refresh_panes()

    def action_step(self) -> None:
        self.run_command("stepi")

    def action_next(self) -> None:
        self.run_command("nexti")

    def action_continue(self) -> None:
        self.run_command("continue")

    def action_finish(self) -> None:
        self.run_command("finish")

    def action_back(self) -> None:
        self.run_command("reverse-stepi")

    def action_reverse_continue(self) -> None:
        self.run_command("reverse-continue")

    def action_parts(self) -> None:
        self.show_parts = not self.show_parts
        self.refresh_panes()

    def action_command(self) -> None:
        box = self.query_one("#command", Input)
        box.add_class("shown")
        box.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        box = event.input
        if event.value.strip():
            self.lines.append(f"(cpuemu) {event.value.strip()}")
            self.run_command(event.value)
        box.value = ""
        box.remove_class("shown")
        self.query_one("#source", DataTable).focus()

    def on_key(self, event) -> None:
        box = self.query_one("#command", Input)
        if event.key == "escape" and box.has_class("shown"):
            box.value = ""
            box.remove_class("shown")
            self.query_one("#source", DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """A source line clicked or chosen: a breakpoint there, or none any more."""
        file, number = self.source_rows[event.cursor_row]
        self.toggle_breakpoint(file, number)

    def toggle_breakpoint(self, file: str, number: int) -> None:
        address = next((a for a, s in sorted(self.m.program.source_map.items())
                        if s.file == file and s.line == number), None)
        if address is None:
            self.lines.append(f"no code at line {number}")
        else:
            here = [p.number for p in self.debugger.points.points.values()
                    if not p.watch and p.address == address]
            self.debugger.one(f"delete {' '.join(map(str, here))}" if here
                              else f"break *{address:#x}")
        self.refresh_panes()

    # -- panes -------------------------------------------------------------------------

    def _fill_source(self) -> None:
        from .debug.debugger import _source_lines
        table = self.query_one("#source", DataTable)
        files = sorted({s.file for s in self.m.program.source_map.values()},
                       key=lambda f: (f != self.m.program.filename, f))
        for file in files:
            for number, text in enumerate(_source_lines(file, self.m.program), 1):
                self.source_rows.append((file, number))
                name = file.rsplit("/", 1)[-1] if file != self.m.program.filename else ""
                table.add_row("", f"{name}:{number}" if name else str(number),
                              text.expandtabs(4))

    def refresh_panes(self) -> None:
        m = self.m
        self._refresh_source()
        self._set("code", self._code())
        self._set("registers", *self._registers())
        self._set("flags", *self._flags())
        self._set("segments", self._segments())
        self._set("stack", stack_text(m) or "(no frames)")
        self._set("memory", self._memory())
        self._set("output", "output\n" + m.stdout.decode("utf-8", "replace")[-2000:])
        self._set("log_text", "\n".join(self.lines[-200:]))
        self.sub_title = self._title()

    def _set(self, pane: str, text: str, rich: Text | None = None) -> None:
        self.texts[pane] = text
        self.query_one(f"#{pane}", Static).update(rich if rich is not None else Text(text))

    def _title(self) -> str:
        stop = self.m.last_stop
        where = self.m.symbolize(self.m.pc)
        return f"{where}" + (f" ({stop})" if stop is not None and stop.reason not in
                             ("step", "budget", "breakpoint") else "")

    def _refresh_source(self) -> None:
        table = self.query_one("#source", DataTable)
        here = self.m.program.line_at(self.m.pc)
        marks = {(s.file, s.line) for a, s in self.m.program.source_map.items()
                 if a in self.m.breakpoints}
        current = None
        for row, key in enumerate(self.source_rows):
            mark = ("=>" if here and (here.file, here.line) == key else "  ") + \
                ("●" if key in marks else " ")
            table.update_cell_at((row, 0), mark)
            if here and (here.file, here.line) == key:
                current = row
        self.texts["source"] = "\n".join(
            f"{'=>' if i == current else '  '} {f.rsplit('/', 1)[-1]}:{n}"
            for i, (f, n) in enumerate(self.source_rows) if i == current)
        if current is not None and table.cursor_row != current:
            table.move_cursor(row=current)

    def _code(self) -> str:
        program = self.m.program
        lines = []
        for address, text, here in code_around(self.m):
            for sym in program.symbols.values():
                if sym.address == address and sym.type != "abs":
                    lines.append(f"          {sym.name}:")
            line = program.line_at(address)
            src = f"  ; {line.line}: {line.text.strip()}" if line else ""
            lines.append(f"{'=>' if here else '  '} {address:08x}  {text}{src}")
        return "\n".join(lines)

    def _registers(self) -> tuple[str, Text]:
        m, bits = self.m, self.m.bits
        changed = m.changed
        plain, rich = [], Text()
        parts = PARTS64 if bits == 64 else PARTS32
        for name in REGISTER_ORDER[bits]:
            value = m.regs[name]
            mark = "*" if name in changed else " "
            width = 21 if bits == 64 else 11
            row = f"{name:4} {value:0{bits // 4}x} {signed(value, bits):>{width}}"
            if self.show_parts and name in parts:
                row += "  " + " ".join(f"{p}={m.regs[p]:x}" for p in parts[name])
            plain.append(f"{mark}{row}")
            rich.append(f"{mark}{row}\n", style="bold black on yellow" if mark == "*" else "")
        return "\n".join(plain), rich

    def _flags(self) -> tuple[str, Text]:
        m = self.m
        name = flags_name(m.bits)
        value = m.regs[name]
        changed = m.changed
        rich = Text(f"{name} {value:08x}\n")
        chips = []
        for flag in FLAG_BITS:
            on = getattr(m.flags, flag)
            chip = flag.upper() if on else flag
            chips.append(chip + ("*" if flag in changed else ""))
            style = "bold white on green" if on else "dim"
            rich.append(f" {chip} ", style=style + (" underline" if flag in changed else ""))
        return f"{name} {value:08x}\n" + " ".join(chips), rich

    def _segments(self) -> str:
        rows = []
        for name in SEGMENTS:
            seg = self.m.segment(name)
            rows.append(f"{name} {seg.selector:04x} base {seg.base:08x}")
        return "\n".join(rows)

    def _memory(self) -> str:
        data = next((s for s in self.m.program.sections if s.name == ".data"), None)
        if data is None:
            return "memory: no .data"
        rows = []
        for k in range(MEMORY_ROWS):
            at = data.address + 16 * k
            try:
                chunk = self.m.engine.read(at, 16, need=0)
            except Exception:
                break
            text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
            rows.append(f"{at:08x}  {chunk.hex(' ')}  {text}")
        return "\n".join(rows)
