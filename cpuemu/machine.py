"""Machine: a process image, a CPU engine and a kernel, with one interface for all three.

Registers and flags are read and written by Intel name (`m.regs.ah`, `m.flags.zf`),
memory by address; a run ends in a `Stop`. The kernel, views and helpers only use this
interface, so they behave the same on every engine.
"""

from __future__ import annotations

import struct
import time
from typing import BinaryIO

from .cpu.lanes import lanes
from .cpu.memory import PAGE, RW, RX, MemoryFault, W, perms_from_text
from .cpu.registers import EFLAGS_RESET, FLAG_BITS, FP, FULL, MASK, REGS, gprs, pc_name
from .cpu.segments import GDT_ENTRIES, Segment, decode_descriptor
from .errors import CpuemuError, GuestFault, LoadError
from .kernel import Kernel
from .kernel.streams import Streams
from .limits import MAX_MEMORY
from .process import EXIT_STUB, IMAGES, STACK_SIZE, build_stack, default_auxv
from .program import Program
from .stop import Stop

ENGINES = ("interp", "unicorn")
TIMEOUT_SLICE = 200_000          # instructions between looks at the clock in run(timeout=)
SWITCH_CHUNK = 1 << 20           # bytes copied at a time by switch_engine


class Registers:
    """`regs.eax`, `regs["ah"]`, `regs.eip = x`: every name is a slice of a full register.

    The names follow the machine's mode: a 64-bit machine has rax..r15, r8d, sil, rip,
    rflags, fs_base and gs_base, and its 32-bit names (eax, eip...) still read and write
    the low halves. Writing a 32-bit register of a 64-bit machine zero-extends, as the
    CPU does."""

    __slots__ = ("_engine", "_table", "_full")

    def __init__(self, engine, bits: int = 32):
        object.__setattr__(self, "_engine", engine)
        object.__setattr__(self, "_table", REGS[bits])
        object.__setattr__(self, "_full", FULL[bits])

    def _slice(self, name: str):
        s = self._table.get(name.lower())
        if s is None:
            raise KeyError(f"no register named {name!r}")
        return s

    def __getitem__(self, name: str) -> int:
        s = self._slice(name)
        value = self._engine.reg(s.full)
        return (value >> s.shift) & MASK[s.bits] if s.shift or s.full != name else value

    def __setitem__(self, name: str, value: int) -> None:
        s = self._slice(name)
        mask = MASK[s.bits]
        if s.full == name or (s.bits == 32 and s.full in GPR64_SET):
            self._engine.set_reg(s.full, value & mask)
            return
        old = self._engine.reg(s.full)
        self._engine.set_reg(s.full, old & ~(mask << s.shift) | (value & mask) << s.shift)

    def __getattr__(self, name: str) -> int:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: int) -> None:
        self[name] = value

    def as_dict(self) -> dict[str, int]:
        return {name: self._engine.reg(name) for name in self._full}

    def names(self) -> tuple[str, ...]:
        """The full registers of the mode, in the order views show them."""
        return self._full

    def __dir__(self):
        return list(self._table)


class Flags:
    """`flags.zf` reads one EFLAGS bit; `flags.cf = 1` sets it."""

    __slots__ = ("_regs",)

    def __init__(self, regs: Registers):
        object.__setattr__(self, "_regs", regs)

    def __getattr__(self, name: str) -> int:
        if name not in FLAG_BITS:
            raise AttributeError(name)
        return (self._regs.eflags >> FLAG_BITS[name]) & 1

    def __setattr__(self, name: str, value: int) -> None:
        if name not in FLAG_BITS:
            raise AttributeError(name)
        bit = 1 << FLAG_BITS[name]
        eflags = self._regs.eflags
        self._regs.eflags = eflags | bit if value else eflags & ~bit

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in FLAG_BITS}

    def __str__(self) -> str:
        return " ".join(name.upper() for name in FLAG_BITS if getattr(self, name))


GPR64_SET = frozenset(gprs(64))


def copy_engine(old, new, bits: int) -> None:
    """Everything of a process's CPU and memory from one engine to a fresh one: memory
    with its permissions (chunks of zeros are skipped: new memory is zeros), the GDT,
    the x87 state (FSW first: st(i) count from its TOP), SSE, every full register."""
    for region in old.regions():
        new.map(region.start, region.size, region.perms)
        for at in range(region.start, region.start + region.size, SWITCH_CHUNK):
            size = min(SWITCH_CHUNK, region.start + region.size - at)
            data = old.read(at, size, need=0)
            if any(data):
                new.write(at, data, need=0)
    for index in range(GDT_ENTRIES):
        new.set_gdt_entry(index, old.gdt_entry(index))
    fp = FP[bits]
    for name in ("fsw", *(n for n in fp if n != "fsw"), *FULL[bits]):
        new.set_reg(name, old.reg(name))


def make_engine(name: str, trap, bits: int = 32, cpu: str | None = None):
    """`cpu` ("intel", "amd"; the host's vendor by default) is the interpreter's CPU
    model; Unicorn's undefined results are its own (QEMU's), whatever it says."""
    if name == "unicorn":
        from .fast import UnicornEngine
        return UnicornEngine(trap, bits)
    if name == "interp":
        from .interp import InterpEngine
        return InterpEngine(trap, bits, cpu)
    raise CpuemuError(f"unknown engine {name!r} (choose {', '.join(ENGINES)})")


class Machine:
    """A Linux process (i386, or x86-64 for a 64-bit program) running `program` on the
    chosen engine."""

    def __init__(self, program: Program, *, engine: str = "interp",
                 argv: list[str] | None = None, env: dict[str, str] | None = None,
                 stdin: bytes | BinaryIO | None = None, stdout: BinaryIO | None = None,
                 stderr: BinaryIO | None = None, capture: bool = True,
                 log: BinaryIO | None = None, max_instructions: int | None = None,
                 check_cdecl: bool = False, root: str | None = None, strace=None,
                 cpu: str | None = None, max_memory: int = MAX_MEMORY):
        """`max_memory`: bytes the guest may have mapped at once (see limits.py);
        `root`: the host directory the guest sees as `/` (a fresh temporary one by
        default); `strace`: a callable taking one line per system call; `cpu`: the CPU
        model whose undefined results the interpreter gives, "intel" or "amd" (the
        host's vendor by default)."""
        self.program = program
        self.max_instructions = max_instructions
        self.max_memory = max_memory
        self.streams = Streams(stdin, stdout, stderr, capture, log)
        self.kernel = Kernel(self.streams, root=root, strace=strace)
        self.bits = program.bits
        self.cpu_model = cpu
        self.engine = make_engine(engine, self._trap, self.bits, cpu)
        self.regs = Registers(self.engine, self.bits)
        self.flags = Flags(self.regs)
        self.exit_status: int | None = None
        self.last_stop: Stop | None = None
        self._breakpoints: set[int] = set()
        self.calls = None                              # abi.call.CallState, once call() is used
        self._before: dict[str, int] | None = None     # registers before the last step/run
        self.checker = None
        self._load(argv or [program.filename], env or {})
        if check_cdecl:
            from .abi.checker import CdeclChecker
            self.checker = CdeclChecker(self)

    # -- loading -----------------------------------------------------------------------

    def _load(self, argv: list[str], env: dict[str, str]) -> None:
        program = self.program
        if not any(s.address <= program.entry < s.address + len(s.data)
                   and "x" in s.perms for s in program.sections):
            raise LoadError(f"{program.filename}: nothing to run: the entry point "
                            f"{program.entry:#010x} is not in any code")
        image = IMAGES[self.bits]
        self._map_sections(program)
        self.engine.map(image.stack_top - STACK_SIZE, STACK_SIZE, RW)
        self.engine.map(EXIT_STUB, len(image.exit_stub_code), RX)
        self.engine.write(EXIT_STUB, image.exit_stub_code, need=0)
        if program.imports:                       # `extern printf`: the C library's stubs
            from .libc import Libc, base, stub_page
            code = stub_page()
            self.engine.map(base(self.bits), len(code), RX)
            self.engine.write(base(self.bits), code, need=0)
            self.kernel.libc = Libc(self.kernel)
        envp = [f"{k}={v}".encode() for k, v in env.items()]
        auxv = default_auxv(program.entry) + sorted(program.auxv.items())
        sp = build_stack(lambda a, d: self.engine.write(a, d, need=0),
                         [a.encode() for a in argv], envp, auxv, image.stack_top, image.word)
        for name in gprs(self.bits):
            self.regs[name] = 0
        if program.entry_kind == "main":          # called as main(argc, argv, envp)
            argc, word = len(argv), image.word
            argv_at = sp + word
            envp_at = argv_at + word * (argc + 1)
            if self.bits == 64:                  # System V: arguments in registers
                self.regs.rdi, self.regs.rsi, self.regs.rdx = argc, argv_at, envp_at
                sp -= 8
                self.engine.write(sp, struct.pack("<Q", EXIT_STUB), need=0)
            else:
                sp -= 16
                self.engine.write(sp, struct.pack("<4I", EXIT_STUB, argc, argv_at, envp_at),
                                  need=0)
        self.regs[gprs(self.bits)[4]] = sp
        self.regs.eflags = EFLAGS_RESET
        self.regs[pc_name(self.bits)] = program.entry

    def _section_runs(self, program: Program) -> list[tuple[int, int, int]]:
        """The pages the sections cover as (first, end, perms) runs; a page two sections
        share gets both permissions, as segments of an ELF file often do."""
        spans = [(s.address // PAGE, (s.address + s.size - 1) // PAGE + 1,
                  perms_from_text(s.perms)) for s in program.sections if s.size]
        cuts = sorted({edge for first, end, _ in spans for edge in (first, end)})
        runs: list[tuple[int, int, int]] = []
        for a, b in zip(cuts, cuts[1:], strict=False):
            covering = [p for first, end, p in spans if first <= a and b <= end]
            if not covering:
                continue
            perms = 0
            for p in covering:
                perms |= p
            if runs and runs[-1][1] == a and runs[-1][2] == perms:
                runs[-1] = (runs[-1][0], b, perms)
            else:
                runs.append((a, b, perms))
        return runs

    def _map_sections(self, program: Program) -> None:
        """Map the sections' pages (within the memory budget), then copy the bytes in."""
        runs = self._section_runs(program)
        need = STACK_SIZE + sum(b - a for a, b, _ in runs) * PAGE
        if need > self.max_memory:
            raise LoadError(f"{program.filename}: needs {need >> 20} MiB of memory, more "
                            f"than the limit of {self.max_memory >> 20} MiB (--max-memory)")
        try:
            for first, end, perms in runs:
                self.engine.map(first * PAGE, (end - first) * PAGE, perms)
        except MemoryError as e:
            raise LoadError(f"{program.filename}: no host memory for it: {e}") from None
        for section in program.sections:
            if section.data:
                self.engine.write(section.address, section.data, need=0)

    @property
    def pc_name(self) -> str:
        """`eip`, or `rip` in a 64-bit machine."""
        return pc_name(self.bits)

    @property
    def pc(self) -> int:
        """The instruction pointer (EIP or RIP)."""
        return self.regs[self.pc_name]

    # -- memory ------------------------------------------------------------------------

    def lanes(self, register: str, kind: str = "u32") -> list:
        """An XMM register as lanes, low first: `m.lanes("xmm0", "f64")` gives two floats
        (kinds i8 u8 i16 u16 i32 u32 i64 u64 f32 f64)."""
        return lanes(self.regs[register], kind)

    def read(self, address: int, size: int) -> bytes:
        """Guest memory as the guest may read it (MemoryFault if it may not)."""
        return self.engine.read(address, size)

    def write(self, address: int, data: bytes) -> None:
        self.engine.write(address, data)

    def check_writable(self, address: int, size: int) -> None:
        """MemoryFault unless the guest may write all of [address, address+size)."""
        self.engine.check(address, size, W, "write")

    def read_u32(self, address: int) -> int:
        return struct.unpack("<I", self.read(address, 4))[0]

    def write_u32(self, address: int, value: int) -> None:
        self.write(address, struct.pack("<I", value & 0xFFFFFFFF))

    def read_cstring(self, address: int, limit: int = 4096) -> bytes:
        out = bytearray()
        while len(out) < limit:
            chunk = self.read(address + len(out), 1)
            if chunk == b"\0":
                break
            out += chunk
        return bytes(out)

    def segment(self, name: str) -> Segment:
        """Selector, base and limit of a segment register, read from the installed GDT."""
        selector = self.regs[name]
        if selector >> 3 == 0:                     # null selector: flat, as Linux leaves FS/GS
            return Segment(selector)
        base, limit = decode_descriptor(self.engine.gdt_entry(selector >> 3))
        return Segment(selector, base, limit)

    def snapshot(self) -> tuple[dict[str, int], list[tuple[int, int, int, bytes]]]:
        """Registers and every mapped byte (with permissions): equal snapshots mean an
        identical machine, bit for bit."""
        regions = [(r.start, r.size, r.perms, self.engine.read(r.start, r.size, need=0))
                   for r in self.engine.regions()]
        return self.regs.as_dict(), regions

    @property
    def instructions(self) -> int | None:
        """Instructions retired so far: always on the interpreter; on Unicorn once
        `count_instructions()` asked for it (it costs speed), else None."""
        retired = getattr(self.engine, "retired", None)
        return retired() if retired is not None else None

    def count_instructions(self) -> None:
        if hasattr(self.engine, "count_instructions"):
            self.engine.count_instructions()

    def events(self, max_instructions: int | None = None):
        """The run as a generator of Stops: each breakpoint, watch or budget stop is
        yielded and the run resumes on next(); it ends after the guest is gone (exit,
        signal, fault or deadlock). Notebooks and asyncio drivers step machines this way."""
        while True:
            stop = self.run(max_instructions)
            yield stop
            if stop.reason in ("exited", "signal", "fault", "deadlock") or \
                    self.exit_status is not None:
                return

    def switch_engine(self, name: str) -> None:
        """Go on running this process on the other engine: registers (x87 and SSE too),
        memory with its permissions, the GDT (TLS entries), breakpoints and the
        instruction count move over; the kernel (files, brk, streams) stays. A debugger
        runs to a breakpoint on Unicorn and steps on the interpreter this way."""
        if name == self.engine.name:
            return
        new = make_engine(name, self._trap, self.bits, self.cpu_model)
        copy_engine(self.engine, new, self.bits)
        new.set_breakpoints(self._breakpoints)
        retired = self.engine.retired() if hasattr(self.engine, "retired") else None
        if retired is not None and hasattr(new, "set_retired"):
            new.set_retired(retired)
        self.engine = new
        object.__setattr__(self.regs, "_engine", new)

    # -- processes ---------------------------------------------------------------------

    def fork(self, pid: int) -> Machine:
        """A child process: a copy of this one (memory, registers, engine of the same
        kind) with a copy of its kernel state (descriptors sharing the open files, the
        signal actions, the sandbox's cwd), as fork() makes."""
        child = object.__new__(Machine)
        child.program, child.bits, child.cpu_model = self.program, self.bits, self.cpu_model
        child.max_instructions, child.max_memory = self.max_instructions, self.max_memory
        child.streams = self.streams
        child.kernel = self.kernel.forked(pid)
        child.engine = make_engine(self.engine.name, child._trap, self.bits, self.cpu_model)
        copy_engine(self.engine, child.engine, self.bits)
        if hasattr(child.engine, "set_retired") and self.instructions is not None:
            child.engine.set_retired(0)
        child.regs = Registers(child.engine, self.bits)
        child.flags = Flags(child.regs)
        child.exit_status = child.last_stop = child.calls = child._before = None
        child.checker = None
        child._breakpoints = set()
        return child

    def exec_program(self, program: Program, argv: list[str], env: dict[str, str]) -> None:
        """execve: this process now runs `program` from its start, with a new memory
        image; the kernel keeps its descriptors (but close-on-exec ones), its pid and
        cwd; caught signals go back to their defaults."""
        self.program, self.bits = program, program.bits
        self.engine = make_engine(self.engine.name, self._trap, self.bits, self.cpu_model)
        self.regs = Registers(self.engine, self.bits)
        self.flags = Flags(self.regs)
        self.kernel.exec_reset()
        self._breakpoints = set()
        self._load(argv, env)

    # -- calling guest functions -------------------------------------------------------

    def call(self, function: int | str, *args, wide: bool = False,
             max_instructions: int | None = None) -> int:
        """Call a guest function as C does (cdecl in 32-bit code, System V AMD64 in
        64-bit code) and return EAX/RAX (EDX:EAX or RDX:RAX with `wide`).

        `m.call("_myFunc", 1, 2, 3)`; bytes and str arguments are copied into guest
        memory and passed as pointers. Raises the GuestFault if the function faults.
        """
        from .abi.call import call_function
        return call_function(self, function, args, wide=wide,
                             max_instructions=max_instructions or self.max_instructions)

    def function(self, name: int | str):
        """A Python callable for a guest function: `add = m.function("add"); add(2, 3)`."""
        def guest(*args, wide: bool = False):
            return self.call(name, *args, wide=wide)
        guest.__name__ = guest.__qualname__ = str(name)
        guest.__doc__ = f"The guest function {name}, called on this machine as C would."
        return guest

    @property
    def cdecl_violations(self) -> list:
        """What the convention checker found (Machine(check_cdecl=True))."""
        return self.checker.violations if self.checker is not None else []

    def frames(self):
        """The stack frames along the EBP chain, innermost first (see abi.frames)."""
        from .abi.frames import frames
        return frames(self)

    # -- breakpoints ---------------------------------------------------------------------

    def address(self, where: int | str) -> int:
        """An address, or the address of a symbol."""
        return where if isinstance(where, int) else self.symbol(where)

    def add_breakpoint(self, where: int | str) -> int:
        """Stop (Stop.reason "breakpoint") before the instruction at `where` runs."""
        address = self.address(where)
        self._breakpoints.add(address)
        self.engine.set_breakpoints(self._breakpoints)
        return address

    def remove_breakpoint(self, where: int | str) -> None:
        self._breakpoints.discard(self.address(where))
        self.engine.set_breakpoints(self._breakpoints)

    @property
    def breakpoints(self) -> frozenset[int]:
        return frozenset(self._breakpoints)

    def symbol(self, name: str) -> int:
        sym = self.program.symbols.get(name)
        if sym is None:
            raise CpuemuError(f"no symbol named {name!r}")
        return sym.address

    # -- running -----------------------------------------------------------------------

    @property
    def stdout(self) -> bytes:
        captured = self.streams.out.captured
        return bytes(captured) if captured is not None else b""

    @property
    def stderr(self) -> bytes:
        captured = self.streams.err.captured
        return bytes(captured) if captured is not None else b""

    def run(self, max_instructions: int | None = None, *,
            timeout: float | None = None) -> Stop:
        """Run until the guest exits, faults or spends the instruction budget, or
        `timeout` seconds of host time pass (Stop "timeout"; run again to go on)."""
        if self.exit_status is not None:
            return self.last_stop
        budget = max_instructions if max_instructions is not None else self.max_instructions
        self._before = None             # "changed" means by the previous step, not a run
        deadline = None if timeout is None else time.monotonic() + timeout
        if self.checker is not None:                 # one instruction at a time, checked
            return self.checker.run(budget, deadline)
        table = self.kernel.processes
        if table is not None:                        # several processes: run them in turn
            return self._finish(table.run(self, budget, deadline))
        stop = self._run_signalled(budget, deadline)
        if stop.reason == "process" and self.kernel.processes is not None:
            stop = self.kernel.processes.run(self, budget, deadline)      # the first fork
        return self._finish(stop)

    def _process_call(self, stop: Stop) -> Stop | None:
        """fork or execve, made outside the engine: None when this process goes on as
        before (exec'd), the Stop to pass up when a new process exists (forked)."""
        from .processes import ProcessTable
        if stop.detail == "exec":
            self.exec_program(*self.kernel.exec_request)
            return None
        table = self.kernel.processes or ProcessTable(self)
        table.fork(self)
        return Stop("process", self.pc, detail="forked")

    def _run_signalled(self, budget: int | None, deadline: float | None) -> Stop:
        """The engine's run, with what the kernel adds between instructions: a fault the
        guest has a handler for runs the handler; a timer is looked at between slices
        (as is the host clock for `timeout`)."""
        kernel, limit = self.kernel, budget
        while True:
            sliced = deadline is not None or kernel.timer_armed()
            size = budget if not sliced else TIMEOUT_SLICE if budget is None \
                else min(budget, TIMEOUT_SLICE)
            before = self.instructions
            stop = self.engine.run(size)
            if budget is not None:                  # what this run spent of the budget
                after = self.instructions
                spent = after - before if after is not None and before is not None \
                    else size if stop.reason == "budget" else 1
                budget -= max(spent, 1)
            if stop.reason == "process":
                stop = self._process_call(stop)
                if stop is not None:
                    return stop
            elif stop.reason in ("fault", "signal"):
                stop = kernel.handle(self, stop)        # a handler runs, or the stop stands
                if stop is not None:
                    return stop
            elif stop.reason != "budget" or not sliced:
                return stop
            elif kernel.alarm_at is not None and kernel.signal_due(self):
                stop = kernel.deliver_pending(self)     # a timer expired while computing
                if stop is not None:
                    return stop
            if budget is not None and budget <= 0:
                return Stop("budget", self.pc, detail=f"{limit} instructions")
            if deadline is not None and time.monotonic() >= deadline:
                return Stop("timeout", self.pc, detail="host time limit")

    def step(self) -> Stop:
        """Execute one instruction."""
        if self.exit_status is not None:
            return self.last_stop
        self._before = self.regs.as_dict()
        if self.checker is not None:
            return self.checker.step()
        return self._finish(self.engine_step())

    def engine_step(self) -> Stop:
        """One instruction on the engine, with what the kernel adds between instructions
        (a signal delivered, a fork or exec carried out, a fault's handler)."""
        stop = self.engine.step()
        if stop.reason == "process":
            self._process_call(stop)
            return Stop("step", self.pc)
        if stop.reason in ("fault", "signal"):
            return self.kernel.handle(self, stop) or Stop("step", self.pc)
        if stop.reason == "step" and self.kernel.alarm_at is not None and \
                self.kernel.signal_due(self):
            return self.kernel.deliver_pending(self) or stop
        return stop

    def run_to_exit(self, max_instructions: int | None = None) -> int:
        """Run and return the exit status; raise GuestFault or LimitExceeded otherwise."""
        from .errors import LimitExceeded
        stop = self.run(max_instructions)
        if stop.reason == "fault":
            raise stop.fault
        if stop.reason == "budget":
            raise LimitExceeded(f"instruction budget of {stop.detail} spent at "
                                f"eip={stop.eip:#010x}")
        if stop.reason != "exited":
            raise CpuemuError(f"run ended without exit: {stop}")
        return stop.status

    def _trap(self, vector: int) -> Stop | None:
        return self.kernel.syscall(self, vector)

    def _finish(self, stop: Stop) -> Stop:
        if stop.reason in ("exited", "signal"):
            self.exit_status = stop.status
        if stop.fault is not None:
            self._describe(stop.fault)
        self.last_stop = stop
        return stop

    def _describe(self, fault: GuestFault) -> None:
        """Fill in the mode and the disassembly of the faulting instruction for reports."""
        from .views.disasm import disassemble_one
        fault.bits = self.bits
        try:
            code = self.engine.read(fault.eip, 16, need=0)
        except MemoryFault:
            return
        fault.disassembly = fault.disassembly or disassemble_one(code, fault.eip, self.bits)
        fault.args = (fault.summary(),)

    @property
    def registers_before(self) -> dict[str, int] | None:
        """Every register as it was before the last step or run began."""
        return self._before

    @property
    def changed(self) -> set[str]:
        """Registers the last step or run changed (and, for EFLAGS, the flags by name)."""
        if self._before is None:
            return set()
        now = self.regs.as_dict()
        out = {name for name, value in now.items() if self._before.get(name) != value}
        flags = "rflags" if self.bits == 64 else "eflags"
        if flags in out:
            flipped = now[flags] ^ self._before[flags]
            out |= {flag for flag, bit in FLAG_BITS.items() if flipped >> bit & 1}
        return out

    def _repr_html_(self) -> str:
        from .views.machine import machine_html
        return machine_html(self)

    def translation(self, where: int | str) -> str:
        """The Python the interpreter compiles the block starting at `where` (an address
        or a symbol) into: what each instruction became, registers as locals."""
        if not hasattr(self.engine, "translation"):
            raise CpuemuError(f"the {self.engine.name} engine does not translate to Python; "
                              f"use engine='interp'")
        try:
            return self.engine.translation(self.address(where))
        except MemoryFault as e:
            raise CpuemuError(f"no code to translate at {self.address(where):#x}: {e}") from None

    def symbolize(self, address: int) -> str:
        """`name+off` for an address: a program label, or the names of what cpuemu
        put in the process (the exit stub main returns to)."""
        from .abi.call import RETURN_ADDRESS
        from .kernel.signals import RT_SIGRETURN_AT, SIGRETURN_AT
        stub = IMAGES[self.bits].exit_stub_code
        if EXIT_STUB <= address < EXIT_STUB + len(stub):
            offset = address - EXIT_STUB
            start, name = max((at, name) for at, name in (
                (0, "(exit)"), (SIGRETURN_AT, "(sigreturn)"),
                (RT_SIGRETURN_AT, "(rt_sigreturn)")) if at <= offset)
            return name if offset == start else f"{name}+{offset - start:#x}"
        if address == RETURN_ADDRESS:
            return "(python caller)"
        if self.program.imports:
            from .libc import FUNCTIONS, STUB, base
            start = base(self.bits)
            if start <= address < start + STUB * len(FUNCTIONS):
                name = FUNCTIONS[(address - start) // STUB]
                offset = (address - start) % STUB
                return name if not offset else f"{name}+{offset:#x}"
        return self.program.symbolize(address)

    def source_line(self, address: int):
        return self.program.line_at(address)
