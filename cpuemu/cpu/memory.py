"""Paged guest memory with r/w/x permissions; faults carry the address and access.

The interpreter executes against this; the Unicorn engine keeps its own pages inside
Unicorn and speaks the same `map/read/write/regions` protocol, so snapshots move between
engines as a list of regions.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import CpuemuError

PAGE = 0x1000
R, W, X = 1, 2, 4
RW, RX, RWX = R | W, R | X, R | W | X


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
    """A sparse 32-bit address space of 4 KiB pages."""

    def __init__(self) -> None:
        self.pages: dict[int, bytearray] = {}
        self.perms: dict[int, int] = {}

    def map(self, addr: int, size: int, perms: int = RW) -> None:
        """Map zeroed pages over [addr, addr+size), keeping the contents of mapped ones."""
        for page in page_span(addr, size):
            self.pages.setdefault(page, bytearray(PAGE))
            self.perms[page] = perms

    def unmap(self, addr: int, size: int) -> None:
        for page in page_span(addr, size):
            self.pages.pop(page, None)
            self.perms.pop(page, None)

    def protect(self, addr: int, size: int, perms: int) -> None:
        for page in page_span(addr, size):
            if page in self.perms:
                self.perms[page] = perms

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
        pos = 0
        while pos < len(data):
            page, off = divmod(addr + pos, PAGE)
            n = min(PAGE - off, len(data) - pos)
            self.pages[page][off:off + n] = data[pos:pos + n]
            pos += n

    def _copy_out(self, addr: int, size: int) -> bytes:
        out = bytearray()
        while len(out) < size:
            page, off = divmod(addr + len(out), PAGE)
            n = min(PAGE - off, size - len(out))
            out += self.pages[page][off:off + n]
        return bytes(out)

    def regions(self) -> list[Region]:
        return merge_regions(self.perms)
