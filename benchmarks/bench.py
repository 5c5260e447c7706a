"""Instructions per second of the interpreter, Unicorn and this machine's CPU on three
programs: a register loop, an insertion sort (memory-heavy) and recursive fibonacci
(call-heavy).

    python benchmarks/bench.py [--repeat N] [--only loop,sort,fib]

The instruction count of each program comes from the interpreter (it counts retired
instructions exactly); each engine's time is the best of N runs of `Machine.run()`.
Native: the same source assembled by nasm and linked by ld with its `REPEAT` constant
raised so the run lasts long enough to time, minus the time of a process that only
exits; its instruction count is exact too, because the interpreter measures the count
at REPEAT 1 and 2 and the count is linear in REPEAT. Figures vary between runs by
10-20% on a busy machine; they are measurements, never test assertions.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cpuemu import Machine, assemble
from cpuemu.asm import assemble_file

HERE = Path(__file__).resolve().parent
PROGRAMS = {"loop": "register loop", "sort": "insertion sort, 1500 dwords",
            "fib": "recursive fib(24)"}
NATIVE_REPEAT = 300
EXIT_ONLY = "section .text\nglobal _start\n_start: mov eax, 1\n xor ebx, ebx\n int 0x80\n"


def best_time(run, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def emulated(program, engine: str, repeat: int) -> tuple[float, int, int]:
    """(seconds, instructions, exit status)"""
    result = {}

    def run():
        machine = Machine(program, engine=engine)
        result["status"] = machine.run().status
        result["machine"] = machine
    seconds = best_time(run, repeat)
    machine = result["machine"]
    count = machine.engine.retired() if engine == "interp" else 0
    return seconds, count, result["status"]


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


def native_time(exe: Path, repeat: int) -> tuple[float, int]:
    status = {}

    def run():
        status["code"] = subprocess.run([str(exe)]).returncode
    return best_time(run, repeat), status["code"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement")
    parser.add_argument("--only", default=",".join(PROGRAMS), help="programs to run")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "exit.asm").write_text(EXIT_ONLY)
        exit_exe = native_binary(workdir / "exit.asm", workdir)
        startup = native_time(exit_exe, 20)[0] if exit_exe else 0.0
        for name in args.only.split(","):
            source = HERE / "programs" / f"{name}.asm"
            program = assemble_file(source)
            t_interp, count, status = emulated(program, "interp", args.repeat)
            t_unicorn, _, status_u = emulated(program, "unicorn", args.repeat)
            text = source.read_text()
            once, twice = count_at(text, 1), count_at(text, 2)
            scaled = workdir / f"{name}-x{NATIVE_REPEAT}.asm"
            scaled.write_text(with_repeat(text, NATIVE_REPEAT))
            exe = native_binary(scaled, workdir)
            native_count = once + (twice - once) * (NATIVE_REPEAT - 1)
            t_native, status_n = native_time(exe, args.repeat * 3) if exe else (None, None)
            if len({status, status_u, status_n} - {None}) != 1:
                print(f"{name}: exit statuses differ: interp {status}, unicorn {status_u}, "
                      f"native {status_n}", file=sys.stderr)
                return 1
            native_run = max(t_native - startup, 1e-6) if t_native is not None else None
            rows.append((name, count, t_interp, t_unicorn, native_run, native_count))
    print(f"{'program':8} {'instructions':>12} {'interp':>14} {'unicorn':>14} {'native':>14}")
    for name, count, ti, tu, tn, native_count in rows:
        cells = [f"{n / t / 1e6:9.2f} M/s" if t else "             -"
                 for n, t in ((count, ti), (count, tu), (native_count, tn))]
        print(f"{name:8} {count:>12,} {cells[0]:>14} {cells[1]:>14} {cells[2]:>14}")
    print(f"(native: the work repeated {NATIVE_REPEAT} times, process time minus "
          f"{startup * 1e3:.1f} ms of start-up; best of {args.repeat} runs, native of "
          f"{args.repeat * 3})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
