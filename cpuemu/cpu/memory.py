"""Paged guest memory with r/w/x permissions; faults carry the address and access.

The interpreter executes against this; the Unicorn engine keeps its own pages inside
Unicorn and speaks the same `map/read/write/regions` protocol, so snapshots move between
engines as a list of regions.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import NamedTuple

from ..errors import CpuemuError
from .pagemap import PageMap

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
    return range(*page_bounds(addr, size))


def page_bounds(addr: int, size: int) -> tuple[int, int]:
    return addr // PAGE, (addr + max(size, 1) - 1) // PAGE + 1


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


def check_pages(pagemap: PageMap, addr: int, size: int, need: int, access: str) -> None:
    """Raise MemoryFault at the first byte of [addr, addr+size) whose page lacks `need`
    (need=0: only that it is mapped). Shared by every engine's memory."""
    first, end = addr // PAGE, (addr + max(size, 1) - 1) // PAGE + 1
    if end == first + 1:                           # the common case: one page
        perms = pagemap.get(first)
        if perms is None or (need and not perms & need):
            raise MemoryFault(addr, access, perms is not None)
        return
    at = first
    for a, b, perms in pagemap.runs(first, end):
        if a > at:
            break
        if need and not perms & need:
            raise MemoryFault(max(addr, a * PAGE), access, True)
        at = b
    if at < end:
        raise MemoryFault(max(addr, at * PAGE), access, False)


def regions_of(pagemap: PageMap) -> list[Region]:
    """Mapped pages as maximal runs of equal permissions, in address order."""
    return [Region(a * PAGE, (b - a) * PAGE, p) for a, b, p in pagemap.runs()]


class MemoryImage(NamedTuple):
    """Memory at one moment: the mapping, and the bytes of every page ever touched
    (a mapped page missing from `pages` is zero)."""

    runs: tuple[tuple[int, int, int], ...]
    pages: dict[int, bytes]


class Memory:
    """A sparse address space (32- or 48-bit: only mapped pages exist) of 4 KiB pages.

    Host memory is spent when a page is first touched, not when it is mapped (Linux
    does the same), so a guest may map far more than it uses. Besides `read`/`write`
    (bytes, permission-checked, all or nothing), it hands the interpreter integer
    accessors (`reader(size)`, `writer(size)`) whose fast path is one dict lookup:
    `readable` and `writable` hold exactly the touched pages the guest may read or
    write; a miss takes the slow path, which touches the page. Pages holding translated
    code leave `writable`, so a write to them takes the slow path and tells
    `on_code_write`, which drops stale translations.
    """

    def __init__(self) -> None:
        self.pages: dict[int, bytearray] = {}       # touched pages only
        self.perms = PageMap()
        self.readable: dict[int, bytearray] = {}
        self.writable: dict[int, bytearray] = {}
        self.readable32: dict[int, memoryview] = {}     # the same pages as dwords
        self.writable32: dict[int, memoryview] = {}
        self._words: dict[int, memoryview] = {}
        self.code: set[int] = set()
        self.on_code_write = None           # callable(address, size) or None
        self.changes: list | None = None    # what the kernel changes, while time travel logs

    def _touched_in(self, first: int, end: int) -> list[int]:
        """Touched pages in [first, end), whichever is cheaper to walk."""
        if end - first <= len(self.pages):
            return [p for p in range(first, end) if p in self.pages]
        return [p for p in self.pages if first <= p < end]

    def map(self, addr: int, size: int, perms: int = RW) -> None:
        """Map zeroed pages over [addr, addr+size), keeping the contents of mapped ones."""
        if self.changes is not None:
            self.changes.append((addr, size, True))
        first, end = page_bounds(addr, size)
        self.perms.set(first, end, perms)
        for page in self._touched_in(first, end):
            self._set_perms(page, perms)

    def unmap(self, addr: int, size: int) -> None:
        if self.changes is not None:
            self.changes.append((addr, size, True))
        first, end = page_bounds(addr, size)
        for page in self._touched_in(first, end):
            self._drop(page)
        self.perms.clear(first, end)

    def protect(self, addr: int, size: int, perms: int) -> None:
        if self.changes is not None:
            self.changes.append((addr, size, True))
        first, end = page_bounds(addr, size)
        self.perms.protect(first, end, perms)
        for page in self._touched_in(first, end):
            self._set_perms(page, perms)

    def mapped_bytes(self) -> int:
        return self.perms.pages * PAGE

    def _touch(self, page: int) -> bytearray:
        """The page's bytes, allocating them on first touch (the page must be mapped)."""
        data = self.pages.get(page)
        if data is None:
            data = self.pages[page] = bytearray(PAGE)
            self._set_perms(page, self.perms.get(page))
        return data

    def _set_perms(self, page: int, perms: int) -> None:
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
        self._touch(page)
        self.code.add(page)
        self.writable.pop(page, None)
        self.writable32.pop(page, None)

    def forget_code(self) -> None:
        """No translations remain: every writable page takes the fast path again."""
        code, self.code = self.code, set()
        for page in code:
            if page in self.pages:
                self._set_perms(page, self.perms.get(page))

    # -- checkpoints (time travel) --------------------------------------------------------

    def snapshot(self, previous: MemoryImage | None = None) -> MemoryImage:
        """The mapping and every touched page. Pages equal to `previous`'s share its
        objects, so a run of checkpoints costs the pages that changed between them."""
        old_pages = previous.pages if previous is not None else {}
        pages = {}
        for page, data in self.pages.items():
            old = old_pages.get(page)
            pages[page] = old if old is not None and data == old else bytes(data)
        return MemoryImage(tuple(self.perms.runs()), pages)

    def restore(self, image: MemoryImage) -> None:
        """Make memory exactly `image`, keeping the page objects that stay touched
        (translated code and accessors hold them)."""
        self.perms = PageMap()
        for a, b, p in image.runs:
            self.perms.set(a, b, p)
        for page in [p for p in self.pages if p not in image.pages]:
            self._drop(page)
        for page, data in image.pages.items():
            current = self.pages.get(page)
            if current is None:
                self.pages[page] = bytearray(data)
            elif current != data:
                current[:] = data
            self._set_perms(page, self.perms.get(page))

    def image_of(self, addr: int, size: int) -> MemoryImage:
        """The mapping and touched bytes of [addr, addr+size) (for a system call log)."""
        first, end = page_bounds(addr, size)
        return MemoryImage(tuple(self.perms.runs(first, end)),
                           {p: bytes(self.pages[p]) for p in self._touched_in(first, end)})

    def put_image(self, addr: int, size: int, image: MemoryImage) -> None:
        """Make [addr, addr+size) what `image_of` returned for it."""
        self.unmap(addr, size)
        for a, b, p in image.runs:
            self.map(a * PAGE, (b - a) * PAGE, p)
        for page, data in image.pages.items():
            self._touch(page)[:] = data

    def _drop(self, page: int) -> None:
        for table in (self.readable, self.writable, self.readable32, self.writable32,
                      self._words, self.pages):
            table.pop(page, None)
        self.code.discard(page)

    def is_mapped(self, addr: int, size: int = 1) -> bool:
        first, end = page_bounds(addr, size)
        return self.perms.mapped_in(first, end) == end - first

    def check(self, addr: int, size: int, need: int, access: str) -> None:
        check_pages(self.perms, addr, size, need, access)

    def read(self, addr: int, size: int, *, need: int = R) -> bytes:
        self.check(addr, size, need, "read")
        return self._copy_out(addr, size)

    def fetch_page(self, page: int) -> bytearray:
        """A mapped page's bytes for the decoder (touching it)."""
        return self._touch(page)

    def write(self, addr: int, data: bytes, *, need: int = W) -> None:
        """Write all of `data` or nothing: permissions are checked before any byte moves."""
        self.check(addr, len(data), need, "write")
        if self.changes is not None:
            self.changes.append((addr, len(data), False))
        pos = 0
        view = memoryview(data)
        while pos < len(data):
            page, off = divmod(addr + pos, PAGE)
            n = min(PAGE - off, len(data) - pos)
            chunk = view[pos:pos + n]
            if page in self.pages or any(chunk):       # zeros need no page
                self._touch(page)[off:off + n] = chunk
            pos += n
        if self.code and self.on_code_write is not None and \
                any(p in self.code for p in page_span(addr, len(data))):
            self.on_code_write(addr, len(data))

    def _copy_out(self, addr: int, size: int) -> bytes:
        """Bytes of mapped pages; untouched pages read as zeros and stay untouched."""
        out = bytearray(size)
        pos = 0
        while pos < size:
            page, off = divmod(addr + pos, PAGE)
            n = min(PAGE - off, size - pos)
            data = self.pages.get(page)
            if data is not None:
                out[pos:pos + n] = data[off:off + n]
            pos += n
        return bytes(out)

    def _slow_read(self, addr: int, size: int) -> bytes:
        """The accessors' miss: check, touch the pages (later reads take the fast path)."""
        self.check(addr, size, R, "read")
        for page in page_span(addr, size):
            self._touch(page)
        return self._copy_out(addr, size)

    def regions(self) -> list[Region]:
        return regions_of(self.perms)

    # -- integer accessors for the interpreter ------------------------------------------

    def reader(self, size: int):
        """`read(addr) -> int`, little-endian, `size` bytes; MemoryFault when not readable."""
        readable, last, read = self.readable, PAGE - size, self._slow_read

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
