"""Which pages are mapped, with which permissions, as sorted runs.

A guest maps memory in large runs (a 256 MiB mmap is 65,536 pages) and touches few of
them, so both engines keep the mapping as runs, not as one entry per page: mapping,
protecting and unmapping cost the runs they touch, and the mapped total (what the memory
budget counts) is a sum over runs.
"""

from __future__ import annotations

from bisect import bisect_right


class PageMap:
    """Runs `(first_page, end_page, perms)`, sorted, disjoint, neighbours with equal
    permissions merged. Looks up like a dict of page -> perms."""

    __slots__ = ("_starts", "_runs", "pages", "_last")

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._runs: list[tuple[int, int, int]] = []
        self.pages = 0                          # mapped pages in all
        self._last = (0, 0, 0)                  # the run the last lookup found

    def get(self, page: int, default=None):
        first, end, perms = self._last          # accesses cluster: try it first
        if first <= page < end:
            return perms
        i = bisect_right(self._starts, page) - 1
        if i >= 0:
            run = self._runs[i]
            if page < run[1]:
                self._last = run
                return run[2]
        return default

    def __contains__(self, page: int) -> bool:
        return self.get(page) is not None

    def __len__(self) -> int:
        return self.pages

    def runs(self, first: int = 0, end: int | None = None) -> list[tuple[int, int, int]]:
        """The runs overlapping [first, end), clipped to it."""
        runs = self._runs
        if end is None:
            return list(runs) if not first else \
                [(max(a, first), b, p) for a, b, p in runs if b > first]
        i = max(bisect_right(self._starts, first) - 1, 0)
        out = []
        while i < len(runs) and runs[i][0] < end:
            a, b, p = runs[i]
            if b > first:
                out.append((max(a, first), min(b, end), p))
            i += 1
        return out

    def mapped_in(self, first: int, end: int) -> int:
        """How many pages of [first, end) are mapped."""
        return sum(b - a for a, b, _ in self.runs(first, end))

    def set(self, first: int, end: int, perms: int) -> None:
        """Map [first, end) with `perms` (replacing whatever was there)."""
        if first < end:
            self._replace(first, end, [(first, end, perms)])

    def clear(self, first: int, end: int) -> None:
        if first < end:
            self._replace(first, end, [])

    def protect(self, first: int, end: int, perms: int) -> None:
        """Give the mapped pages of [first, end) `perms`; unmapped ones stay unmapped."""
        for a, b, _ in self.runs(first, end):
            self.set(a, b, perms)

    def _replace(self, first: int, end: int, middle: list) -> None:
        """Put `middle` in place of whatever [first, end) held, merging equal neighbours."""
        self._last = (0, 0, 0)
        runs = self._runs
        lo = max(bisect_right(self._starts, first) - 2, 0)      # one neighbour each side
        hi = lo
        while hi < len(runs) and runs[hi][0] <= end:
            hi += 1
        pieces = list(middle)
        for a, b, p in runs[lo:hi]:
            self.pages -= b - a
            pieces += [r for r in ((a, min(b, first), p), (max(a, end), b, p)) if r[0] < r[1]]
        merged: list[tuple[int, int, int]] = []
        for piece in sorted(pieces):
            if merged and merged[-1][1] == piece[0] and merged[-1][2] == piece[2]:
                merged[-1] = (merged[-1][0], piece[1], piece[2])
            else:
                merged.append(piece)
        self.pages += sum(b - a for a, b, _ in merged)
        runs[lo:hi] = merged
        self._starts[lo:hi] = [a for a, _, _ in merged]

    def copy(self) -> PageMap:
        other = PageMap()
        other._starts, other._runs, other.pages = list(self._starts), list(self._runs), self.pages
        other._last = (0, 0, 0)
        return other

    def __eq__(self, other) -> bool:
        return isinstance(other, PageMap) and self._runs == other._runs
