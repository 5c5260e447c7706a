"""`cpuemu debug`: a terminal debugger with gdb's vocabulary, and time travel.

    step [n] | s      next [n] | n      finish      continue | c
    back [n]          reverse-continue | rc          (time travel: interp engine)
    break WHERE | b   delete N|all      watch WHERE [size]      info breakpoints
    print regs|flags|stack|frames|REGISTER | p       x/NU WHERE (U: b w d g)
    list | l          bt                quit | q

WHERE is a label, a line number, file:line, or an address (0x...). Commands come from the
terminal or, with --commands FILE, from a file, echoed after a `(cpuemu)` prompt so a
session reads as a transcript (tests drive the debugger this way).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from iced_x86 import Mnemonic

from ..cpu.instruction import code_bytes, decode_at
from ..cpu.registers import EAX, ESP, FLAG_BITS, REGS, gpr, signed
from ..errors import CpuemuError
from ..machine import Machine
from ..stop import Stop
from ..views.disasm import disassemble_one
from ..views.machine import memory_rows
from ..views.stack import backtrace, stack_text
from .history import History

MAX_STEPS = 10_000_000
MAX_EXAMINE = 4096                  # units one x/N shows
UNITS = {"b": 1, "w": 2, "d": 4, "g": 8}
# `print regs`, in the order gdb's `info registers` shows them
REGISTER_ORDER = {32: ("eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp", "eip"),
                  64: ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
                       *(f"r{i}" for i in range(8, 16)), "rip")}


class Debugger:
    def __init__(self, machine: Machine, out: Callable[[str], None] = print):
        self.m = machine
        self.out = out
        self.sp = gpr(machine.bits, ESP)
        self.history = History(machine) if machine.engine.name == "interp" else None
        self.watches: dict[int, tuple[int, int, bytes]] = {}      # number -> address, size, value
        self.numbers: dict[int, int] = {}                          # breakpoint number -> address
        self.next_number = 1
        self.done = False

    # -- the loop ----------------------------------------------------------------------

    def run(self, commands: Iterable[str] | None = None) -> int:
        """Execute commands (or read them from the terminal); returns an exit status."""
        self.out(f"cpuemu debugger: {self.m.program.filename}, engine {self.m.engine.name}"
                 f"{'' if self.history is not None else ' (no time travel)'}; "
                 "`help` lists commands")
        self.where()
        source = iter(commands) if commands is not None else self._terminal()
        for line in source:
            line = line.strip()
            if commands is not None:
                self.out(f"(cpuemu) {line}")
            if not line or line.startswith("#"):
                continue
            try:
                self.command(line)
            except (CpuemuError, ValueError, LookupError, OverflowError) as e:
                self.out(f"error: {_one_line(e)}")          # a bad command: one line
            except KeyboardInterrupt:
                self.out("interrupted")
                self.where()
            except Exception as e:                           # a bug of ours: still one line
                self.out(f"error: internal ({type(e).__name__}: {_one_line(e)})")
            if self.done:
                break
        status = self.m.exit_status
        return status if status is not None else 0

    def _terminal(self):
        while True:
            try:
                yield input("(cpuemu) ")
            except EOFError:
                return

    def command(self, line: str) -> None:
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        if word.startswith("x/") or word == "x":
            return self.examine(word, rest)
        handler = {
            "step": self.step, "s": self.step, "next": self.next, "n": self.next,
            "finish": self.finish, "continue": self.cont, "c": self.cont,
            "back": self.back, "reverse-continue": self.reverse, "rc": self.reverse,
            "break": self.break_, "b": self.break_, "delete": self.delete,
            "watch": self.watch, "info": self.info, "print": self.print_, "p": self.print_,
            "list": self.list_, "l": self.list_, "bt": self.bt, "backtrace": self.bt,
            "quit": self.quit, "q": self.quit, "help": self.help,
        }.get(word)
        if handler is None:
            raise CpuemuError(f"unknown command {word!r} (try `help`)")
        handler(rest)

    # -- moving ------------------------------------------------------------------------

    def _step_once(self) -> Stop:
        return self.history.step() if self.history is not None else self.m.step()

    def _go(self, done: Callable[[], bool] | None = None, first: bool = True) -> Stop:
        """Step until a breakpoint, a watch, `done`, or the end."""
        stop = Stop("stopped", self.m.pc)
        for _ in range(MAX_STEPS):
            stop = self._step_once()
            if stop.reason != "step":
                return stop
            hit = self._watch_hit()
            if hit:
                return Stop("watch", self.m.pc, detail=hit)
            if done is not None and done():
                return stop
            if self.m.pc in self.m.breakpoints:
                return Stop("breakpoint", self.m.pc)
        return Stop("budget", self.m.pc, detail=f"{MAX_STEPS} steps")

    def _report(self, stop: Stop) -> None:
        if stop.reason == "breakpoint":
            number = next((n for n, a in self.numbers.items() if a == stop.eip), "?")
            self.out(f"breakpoint {number} at {self.m.program.symbolize(stop.eip)}")
        elif stop.reason == "watch":
            self.out(stop.detail)
        elif stop.reason not in ("step", "stopped"):
            self.out(f"program stopped: {stop}")
            if stop.reason in ("exited", "signal"):
                return                              # there is no "here" any more
        self.where()

    def step(self, arg: str) -> None:
        stop = Stop("step", self.m.pc)
        for _ in range(self._count(arg)):
            stop = self._step_once()
            hit = self._watch_hit()
            if hit:
                stop = Stop("watch", self.m.pc, detail=hit)
            if stop.reason != "step":
                break
        self._report(stop)

    def next(self, arg: str) -> None:
        stop = Stop("step", self.m.pc)
        for _ in range(self._count(arg)):
            insn = self._decode()
            if insn is not None and insn.mnemonic == Mnemonic.CALL:
                stop = self._go(self._returned_to(insn.next_ip, self.m.regs[self.sp]))
            else:
                stop = self._step_once()
            if stop.reason != "step":
                break
        self._report(stop)

    def _returned_to(self, address: int, esp: int) -> Callable[[], bool]:
        """True once EIP is `address` with the stack back at or above `esp`."""
        return lambda: self.m.pc == address and self.m.regs[self.sp] >= esp

    def finish(self, arg: str) -> None:
        frames = self.m.frames()
        if not frames or frames[0].return_address is None:
            raise CpuemuError("the outermost frame has nowhere to return to")
        ret, slot = frames[0].return_address, frames[0].return_slot
        stop = self._go(lambda: self.m.pc == ret and self.m.regs[self.sp] > slot)
        if stop.reason == "step":
            acc = gpr(self.m.bits, EAX)
            self.out(f"returned from {frames[0].function}: {acc} = {self.m.regs[acc]:#x}")
        self._report(stop)

    def cont(self, arg: str) -> None:
        if self.watches:
            stop = self._go()                       # a watch is checked after every step
        elif self.history is not None:
            stop = self.history.run(MAX_STEPS)      # recorded, at block speed
        else:
            stop = self.m.run()
        self._report(stop)

    def back(self, arg: str) -> None:
        if self.history is None:
            raise CpuemuError("time travel needs the interp engine")
        n = self.history.back(self._count(arg))
        self.out(f"back {n} instruction{'s' if n != 1 else ''}")
        self._rewatch()
        self.where()

    def reverse(self, arg: str) -> None:
        if self.history is None:
            raise CpuemuError("time travel needs the interp engine")
        stop = self.history.run_back()
        self._rewatch()
        if stop.reason == "breakpoint":
            self._report(stop)
        else:
            self.out("reached the start of the recorded history")
            self.where()

    # -- breakpoints and watches -------------------------------------------------------------

    def resolve(self, where: str) -> int:
        where = where.strip()
        if not where:
            raise CpuemuError("where? (a label, a line, file:line, an address or a register)")
        if where.lower().startswith("0x"):
            try:
                return int(where, 16) & ((1 << self.m.bits) - 1)
            except ValueError:
                raise CpuemuError(f"not an address: {where!r}") from None
        if where.lstrip("$").lower() in REGS[self.m.bits]:     # x/4g $rsp, as gdb reads it
            return self.m.regs[where.lstrip("$").lower()]
        file, _, line = where.rpartition(":")
        if line.isdigit():
            number = int(line)
            for address, src in sorted(self.m.program.source_map.items()):
                if src.line == number and (not file or src.file.endswith(file)):
                    return address
            raise CpuemuError(f"no code at line {where}")
        return self.m.symbol(where)

    def break_(self, arg: str) -> None:
        address = self.m.add_breakpoint(self.resolve(arg))
        number = self.next_number
        self.next_number += 1
        self.numbers[number] = address
        self.out(f"breakpoint {number} at {address:#010x} ({self._place(address)})")

    def delete(self, arg: str) -> None:
        if arg not in ("", "all") and not arg.isdigit():
            raise CpuemuError(f"delete N or delete all, not {arg!r}")
        targets = list(self.numbers) if arg in ("", "all") else [int(arg)]
        for number in targets:
            if number in self.numbers:
                self.m.remove_breakpoint(self.numbers.pop(number))
            elif number in self.watches:
                del self.watches[number]
            else:
                raise CpuemuError(f"no breakpoint or watch {number}")
        self.out(f"deleted {', '.join(map(str, targets)) or 'nothing'}")

    def watch(self, arg: str) -> None:
        where, _, size = arg.partition(" ")
        address = self.resolve(where)
        n = int(size) if size.strip() else 4
        number = self.next_number
        self.next_number += 1
        self.watches[number] = (address, n, self.m.engine.read(address, n, need=0))
        self.out(f"watch {number}: {n} bytes at {address:#010x} = "
                 f"{int.from_bytes(self.watches[number][2], 'little'):#x}")

    def _watch_hit(self) -> str:
        for number, (address, n, old) in self.watches.items():
            new = self.m.engine.read(address, n, need=0)
            if new != old:
                self.watches[number] = (address, n, new)
                return (f"watch {number}: {address:#010x} changed "
                        f"{int.from_bytes(old, 'little'):#x} -> {int.from_bytes(new, 'little'):#x}")
        return ""

    def _rewatch(self) -> None:
        for number, (address, n, _) in self.watches.items():
            self.watches[number] = (address, n, self.m.engine.read(address, n, need=0))

    def info(self, arg: str) -> None:
        for number, address in sorted(self.numbers.items()):
            self.out(f"breakpoint {number} at {address:#010x} ({self._place(address)})")
        for number, (address, n, value) in sorted(self.watches.items()):
            self.out(f"watch {number}: {n} bytes at {address:#010x} = "
                     f"{int.from_bytes(value, 'little'):#x}")
        if not self.numbers and not self.watches:
            self.out("no breakpoints or watches")

    # -- looking -------------------------------------------------------------------------

    def print_(self, arg: str) -> None:
        what = arg.lower() or "regs"
        regs = self.m.regs
        if what in ("regs", "registers"):
            changed, bits = self.m.changed, self.m.bits
            width = 20 if bits == 64 else 11
            for name in REGISTER_ORDER[bits]:
                value = regs[name]
                mark = " *" if name in changed else ""
                self.out(f"{name:4} {value:#0{bits // 4 + 2}x} {value:>{width}} "
                         f"{signed(value, bits):>{width}}{mark}")
        elif what == "flags":
            self.out(" ".join(f.upper() if getattr(self.m.flags, f) else f for f in FLAG_BITS))
        elif what == "stack":
            self.out(stack_text(self.m) or "(no frames)")
        elif what == "frames":
            self.bt("")
        elif what in REGS[self.m.bits]:
            value = regs[what]
            self.out(f"{what} = {value:#x} ({value})")
        elif what in FLAG_BITS:
            self.out(f"{what} = {getattr(self.m.flags, what)}")
        else:
            raise CpuemuError(f"print what? regs, flags, stack, frames or a register, "
                              f"not {arg!r}")

    def examine(self, word: str, arg: str) -> None:
        spec = word[2:] if word.startswith("x/") else ""
        digits = "".join(ch for ch in spec if ch.isdigit())
        unit = UNITS.get(spec[len(digits):] or "b")
        if unit is None:
            raise CpuemuError("x/NU: U is b (byte), w (word), d (dword) or g (qword)")
        if len(digits) > 6 or int(digits or 16) > MAX_EXAMINE:
            raise CpuemuError(f"x/N: at most {MAX_EXAMINE} units at a time")
        count = int(digits or 16) * unit
        address = self.resolve(arg)
        for start, cells in memory_rows(self.m, address, count, unit):
            self.out(f"{start:08x}  {' '.join(cells)}")

    def list_(self, arg: str) -> None:
        from ..views.machine import code_around
        for address, text, here in code_around(self.m):
            self.out(f"{'=>' if here else '  '} {address:08x}  {text}")

    def bt(self, arg: str) -> None:
        for line in backtrace(self.m) or ["(no frames)"]:
            self.out(line)

    def where(self) -> None:
        eip = self.m.pc
        code = code_bytes(self.m, eip)
        text = disassemble_one(code, eip, self.m.bits) if code else "(unmapped)"
        self.out(f"{eip:#010x}  {text}  [{self._place(eip)}]")

    def quit(self, arg: str) -> None:
        self.done = True

    def help(self, arg: str) -> None:
        self.out(__doc__.split("\n\n")[1])

    # -- helpers -------------------------------------------------------------------------

    def _place(self, address: int) -> str:
        line = self.m.program.line_at(address)
        where = f"{line.file}:{line.line}: {line.text.strip()}" if line else ""
        return f"{self.m.program.symbolize(address)}" + (f", {where}" if where else "")

    def _decode(self):
        return decode_at(self.m, self.m.pc)

    @staticmethod
    def _count(arg: str) -> int:
        if not arg:
            return 1
        if not arg.isdigit() or len(arg) > 9:
            raise CpuemuError(f"not a count: {arg!r}")
        return int(arg)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:300] or type(error).__name__
