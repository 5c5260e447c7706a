"""An XMM register's 128 bits read as lanes: sixteen bytes, eight words, four singles,
two doubles... (`m.lanes("xmm0", "f64")`, and the views)."""

from __future__ import annotations

import struct

# kind -> (struct code of one lane, lane bytes)
KINDS = {"i8": "b", "u8": "B", "i16": "h", "u16": "H", "i32": "i", "u32": "I", "i64": "q",
         "u64": "Q", "f32": "f", "f64": "d"}


def lanes(value: int, kind: str = "u32") -> list[int | float]:
    """The lanes of a 128-bit value, lane 0 (the low bits) first."""
    code = KINDS.get(kind)
    if code is None:
        raise ValueError(f"lane kind {kind!r}: one of {', '.join(KINDS)}")
    count = 16 // struct.calcsize(code)
    return list(struct.unpack(f"<{count}{code}", (value & (1 << 128) - 1).to_bytes(16, "little")))


def join_lanes(values, kind: str = "u32") -> int:
    """The 128-bit value of lanes (the inverse of `lanes`)."""
    code = KINDS[kind]
    count = 16 // struct.calcsize(code)
    return int.from_bytes(struct.pack(f"<{count}{code}", *values), "little")
