"""The guest's standard streams: the host's at the command line, buffers in a library.

Writes are passed through unbuffered (a guest that prints then faults keeps its output)
and, when capturing, kept so tests and notebooks can read them back.
"""

from __future__ import annotations

import io
from typing import BinaryIO

from ..limits import MAX_CAPTURE


class Sink:
    """One output stream. A host stream that fails (a closed pipe, a full disk) raises
    its OSError to the kernel, which gives the guest Linux's answer (EPIPE and SIGPIPE,
    ENOSPC). Capture keeps at most MAX_CAPTURE bytes; `dropped` counts the rest."""

    def __init__(self, target: BinaryIO | None, capture: bool):
        self.target = target
        self.captured = bytearray() if capture else None
        self.dropped = 0

    def write(self, data: bytes) -> None:
        if self.target is not None:
            self.target.write(data)
            self.target.flush()
        if self.captured is not None:
            room = max(MAX_CAPTURE - len(self.captured), 0)
            self.captured += data[:room]
            self.dropped += max(len(data) - room, 0)


class Streams:
    def __init__(self, stdin: bytes | BinaryIO | None = None,
                 stdout: BinaryIO | None = None, stderr: BinaryIO | None = None,
                 capture: bool = True, log: BinaryIO | None = None):
        if stdin is None or isinstance(stdin, (bytes, bytearray)):
            stdin = io.BytesIO(stdin or b"")
        self.stdin = stdin
        self.out = Sink(stdout, capture)
        self.err = Sink(stderr, capture)
        self.log_target = log

    def writer(self, fd: int) -> Sink | None:
        return {1: self.out, 2: self.err}.get(fd)

    def read_stdin(self, count: int) -> bytes:
        reader = getattr(self.stdin, "read1", None) or self.stdin.read
        return reader(count) or b""

    def diagnostic(self, line: str) -> None:
        """cpuemu's own messages (not the guest's stderr)."""
        if self.log_target is not None:
            try:
                self.log_target.write((line + "\n").encode())
                self.log_target.flush()
            except (OSError, ValueError):       # nowhere to say it: the run goes on
                pass
