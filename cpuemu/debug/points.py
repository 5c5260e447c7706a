"""Breakpoints, watchpoints and displays: numbered as gdb numbers them, with conditions,
hit counts, temporary breakpoints and enable/disable."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Point:
    number: int
    kind: str                  # "breakpoint", "hw watchpoint", "read watchpoint"
    address: int
    what: str = ""             # the location or expression as the user wrote it
    size: int = 1              # watched bytes
    temporary: bool = False
    enabled: bool = True
    condition: str = ""
    hits: int = 0
    old: bytes = b""           # a watchpoint's last value

    @property
    def watch(self) -> bool:
        return self.kind != "breakpoint"


@dataclass
class Display:
    number: int
    expression: str
    fmt: str = ""              # "/x" for print-style, "x/4xw" for examine-style
    enabled: bool = True


class Points:
    """The table `info breakpoints` lists; numbers are shared by breakpoints and watches."""

    def __init__(self):
        self.points: dict[int, Point] = {}
        self.next = 1

    def add(self, **fields) -> Point:
        point = Point(self.next, **fields)
        self.points[point.number] = point
        self.next += 1
        return point

    def get(self, number: int) -> Point:
        if number not in self.points:
            raise LookupError(f"no breakpoint number {number}")
        return self.points[number]

    def breakpoints_at(self, address: int) -> list[Point]:
        return [p for p in self.points.values()
                if not p.watch and p.enabled and p.address == address]

    def addresses(self) -> set[int]:
        return {p.address for p in self.points.values() if not p.watch and p.enabled}

    def watches(self) -> list[Point]:
        return [p for p in self.points.values() if p.watch and p.enabled]

    def remove(self, number: int) -> None:
        self.get(number)
        del self.points[number]
