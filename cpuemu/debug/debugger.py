"""`cpuemu debug`: a terminal debugger with gdb's command language, and time travel.

  running   step|s  stepi|si  next|n  nexti|ni [N]   finish   continue|c   until|u [WHERE]
            advance WHERE   run|r  start (restart)   kill   quit|q
  backwards reverse-step|rs  reverse-stepi|rsi  reverse-next|rn  reverse-nexti|rni
            reverse-continue|rc  reverse-finish  back [N]          (interp engine)
  stopping  break|b [WHERE] [if COND]  tbreak WHERE  condition N [COND]  delete|d [N...]
            disable [N...]  enable [N...]  watch EXPR  rwatch EXPR
  looking   print|p[/FMT] EXPR  x/NFU ADDR  display[/FMT] EXPR  undisplay [N...]
            info registers|frame|breakpoints|display|symbol ADDR   bt   up|down [N]
            frame|f [N]   list|l [WHERE]   disassemble [WHERE]   set $REG = EXPR
            set {TYPE}ADDR = EXPR   print regs|flags|stack|frames

WHERE is a label, a line number, file:line, *ADDRESS or an address (0x...). EXPR is C
with $registers, $N history, labels (their address), casts and *(int*)ADDR reads.
FMT is x d u o t c a; x's N is a count, F also s (string) or i (instruction), U b h w g.
An empty line repeats the last command; Ctrl-C stops the guest and returns here.
Commands come from the terminal (with line editing and history) or, with --commands
FILE, from a file, echoed after a `(cpuemu)` prompt so a session reads as a transcript.
"""

from __future__ import annotations

import itertools
import signal
from collections.abc import Callable, Iterable
from contextlib import contextmanager

from iced_x86 import Mnemonic

from ..abi.frames import function_starts
from ..cpu.instruction import code_bytes, decode_at, memory_reads
from ..cpu.memory import MemoryFault
from ..cpu.registers import EAX, ESP, FLAG_BITS, REGS, SEGMENTS, flags_name, gpr, pc_name, signed
from ..errors import CpuemuError
from ..machine import Machine
from ..stop import Stop
from ..views.disasm import disassemble_one
from ..views.stack import backtrace, stack_text
from .expressions import Evaluator, ExpressionError, Value, base_type, flag_names
from .formats import PER_LINE, UNITS, integer, split_format, string_at, value_text
from .history import History
from .points import Display, Point, Points

MAX_STEPS = 10_000_000              # per command from a script; at a terminal, Ctrl-C ends it
SLICE = 20_000                       # instructions between looks for Ctrl-C
MAX_EXAMINE = 4096                   # units one x/N shows
REGISTER_ORDER = {32: ("eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp", "eip"),
                  64: ("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
                       *(f"r{i}" for i in range(8, 16)), "rip")}
ALIASES = {
    "s": "step", "si": "stepi", "n": "next", "ni": "nexti", "c": "continue", "cont":
    "continue", "u": "until", "b": "break", "br": "break", "d": "delete", "p": "print",
    "inspect": "print", "l": "list", "bt": "backtrace", "where": "backtrace", "f": "frame",
    "i": "info", "q": "quit", "r": "run", "rs": "reverse-step", "rsi": "reverse-stepi",
    "rn": "reverse-next", "rni": "reverse-nexti", "rc": "reverse-continue", "disas":
    "disassemble", "k": "kill", "h": "help", "exit": "quit",
}
REPEATS = {"step", "stepi", "next", "nexti", "x", "reverse-step", "reverse-stepi",
           "reverse-next", "reverse-nexti", "back", "list", "up", "down", "continue"}


class Interrupted(Exception):
    pass


class Debugger:
    def __init__(self, machine: Machine, out: Callable[[str], None] = print,
                 restart: Callable[[], Machine] | None = None, record: bool = True):
        """`restart` makes a fresh machine for `run`/`start` (the same program);
        `record`: keep the history time travel needs (on the interpreter). Without it,
        `continue` runs on Unicorn whenever no watchpoint needs every step."""
        self.out = out
        self.record = record
        self.restart_machine = restart
        self.points = Points()
        self.displays: list[Display] = []
        self.next_display = 1
        self.values: list[Value] = []            # print's $1, $2...
        self.x_format, self.x_unit, self.x_next = "x", 4, None
        self.last_line = ""
        self.done = False
        self.interrupt = False
        self.max_steps: int | None = MAX_STEPS
        self.attach(machine)

    def attach(self, machine: Machine) -> None:
        self.m = machine
        self.sp = gpr(machine.bits, ESP)
        self.history = History(machine) if machine.engine.name == "interp" and self.record \
            else None
        self.eval = Evaluator(machine, self.values)
        self.selected = 0                        # frame `up`/`down` chose
        for point in self.points.points.values():
            point.hits = 0
        self._sync()
        self._rewatch()

    # -- the loop ----------------------------------------------------------------------

    def run(self, commands: Iterable[str] | None = None) -> int:
        """Execute commands (or read them from the terminal); returns an exit status."""
        fast = " (no time travel; continue runs on unicorn)" if self.history is None and \
            self.m.engine.name == "interp" else " (no time travel)"
        self.out(f"cpuemu debugger: {self.m.program.filename}, engine {self.m.engine.name}"
                 f"{'' if self.history is not None else fast}; "
                 "`help` lists commands")
        self.where()
        if commands is None:
            self.max_steps = None                   # a person at the terminal has Ctrl-C
        source = iter(commands) if commands is not None else self._terminal()
        for line in source:
            if commands is not None:
                self.out(f"(cpuemu) {line.strip()}")
            self.one(line)
            if self.done:
                break
        status = self.m.exit_status
        return status if status is not None else 0

    def one(self, line: str) -> None:
        """One command line; an empty one repeats the last repeatable command."""
        line = line.strip()
        if line.startswith("#"):
            return
        if not line:
            if not self.last_line:
                return
            line = self.last_line
            if line.startswith("x"):                 # x goes on from where it stopped
                line = line.split()[0]
        else:
            word = ALIASES.get(line.split()[0], line.split()[0])
            self.last_line = line if word in REPEATS or word.startswith("x/") else ""
        try:
            self.command(line)
        except (CpuemuError, ValueError, LookupError, OverflowError) as e:
            self.out(f"error: {_one_line(e)}")              # a bad command: one line
        except (KeyboardInterrupt, Interrupted):
            self.out("interrupted")
            self.where()
        except Exception as e:                               # a bug of ours: still one line
            self.out(f"error: internal ({type(e).__name__}: {_one_line(e)})")

    def _terminal(self):
        try:
            import readline  # noqa: F401  (line editing and history for input())
        except ImportError:
            pass
        while True:
            try:
                yield input("(cpuemu) ")
            except EOFError:
                return
            except KeyboardInterrupt:
                self.out("")                             # Ctrl-C at the prompt: a new one

    def command(self, line: str) -> None:
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        if word.startswith(("x/", "p/", "print/", "display/", "output/")) or word == "x":
            name, _, spec = word.partition("/")
            return {"x": self.examine, "p": self.print_, "print": self.print_,
                    "display": self.display, "output": self.print_}[name](rest, spec)
        word = ALIASES.get(word, word)
        handler = getattr(self, "cmd_" + word.replace("-", "_"), None)
        if handler is None:
            raise CpuemuError(f"unknown command {word!r} (try `help`)")
        handler(rest)

    # -- running -----------------------------------------------------------------------

    @contextmanager
    def _catching_ctrl_c(self):
        """While the guest runs, Ctrl-C sets a flag the run loops look at between
        slices, so the guest stops between instructions, never inside one."""
        self.interrupt = False

        def handler(signum, frame):
            self.interrupt = True
        try:
            previous = signal.signal(signal.SIGINT, handler)
        except ValueError:                           # not the main thread: no Ctrl-C
            yield
            return
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, previous)

    def _step_once(self) -> Stop:
        return self.history.step() if self.history is not None else self.m.step()

    def _check_interrupt(self) -> None:
        if self.interrupt:
            self.interrupt = False
            raise Interrupted

    def _go(self, done: Callable[[], bool] | None = None) -> Stop:
        """Forward until a breakpoint whose condition holds, a watchpoint, `done`, the
        end, or Ctrl-C."""
        with self._catching_ctrl_c():
            if done is None and not self.points.watches():
                return self._run_fast()
            return self._run_stepping(done)

    def _run_stepping(self, done: Callable[[], bool] | None) -> Stop:
        stop = Stop("stopped", self.m.pc)
        reads = [p for p in self.points.watches() if p.kind == "read watchpoint"]
        for count in self._budget():
            if count % 4096 == 0:
                self._check_interrupt()
            read = self._read_hit(reads) if reads else ""
            stop = self._step_once()
            if stop.reason != "step":
                return stop
            if read:
                return Stop("watch", self.m.pc, detail=read)
            hit = self._watch_hit()
            if hit:
                return Stop("watch", self.m.pc, detail=hit)
            if done is not None and done():
                return stop
            if self._breakpoint_here():
                return Stop("breakpoint", self.m.pc)
        return Stop("budget", self.m.pc, detail=f"{self.max_steps} steps")

    def _budget(self):
        """Step numbers for one command: endless at a terminal (Ctrl-C ends it)."""
        return range(self.max_steps) if self.max_steps is not None else itertools.count()

    def _run_fast(self) -> Stop:
        """No watchpoint and nothing to test each step: run at block speed, on Unicorn
        when the interpreter is not recording (switching back to step)."""
        fast = self.history is None and self.m.engine.name == "interp"
        if fast:
            self.m.switch_engine("unicorn")
        try:
            for _ in itertools.islice(self._budget(), 0, None, SLICE):
                self._check_interrupt()
                stop = self.history.run(SLICE) if self.history is not None \
                    else self.m.run(SLICE)
                if stop.reason == "breakpoint":
                    if self._breakpoint_here():
                        return stop
                    stop = self._step_once()             # its condition is false: past it
                    if stop.reason != "step":
                        return stop
                    continue
                if stop.reason != "budget":
                    return stop
            return Stop("budget", self.m.pc, detail=f"{self.max_steps} steps")
        finally:
            if fast:
                self.m.switch_engine("interp")

    def _breakpoint_here(self) -> bool:
        """A breakpoint at PC whose condition holds (counting the hit, deleting a tbreak)."""
        hit = False
        for point in self.points.breakpoints_at(self.m.pc):
            if point.condition and not self._holds(point):
                continue
            point.hits += 1
            hit = True
        return hit

    def _holds(self, point: Point) -> bool:
        try:
            return self.eval.evaluate(point.condition).truth()
        except CpuemuError as e:
            self.out(f"error in condition of breakpoint {point.number}: {_one_line(e)}")
            return True                                      # gdb stops on a broken condition

    def _report(self, stop: Stop) -> None:
        if stop.reason == "breakpoint":
            hit = [p for p in self.points.breakpoints_at(stop.eip)
                   if not p.condition or self._holds(p)] or \
                self.points.breakpoints_at(stop.eip)
            if hit:
                point = hit[0]
                kind = "temporary breakpoint" if point.temporary else "breakpoint"
                self.out(f"{kind} {point.number} at {self.m.symbolize(stop.eip)}")
                for p in hit:
                    if p.temporary:
                        self.points.remove(p.number)
                self._sync()
        elif stop.reason == "watch":
            self.out(stop.detail)
        elif stop.reason not in ("step", "stopped"):
            self.out(f"program stopped: {stop}")
            if stop.reason in ("exited", "signal"):
                return                              # there is no "here" any more
        self.selected = 0
        self.where()
        self.show_displays()

    def cmd_stepi(self, arg: str) -> None:
        stop = Stop("step", self.m.pc)
        with self._catching_ctrl_c():
            for _ in range(self._count(arg)):
                self._check_interrupt()
                stop = self._step_once()
                hit = self._watch_hit()
                if hit:
                    stop = Stop("watch", self.m.pc, detail=hit)
                if stop.reason != "step":
                    break
        self._report(stop)

    def cmd_step(self, arg: str) -> None:
        """To the next source line (one instruction where a line is one instruction)."""
        stop = Stop("step", self.m.pc)
        for _ in range(self._count(arg)):
            line = self._line_key()
            stop = self._go(lambda line=line: line is None or self._line_key() != line)
            if stop.reason != "step":
                break
        self._report(stop)

    def cmd_nexti(self, arg: str) -> None:
        stop = Stop("step", self.m.pc)
        for _ in range(self._count(arg)):
            stop = self._over_one()
            if stop.reason != "step":
                break
        self._report(stop)

    def cmd_next(self, arg: str) -> None:
        stop = Stop("step", self.m.pc)
        for _ in range(self._count(arg)):
            line = self._line_key()
            while True:                       # calls run whole, so this stays in the frame
                stop = self._over_one()
                if stop.reason != "step" or line is None or self._line_key() != line:
                    break
            if stop.reason != "step":
                break
        self._report(stop)

    def _over_one(self) -> Stop:
        """One instruction, a call being one (run until it returns)."""
        insn = decode_at(self.m, self.m.pc)
        if insn is not None and insn.mnemonic == Mnemonic.CALL:
            return self._go(self._returned_to(insn.next_ip, self.m.regs[self.sp]))
        with self._catching_ctrl_c():
            stop = self._step_once()
        hit = self._watch_hit()
        return Stop("watch", self.m.pc, detail=hit) if hit else stop

    def _line_key(self):
        line = self.m.program.line_at(self.m.pc)
        return (line.file, line.line) if line else None

    def _returned_to(self, address: int, sp: int) -> Callable[[], bool]:
        """True once the PC is `address` with the stack back at or above `sp`."""
        return lambda: self.m.pc == address and self.m.regs[self.sp] >= sp

    def cmd_finish(self, arg: str) -> None:
        frames = self.m.frames()
        if not frames or frames[0].return_address is None:
            raise CpuemuError('"finish" not meaningful in the outermost frame')
        ret, slot = frames[0].return_address, frames[0].return_slot
        self.out(f"Run till exit from #0 {frames[0].function}")
        stop = self._go(lambda: self.m.pc == ret and self.m.regs[self.sp] > slot)
        if stop.reason == "step":
            acc = gpr(self.m.bits, EAX)
            self.out(f"returned from {frames[0].function}: {acc} = {self.m.regs[acc]:#x}")
        self._report(stop)

    def cmd_continue(self, arg: str) -> None:
        if arg:                                       # continue N: ignore this one N-1 times
            count = self._count(arg)
            for point in self.points.breakpoints_at(self.m.pc):
                point.hits += count - 1
        self._report(self._go())

    def cmd_until(self, arg: str) -> None:
        """No argument: the next line below this one (out of a loop); WHERE: there, or
        until this function returns."""
        frames = self.m.frames()
        slot = frames[0].return_slot if frames else None

        def returned() -> bool:
            return slot is not None and self.m.regs[self.sp] > slot
        if arg:
            target = self.resolve(arg)
            sp = self.m.regs[self.sp]
            stop = self._go(lambda: (self.m.pc == target and self.m.regs[self.sp] >= sp)
                            or returned())
            return self._report(stop)
        line, here = self._line_key(), self.m.pc
        while True:                           # like next, but never back up a loop
            stop = self._over_one()
            if stop.reason != "step" or line is None or returned() or \
                    (self.m.pc > here and self._line_key() != line):
                break
        self._report(stop)

    def cmd_advance(self, arg: str) -> None:
        if not arg:
            raise CpuemuError("advance where? (a label, a line, *ADDRESS)")
        target = self.resolve(arg)
        self._report(self._go(lambda: self.m.pc == target))

    def cmd_run(self, arg: str) -> None:
        if self.restart_machine is None:
            raise CpuemuError("this session cannot restart its program")
        self.attach(self.restart_machine())
        self.out("starting the program again")
        self._report(self._go())

    def cmd_start(self, arg: str) -> None:
        if self.restart_machine is None:
            raise CpuemuError("this session cannot restart its program")
        self.attach(self.restart_machine())
        self.out("starting the program again, stopped at its entry")
        self.where()
        self.show_displays()

    def cmd_kill(self, arg: str) -> None:
        self.cmd_start(arg)

    # -- backwards ---------------------------------------------------------------------

    def _recorded(self) -> History:
        if self.history is None:
            raise CpuemuError("time travel needs the interp engine, recording"
                              if self.record else "time travel needs recording (not "
                              "--no-record)")
        return self.history

    def cmd_back(self, arg: str) -> None:
        n = self._recorded().back(self._count(arg))
        self.out(f"back {n} instruction{'s' if n != 1 else ''}")
        self._rewatch()
        self.where()
        self.show_displays()

    def cmd_reverse_stepi(self, arg: str) -> None:
        history = self._recorded()
        done = history.back(self._count(arg))
        self._back_report(done > 0)

    def cmd_reverse_step(self, arg: str) -> None:
        history = self._recorded()
        moved = False
        for _ in range(self._count(arg)):
            line = self._line_key()
            if not history.step_back():
                break
            moved = True
            if line is None:
                continue
            while self._line_key() == line and history.step_back():
                pass
            here = self._line_key()           # to the first instruction of that line
            while here is not None and history.step_back():
                if self._line_key() != here:
                    history.goto(history.now + 1)
                    break
        self._back_report(moved)

    def cmd_reverse_nexti(self, arg: str) -> None:
        moved = False
        for _ in range(self._count(arg)):
            if not self._back_over_one():
                break
            moved = True
        self._back_report(moved)

    def cmd_reverse_next(self, arg: str) -> None:
        moved = False
        for _ in range(self._count(arg)):
            line = self._line_key()
            if not self._back_over_one():
                break
            moved = True
            while line is not None and self._line_key() == line and self._back_over_one():
                pass
        self._back_report(moved)

    def _back_over_one(self) -> bool:
        """Back one instruction of this function: a call that ran in between counts as
        one (we land on the call)."""
        history = self._recorded()
        here, sp = self.m.pc, self.m.regs[self.sp]
        if not history.step_back():
            return False
        insn = decode_at(self.m, self.m.pc)
        if insn is not None and insn.mnemonic == Mnemonic.RET and self.m.regs[self.sp] < sp:
            self._run_back(lambda m: m.regs[self.sp] == sp and _calls_to(m, here))
        return True

    def _run_back(self, until: Callable[[Machine], bool]) -> Stop:
        """Back to the latest point where `until` holds or a breakpoint whose condition
        holds (the history's own search knows no conditions, so it searches for both)."""
        history = self._recorded()
        conditional = any(p.condition for p in self.points.points.values() if not p.watch)
        if not conditional:
            return history.run_back(until)
        saved = set(self.m.breakpoints)
        for address in saved:
            self.m.remove_breakpoint(address)
        try:
            return history.run_back(lambda m: until(m) or self._breakpoint_holds())
        finally:
            self._sync()

    def _breakpoint_holds(self) -> bool:
        return any(not p.condition or self._holds(p)
                   for p in self.points.breakpoints_at(self.m.pc))

    def cmd_reverse_finish(self, arg: str) -> None:
        frames = self.m.frames()
        if not frames or frames[0].return_address is None:
            raise CpuemuError('"reverse-finish" not meaningful in the outermost frame')
        ret = frames[0].return_address
        slot = frames[0].return_slot
        word = self.m.bits // 8
        stop = self._run_back(lambda m: m.regs[self.sp] == slot + word and _calls_to(m, ret))
        if stop.reason == "breakpoint" and self._breakpoint_holds() and \
                not _calls_to(self.m, ret):
            point = self.points.breakpoints_at(self.m.pc)[0]
            self.out(f"breakpoint {point.number} at {self.m.symbolize(self.m.pc)}")
        self._rewatch()
        if stop.detail == "start of history":
            self.out("reached the start of the recorded history")
        self.where()
        self.show_displays()

    def cmd_reverse_continue(self, arg: str) -> None:
        history = self._recorded()
        conditional = any(p.condition for p in self.points.points.values() if not p.watch)
        watches = self.points.watches()
        if conditional or watches:
            stop = self._reverse_stepping(watches)
        else:
            stop = history.run_back()
        self._rewatch()
        if stop.reason in ("breakpoint", "watch"):
            if stop.reason == "watch":
                self.out(stop.detail)
            else:
                point = self.points.breakpoints_at(self.m.pc)
                self.out(f"breakpoint {point[0].number if point else '?'} at "
                         f"{self.m.symbolize(self.m.pc)}")
        else:
            self.out("reached the start of the recorded history")
        self.where()
        self.show_displays()

    def _reverse_stepping(self, watches: list[Point]) -> Stop:
        """Back one instruction at a time until a breakpoint whose condition holds, or a
        watched value differs from what it is now."""
        history = self._recorded()
        values = {p.number: self._peek(p.address, p.size) for p in watches}
        while history.step_back():
            for p in watches:
                old = self._peek(p.address, p.size)
                if old != values[p.number]:                # this instruction wrote it
                    return Stop("watch", self.m.pc, detail=(
                        f"watch {p.number}: {p.what} changed here "
                        f"{int.from_bytes(old, 'little'):#x} -> "
                        f"{int.from_bytes(values[p.number], 'little'):#x}"))
            for point in self.points.breakpoints_at(self.m.pc):
                if not point.condition or self._holds(point):
                    return Stop("breakpoint", self.m.pc)
        return Stop("stopped", self.m.pc, detail="start of history")

    def _back_report(self, moved: bool) -> None:
        self._rewatch()
        if not moved:
            self.out("reached the start of the recorded history")
        self.where()
        self.show_displays()

    # -- breakpoints and watches -------------------------------------------------------

    def resolve(self, where: str) -> int:
        where = where.strip()
        if not where:
            raise CpuemuError("where? (a label, a line, file:line, *ADDRESS or an address)")
        if where.startswith("*"):
            return self.eval.evaluate(where[1:]).value & _mask(self.m.bits)
        if where.lower().startswith("0x"):
            try:
                return int(where, 16) & _mask(self.m.bits)
            except ValueError:
                raise CpuemuError(f"not an address: {where!r}") from None
        if where.lstrip("$").lower() in REGS[self.m.bits] or where.startswith("$"):
            return self.eval.evaluate(where if where.startswith("$") else "$" + where).value
        file, _, line = where.rpartition(":")
        if line.isdigit():
            number = int(line)
            for address, src in sorted(self.m.program.source_map.items()):
                if src.line == number and (not file or src.file.endswith(file)):
                    return address
            raise CpuemuError(f"no code at line {where}")
        return self.m.symbol(where)

    def cmd_break(self, arg: str, temporary: bool = False) -> None:
        where, condition = _split_condition(arg)
        address = self.resolve(where) if where else self.m.pc
        if condition:
            self.eval.evaluate(condition)                   # refuse a condition that fails now
        point = self.points.add(kind="breakpoint", address=address, what=where or "here",
                                temporary=temporary, condition=condition)
        self._sync()
        kind = "temporary breakpoint" if temporary else "breakpoint"
        self.out(f"{kind} {point.number} at {address:#010x} ({self._place(address)})")

    def cmd_tbreak(self, arg: str) -> None:
        self.cmd_break(arg, temporary=True)

    def cmd_condition(self, arg: str) -> None:
        number, _, condition = arg.partition(" ")
        point = self.points.get(self._number(number))
        if condition.strip():
            self.eval.evaluate(condition)
        point.condition = condition.strip()
        self.out(f"breakpoint {point.number} now unconditional" if not point.condition
                 else f"breakpoint {point.number} stops only if {point.condition}")

    def cmd_delete(self, arg: str) -> None:
        words = arg.split()
        if words[:1] == ["display"]:
            return self.cmd_undisplay(" ".join(words[1:]))
        if words in ([], ["all"]):
            numbers = list(self.points.points)
        else:
            numbers = [self._number(w) for w in words]
        for number in numbers:
            self.points.remove(number)
        self._sync()
        self.out(f"deleted {', '.join(map(str, numbers)) or 'nothing'}")

    def cmd_disable(self, arg: str) -> None:
        self._enable(arg, False)

    def cmd_enable(self, arg: str) -> None:
        self._enable(arg, True)

    def _enable(self, arg: str, on: bool) -> None:
        numbers = [self._number(w) for w in arg.split()] or list(self.points.points)
        for number in numbers:
            self.points.get(number).enabled = on
        self._sync()
        self._rewatch()
        self.out(f"{'enabled' if on else 'disabled'} {', '.join(map(str, numbers)) or 'nothing'}")

    def cmd_watch(self, arg: str, kind: str = "hw watchpoint") -> None:
        if not arg:
            raise CpuemuError("watch what? (an expression in memory, `*(int*)ADDR`, or an "
                              "address and a size)")
        where, _, size = arg.rpartition(" ")
        if where and size.isdigit() and not any(op in where for op in "*({"):
            address, n, what = self.resolve(where), int(size), where     # watch ADDR SIZE
        else:
            value = self._watched(arg)
            address, n, what = value.address, max(value.type.size, 1), arg
        if not 1 <= n <= 64:
            raise CpuemuError("a watchpoint covers 1 to 64 bytes")
        point = self.points.add(kind=kind, address=address, what=what, size=n,
                                old=self._peek(address, n))
        label = "read watchpoint" if kind == "read watchpoint" else "watch"
        named = "" if what.lower().startswith("0x") else f" ({what})"
        self.out(f"{label} {point.number}: {n} bytes at {address:#010x}{named} = "
                 f"{int.from_bytes(point.old, 'little'):#x}")

    def cmd_rwatch(self, arg: str) -> None:
        self.cmd_watch(arg, kind="read watchpoint")

    def _watched(self, arg: str) -> Value:
        """What `watch EXPR` watches: a value in memory (`*(int*)X`, `{short}X`); a
        label or an address alone means the int there."""
        try:
            value = self.eval.evaluate(arg)
        except ExpressionError:
            value = None
        if value is not None and value.address is not None and value.register is None \
                and value.type.size and not arg.strip().isidentifier():
            return value
        return Value(0, base_type("int", self.m.bits), address=self.resolve(arg))

    def _peek(self, address: int, n: int) -> bytes:
        try:
            return self.m.engine.read(address, n, need=0)
        except MemoryFault:
            return b""

    def _watch_hit(self) -> str:
        for point in self.points.watches():
            if point.kind != "hw watchpoint":
                continue
            new = self._peek(point.address, point.size)
            if new != point.old:
                old, point.old = point.old, new
                point.hits += 1
                return (f"watch {point.number}: {point.what} changed "
                        f"{int.from_bytes(old, 'little'):#x} -> "
                        f"{int.from_bytes(new, 'little'):#x}")
        return ""

    def _read_hit(self, points: list[Point]) -> str:
        insn = decode_at(self.m, self.m.pc)
        if insn is None:
            return ""
        for address, size in memory_reads(insn, self.m):
            for p in points:
                if address < p.address + p.size and p.address < address + size:
                    p.hits += 1
                    value = int.from_bytes(self._peek(p.address, p.size), "little")
                    return f"read watch {p.number}: {p.what} read, value {value:#x}"
        return ""

    def _rewatch(self) -> None:
        for point in self.points.watches():
            point.old = self._peek(point.address, point.size)

    def _sync(self) -> None:
        """The machine's breakpoints are the enabled ones in the table."""
        for address in list(self.m.breakpoints):
            self.m.remove_breakpoint(address)
        for address in self.points.addresses():
            self.m.add_breakpoint(address)

    # -- looking -----------------------------------------------------------------------

    def cmd_print(self, arg: str) -> None:
        self.print_(arg)

    def cmd_display(self, arg: str) -> None:
        self.display(arg)

    def cmd_x(self, arg: str) -> None:
        self.examine(arg)

    def print_(self, arg: str, spec: str = "") -> None:
        what = arg.strip()
        if not spec and what.lower() in ("regs", "registers", "flags", "stack", "frames", ""):
            return self._print_view(what.lower() or "regs")
        if not spec and what.lower() in REGS[self.m.bits]:         # `print edi`
            value = self.m.regs[what.lower()]
            return self.out(f"{what.lower()} = {value:#x} ({value})")
        if not spec and what.lower() in FLAG_BITS:
            return self.out(f"{what.lower()} = {getattr(self.m.flags, what.lower())}")
        _, fmt, _ = split_format(spec, "", 4)
        value = self.eval.evaluate(what)
        self.values.append(value)
        self.out(f"${len(self.values)} = {value_text(value, fmt, self._symbol)}")

    def _print_view(self, what: str) -> None:
        if what in ("regs", "registers"):
            changed, bits = self.m.changed, self.m.bits
            width = 20 if bits == 64 else 11
            for name in REGISTER_ORDER[bits]:
                value = self.m.regs[name]
                mark = " *" if name in changed else ""
                self.out(f"{name:4} {value:#0{bits // 4 + 2}x} {value:>{width}} "
                         f"{signed(value, bits):>{width}}{mark}")
        elif what == "flags":
            self.out(" ".join(f.upper() if getattr(self.m.flags, f) else f for f in FLAG_BITS))
        elif what == "stack":
            self.out(stack_text(self.m) or "(no frames)")
        else:
            self.cmd_backtrace("")

    def examine(self, arg: str, spec: str = "") -> None:
        count, fmt, unit = split_format(spec, self.x_format, self.x_unit)
        if count > MAX_EXAMINE:
            raise CpuemuError(f"x/N: at most {MAX_EXAMINE} units at a time")
        if arg:
            address = self.eval.evaluate(arg).value & _mask(self.m.bits)
        elif self.x_next is not None:
            address = self.x_next
        else:
            raise CpuemuError("x what? (an address or an expression)")
        self.x_format, self.x_unit = fmt, (unit if fmt not in "si" else self.x_unit)
        read = self._reader()
        if fmt == "s":
            for _ in range(count):
                text, after = string_at(read, address)
                self.out(f"{self._label(address)}:\t{text}")
                address = after
        elif fmt == "i":
            for _ in range(count):
                code = code_bytes(self.m, address)
                if not code:
                    raise CpuemuError(f"cannot access memory at address {address:#x}")
                insn = decode_at(self.m, address)
                mark = "=> " if address == self.m.pc else "   "
                text = disassemble_one(code, address, self.m.bits)
                self.out(f"{mark}{self._label(address)}:\t{text}")
                address += insn.len if insn is not None else 1
        else:
            per_line = PER_LINE[unit] if fmt not in "c" else 8
            for row in range(0, count, per_line):
                cells = []
                at = address + row * unit
                for k in range(min(per_line, count - row)):
                    raw = int.from_bytes(read(at + k * unit, unit), "little")
                    cells.append(_cell(raw, fmt, unit, self._symbol))
                self.out(f"{self._label(at)}:\t" + "\t".join(cells))
            address += count * unit
        self.x_next = address

    def _reader(self):
        def read(address: int, n: int) -> bytes:
            try:
                return self.m.engine.read(address & _mask(self.m.bits), n, need=0)
            except MemoryFault:
                raise CpuemuError(f"cannot access memory at address {address:#x}") from None
        return read

    def display(self, arg: str, spec: str = "") -> None:
        if not arg:
            return self.show_displays()
        if spec:
            count, fmt, unit = split_format(spec, "x", 4)
            kind = f"x/{spec}" if fmt in "si" or count != 1 or any(u in spec for u in UNITS) \
                else f"/{fmt}"
        else:
            kind = ""
        self.eval.evaluate(arg)                               # refuse what cannot show now
        shown = Display(self.next_display, arg, kind)
        self.next_display += 1
        self.displays.append(shown)
        self._show(shown)

    def show_displays(self) -> None:
        for shown in self.displays:
            if shown.enabled:
                self._show(shown)

    def _show(self, shown: Display) -> None:
        try:
            if shown.fmt.startswith("x/"):
                self.out(f"{shown.number}: {shown.fmt} {shown.expression}")
                saved = self.x_format, self.x_unit, self.x_next
                self.examine(shown.expression, shown.fmt[2:])
                self.x_format, self.x_unit, self.x_next = saved
            else:
                value = self.eval.evaluate(shown.expression)
                fmt = shown.fmt[1:] if shown.fmt else ""
                prefix = f"{shown.fmt} " if shown.fmt else ""
                self.out(f"{shown.number}: {prefix}{shown.expression} = "
                         f"{value_text(value, fmt, self._symbol)}")
        except CpuemuError as e:
            self.out(f"{shown.number}: {shown.expression}: {_one_line(e)}")

    def cmd_undisplay(self, arg: str) -> None:
        numbers = {self._number(w) for w in arg.split()} or {d.number for d in self.displays}
        missing = numbers - {d.number for d in self.displays}
        if missing:
            raise CpuemuError(f"no display number {min(missing)}")
        self.displays = [d for d in self.displays if d.number not in numbers]

    def cmd_set(self, arg: str) -> None:
        text = arg[4:].strip() if arg.startswith(("var ", "variable ")) else arg
        if text.startswith("variable "):
            text = text[len("variable "):]
        target, sep, source = text.partition("=")
        if not sep or not target.strip() or not source.strip() or source.startswith("="):
            raise CpuemuError("set TARGET = VALUE (a $register, or {TYPE}ADDR / *(TYPE*)ADDR)")
        self.eval.assign(target.strip(), source.strip())
        self._rewatch()

    def cmd_info(self, arg: str) -> None:
        word, _, rest = arg.partition(" ")
        word = {"r": "registers", "reg": "registers", "b": "breakpoints", "break":
                "breakpoints", "watchpoints": "breakpoints", "all-registers": "registers",
                "f": "frame", "s": "stack", "sym": "symbol"}.get(word, word)
        handler = {"registers": self._info_registers, "frame": self._info_frame,
                   "breakpoints": self._info_breakpoints, "display": self._info_display,
                   "symbol": self._info_symbol, "stack": self.cmd_backtrace,
                   "line": self._info_line}.get(word)
        if handler is None:
            raise CpuemuError("info registers|frame|breakpoints|display|symbol ADDR|line")
        handler(rest.strip())

    def _info_registers(self, arg: str) -> None:
        bits = self.m.bits
        names = [n.lstrip("$").lower() for n in arg.split()] or \
            [*REGISTER_ORDER[bits][:-1], pc_name(bits), flags_name(bits), *SEGMENTS,
             *(("fs_base", "gs_base") if bits == 64 else ())]
        for name in names:
            if name in ("pc", "sp", "fp"):
                name = {"pc": pc_name(bits), "sp": gpr(bits, ESP), "fp": gpr(bits, 5)}[name]
            if name not in REGS[bits]:
                raise CpuemuError(f"invalid register {name!r}")
            value = self.m.regs[name]
            if name in ("eflags", "rflags"):
                natural = flag_names(value)
            elif name in ("eip", "rip"):
                natural = f"{value:#x} <{self._symbol(value)}>" if self._symbol(value) \
                    else f"{value:#x}"
            elif name in ("esp", "ebp", "rsp", "rbp"):
                natural = f"{value:#x}"
            else:
                width = REGS[bits][name].bits
                natural = str(signed(value, width)) if width <= 64 else f"{value:#x}"
            self.out(f"{name:<15}{value:<#19x}{natural}")

    def _info_frame(self, arg: str) -> None:
        frames = self.m.frames()
        if not frames:
            raise CpuemuError("no stack")
        index = self.selected
        f = frames[index]
        pc = self.m.pc if index == 0 else frames[index - 1].return_address
        line = self.m.program.line_at(pc) if pc is not None else None
        self.out(f"Stack level {index}, frame at {f.return_slot + self.m.bits // 8:#x}:"
                 if f.return_slot is not None else f"Stack level {index}:")
        where = f" ({line.file}:{line.line})" if line else ""
        saved = f"; saved {pc_name(self.m.bits)} = {f.return_address:#x}" \
            if f.return_address is not None else ""
        self.out(f" {pc_name(self.m.bits)} = {pc:#x} in {f.function}{where}{saved}")
        if index + 1 < len(frames):
            self.out(f" called by frame at level {index + 1} ({frames[index + 1].function})")
        if index > 0:
            self.out(f" caller of frame at level {index - 1} ({frames[index - 1].function})")
        if f.args:
            self.out(" args: " + ", ".join(f"{v:#x} at {a:#x}" for a, v in f.args))
        if f.locals:
            self.out(" locals: " + ", ".join(f"{v:#x} at {a:#x}" for a, v in f.locals))
        if f.saved or f.return_slot is not None:
            slots = dict(f.saved)
            if f.return_slot is not None:
                slots[pc_name(self.m.bits)] = f.return_slot
            self.out(" saved registers: " +
                     ", ".join(f"{r} at {a:#x}" for r, a in sorted(slots.items(),
                                                                   key=lambda kv: kv[1])))

    def _info_breakpoints(self, arg: str) -> None:
        points = sorted(self.points.points.values(), key=lambda p: p.number)
        if not points:
            return self.out("no breakpoints or watchpoints")
        self.out("Num     Type            Disp Enb Address    What")
        for p in points:
            disp = "del " if p.temporary else "keep"
            enabled = "y" if p.enabled else "n"
            if p.watch:
                self.out(f"{p.number:<8}{p.kind:<16}{disp} {enabled}   {'':<10} {p.what}")
            else:
                self.out(f"{p.number:<8}{'breakpoint':<16}{disp} {enabled}   "
                         f"{p.address:#010x} {self._place(p.address)}")
            if p.condition:
                self.out(f"\tstop only if {p.condition}")
            if p.hits:
                self.out(f"\tbreakpoint already hit {p.hits} time{'s' if p.hits != 1 else ''}")

    def _info_display(self, arg: str) -> None:
        if not self.displays:
            return self.out("there are no auto-display expressions now")
        self.out("Auto-display expressions now in effect:\nNum Enb Expression")
        for d in self.displays:
            fmt = f"{d.fmt} " if d.fmt else ""
            self.out(f"{d.number}:   {'y' if d.enabled else 'n'}  {fmt}{d.expression}")

    def _info_symbol(self, arg: str) -> None:
        address = self.eval.evaluate(arg).value if arg else self.m.pc
        name = self._symbol(address)
        if not name:
            return self.out(f"no symbol matches {arg or 'the pc'}")
        section = next((s.name for s in self.m.program.sections
                        if s.address <= address < s.end), "")
        self.out(f"{name.replace('+', ' + ')} in section {section}" if section else name)

    def _info_line(self, arg: str) -> None:
        address = self.resolve(arg) if arg else self.m.pc
        line = self.m.program.line_at(address)
        if line is None:
            return self.out(f"no line number information for address {address:#x}")
        self.out(f'Line {line.line} of "{line.file}" is at address {address:#x} '
                 f"<{self._symbol(address)}>")

    def cmd_list(self, arg: str) -> None:
        """The source around the current line (or WHERE): the lines of the file."""
        address = self.resolve(arg) if arg else self.m.pc
        line = self.m.program.line_at(address)
        if line is None:
            return self.cmd_disassemble(arg)
        lines = _source_lines(line.file, self.m.program)
        here = self.m.program.line_at(self.m.pc)
        first = max(1, line.line - 5)
        for number in range(first, min(first + 10, len(lines) + 1)):
            mark = "=>" if here and here.line == number and here.file == line.file else "  "
            self.out(f"{mark}{number:5d}  {lines[number - 1].rstrip()}")

    def cmd_disassemble(self, arg: str) -> None:
        address = self.resolve(arg) if arg else self.m.pc
        functions = [a for a, _ in function_starts(self.m.program)]
        starts = [a for a in functions if a <= address]
        start = starts[-1] if starts else address
        name = self._symbol(start)
        later = [a for a in functions if a > start]
        end = later[0] if later else start + 64
        end = min(end, start + 4096)
        self.out(f"Dump of assembler code for function {name or hex(start)}:")
        at = start
        while at < end:
            code = code_bytes(self.m, at)
            insn = decode_at(self.m, at)
            if not code or insn is None:
                break
            mark = "=> " if at == self.m.pc else "   "
            self.out(f"{mark}{at:#010x} <+{at - start}>:\t"
                     f"{disassemble_one(code, at, self.m.bits)}")
            at += insn.len
        self.out("End of assembler dump.")

    def cmd_backtrace(self, arg: str) -> None:
        for line in backtrace(self.m) or ["(no frames)"]:
            self.out(line)

    def cmd_frame(self, arg: str) -> None:
        if arg:
            self._select(self._number(arg))
        self._show_frame()

    def cmd_up(self, arg: str) -> None:
        self._select(self.selected + (self._count(arg) if arg else 1))
        self._show_frame()

    def cmd_down(self, arg: str) -> None:
        if self.selected == 0:
            raise CpuemuError("bottom (innermost) frame selected; you cannot go down")
        self._select(self.selected - (self._count(arg) if arg else 1))
        self._show_frame()

    def _select(self, index: int) -> None:
        frames = self.m.frames()
        if not 0 <= index < len(frames):
            raise CpuemuError("initial frame selected; you cannot go up" if index > 0
                              else f"no frame at level {index}")
        self.selected = index

    def _show_frame(self) -> None:
        lines = backtrace(self.m)
        self.out(lines[self.selected] if self.selected < len(lines) else "(no frames)")

    def where(self) -> None:
        eip = self.m.pc
        code = code_bytes(self.m, eip)
        text = disassemble_one(code, eip, self.m.bits) if code else "(unmapped)"
        self.out(f"{eip:#010x}  {text}  [{self._place(eip)}]")

    def cmd_quit(self, arg: str) -> None:
        self.done = True

    def cmd_help(self, arg: str) -> None:
        self.out(__doc__.split("\n\n")[1].rstrip())

    # -- helpers -----------------------------------------------------------------------

    def _place(self, address: int) -> str:
        line = self.m.program.line_at(address)
        where = f"{line.file}:{line.line}: {line.text.strip()}" if line else ""
        return f"{self.m.symbolize(address)}" + (f", {where}" if where else "")

    def _symbol(self, address: int) -> str:
        """gdb's `name+offset` (decimal), or "" away from every label."""
        program = self.m.program
        if not any(s.address <= address < s.end for s in program.sections):
            return ""                            # the stack, the heap: no label is near
        text = program.symbolize(address)
        if text.startswith("0x"):
            return ""
        name, plus, offset = text.partition("+")
        return f"{name}+{int(offset, 16)}" if plus else name

    def _label(self, address: int) -> str:
        name = self._symbol(address)
        return f"{address:#x} <{name}>" if name else f"{address:#x}"

    @staticmethod
    def _count(arg: str) -> int:
        if not arg:
            return 1
        if not arg.isdigit() or len(arg) > 9:
            raise CpuemuError(f"not a count: {arg!r}")
        return int(arg)

    @staticmethod
    def _number(word: str) -> int:
        if not word.isdigit() or len(word) > 9:
            raise CpuemuError(f"not a number: {word!r}")
        return int(word)


def _cell(raw: int, fmt: str, unit: int, symbolize) -> str:
    if fmt == "x":
        return f"0x{raw:0{unit * 2}x}"
    return integer(raw, fmt, unit, symbolize)


def _calls_to(machine: Machine, address: int) -> bool:
    """Whether the instruction at PC is a call whose next instruction is `address`."""
    insn = decode_at(machine, machine.pc)
    return insn is not None and insn.mnemonic == Mnemonic.CALL and insn.next_ip == address


def _split_condition(arg: str) -> tuple[str, str]:
    """`main if $eax == 3` -> ("main", "$eax == 3")."""
    words = arg.split(" if ", 1) if " if " in f" {arg} " else [arg]
    if arg.startswith("if "):
        return "", arg[3:].strip()
    return words[0].strip(), (words[1].strip() if len(words) > 1 else "")


def _source_lines(file: str, program) -> list[str]:
    try:
        with open(file, encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()
    except OSError:                          # the file is gone: the lines we kept
        known = {s.line: s.text for s in program.source_map.values() if s.file == file}
        return [known.get(n, "") for n in range(1, max(known, default=0) + 1)]


def _mask(bits: int) -> int:
    return (1 << bits) - 1


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:300] or type(error).__name__
