"""The guest's file system: one host directory that the guest sees as `/`.

Paths are resolved one component at a time, as a chroot would: `..` stops at the root,
absolute paths start at the root, and symbolic links are followed *inside* the root (an
absolute link target is taken relative to it), so nothing outside the directory can be
named. Resolution returns a host path under the root, or raises KernelError.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from .errno import ELOOP, ENAMETOOLONG, ENOENT, ENOTDIR, KernelError
from .inodes import Inodes

PATH_MAX = 4096
NAME_MAX = 255
MAX_LINKS = 40


class Sandbox:
    def __init__(self, root: str | Path | None = None):
        if root is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="cpuemu-root-")
            root = self._tmp.name
        self.root = os.path.realpath(root)
        if not os.path.isdir(self.root):
            raise FileNotFoundError(f"sandbox root {root} is not a directory")
        self.cwd = "/"                         # the guest's current directory, guest path
        self.inodes = Inodes()                 # what stat says (inodes.py)
        self.inodes.number(os.stat(self.root))     # the root is inode 2

    def guest_path(self, parts: list[str]) -> str:
        return "/" + "/".join(parts)

    def resolve(self, path: bytes | str, *, follow: bool = True, base: str | None = None) -> str:
        """Host path for a guest path. `follow`: follow a symlink in the last component.
        `base`: the guest directory a relative path starts from (default the cwd)."""
        if isinstance(path, bytes):
            if len(path) >= PATH_MAX:
                raise KernelError(ENAMETOOLONG)
            path = path.decode("utf-8", "surrogateescape")
        if not path:
            raise KernelError(ENOENT, "empty path")
        if len(path) >= PATH_MAX:
            raise KernelError(ENAMETOOLONG)
        start = base if base is not None else self.cwd
        todo = path.split("/") if path.startswith("/") else (start + "/" + path).split("/")
        todo.reverse()
        done: list[str] = []
        links = 0
        while todo:
            part = todo.pop()
            if part in ("", "."):
                continue
            if part == "..":
                if done:
                    done.pop()
                continue
            if len(part) > NAME_MAX:
                raise KernelError(ENAMETOOLONG)
            host = os.path.join(self.root, *done, part)
            last = not any(p not in ("", ".") for p in todo)
            try:
                info = os.lstat(host)
            except FileNotFoundError:
                if not last:
                    raise KernelError(ENOENT) from None
                done.append(part)
                continue
            except NotADirectoryError:
                raise KernelError(ENOTDIR) from None
            if stat.S_ISLNK(info.st_mode) and (follow or not last):
                links += 1
                if links > MAX_LINKS:
                    raise KernelError(ELOOP)
                target = os.readlink(host)
                pieces = target.split("/")
                if target.startswith("/"):
                    done = []
                todo.extend(reversed(pieces))
                continue
            if not last and not stat.S_ISDIR(info.st_mode):
                raise KernelError(ENOTDIR)
            done.append(part)
        host = os.path.join(self.root, *done)
        if os.path.commonpath([host, self.root]) != self.root:      # belt and braces
            raise KernelError(ENOENT)
        return host

    def to_guest(self, host: str) -> str:
        rel = os.path.relpath(host, self.root)
        return "/" if rel == "." else "/" + rel
