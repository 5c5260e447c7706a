"""The IPython extension: `%load_ext cpuemu`, then a cell that starts with `%%asm` is
assembled and run, and shows the machine afterwards (registers, what changed, code,
stack). `%%asm --step` shows every instruction with the registers it changed.

    %%asm [--dialect nasm|guide|gas] [--bits 32|64] [--engine interp|unicorn] [--step]
          [--max-instructions N] [--name VAR]

The machine is left in the notebook as `machine` (or --name), to look at further.
"""

from __future__ import annotations

import argparse
import html
import shlex

from .asm import assemble
from .errors import CpuemuError
from .machine import ENGINES, Machine
from .views.machine import STYLE, machine_html

STEP_LIMIT = 500


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="%%asm", add_help=False)
    p.add_argument("--dialect", choices=("nasm", "guide", "gas"))
    p.add_argument("--bits", type=int, choices=(32, 64))
    p.add_argument("--engine", choices=ENGINES, default="interp")
    p.add_argument("--step", action="store_true")
    p.add_argument("--max-instructions", type=int, default=1_000_000)
    p.add_argument("--name", default="machine")
    return p


class Result:
    """What the cell shows: the machine, and with --step the steps that led there."""

    def __init__(self, machine: Machine, steps: list[tuple[str, dict[str, tuple[int, int]]]]):
        self.machine, self.steps = machine, steps

    def _repr_html_(self) -> str:
        out = ""
        if self.steps:
            rows = "".join(
                f"<tr><td>{html.escape(text)}</td><td style='text-align:left'>"
                + ", ".join(f"{n}: {a:#x} &rarr; <b>{b:#x}</b>" for n, (a, b) in changed.items())
                + "</td></tr>" for text, changed in self.steps)
            out += f'<div class="cpuemu">{STYLE}<table class="cpuemu-steps">{rows}</table></div>'
        if self.machine.stdout:
            out += f"<pre>{html.escape(self.machine.stdout.decode(errors='replace'))}</pre>"
        return out + machine_html(self.machine)

    def __repr__(self) -> str:
        return f"<cpuemu %%asm: {self.machine.last_stop}>"


def asm_magic(line: str, cell: str, namespace: dict) -> Result:
    args = _parser().parse_args(shlex.split(line))
    dialect = args.dialect or ("nasm" if "section" in cell or "_start" in cell else None)
    program = assemble(cell, dialect=dialect, bits=args.bits, filename="<cell>")
    machine = Machine(program, engine=args.engine, max_instructions=args.max_instructions)
    namespace[args.name] = machine
    steps: list = []
    if args.step:
        from .views.disasm import disassemble_one
        for _ in range(STEP_LIMIT):
            eip = machine.pc
            text = disassemble_one(machine.engine.read(eip, 15, need=0), eip, machine.bits)
            before = machine.regs.as_dict()
            stop = machine.step()
            after = machine.regs.as_dict()
            changed = {n: (before[n], after[n]) for n in after if before[n] != after[n]
                       and n != "eip"}
            steps.append((f"{eip:08x}  {text}", changed))
            if stop.reason != "step":
                break
    else:
        machine.run()
    return Result(machine, steps)


def load(ipython) -> None:
    from IPython.core.magic import register_cell_magic

    @register_cell_magic("asm")
    def _asm(line: str, cell: str):
        try:
            return asm_magic(line, cell, ipython.user_ns)
        except CpuemuError as e:
            print(f"cpuemu: {e}")
            return None
