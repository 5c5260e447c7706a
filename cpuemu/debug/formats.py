"""How gdb prints: `print/FMT` values and `x/NFU` memory, in its layout, so habits and
scripts carry over. Formats x d u o t c a s i; units b h w g (1, 2, 4, 8 bytes)."""

from __future__ import annotations

from ..errors import CpuemuError
from .expressions import Value, flag_names, mask, signed

FORMATS = "xduotcasi"
UNITS = {"b": 1, "h": 2, "w": 4, "g": 8}
PER_LINE = {1: 8, 2: 8, 4: 4, 8: 2}         # values per line of x, as gdb lays them out
MAX_STRING = 200


def split_format(spec: str, default_format: str, default_unit: int,
                 default_count: int = 1) -> tuple[int, str, int]:
    """`/4xw` -> (4, "x", 4); missing parts keep the defaults. Letters in any order."""
    digits = ""
    rest = spec
    while rest[:1].isdigit():
        digits, rest = digits + rest[0], rest[1:]
    if len(digits) > 6:
        raise CpuemuError(f"count {digits} is too large")
    fmt, unit = default_format, default_unit
    for letter in rest:
        if letter in FORMATS:
            fmt = letter
        elif letter in UNITS:
            unit = UNITS[letter]
        else:
            raise CpuemuError(f"undefined output format {letter!r}: formats are "
                              f"{', '.join(FORMATS)}; sizes b h w g")
    return int(digits) if digits else default_count, fmt, unit


def integer(value: int, fmt: str, size: int, symbolize=None) -> str:
    """One integer of `size` bytes in gdb's format letter."""
    bits = 8 * size
    raw = value & mask(bits)
    if fmt == "x":
        return f"{raw:#x}"
    if fmt == "d":
        return str(signed(raw, bits))
    if fmt == "u":
        return str(raw)
    if fmt == "o":
        return f"0{raw:o}" if raw else "0"
    if fmt == "t":
        return f"{raw:b}"
    if fmt == "c":
        return char(signed(raw & 0xFF, 8))
    if fmt == "a":
        name = symbolize(raw) if symbolize else ""
        return f"{raw:#x}" + (f" <{name}>" if name else "")
    raise CpuemuError(f"format {fmt!r} does not apply to an integer")


def char(value: int) -> str:
    byte = value & 0xFF
    text = {0: "\\000", 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f",
            13: "\\r", 27: "\\033", 39: "\\'", 92: "\\\\"}.get(byte)
    if text is None:
        text = chr(byte) if 32 <= byte < 127 else f"\\{byte:03o}"
    return f"{value} '{text}'"


def value_text(v: Value, fmt: str | None, symbolize) -> str:
    """What `print` shows after `$N = `."""
    ctype = v.type
    if fmt:
        if fmt in "si":
            raise CpuemuError(f"format {fmt!r} is for x, not print")
        return integer(v.value, fmt, max(ctype.size, 1), symbolize)
    if ctype.name == "flags":
        return flag_names(v.value)
    if ctype.code:
        name = symbolize(v.value)
        return f"({ctype}) {v.value:#x}" + (f" <{name}>" if name else "")
    if ctype.pointer:
        return f"({ctype}) {v.value:#x}"
    if ctype.name in ("char", "signed char", "unsigned char", "int8_t"):
        return char(v.value)
    return str(v.value)


def string_at(read, address: int) -> tuple[str, int]:
    """A C string as gdb quotes it, and the address after its NUL."""
    out, at = [], address
    while len(out) < MAX_STRING:
        byte = read(at, 1)[0]
        at += 1
        if byte == 0:
            break
        out.append(byte)
    text = "".join(_quoted(b) for b in out)
    more = "..." if len(out) == MAX_STRING else ""
    return f'"{text}"{more}', at


def _quoted(byte: int) -> str:
    special = {7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r",
               27: "\\033", 34: '\\"', 92: "\\\\"}
    if byte in special:
        return special[byte]
    return chr(byte) if 32 <= byte < 127 else f"\\{byte:03o}"
