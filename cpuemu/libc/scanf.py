"""scanf's conversions as glibc reads them: whitespace in the format skips any, other
characters must match, and %d %i %u %o %x %c %s %f %e %g (with h hh l ll lengths,
widths, `*` to skip) convert from stdin. The result is the number of assignments, or
EOF (-1) when input ends before the first conversion."""

from __future__ import annotations

import re
import struct

from ..errors import CpuemuError

SPEC = re.compile(rb"%(\*)?(\d+)?(hh|h|ll|l|L|q)?([diouxXcsfeEgGaA%])")
SPACE = b" \t\n\v\f\r"


class Scanner:
    def __init__(self, libc, machine):
        self.libc, self.m = libc, machine

    def peek(self) -> int | None:
        if not self.libc.inbuf and not self.libc._fill(self.m):
            return None
        return self.libc.inbuf[0]

    def take(self) -> int:
        c = self.libc.inbuf[0]
        del self.libc.inbuf[:1]
        return c

    def skip_space(self) -> None:
        while (c := self.peek()) is not None and c in SPACE:
            self.take()

    def scan(self, fmt: bytes, args) -> int:
        assigned = 0
        at = 0
        converted_any = False
        while at < len(fmt):
            c = fmt[at]
            if c in SPACE:
                self.skip_space()
                at += 1
                continue
            if c != 37:                                     # a literal must match
                if self.peek() != c:
                    return assigned if converted_any or self.peek() is not None else -1
                self.take()
                at += 1
                continue
            m = SPEC.match(fmt, at)
            if m is None:
                raise CpuemuError(f"scanf: {fmt[at:at + 4]!r} is not a conversion cpuemu's "
                                  "C library reads")
            at = m.end()
            skip, width, length, conv = m.groups()
            width = int(width) if width else None
            if conv == b"%":
                self.skip_space()
                if self.peek() != 37:
                    return assigned
                self.take()
                continue
            if conv != b"c":
                self.skip_space()
            if self.peek() is None:
                return assigned if converted_any else -1
            text = self.field(conv, width)
            if not text:
                return assigned
            converted_any = True
            if skip:
                continue
            self.store(conv, length, text, args.word())
            assigned += 1
        return assigned

    def field(self, conv: bytes, width: int | None) -> bytes:
        out = bytearray()
        limit = width if width is not None else (1 if conv == b"c" else 1 << 20)
        allowed = self.allowed(conv)
        while len(out) < limit:
            c = self.peek()
            if c is None or not allowed(c, bytes(out)):
                break
            out.append(self.take())
        return bytes(out)

    def allowed(self, conv: bytes):
        if conv == b"c":
            return lambda c, sofar: True
        if conv == b"s":
            return lambda c, sofar: c not in SPACE
        if conv in b"di":
            hexa = conv == b"i"
            return lambda c, sofar: (c in b"+-" and not sofar) or chr(c).isdigit() or \
                (hexa and (chr(c).lower() in "abcdefx" and sofar[-1:] != b""))
        if conv in b"uoxX":
            return lambda c, sofar: (c in b"+-" and not sofar) or \
                chr(c).lower() in "0123456789abcdefx"
        return lambda c, sofar: (c in b"+-" and (not sofar or sofar[-1:] in b"eE")) or \
            chr(c).isdigit() or c in b".eE" or chr(c).lower() in "infa"

    def store(self, conv: bytes, length: bytes | None, text: bytes, address: int) -> None:
        m = self.m
        if conv == b"c":
            m.write(address, text)
        elif conv == b"s":
            m.write(address, text + b"\0")
        elif conv in b"fFeEgGaA":
            try:
                value = float(text)
            except ValueError:
                value = 0.0
            m.write(address, struct.pack("<d" if length in (b"l", b"L") else "<f", value))
        else:
            base = {b"d": 10, b"u": 10, b"o": 8, b"x": 16, b"X": 16, b"i": 0}[conv]
            from . import _strtol
            value, _ = _strtol(text, base)
            size = {b"hh": 1, b"h": 2, b"ll": 8, b"q": 8}.get(length or b"", 4)
            m.write(address, (value & ((1 << (8 * size)) - 1)).to_bytes(size, "little"))
