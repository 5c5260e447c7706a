"""The measured snippets in `shared/data/` (a real CPU's results on 1,500 random i386
snippets) replayed on the interpreter, to build and check a CPU model.

    python -m cpuemu.diff.snippets [FILE] [--show N]

Each snippet runs as the data README says: code at 0x10000000, 256 bytes of data at
0x20000000, ESP = 0x30000800; compared are EAX ECX EDX EBX EBP ESI EDI, the six status
flags and DF, the data bytes, and the fault (a signal number) if there was one.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from ..cpu.memory import PAGE, RW, RX
from ..interp.engine import InterpEngine

CODE, DATA, STACK = 0x10000000, 0x20000000, 0x30000000
ORDER = ("eax", "ecx", "edx", "ebx", "ebp", "esi", "edi", "eflags")
COMPARED_FLAGS = 0x8D5 | 0x400                 # CF PF AF ZF SF OF, and DF
SIGNALS = {"divide-error": 8, "page-fault": 11, "general-protection": 11,
           "invalid-opcode": 4, "breakpoint": 5}
DEFAULT = Path(__file__).resolve().parents[2] / "tests" / "data" / \
    "intel-xeon-snippets-1500.jsonl.gz"


def load(path: Path = DEFAULT) -> list[dict]:
    with gzip.open(path, "rt") as f:
        return [json.loads(line) for line in f]


@dataclass
class Outcome:
    regs: list[int] | None
    mem: bytes | None
    fault: int | None


def run(snippet: dict, cpu: str | None = None) -> Outcome:
    """The snippet on a fresh interpreter (with CPU model `cpu`, when models exist)."""
    engine = InterpEngine(lambda vector: None, 32, **({"cpu": cpu} if cpu else {}))
    code = bytes.fromhex(snippet["code"])
    engine.map(CODE, PAGE, RX)
    engine.write(CODE, code, need=0)
    engine.map(DATA, PAGE, RW)
    engine.write(DATA, bytes.fromhex(snippet["mem"]), need=0)
    engine.map(STACK, PAGE, RW)
    for name, value in zip(ORDER, snippet["init"], strict=True):
        engine.set_reg(name, value)
    engine.set_reg("esp", STACK + 0x800)
    engine.set_reg("eip", CODE)
    end = CODE + len(code)
    engine.set_breakpoints({end})
    stop = engine.run(100_000)
    if stop.reason == "fault" and stop.fault.kind != "breakpoint":
        return Outcome(None, None, SIGNALS.get(stop.fault.kind, -1))
    if engine.reg("eip") != end:
        return Outcome(None, None, -1)
    regs = [engine.reg(name) for name in ORDER]
    return Outcome(regs, engine.read(DATA, 256, need=0), None)


def differences(snippet: dict, outcome: Outcome) -> list[str]:
    """What differs from the measured result ([] when everything agrees)."""
    if "fault" in snippet or outcome.fault is not None:
        want = snippet.get("fault")
        return [] if want == outcome.fault else [f"fault: cpu {want}, interp {outcome.fault}"]
    out = []
    for name, want, got in zip(ORDER, snippet["final"], outcome.regs, strict=True):
        if name == "eflags":
            want, got = want & COMPARED_FLAGS, got & COMPARED_FLAGS
            if want != got:
                names = [f for f, bit in (("cf", 0), ("pf", 2), ("af", 4), ("zf", 6),
                                          ("sf", 7), ("df", 10), ("of", 11))
                         if (want ^ got) >> bit & 1]
                undefined = "undefined " if all(0x8D5 & snippet["undef"] & 1 << b for b in
                                                (0, 2, 4, 6, 7, 11) if (want ^ got) >> b & 1
                                                ) else ""
                out.append(f"{undefined}flags {','.join(names)}: cpu {want:#x}, "
                           f"interp {got:#x}")
        elif want != got:
            out.append(f"{name}: cpu {want:#x}, interp {got:#x}")
    if outcome.mem != bytes.fromhex(snippet["final_mem"]):
        out.append("memory differs")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--cpu", help="the interpreter's CPU model")
    parser.add_argument("--show", type=int, default=10, help="disagreements to print")
    args = parser.parse_args(argv)
    snippets = load(args.file)
    bad = []
    for snippet in snippets:
        diff = differences(snippet, run(snippet, args.cpu))
        if diff:
            bad.append((snippet, diff))
    for snippet, diff in bad[:args.show]:
        print(snippet["asm"].replace("\n", "; "), "=>", "; ".join(diff))
    print(f"{len(snippets) - len(bad)} of {len(snippets)} snippets agree")
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
