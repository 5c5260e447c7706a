"""Reading source files: only regular files, of a sane size, as UTF-8 (any bytes).

`%include "/dev/zero"` or a FIFO would never end, and a path with a NUL byte is no
path at all; each is a ValueError here, which the callers report as an AssemblyError.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import AssemblyError
from ..limits import MAX_SOURCE
from .model import Pos

MAX_INCLUDE_DEPTH = 16


def read_source(path: str | Path) -> str:
    """The text of a source file: UTF-8, a byte-order mark skipped; bytes that are not
    UTF-8 (a Latin-1 comment) are kept as they are, as nasm and as keep them."""
    name = os.fspath(path)
    if "\0" in name:
        raise ValueError("the file name holds a NUL byte")
    info = os.stat(name)
    if not stat.S_ISREG(info.st_mode):
        raise ValueError("not a regular file")
    if info.st_size > MAX_SOURCE:
        raise ValueError(f"larger than cpuemu's limit of {MAX_SOURCE >> 20} MiB of source")
    with open(name, "rb") as f:
        raw = f.read(MAX_SOURCE + 1)
    text = raw.decode("utf-8-sig", "surrogateescape")
    strays = sum(1 for ch in text if "\udc80" <= ch <= "\udcff")
    if b"\0" in raw or strays * 10 > max(len(text), 1):
        raise ValueError("not a text file (it holds NUL bytes, or mostly bytes that are "
                         "not UTF-8)")
    return text


BUILT_IN = Path(__file__).resolve().parent / "include"


@contextmanager
def included(name: str, pos: Pos, include_paths=(), chain: list[str] | None = None,
             column: int = 1) -> Iterator[tuple[str, str]]:
    """(text, path) of a file an include names: beside the including file, then in the
    include paths (-I), then cpuemu's own (asm/include: SASM's io.inc). `chain` holds
    the files being included, to refuse a loop; the file is on it while the block runs.
    Errors point at the include at `pos`."""
    chain = [] if chain is None else chain
    here = Path(pos.file).parent if pos.file != "<input>" else Path.cwd()
    tried = [here / name, *(Path(d) / name for d in include_paths), BUILT_IN / name]
    path = next((p for p in tried if _is_file(p)), tried[0])

    def error(message: str) -> AssemblyError:
        return AssemblyError(message, file=pos.file, line=pos.line, column=column,
                             text=pos.text)
    try:
        source = read_source(path)
        resolved = str(path.resolve())
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise error(f"cannot include {name!r}: {getattr(e, 'strerror', None) or e}") from None
    if resolved in chain or len(chain) >= MAX_INCLUDE_DEPTH:
        raise error(f"include of {name!r} loops back on itself")
    chain.append(resolved)
    try:
        yield source, str(path)
    finally:
        chain.pop()


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):       # a name too long, a NUL: not a file, said below
        return False
