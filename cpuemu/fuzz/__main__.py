"""python -m cpuemu.fuzz CLASS N SEED [--dialect D] [--engine E] [--bits B]
[--workers W] [--timeout S]: a fuzz campaign (see cpuemu/fuzz/__init__.py)."""

from __future__ import annotations

import argparse
import sys

from .campaign import run_campaign
from .classify import CLASSES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cpuemu.fuzz", description=__doc__)
    parser.add_argument("kind", choices=CLASSES, help="what to fuzz")
    parser.add_argument("count", type=int, help="how many inputs")
    parser.add_argument("seed", type=int, help="the first seed (inputs are seed..seed+N-1)")
    parser.add_argument("--dialect", default="nasm", choices=("nasm", "gas", "guide"))
    parser.add_argument("--engine", default="interp", choices=("interp", "unicorn"))
    parser.add_argument("--bits", type=int, choices=(32, 64), default=None,
                        help="guest mode (default: alternate by seed)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="seconds one input may take before it counts as a hang")
    args = parser.parse_args(argv)
    report = run_campaign(args.kind, range(args.seed, args.seed + args.count),
                          options={"dialect": args.dialect} if args.kind == "asm" else
                          {"engine": args.engine, "bits": args.bits},
                          workers=args.workers, timeout=args.timeout)
    print(report.text())
    return 1 if report.host_exceptions or report.hangs else 0


if __name__ == "__main__":
    sys.exit(main())
