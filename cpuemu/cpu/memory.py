"""Paged guest memory with r/w/x permissions; faults carry the address and access.

The interpreter executes against this; the Unicorn engine keeps its own pages inside
Unicorn and speaks the same `map/read/write/regions` protocol, so snapshots move between
engines as a list of regions.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from ..errors import CpuemuError

PAGE = 0x1000
R, W, X = 1, 2, 4
RW, RX, RWX = R | W, R | X, R | W | X
LITTLE_ENDIAN_HOST = sys.byteorder == "little"    # dword views of pages are native-endian


def perms_from_text(text: str) -> int:
    """'r-x' -> R|X."""
    return (R if "r" in text else 0) | (W if "w" in text else 0) | (X if "x" in text else 0)


def perms_text(perms: int) -> str:
    return ("r" if perms & R else "-") + ("w" if perms & W else "-") + ("x" if perms & X else "-")


def page_span(addr: int, size: int) -> range:
    """Page numbers that [addr, addr+size) touches."""
    return range(addr // PAGE, (addr + max(size, 1) - 1) // PAGE + 1)


class MemoryFault(CpuemuError):
    """An access to an unmapped page or against its permissions."""

    def __init__(self, address: int, access: str, mapped: bool):
        self.address, self.access, self.mapped = address, access, mapped
        why = "protected" if mapped else "unmapped"
        super().__init__(f"{access} of {why} address {address:#010x}")


@dataclass(frozen=True)
class Region:
    """A run of pages with the same permissions."""

    start: int
    size: int
    perms: int


def check_pages(perms_by_page: dict[int, int], addr: int, size: int, need: int,
                access: str) -> None:
    """Raise MemoryFault at the first byte of [addr, addr+size) whose page lacks `need`
    (need=0: only that it is mapped). Shared by every engine's memory."""
    for page in page_span(addr, size):
        perms = perms_by_page.get(page)
        if perms is None or (need and not perms & need):
            raise MemoryFault(max(addr, page * PAGE), access, perms is not None)


def merge_regions(perms_by_page: dict[int, int]) -> list[Region]:
    """Mapped pages as maximal runs of equal permissions, in address order."""
    out: list[Region] = []
    for page in sorted(perms_by_page):
        perms = perms_by_page[page]
        last = out[-1] if out else None
        if last and last.start + last.size == page * PAGE and last.perms == perms:
            out[-1] = Region(last.start, last.size + PAGE, perms)
        else:
            out.append(Region(page * PAGE, PAGE, perms))
    return out


class Memory:
    """A sparse address space (32- or 48-bit: only mapped pages exist) of 4 KiB pages.

    Besides `read`/`write` (bytes, permission-checked, all or nothing), it hands the
    interpreter integer accessors (`reader(size)`, `writer(size)`) whose fast path is one
    dict lookup: `readable` and `writable` hold exactly the pages the guest may read or
    write. Pages holding translated code leave `writable`, so a write to them takes the
    slow path and tells `on_code_write`, which drops stale translations.
    """

    def __init__(self) -> None:
        self.pages: dict[int, bytearray] = {}
        self.perms: dict[int, int] = {}
        self.readable: dict[int, bytearray] = {}
        self.writable: dict[int, bytearray] = {}
        self.readable32: dict[int, memoryview] = {}     # the same pages as dwords
        self.writable32: dict[int, memoryview] = {}
        self._words: dict[int, memoryview] = {}
        self.code: set[int] = set()
        self.on_code_write = None           # callable(address, size) or None
        self.changes: list | None = None    # what the kernel changes, while time travel logs

    def map(self, addr: int, size: int, perms: int = RW) -> None:
        """Map zeroed pages over [addr, addr+size), keeping the contents of mapped ones."""
        if self.changes is not None:
            self.changes.append((addr, size, True))
        for page in page_span(addr, size):
            self.pages.setdefault(page, bytearray(PAGE))
            self._set_perms(page, perms)

    def unmap(self, addr: int, size: int) -> None:
        if self.changes is not None:
            self.changes.append((addr, size, True))
        for page in page_span(addr, size):
            self._drop(page)

    def protect(self, addr: int, size: int, perms: int) -> None:
        if self.changes is not None:
            self.changes.append((addr, size, True))
        for page in page_span(addr, size):
            if page in self.perms:
                self._set_perms(page, perms)

    def _set_perms(self, page: int, perms: int) -> None:
        self.perms[page] = perms
        data = self.pages[page]
        words = self._words.get(page)
        if words is None:
            words = self._words[page] = memoryview(data).cast("I")
        for table, table32, bit in ((self.readable, self.readable32, R),
                                    (self.writable, self.writable32, W)):
            if perms & bit and (bit == R or page not in self.code):
                table[page], table32[page] = data, words
            else:
                table.pop(page, None)
                table32.pop(page, None)

    def watch_code(self, page: int) -> None:
        """Route writes to `page` through the slow path (it holds translated code)."""
        self.code.add(page)
        self.writable.pop(page, None)
        self.writable32.pop(page, None)

    def forget_code(self) -> None:
        """No translations remain: every writable page takes the fast path again."""
        for page in self.code:
            if page in self.perms:
                self._set_perms(page, self.perms[page])
        self.code.clear()

    # -- checkpoints (time travel) --------------------------------------------------------

    def snapshot(self, previous: dict | None = None) -> dict[int, tuple[int, bytes]]:
        """Every page as (perms, bytes). Pages equal to `previous`'s share its objects,
        so a run of checkpoints costs the pages that changed between them."""
        previous = previous or {}
        out = {}
        for page, data in self.pages.items():
            perms = self.perms[page]
            old = previous.get(page)
            out[page] = old if old is not None and old[0] == perms and data == old[1] \
                else (perms, bytes(data))
        return out

    def restore(self, snapshot: dict[int, tuple[int, bytes]]) -> None:
        """Make memory exactly `snapshot`, keeping the page objects that stay mapped
        (translated code and accessors hold them)."""
        for page in [p for p in self.pages if p not in snapshot]:
            self._drop(page)
        for page, (perms, data) in snapshot.items():
            current = self.pages.get(page)
            if current is None:
                self.pages[page] = bytearray(data)
            elif current != data:
                current[:] = data
            if self.perms.get(page) != perms:
                self._set_perms(page, perms)

    def _drop(self, page: int) -> None:
        for table in (self.readable, self.writable, self.readable32, self.writable32,
                      self._words, self.pages, self.perms):
            table.pop(page, None)
        self.code.discard(page)

    def is_mapped(self, addr: int, size: int = 1) -> bool:
        return all(p in self.pages for p in page_span(addr, size))

    def check(self, addr: int, size: int, need: int, access: str) -> None:
        check_pages(self.perms, addr, size, need, access)

    def read(self, addr: int, size: int, *, need: int = R) -> bytes:
        self.check(addr, size, need, "read")
        return self._copy_out(addr, size)

    def write(self, addr: int, data: bytes, *, need: int = W) -> None:
        """Write all of `data` or nothing: permissions are checked before any byte moves."""
        self.check(addr, len(data), need, "write")
        if self.changes is not None:
            self.changes.append((addr, len(data), False))
        pos = 0
        while pos < len(data):
            page, off = divmod(addr + pos, PAGE)
            n = min(PAGE - off, len(data) - pos)
            self.pages[page][off:off + n] = data[pos:pos + n]
            pos += n
        if self.code and self.on_code_write is not None and \
                any(p in self.code for p in page_span(addr, len(data))):
            self.on_code_write(addr, len(data))

    def _copy_out(self, addr: int, size: int) -> bytes:
        out = bytearray()
        while len(out) < size:
            page, off = divmod(addr + len(out), PAGE)
            n = min(PAGE - off, size - len(out))
            out += self.pages[page][off:off + n]
        return bytes(out)

    def regions(self) -> list[Region]:
        return merge_regions(self.perms)

    # -- integer accessors for the interpreter ------------------------------------------

    def reader(self, size: int):
        """`read(addr) -> int`, little-endian, `size` bytes; MemoryFault when not readable."""
        readable, last, read = self.readable, PAGE - size, self.read

        def read_int(addr: int) -> int:
            page = readable.get(addr >> 12)
            off = addr & 0xFFF
            if page is None or off > last:
                return int.from_bytes(read(addr, size), "little")
            return int.from_bytes(page[off:off + size], "little")

        if size == 1:
            def read_byte(addr: int) -> int:
                page = readable.get(addr >> 12)
                return page[addr & 0xFFF] if page is not None else read(addr, 1)[0]
            return read_byte
        if size == 4 and LITTLE_ENDIAN_HOST:
            words = self.readable32

            def read_dword(addr: int) -> int:
                if not addr & 3:
                    page = words.get(addr >> 12)
                    if page is not None:
                        return page[(addr & 0xFFF) >> 2]
                return read_int(addr)
            return read_dword
        return read_int

    def writer(self, size: int):
        """`write(addr, value)` of an unsigned `size`-byte integer; all or nothing."""
        writable, last, write = self.writable, PAGE - size, self.write

        def write_int(addr: int, value: int) -> None:
            page = writable.get(addr >> 12)
            off = addr & 0xFFF
            if page is None or off > last:
                write(addr, value.to_bytes(size, "little"))
            else:
                page[off:off + size] = value.to_bytes(size, "little")

        if size == 1:
            def write_byte(addr: int, value: int) -> None:
                page = writable.get(addr >> 12)
                if page is None:
                    write(addr, bytes((value,)))
                else:
                    page[addr & 0xFFF] = value
            return write_byte
        if size == 4 and LITTLE_ENDIAN_HOST:
            words = self.writable32

            def write_dword(addr: int, value: int) -> None:
                if not addr & 3:
                    page = words.get(addr >> 12)
                    if page is not None:
                        page[(addr & 0xFFF) >> 2] = value
                        return
                write_int(addr, value)
            return write_dword
        return write_int
