"""Open files and the descriptor table.

An `OpenFile` is what a descriptor points at; `dup` makes two descriptors share one (and
its offset), as on Linux. Kinds: host files and directories inside the sandbox, the
console streams, and pipe ends (pipes.py).
"""

from __future__ import annotations

import os

from .errno import EBADF, EINVAL, EISDIR, EMFILE, ESPIPE, KernelError, from_host

MAX_FDS = 1024


class OpenFile:
    """Base: a file that refuses everything; subclasses allow what they can do."""

    kind = "file"
    status_flags = 0                      # O_APPEND, O_NONBLOCK ... (fcntl F_GETFL)

    def __init__(self):
        self.refs = 0

    def read(self, count: int) -> bytes:
        raise KernelError(EBADF)

    def write(self, data: bytes) -> int:
        raise KernelError(EBADF)

    def seek(self, offset: int, whence: int) -> int:
        raise KernelError(ESPIPE)

    def pread(self, count: int, offset: int) -> bytes:
        raise KernelError(ESPIPE)

    def pwrite(self, data: bytes, offset: int) -> int:
        raise KernelError(ESPIPE)

    def stat(self) -> os.stat_result | None:
        return None

    def isatty(self) -> bool:
        return False

    def events(self) -> int:
        """What poll would report now (POLLIN 1, POLLOUT 4, POLLERR 8, POLLHUP 16): a file
        that is not a pipe never makes a reader or a writer wait."""
        return 1 | 4

    def release(self) -> None:
        """The last descriptor on this file closed."""


class HostFile(OpenFile):
    """A regular file or directory inside the sandbox, through a host descriptor."""

    def __init__(self, fd: int, path: str, flags: int, readable: bool, writable: bool):
        super().__init__()
        self.fd, self.path, self.status_flags = fd, path, flags
        self.readable, self.writable = readable, writable
        self.is_dir = os.path.isdir(path)
        self.kind = "directory" if self.is_dir else "file"
        self.listing: list | None = None       # getdents64 position

    def read(self, count: int) -> bytes:
        if self.is_dir:
            raise KernelError(EISDIR)
        if not self.readable:
            raise KernelError(EBADF)
        return os.read(self.fd, count)

    def write(self, data: bytes) -> int:
        if not self.writable:
            raise KernelError(EBADF)
        return os.write(self.fd, data)

    def seek(self, offset: int, whence: int) -> int:
        if whence not in (0, 1, 2):
            raise KernelError(EINVAL)
        try:
            return os.lseek(self.fd, offset, whence)
        except OSError as e:
            raise KernelError(e.errno or EINVAL) from None

    def pread(self, count: int, offset: int) -> bytes:
        if not self.readable:
            raise KernelError(EBADF)
        return os.pread(self.fd, count, offset)

    def pwrite(self, data: bytes, offset: int) -> int:
        if not self.writable:
            raise KernelError(EBADF)
        return os.pwrite(self.fd, data, offset)

    def stat(self) -> os.stat_result:
        return os.fstat(self.fd)

    def release(self) -> None:
        os.close(self.fd)


class ConsoleIn(OpenFile):
    kind = "stdin"

    def __init__(self, streams):
        super().__init__()
        self.streams = streams

    def read(self, count: int) -> bytes:
        return self.streams.read_stdin(count)

    def isatty(self) -> bool:
        return _isatty(self.streams.stdin)


class ConsoleOut(OpenFile):
    kind = "stdout"

    def __init__(self, sink):
        super().__init__()
        self.sink = sink

    def write(self, data: bytes) -> int:
        try:
            self.sink.write(data)
        except (OSError, ValueError) as e:      # ValueError: the host closed the stream
            raise KernelError(from_host(e) if isinstance(e, OSError) else EBADF) from None
        return len(data)

    def isatty(self) -> bool:
        return _isatty(self.sink.target)


def _isatty(stream) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):
        return False


class FdTable:
    """Descriptor numbers -> open files, with the close-on-exec flag."""

    def __init__(self):
        self.files: dict[int, OpenFile] = {}
        self.cloexec: set[int] = set()

    def get(self, fd: int) -> OpenFile:
        file = self.files.get(fd)
        if file is None:
            raise KernelError(EBADF)
        return file

    def add(self, file: OpenFile, lowest: int = 0, *, cloexec: bool = False) -> int:
        fd = lowest
        while fd in self.files:
            fd += 1
        if fd >= MAX_FDS:
            raise KernelError(EMFILE)
        self.install(fd, file, cloexec=cloexec)
        return fd

    def install(self, fd: int, file: OpenFile, *, cloexec: bool = False) -> None:
        if fd in self.files:
            self.close(fd)
        file.refs += 1
        self.files[fd] = file
        if cloexec:
            self.cloexec.add(fd)
        else:
            self.cloexec.discard(fd)

    def close(self, fd: int) -> None:
        file = self.get(fd)
        del self.files[fd]
        self.cloexec.discard(fd)
        file.refs -= 1
        if file.refs == 0:
            file.release()

    def close_all(self) -> None:
        for fd in list(self.files):
            self.close(fd)
