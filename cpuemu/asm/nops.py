"""Code padding as the GNU tools write it (measured on this machine, binutils 2.40):

- GNU as, for `.p2align`/`.balign` in code (`as --32`/`--64`, every count 1..255): the
  longest no-op instruction repeated, the rest as one shorter one; past a length, a
  jump over them;
- ld, between an object's input sections of one code section (counts 1..63, 100, 200,
  255): `66 90` pairs in 32-bit code, 10-byte no-ops in 64-bit code, never a jump.

nasm pads with single 0x90 bytes (its `align` macro is `times ... nop`), so only the
gas dialect uses these.
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


def padding(kind: str, count: int, bits: int) -> bytes:
    """`count` bytes of code that do nothing: kind "nop" (0x90s, nasm), "gas" or "ld"."""
    if kind == "gas":
        return gas_padding(count, bits)
    if kind == "ld":
        return ld_padding(count, bits)
    return b"\x90" * count


def ld_padding(count: int, bits: int) -> bytes:
    if bits == 32:
        return b"\x66\x90" * (count // 2) + b"\x90" * (count % 2)
    whole, rest = divmod(count, LD_LONGEST)
    return NOPS[64][LD_LONGEST - 1] * whole + (NOPS[64][rest - 1] if rest else b"")


LD_LONGEST = 10


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
