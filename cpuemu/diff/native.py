"""The native oracle: run a program on this machine's real CPU and compare with the
interpreter.

A small harness (native/harness.c, built once per mode with `gcc -m32` or `gcc -m64`
into a cache directory) maps the program's sections at their addresses, jumps to the
entry and catches the signal that ends it: generated programs end on `int3`, so SIGTRAP
brings back every register and EFLAGS from the signal context, plus the writable memory.
A 32-bit program starts on a stack the harness maps below STACK_TOP; a 64-bit one must
set up its own (the generator's have one in .bss), since the emulators' stack top is
where the harness's own stack may be.

Flags the SDM leaves undefined are masked: the interpreter is stepped through the same
program and, for each status flag, we remember whether the last instruction that wrote
it left it undefined (iced-x86's metadata). `python -m cpuemu.diff.native` reports how
often those undefined flags agree anyway, per instruction and flag: the measurement
behind interp/undefined.py.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import subprocess
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..cpu.instruction import decode_at
from ..cpu.memory import PAGE, W, perms_from_text
from ..cpu.registers import FLAG_BITS, flags_name, gprs, pc_name
from ..errors import CpuemuError
from ..machine import Machine
from ..program import Program
from .generate import STACK_TOP
from .masks import flags_written, undefined_mask

HARNESS = Path(__file__).with_name("native") / "harness.c"
STACK_AREA = (STACK_TOP - 0x10000, 0x11000)          # 64 KiB below the start ESP, 4 above
COMPARED_FLAGS = sum(1 << FLAG_BITS[f] for f in ("cf", "pf", "af", "zf", "sf", "of", "df"))
SIGNAL_KINDS = {5: "breakpoint", 11: "segv", 8: "fpe", 4: "ill", 7: "bus"}


def registers(bits: int) -> tuple[str, ...]:
    """What the harness reports, in its order."""
    return (*gprs(bits), pc_name(bits), flags_name(bits))


def harness_path(bits: int = 32) -> Path:
    """The compiled harness, built on first use (gcc -m32 needs gcc-multilib)."""
    source = HARNESS.read_bytes()
    digest = hashlib.sha256(source).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "cpuemu"
    binary = cache / f"native-harness{bits}-{digest}"
    if binary.exists():
        return binary
    if shutil.which("gcc") is None:
        raise CpuemuError("the native oracle needs gcc (with gcc-multilib for -m32)")
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "harness"
        result = subprocess.run(["gcc", f"-m{bits}", "-O1", "-fno-stack-protector", "-o",
                                 str(out), str(HARNESS)], capture_output=True, text=True)
        if result.returncode != 0:
            raise CpuemuError(f"cannot build the native harness with `gcc -m{bits}` (is "
                              f"gcc-multilib installed?):\n{result.stderr.strip()}")
        shutil.move(str(out), binary)
    return binary


@dataclass
class NativeResult:
    signal: int
    regs: dict[str, int]
    memory: dict[int, bytes]


class NativeCPU:
    """One harness process that runs programs of one mode one after another."""

    def __init__(self, bits: int = 32):
        self.bits = bits
        self.process = subprocess.Popen([str(harness_path(bits))], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=10)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def run(self, program: Program) -> NativeResult:
        if program.bits != self.bits:
            raise CpuemuError(f"a {program.bits}-bit program on the {self.bits}-bit harness")
        sections = [(s.address & ~(PAGE - 1), _pages(s.end - (s.address & ~(PAGE - 1))),
                     perms_from_text(s.perms), bytes(s.address % PAGE) + s.data)
                    for s in program.sections if s.size]
        stack = 0
        if self.bits == 32:
            sections.append((*STACK_AREA, 3, b""))
            stack = STACK_TOP
        request = bytearray(struct.pack("<I", len(sections)))
        for address, size, prot, data in sections:
            request += struct.pack("<QQI", address, size, prot)
            request += data.ljust(size, b"\0")
        request += struct.pack("<QQ", program.entry, stack)
        self.process.stdin.write(request)
        self.process.stdin.flush()
        signal, count = struct.unpack("<II", self._read(8))
        names = registers(self.bits)
        if count != len(names):
            raise CpuemuError(f"the native harness reports {count} registers, not {len(names)}")
        values = struct.unpack(f"<{count}Q", self._read(8 * count))
        memory = {address: self._read(size) for address, size, prot, _ in sections
                  if prot & W}
        return NativeResult(signal, dict(zip(names, values, strict=True)), memory)

    def _read(self, n: int) -> bytes:
        data = self.process.stdout.read(n)
        if len(data) != n:
            raise CpuemuError("the native harness stopped answering (exit status "
                              f"{self.process.poll()})")
        return data


def _pages(size: int) -> int:
    return (size + PAGE - 1) // PAGE * PAGE


@dataclass
class Comparison:
    """The interpreter against the real CPU on one program."""

    differences: list[str]
    undefined: dict[str, str] = field(default_factory=dict)   # flag -> mnemonic that left it
    agree: dict[str, bool] = field(default_factory=dict)      # flag -> native == interp

    @property
    def agreed(self) -> bool:
        return not self.differences


def compare(program: Program, native: NativeResult, max_steps: int = 100_000) -> Comparison:
    """Step the interpreter through `program`; compare its end state with `native`."""
    machine = Machine(program, engine="interp")
    undefined: dict[str, str] = {}
    stop = None
    for _ in range(max_steps):
        eip = machine.regs.eip
        insn = decode_at(machine, eip)
        counter = machine.regs[machine.regs.names()[1]]          # ECX or RCX
        cl = counter & 0xFF
        stop = machine.step()
        if stop.reason == "fault" or insn is None:
            break
        written = flags_written(insn, counter)
        left_undefined = undefined_mask(insn, cl)
        for flag in ("cf", "pf", "af", "zf", "sf", "of"):
            bit = 1 << FLAG_BITS[flag]
            if left_undefined & bit:
                undefined[flag] = str(insn).split()[0]
            elif written & bit:
                undefined.pop(flag, None)
        if stop.reason != "step":
            break
    differences = []
    kind = stop.fault.kind if stop is not None and stop.fault is not None else str(stop)
    native_kind = SIGNAL_KINDS.get(native.signal, f"signal {native.signal}")
    emulated_signal = stop.fault.signal if stop is not None and stop.fault is not None else 0
    if emulated_signal != native.signal:
        differences.append(f"ended with {kind} (signal {emulated_signal}) vs native "
                           f"{native_kind} (signal {native.signal})")
    regs = machine.regs.as_dict()
    for name in registers(machine.bits)[:-1]:
        if regs[name] != native.regs[name]:
            differences.append(f"{name}: interp {regs[name]:#010x} vs native "
                               f"{native.regs[name]:#010x}")
    mask = sum(1 << FLAG_BITS[f] for f in undefined)
    flags = flags_name(machine.bits)
    mine, theirs = regs[flags] & COMPARED_FLAGS, native.regs[flags] & COMPARED_FLAGS
    if (mine ^ theirs) & ~mask:
        names = [f for f in FLAG_BITS if ((mine ^ theirs) & ~mask) >> FLAG_BITS[f] & 1]
        differences.append(f"eflags: interp {mine:#x} vs native {theirs:#x} "
                           f"(differ in {' '.join(names)})")
    for address, data in native.memory.items():
        ours = machine.engine.read(address, len(data), need=0)
        if ours != data:
            at = next(i for i in range(len(data)) if ours[i] != data[i])
            differences.append(f"memory at {address + at:#010x}: interp "
                               f"{ours[at:at + 8].hex(' ')} vs native {data[at:at + 8].hex(' ')}")
    agree = {f: not ((mine ^ theirs) >> FLAG_BITS[f] & 1) for f in undefined}
    return Comparison(differences, undefined, agree)


def undefined_report(results: list[Comparison]) -> str:
    """How often undefined flags agree with the real CPU, per instruction and flag."""
    seen: Counter = Counter()
    same: Counter = Counter()
    for result in results:
        for flag, mnemonic in result.undefined.items():
            seen[mnemonic, flag] += 1
            same[mnemonic, flag] += result.agree[flag]
    lines = ["undefined flags, interpreter vs this CPU (last writer left the flag undefined)",
             f"{'instruction':12} {'flag':4} {'agree':>7} {'of':>6}"]
    for (mnemonic, flag), count in sorted(seen.items()):
        lines.append(f"{mnemonic:12} {flag:4} {same[mnemonic, flag]:>7} {count:>6}")
    total, agreed = sum(seen.values()), sum(same.values())
    lines.append(f"total: {agreed} of {total} undefined flags agree"
                 + (f" ({100 * agreed / total:.1f}%)" if total else ""))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m cpuemu.diff.native [N] [SEED] [BITS]`: N random programs against the
    real CPU."""
    import sys

    from ..asm import assemble
    from .generate import random_program
    args = argv if argv is not None else sys.argv[1:]
    count = int(args[0]) if args else 200
    seed = int(args[1]) if len(args) > 1 else 0
    bits = int(args[2]) if len(args) > 2 else 32
    results, failures = [], 0
    with NativeCPU(bits) as cpu:
        for s in range(seed, seed + count):
            program = assemble(random_program(s, bits=bits), dialect="nasm")
            result = compare(program, cpu.run(program))
            results.append(result)
            if not result.agreed:
                failures += 1
                if failures <= 5:
                    print(f"seed {s}: " + "; ".join(result.differences))
    print(f"{count} programs against the real CPU: {failures} differ in defined state")
    print(undefined_report(results))
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
