"""Reading source files: only regular files, of a sane size, as UTF-8 (any bytes).

`%include "/dev/zero"` or a FIFO would never end, and a path with a NUL byte is no
path at all; each is a ValueError here, which the callers report as an AssemblyError.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..limits import MAX_SOURCE


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
