"""C's printf conversions, as glibc prints them: flags `-+ #0`, width and precision
(`*` too), the length modifiers hh h l ll z j t L, and d i u o x X c s p f F e E g G %.

Arguments come from an `ArgReader` (the cdecl stack or the System V registers and stack),
so printf, sprintf and snprintf share one engine.
"""

from __future__ import annotations

import re
import struct

from ..errors import CpuemuError

SPEC = re.compile(rb"%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?(hh|h|ll|l|L|z|j|t|q)?"
                  rb"([diouxXcspfFeEgGaAn%])")


class ArgReader:
    """The variadic arguments of a C call: `word()` for an int or a pointer, `wide()`
    for a 64-bit integer, `double()` for a double."""

    def __init__(self, machine, first: int):
        self.m, self.at = machine, first
        self.seen: list = []                  # what was read, for --ltrace

    def word(self) -> int:
        value = int.from_bytes(self.m.read(self.at, 4), "little")
        self.at += 4
        self.seen.append(value)
        return value

    def wide(self) -> int:
        value = int.from_bytes(self.m.read(self.at, 8), "little")
        self.at += 8
        self.seen.append(value)
        return value

    def double(self) -> float:
        (value,) = struct.unpack("<d", self.m.read(self.at, 8))
        self.at += 8
        self.seen.append(value)
        return value


class SysVArgReader(ArgReader):
    """System V AMD64: integers and pointers in RDI RSI RDX RCX R8 R9, doubles in XMM0-7,
    the rest on the stack in order ([rsp] is the return address into the stub)."""

    INTEGER = ("rdi", "rsi", "rdx", "rcx", "r8", "r9")

    def __init__(self, machine):
        super().__init__(machine, machine.regs.rsp + 8)
        self.ints = self.floats = 0

    def word(self) -> int:
        if self.ints < len(self.INTEGER):
            value = self.m.regs[self.INTEGER[self.ints]]
            self.ints += 1
        else:
            value = int.from_bytes(self.m.read(self.at, 8), "little")
            self.at += 8
        self.seen.append(value)
        return value

    wide = word

    def double(self) -> float:
        if self.floats < 8:
            raw = self.m.regs[f"xmm{self.floats}"] & ((1 << 64) - 1)
            self.floats += 1
            (value,) = struct.unpack("<d", raw.to_bytes(8, "little"))
        else:
            (value,) = struct.unpack("<d", self.m.read(self.at, 8))
            self.at += 8
        self.seen.append(value)
        return value


def format_c(fmt: bytes, args: ArgReader, cstring) -> bytes:
    """The bytes printf(fmt, ...) writes; `cstring(address)` reads a guest string."""
    out = bytearray()
    at = 0
    while True:
        percent = fmt.find(b"%", at)
        if percent < 0:
            out += fmt[at:]
            return bytes(out)
        out += fmt[at:percent]
        m = SPEC.match(fmt, percent)
        if m is None:                             # not a conversion: printed as written
            out += fmt[percent:percent + 1]
            at = percent + 1
            continue
        out += _one(m, args, cstring)
        at = m.end()


def _one(m, args: ArgReader, cstring) -> bytes:
    flags, width, precision, length, conv = (g.decode() if g is not None else None
                                             for g in m.groups())
    if conv == "%":
        return b"%"
    if width == "*":
        width = _signed(args.word(), 32)
        if width < 0:
            flags, width = flags + "-", -width
    if precision == "*":
        precision = _signed(args.word(), 32)
        precision = None if precision < 0 else precision
    elif precision == "":
        precision = 0
    width = int(width) if width is not None else None
    precision = int(precision) if precision is not None else None
    if conv in "diouxX":
        wide = length in ("ll", "q", "j") or (isinstance(args, SysVArgReader) and
                                             length in ("l", "z", "t"))
        raw = args.wide() if wide else args.word()
        bits = 64 if wide else 16 if length == "h" else 8 if length == "hh" else 32
        value = raw & ((1 << bits) - 1)
        if conv in "di":
            value = _signed(value, bits)
        return _integer(value, conv, flags, width, precision)
    if conv == "c":
        return _pad(bytes([args.word() & 0xFF]), flags.replace("0", ""), width)
    if conv == "s":
        address = args.word()
        text = b"(null)" if address == 0 and (precision is None or precision >= 6) else \
            b"" if address == 0 else cstring(address, precision)
        return _pad(text, flags.replace("0", ""), width)
    if conv == "p":
        address = args.word()
        text = b"(nil)" if address == 0 else f"{address:#x}".encode()
        return _pad(text, flags.replace("0", ""), width)
    if conv in "fFeEgGaA":
        if length == "L":
            raise CpuemuError("printf %L... (long double) is not in cpuemu's C library")
        value = args.double()
        return _float(value, conv, flags, width, precision)
    if conv == "n":
        raise CpuemuError("printf %n is not in cpuemu's C library")
    raise CpuemuError(f"printf %{conv} is not in cpuemu's C library")


def _signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value >> (bits - 1) & 1 else value


def _pad(text: bytes, flags: str, width: int | None) -> bytes:
    if width is None or len(text) >= width:
        return text
    return text.ljust(width) if "-" in flags else text.rjust(width)


def _integer(value: int, conv: str, flags: str, width: int | None,
             precision: int | None) -> bytes:
    """C's rules: precision is a minimum of digits (0 with 0 prints none), `#` adds 0x
    to a nonzero hex value and a leading 0 to octal, `0` pads after the sign unless a
    precision is given, `-` pads on the right."""
    base = {"o": 8, "x": 16, "X": 16}.get(conv, 10)
    magnitude = abs(value)
    digits = ""
    n = magnitude
    while n:
        digits = "0123456789abcdef"[n % base] + digits
        n //= base
    digits = digits or "0"
    if conv == "X":
        digits = digits.upper()
    if precision is not None:
        digits = "" if precision == 0 and magnitude == 0 else digits.rjust(precision, "0")
    prefix = ""
    if conv in "di":
        prefix = "-" if value < 0 else "+" if "+" in flags else " " if " " in flags else ""
    elif "#" in flags and conv in "xX" and magnitude:
        prefix = "0x" if conv == "x" else "0X"
    elif "#" in flags and conv == "o" and not digits.startswith("0"):
        digits = "0" + digits
    body = prefix + digits
    if width is not None and len(body) < width:
        if "-" in flags:
            body = body.ljust(width)
        elif "0" in flags and precision is None:
            body = prefix + digits.rjust(width - len(prefix), "0")
        else:
            body = body.rjust(width)
    return body.encode()


def _float(value: float, conv: str, flags: str, width: int | None,
           precision: int | None) -> bytes:
    import math
    if math.isinf(value) or math.isnan(value):
        text = ("-" if math.copysign(1, value) < 0 else "+" if "+" in flags else
                " " if " " in flags else "") + ("inf" if math.isinf(value) else "nan")
        text = text.upper() if conv in "FEGA" else text
        return _pad(text.encode(), flags.replace("0", ""), width)
    if conv in "aA":
        raise CpuemuError("printf %a is not in cpuemu's C library")
    spec = "%" + flags + (str(width) if width is not None else "") + \
        (f".{precision}" if precision is not None else "") + conv
    return (spec % value).encode()
