"""What time travel costs: the speed of a recorded run next to a plain one, the memory a
recording of 10 M instructions holds, and how long going back takes.

    python benchmarks/history.py [--json]

Recording is `History.run`: the interpreter at block speed, a checkpoint every
`interval` instructions, each system call logged. Memory is measured with tracemalloc
(the peak of Python allocations while recording, which includes the machine itself).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
from pathlib import Path

from cpuemu import Machine, assemble
from cpuemu.asm import assemble_file
from cpuemu.debug import History

HERE = Path(__file__).resolve().parent


def timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def speed(program) -> dict:
    plain = Machine(program)
    t_plain = timed(plain.run)
    count = plain.engine.retired()
    recorded = Machine(program)
    history = History(recorded)
    t_recorded = timed(lambda: history.run(1 << 62))
    assert recorded.snapshot() == plain.snapshot()
    t_back = timed(lambda: history.goto(count // 2))
    t_step_back = timed(history.step_back)
    return {"instructions": count, "plain_mips": count / t_plain / 1e6,
            "recorded_mips": count / t_recorded / 1e6, "ratio": t_plain / t_recorded,
            "checkpoints": len(history.checkpoints), "goto_middle_ms": t_back * 1e3,
            "step_back_ms": t_step_back * 1e3}


def memory(turns: int) -> dict:
    source = (HERE / "programs" / "loop.asm").read_text().replace(
        "REPEAT equ 1", f"REPEAT equ {turns}")
    machine = Machine(assemble(source, dialect="nasm"))
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    history = History(machine)
    history.run(1 << 62)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return {"instructions": machine.engine.retired(), "peak_mb": peak / 2**20,
            "held_mb": history.memory_bytes() / 2**20,
            "checkpoints": len(history.checkpoints), "interval": history.interval}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    fib = speed(assemble_file(HERE / "programs" / "fib.asm"))
    mem = memory(1)                       # the loop program: 10 M instructions
    if args.json:
        print(json.dumps({"fib": fib, "record_10m": mem}, indent=2))
        return 0
    print(f"fib, {fib['instructions']:,} instructions: plain {fib['plain_mips']:.2f} M/s, "
          f"recorded {fib['recorded_mips']:.2f} M/s ({fib['ratio']:.2f} of plain), "
          f"{fib['checkpoints']} checkpoints; going back to the middle "
          f"{fib['goto_middle_ms']:.0f} ms, one step back {fib['step_back_ms']:.0f} ms")
    print(f"recording {mem['instructions']:,} instructions: peak {mem['peak_mb']:.1f} MB "
          f"of Python allocations, {mem['held_mb']:.1f} MB held by {mem['checkpoints']} "
          f"checkpoints (one every {mem['interval']:,})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
