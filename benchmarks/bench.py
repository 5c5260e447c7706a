"""Instructions per second of cpuemu's two engines next to what they are built on and
what they stand in for, in one run: the interpreter, cpuemu's Unicorn engine, raw
Unicorn (the same code, only an `int 0x80` hook that ends the run and answers getpid),
qemu-i386 (when installed) and this machine's CPU.

    python benchmarks/bench.py [--repeat N] [--only loop,sort,fib,getpid] [--json]

Programs: a register loop, an insertion sort (memory-heavy), recursive fibonacci
(call-heavy) and 100,000 getpid calls (the system-call round trip, reported in us per
call). The instruction count comes from the interpreter, which counts retired
instructions exactly. Emulator times are the best of N calls of `run()` on a machine
built beforehand (building one is reported apart, as `setup`). qemu and native: the
program assembled by nasm and linked by ld, its `REPEAT` constant raised so the run
lasts long enough to time, minus the time of a process that only exits; the count is
exact there too, because it is linear in REPEAT. Figures vary between runs by 10-20% on
a busy machine; they are measurements, never test assertions.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from unicorn import UC_ARCH_X86, UC_HOOK_INTR, UC_MODE_32, Uc
from unicorn import x86_const as X

from cpuemu import Machine, assemble
from cpuemu.asm import assemble_file

HERE = Path(__file__).resolve().parent
PROGRAMS = {"loop": "register loop", "sort": "insertion sort, 1500 dwords",
            "fib": "recursive fib(24)", "getpid": "100,000 getpid calls"}
CALLS = 100_000
SCALED_REPEAT = {"loop": 300, "sort": 30, "fib": 300, "getpid": 20}
EXIT_ONLY = "section .text\nglobal _start\n_start: mov eax, 1\n xor ebx, ebx\n int 0x80\n"
STACK_TOP, STACK_SIZE = 0xC0000000, 0x100000
PERMS = {"r": 1, "w": 2, "x": 4}


def best_time(run, repeat: int, prepare=None) -> float:
    best = float("inf")
    for _ in range(repeat):
        subject = prepare() if prepare else None
        start = time.perf_counter()
        run(subject)
        best = min(best, time.perf_counter() - start)
    return best


def cpuemu_engine(program, engine: str, repeat: int) -> dict:
    out = {}

    def prepare():
        start = time.perf_counter()
        machine = Machine(program, engine=engine)
        out["setup"] = time.perf_counter() - start
        return machine

    def run(machine):
        out["status"] = machine.run().status
        out["count"] = machine.engine.retired() if engine == "interp" else None
    out["seconds"] = best_time(run, repeat, prepare)
    return out


def raw_unicorn(program, repeat: int) -> dict:
    """The program on a bare Unicorn: sections and a stack mapped, one interrupt hook."""
    out = {}

    def on_interrupt(uc, vector, data):
        eax = uc.reg_read(X.UC_X86_REG_EAX)
        if eax == 1:
            out["status"] = uc.reg_read(X.UC_X86_REG_EBX) & 0xFF
            uc.emu_stop()
        else:
            uc.reg_write(X.UC_X86_REG_EAX, 4242)       # getpid

    def prepare():
        uc = Uc(UC_ARCH_X86, UC_MODE_32)
        for section in program.sections:
            start = section.address & ~0xFFF
            size = (section.address + section.size - start + 0xFFF) & ~0xFFF
            uc.mem_map(start, size, sum(PERMS[c] for c in section.perms if c in PERMS))
            uc.mem_write(section.address, section.data)
        uc.mem_map(STACK_TOP - STACK_SIZE, STACK_SIZE, 3)
        uc.reg_write(X.UC_X86_REG_ESP, STACK_TOP - 16)
        uc.hook_add(UC_HOOK_INTR, on_interrupt)
        return uc

    def run(uc):
        uc.emu_start(program.entry, 0xFFFFFFFF)
    out["seconds"] = best_time(run, repeat, prepare)
    return out


def with_repeat(text: str, repeat: int) -> str:
    return re.sub(r"^REPEAT equ \d+", f"REPEAT equ {repeat}", text, flags=re.M)


def count_at(text: str, repeat: int) -> int:
    machine = Machine(assemble(with_repeat(text, repeat), dialect="nasm"), engine="interp")
    machine.run()
    return machine.engine.retired()


def native_binary(source: Path, workdir: Path) -> Path | None:
    if not (shutil.which("nasm") and shutil.which("ld")):
        return None
    obj, exe = workdir / (source.stem + ".o"), workdir / source.stem
    subprocess.run(["nasm", "-f", "elf32", "-o", str(obj), str(source)], check=True)
    subprocess.run(["ld", "-m", "elf_i386", "-o", str(exe), str(obj)], check=True)
    return exe


def process_time(command: list[str], repeat: int) -> tuple[float, int]:
    status = {}

    def run(_):
        status["code"] = subprocess.run(command).returncode
    return best_time(run, repeat), status["code"]


def measure(name: str, repeat: int, workdir: Path, startup: dict) -> dict:
    source = HERE / "programs" / f"{name}.asm"
    program = assemble_file(source)
    row = {"program": name, "what": PROGRAMS[name]}
    interp = cpuemu_engine(program, "interp", repeat)
    unicorn = cpuemu_engine(program, "unicorn", repeat)
    raw = raw_unicorn(program, repeat)
    count = interp["count"]
    row.update(instructions=count, interp=interp, unicorn=unicorn, raw_unicorn=raw)
    statuses = {interp["status"], unicorn["status"], raw["status"]}
    text = source.read_text()
    scale = SCALED_REPEAT[name]
    scaled = workdir / f"{name}-x{scale}.asm"
    scaled.write_text(with_repeat(text, scale))
    exe = native_binary(scaled, workdir)
    if exe is not None:
        once, twice = count_at(text, 1), count_at(text, 2)
        scaled_count = once + (twice - once) * (scale - 1)
        runners = {"native": [str(exe)]}
        if shutil.which("qemu-i386"):
            runners["qemu"] = ["qemu-i386", str(exe)]
        for key, command in runners.items():
            seconds, status = process_time(command, repeat * 3 if key == "native" else repeat)
            statuses.add(status)
            row[key] = {"seconds": max(seconds - startup[key], 1e-6), "count": scaled_count,
                        "scale": scale}
    if len(statuses) != 1:
        raise SystemExit(f"{name}: exit statuses differ between engines: {statuses}")
    for key in ("interp", "unicorn", "raw_unicorn", "native", "qemu"):
        if key in row:
            cell = row[key]
            n = cell.get("count") or count
            cell["mips"] = n / cell["seconds"] / 1e6
            if name == "getpid":
                cell["us_per_call"] = cell["seconds"] / (CALLS * cell.get("scale", 1)) * 1e6
    row["unicorn_vs_raw"] = row["unicorn"]["seconds"] / row["raw_unicorn"]["seconds"]
    return row


def report(rows: list[dict]) -> str:
    keys = ["interp", "unicorn", "raw_unicorn", "qemu", "native"]
    head = f"{'program':8} {'instructions':>12} " + " ".join(f"{k:>13}" for k in keys)
    lines = [head + f" {'unicorn/raw':>12}"]
    for row in rows:
        cells = []
        for key in keys:
            cell = row.get(key)
            if cell is None:
                cells.append(f"{'-':>13}")
            elif row["program"] == "getpid":
                cells.append(f"{cell['us_per_call']:8.2f} us/c")
            else:
                cells.append(f"{cell['mips']:9.2f} M/s")
        lines.append(f"{row['program']:8} {row['instructions']:>12,} " + " ".join(cells)
                     + f" {row['unicorn_vs_raw']:11.2f}x")
    setup = {k: min(r[k]["setup"] for r in rows) * 1e3 for k in ("interp", "unicorn")}
    lines.append(f"(emulators: run() only, best of N; building a Machine takes "
                 f"{setup['interp']:.1f} ms (interp), {setup['unicorn']:.1f} ms (unicorn). "
                 f"qemu, native: the work repeated, process time minus start-up. "
                 f"getpid: us per call, the loop around it included)")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement")
    parser.add_argument("--only", default=",".join(PROGRAMS), help="programs to run")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    names = args.only.split(",")
    unknown = [n for n in names if n not in PROGRAMS]
    if unknown:
        parser.error(f"unknown program(s) {', '.join(unknown)}; choose from {', '.join(PROGRAMS)}")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "exit.asm").write_text(EXIT_ONLY)
        exit_exe = native_binary(workdir / "exit.asm", workdir)
        startup = {"native": 0.0, "qemu": 0.0}
        if exit_exe is not None:
            startup["native"] = process_time([str(exit_exe)], 20)[0]
            if shutil.which("qemu-i386"):
                startup["qemu"] = process_time(["qemu-i386", str(exit_exe)], 10)[0]
        rows = [measure(name, args.repeat, workdir, startup) for name in names]
    print(json.dumps(rows, indent=2) if args.json else report(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
