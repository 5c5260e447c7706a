"""Running many fuzz inputs in worker processes, each with a time limit.

A worker that does not answer within the limit is killed and the input counted as a
hang (the only way to bound a hang inside C code, such as a huge integer operation);
a new worker takes its place. Host exceptions are kept with their seeds and the
exception's last line, so each is a reproducer.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import wait

from .classify import outcome


def _worker(conn, kind: str, options: dict) -> None:
    while True:
        seed = conn.recv()
        if seed is None:
            return
        try:
            result = (outcome(kind, seed, **options), "")
        except Exception as e:                          # the finding: report, go on
            where = traceback.extract_tb(e.__traceback__)[-1]
            result = (f"host:{type(e).__name__}",
                      f"{type(e).__name__}: {e} at {where.filename}:{where.lineno}")
        conn.send(result)


@dataclass
class Report:
    kind: str
    options: dict
    outcomes: Counter = field(default_factory=Counter)
    host_exceptions: list = field(default_factory=list)     # (seed, description)
    hangs: list = field(default_factory=list)               # seeds
    seconds: float = 0.0
    peak_rss_mb: float = 0.0

    def text(self) -> str:
        total = sum(self.outcomes.values())
        what = ", ".join(f"{k}={v}" for k, v in self.options.items() if v is not None)
        lines = [f"{total} {self.kind} inputs ({what}) in {self.seconds:.0f} s; "
                 f"host exceptions: {len(self.host_exceptions)}; hangs: {len(self.hangs)}; "
                 f"peak worker memory: {self.peak_rss_mb:.0f} MB"]
        lines += [f"  {name}: {count}" for name, count in self.outcomes.most_common()]
        lines += [f"  host exception, seed {s}: {d}" for s, d in self.host_exceptions[:20]]
        lines += [f"  hang, seed {s}" for s in self.hangs[:20]]
        return "\n".join(lines)


def run_campaign(kind: str, seeds, *, options: dict, workers: int = 2,
                 timeout: float = 10.0) -> Report:
    context = multiprocessing.get_context("fork")
    report = Report(kind, options)
    todo = list(seeds)[::-1]
    started = time.monotonic()
    running: dict = {}                                # conn -> (process, seed, since)

    def spawn():
        parent, child = context.Pipe()
        process = context.Process(target=_worker, args=(child, kind, options), daemon=True)
        process.start()
        child.close()
        return parent, process

    idle = [spawn() for _ in range(max(1, workers))]
    while todo or running:
        while idle and todo:
            conn, process = idle.pop()
            seed = todo.pop()
            conn.send(seed)
            running[conn] = (process, seed, time.monotonic())
        ready = wait(list(running), timeout=0.2)
        for conn in ready:
            process, seed, _ = running.pop(conn)
            try:
                name, detail = conn.recv()
            except EOFError:                          # the worker died (e.g. a signal)
                name, detail = "host:worker died", f"exit code {process.exitcode}"
                process.join()
                conn, process = spawn()
            report.outcomes[name] += 1
            if name.startswith("host:"):
                report.host_exceptions.append((seed, detail))
            idle.append((conn, process))
        now = time.monotonic()
        for conn, (process, seed, since) in list(running.items()):
            if now - since > timeout:
                process.kill()
                process.join()
                del running[conn]
                report.hangs.append(seed)
                report.outcomes["hang"] += 1
                idle.append(spawn())
    for conn, process in idle:
        conn.send(None)
        process.join()
    report.seconds = time.monotonic() - started
    report.peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return report
