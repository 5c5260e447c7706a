"""Lockstep differential runner: two engines, one program, one instruction at a time.

Both machines load the same program identically. After every instruction we compare
general and segment registers, EIP, EFLAGS with the instruction's undefined flags masked,
after an x87 or SSE instruction the x87 and XMM state (`fp_differences`), the memory the
instruction wrote (iced-x86's operand addresses plus every write Unicorn reports), and
how the step ended (exit status, fault kind). The first difference stops the run with a
report of the instruction, its source line and both sides' state before and after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from iced_x86 import Mnemonic, OpKind

from ..cpu.instruction import REGISTER_NAMES, decode_at, memory_writes
from ..cpu.memory import MemoryFault, W
from ..cpu.registers import FLAG_BITS, FP, REGS, STATUS_FLAGS, flags_name, pc_name
from ..interp.semantics import FAMILY, load_families
from ..machine import Machine
from ..program import Program
from ..stop import Stop
from .masks import undefined_mask

load_families()
FP_FAMILIES = {"x87", "sse_move", "sse_float", "sse_int"}
# Instructions whose results describe the engine, not the program: copied, not compared.
ENGINE_SPECIFIC = {Mnemonic.CPUID: ("eax", "ebx", "ecx", "edx"),
                   Mnemonic.RDTSC: ("eax", "edx")}
# Register results the SDM and the hardware disagree on, where Unicorn follows the SDM
# and the interpreter the CPU (measured with the native oracle): copied, not compared.
# bsf/bsr with a zero source (ZF=1) leave the destination undefined; the CPU keeps all
# of it. A 32-bit cmpxchg in 64-bit mode writes only what it must: the destination
# register when equal, the accumulator when not; Unicorn zero-extends both, always.


def model_specific(insn, machine: Machine) -> list[str]:
    """Full registers whose value after `insn` (just run on `machine`) is the CPU
    model's, not the SDM's."""
    zf = machine.flags.zf
    if insn.mnemonic in (Mnemonic.BSF, Mnemonic.BSR) and zf:
        return [full_register(machine, REGISTER_NAMES[insn.op0_register])]
    if insn.mnemonic == Mnemonic.CMPXCHG and machine.bits == 64:
        if zf:
            return [full_register(machine, "eax")]
        if insn.op0_kind == OpKind.REGISTER:
            return [full_register(machine, REGISTER_NAMES[insn.op0_register])]
    return []
MAX_REP_STEPS = 1 << 20


@dataclass
class Side:
    """One engine's view of a step."""

    engine: str
    stop: str
    regs: dict[str, int]
    memory: dict[int, bytes] = field(default_factory=dict)


@dataclass
class Divergence:
    """The first instruction after which the engines disagree."""

    step: int
    eip: int
    text: str
    source: str
    before: dict[str, int]
    sides: tuple[Side, Side]
    differences: list[str]
    masked: int

    def report(self) -> str:
        a, b = self.sides
        out = [f"divergence at step {self.step}: eip={self.eip:#010x}  {self.text}"]
        if self.source:
            out.append(f"  source: {self.source}")
        out += [f"  {d}" for d in self.differences]
        if self.masked:
            names = [f for f in STATUS_FLAGS if self.masked >> FLAG_BITS[f] & 1]
            out.append(f"  (undefined after this instruction, not compared: {' '.join(names)})")
        w = 18 if "rip" in self.before else 10
        out.append(f"  {'register':8} {'before':>{w}} {a.engine:>{w}} {b.engine:>{w}}")
        for name in self.before:
            va, vb = a.regs.get(name), b.regs.get(name)
            mark = "  <--" if va != vb else ""
            out.append(f"  {name:8} {self.before[name]:>#{w}x} {_hex(va):>{w}} "
                       f"{_hex(vb):>{w}}{mark}")
        flags = "rflags" if "rflags" in self.before else "eflags"
        out.append(f"  flags    {_flags(self.before[flags]):>{w}} "
                   f"{_flags(a.regs.get(flags)):>{w}} {_flags(b.regs.get(flags)):>{w}}")
        out.append(f"  stop: {a.engine}: {a.stop}; {b.engine}: {b.stop}")
        return "\n".join(out)


def _hex(value: int | None) -> str:
    return "-" if value is None else f"{value:#x}"


def _flags(eflags: int | None) -> str:
    if eflags is None:
        return "-"
    return "".join(f[0].upper() if eflags >> FLAG_BITS[f] & 1 else "."
                   for f in ("of", "df", "sf", "zf", "af", "pf", "cf"))


@dataclass
class Outcome:
    """How a lockstep run ended: agreement to the end, or the first divergence."""

    steps: int
    divergence: Divergence | None
    stop: Stop | None

    @property
    def agreed(self) -> bool:
        return self.divergence is None


class Lockstep:
    """Two machines on the same program, stepped together."""

    def __init__(self, program: Program, engines: tuple[str, str] = ("interp", "unicorn"), *,
                 argv: list[str] | None = None, stdin: bytes = b"",
                 setup=None):
        self.program = program
        self.machines = tuple(Machine(program, engine=e, argv=argv, stdin=stdin)
                              for e in engines)
        if setup is not None:
            for m in self.machines:
                setup(m)
        self.writes: list[list[tuple[int, int]]] = []
        for m in self.machines:
            log: list[tuple[int, int]] = []
            if hasattr(m.engine, "trace_writes"):
                m.engine.trace_writes(log)
            self.writes.append(log)
        self.steps = 0

    def run(self, max_steps: int = 1_000_000) -> Outcome:
        stop = None
        while self.steps < max_steps:
            divergence, stop = self.step()
            if divergence is not None:
                return Outcome(self.steps, divergence, stop)
            if stop.reason != "step":
                break
        else:
            stop = Stop("budget", self.machines[0].pc, detail=f"{max_steps} steps")
        divergence = self._final_memory()
        return Outcome(self.steps, divergence, stop)

    def step(self) -> tuple[Divergence | None, Stop]:
        a, b = self.machines
        eip, cl = a.pc, a.regs.cl
        flags = flags_name(a.bits)
        insn = decode_at(a, eip)
        written = memory_writes(insn, a) if insn is not None else []
        for log in self.writes:
            log.clear()
        stop_a = a.step()
        stop_b = b.step()
        if insn is not None and (insn.has_rep_prefix or insn.has_repne_prefix):
            guard = 0
            while stop_b.reason == "step" and b.pc == eip and guard < MAX_REP_STEPS:
                stop_b = b.step()
                guard += 1
        if insn is not None and insn.mnemonic in ENGINE_SPECIFIC and stop_a.reason == "step":
            for name in ENGINE_SPECIFIC[insn.mnemonic]:
                b.regs[name] = a.regs[name]
        if insn is not None and stop_a.reason == "step":
            for full in model_specific(insn, a):
                b.regs[full] = a.regs[full]
        self.steps += 1
        masked = undefined_mask(insn, cl) if insn is not None else 0
        regs_a, regs_b = a.regs.as_dict(), b.regs.as_dict()
        before = a.registers_before or regs_a
        differences = []
        if _describe(stop_a) != _describe(stop_b):
            differences.append(f"ended differently: {a.engine.name}: {_describe(stop_a)}; "
                               f"{b.engine.name}: {_describe(stop_b)}")
        for name in regs_a:
            va, vb = regs_a[name], regs_b[name]
            if name == flags:
                va, vb = va & ~masked, vb & ~masked
            if va != vb:
                differences.append(_register_difference(name, va, vb, a.engine.name,
                                                        b.engine.name))
        if masked and regs_a[flags] & masked != regs_b[flags] & masked:
            # Undefined flags may differ; make them equal so a later step that keeps
            # them does not report an old, legitimate difference as its own.
            b.regs[flags] = regs_b[flags] & ~masked | regs_a[flags] & masked
        if insn is not None and FAMILY.get(insn.mnemonic) in FP_FAMILIES:
            differences += fp_differences(a, b)
        addresses = written + [w for log in self.writes for w in log]
        differences += _memory_differences(a, b, addresses)
        if not differences:
            return None, stop_a
        line = self.program.line_at(eip)
        source = f"{line.file}:{line.line}: {line.text.strip()}" if line else ""
        side_a = Side(a.engine.name, _describe(stop_a), regs_a)
        side_b = Side(b.engine.name, _describe(stop_b), regs_b)
        return Divergence(self.steps, eip, str(insn) if insn else "(undecodable)", source,
                          before, (side_a, side_b), differences, masked), stop_a

    def _final_memory(self) -> Divergence | None:
        """At the end, every writable page must hold the same bytes on both sides."""
        a, b = self.machines
        for region in a.engine.regions():
            if not region.perms & W:
                continue
            da = a.engine.read(region.start, region.size, need=0)
            db = b.engine.read(region.start, region.size, need=0)
            if da != db:
                at = next(i for i in range(len(da)) if da[i] != db[i])
                address = region.start + at
                regs = a.regs.as_dict()
                return Divergence(self.steps, regs[pc_name(a.bits)], "(end of run)", "", regs,
                                  (Side(a.engine.name, "end", regs),
                                   Side(b.engine.name, "end", b.regs.as_dict())),
                                  [f"memory at {address:#010x} differs at the end: "
                                   f"{da[at:at + 8].hex(' ')} vs {db[at:at + 8].hex(' ')}"], 0)
        return None


def fp_differences(a: Machine, b: Machine) -> list[str]:
    """x87 and SSE state after an x87/SSE instruction: XMM registers, MXCSR, FCW, the
    status word but its exception flags (Unicorn's x87 does not always set PE), which
    registers are empty and the values of the others."""
    out = []
    ra, rb = a.regs, b.regs
    names = [n for n in FP[a.bits] if n.startswith("xmm")] + ["mxcsr", "fcw"]
    pairs = [(n, ra[n], rb[n]) for n in names]
    pairs.append(("fsw (but its flags)", ra.fsw & ~0x3F, rb.fsw & ~0x3F))
    empty_a, empty_b = _empty(ra.ftw), _empty(rb.ftw)
    pairs.append(("empty registers (ftw)", empty_a, empty_b))
    top = ra.fsw >> 11 & 7
    pairs += [(f"st{i}", ra[f"st{i}"], rb[f"st{i}"]) for i in range(8)
              if not empty_a >> ((top + i) & 7) & 1]
    for name, va, vb in pairs:
        if va != vb:
            out.append(_register_difference(name, va, vb, a.engine.name, b.engine.name))
    return out


def _empty(tag_word: int) -> int:
    """One bit per physical x87 register: set when its tag says empty."""
    return sum(1 << i for i in range(8) if tag_word >> (2 * i) & 3 == 3)


def full_register(machine: Machine, name: str) -> str:
    """The full register a name is part of, in the machine's mode (`r13d` -> `r13`)."""
    return REGS[machine.bits][name].full


def _describe(stop: Stop) -> str:
    if stop.reason == "fault" and stop.fault is not None:
        f = stop.fault
        where = f" at {canonical(f.address):#010x}" if f.address is not None else ""
        return f"{f.kind} (eip {f.eip:#010x}{where})"
    if stop.reason == "exited":
        return f"exit {stop.status}"
    return stop.reason


def canonical(address: int) -> int:
    """A faulting address compared the way the CPU forms it (sign-extended from bit 47):
    Unicorn reports 0xffffffffffff53e1 as 0xfffffffff53e1."""
    if address >> 32 == 0:
        return address
    low = address & ((1 << 48) - 1)
    return low | (((1 << 64) - 1) ^ ((1 << 48) - 1)) if low >> 47 else low


def _register_difference(name: str, va: int, vb: int, ea: str, eb: str) -> str:
    if name in ("eflags", "rflags"):
        flags = [f for f in FLAG_BITS if (va ^ vb) >> FLAG_BITS[f] & 1]
        return f"eflags: {ea} {_flags(va)} vs {eb} {_flags(vb)} (differ in {' '.join(flags)})"
    return f"{name}: {ea} {va:#010x} vs {eb} {vb:#010x}"


def _memory_differences(a: Machine, b: Machine, ranges) -> list[str]:
    out = []
    for address, size in dict.fromkeys(ranges):
        try:
            da = a.engine.read(address, size, need=0)
            db = b.engine.read(address, size, need=0)
        except MemoryFault:
            continue
        if da != db:
            out.append(f"memory [{address:#010x}] ({size} bytes): {a.engine.name} "
                       f"{da.hex(' ')} vs {b.engine.name} {db.hex(' ')}")
    return out


def diff_program(program: Program, engines=("interp", "unicorn"), *, max_steps=1_000_000,
                 argv=None, stdin=b"") -> Outcome:
    """Run `program` in lockstep on two engines; the first divergence or agreement."""
    return Lockstep(program, engines, argv=argv, stdin=stdin).run(max_steps)
