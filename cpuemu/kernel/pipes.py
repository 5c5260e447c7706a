"""Pipes: a 64 KiB buffer between a read end and a write end, with Linux's semantics.

A read from an empty pipe returns 0 (end of file) once every write end is closed, and
would block while one is open; a write with every read end closed is EPIPE (and SIGPIPE).
Blocking is not decided here: the end raises `WouldBlock` and the kernel decides (a
deadlock report, or a switch to another coroutine).
"""

from __future__ import annotations

from .errno import EPIPE, KernelError
from .files import OpenFile

CAPACITY = 65536


class WouldBlock(Exception):
    """The operation cannot make progress now; `what` says why, for reports."""

    def __init__(self, what: str, end: PipeEnd):
        super().__init__(what)
        self.what, self.end = what, end


class Pipe:
    def __init__(self):
        self.buffer = bytearray()
        self.readers = 0
        self.writers = 0


class PipeEnd(OpenFile):
    kind = "pipe"

    def __init__(self, pipe: Pipe, reading: bool):
        super().__init__()
        self.pipe, self.reading = pipe, reading
        if reading:
            pipe.readers += 1
        else:
            pipe.writers += 1

    def events(self) -> int:
        """As Linux's pipe_poll: data to read (POLLIN), no writer left (POLLHUP), room to
        write (POLLOUT), no reader left (POLLERR)."""
        pipe = self.pipe
        if self.reading:
            return (1 if pipe.buffer else 0) | (16 if pipe.writers == 0 else 0)
        return (4 if len(pipe.buffer) < CAPACITY else 0) | (8 if pipe.readers == 0 else 0)

    def read(self, count: int) -> bytes:
        if not self.reading:
            return super().read(count)
        pipe = self.pipe
        if not pipe.buffer:
            if pipe.writers == 0 or count == 0:
                return b""
            raise WouldBlock("read from an empty pipe whose write end is open", self)
        data = bytes(pipe.buffer[:count])
        del pipe.buffer[:count]
        return data

    def write(self, data: bytes) -> int:
        if self.reading:
            return super().write(data)
        pipe = self.pipe
        if pipe.readers == 0:
            raise KernelError(EPIPE)
        room = CAPACITY - len(pipe.buffer)
        if room == 0 and data:
            raise WouldBlock("write to a full pipe", self)
        pipe.buffer += data[:room]
        return min(room, len(data))

    def release(self) -> None:
        if self.reading:
            self.pipe.readers -= 1
        else:
            self.pipe.writers -= 1
