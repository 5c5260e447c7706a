"""Code padding as GNU as 2.40 writes it for `.p2align`/`.balign` in code (measured on
this machine with `as --32`/`--64`, every count from 1 to 255): the longest no-op
instruction repeated, the rest as one shorter one; past a length, a jump over them.

nasm pads with single 0x90 bytes (its `align` macro is `times ... nop`), so only the
gas dialect uses this.
"""

from __future__ import annotations

# NOPS[bits][n - 1]: the n bytes GNU as writes for a remainder of n.
NOPS = {
    32: [bytes.fromhex(h) for h in (
        "90", "6690", "8d7600", "8d742600", "8d74260090", "8db600000000",
        "8db42600000000")],
    64: [bytes.fromhex(h) for h in (
        "90", "6690", "0f1f00", "0f1f4000", "0f1f440000", "660f1f440000",
        "0f1f8000000000", "0f1f840000000000", "660f1f840000000000",
        "662e0f1f840000000000", "66662e0f1f840000000000")],
}
JUMP_PAST = {32: 20, 64: 87}     # longer padding starts with a jmp over the rest


def gas_padding(count: int, bits: int) -> bytes:
    """`count` bytes of code that do nothing, as GNU as pads code."""
    out = b""
    if count > JUMP_PAST[bits]:
        if count - 2 <= 0x7F:
            out, count = bytes([0xEB, count - 2]), count - 2
        else:
            out, count = b"\xe9" + (count - 5).to_bytes(4, "little"), count - 5
    patterns = NOPS[bits]
    longest = patterns[-1]
    whole, rest = divmod(count, len(longest))
    return out + longest * whole + (patterns[rest - 1] if rest else b"")
