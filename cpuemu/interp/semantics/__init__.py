"""The registry binding mnemonics to semantics, one module per instruction family.

A semantics is a *factory*: given a `Translation` it returns the closure that executes
that one instruction. The closure returns None to fall through to the next instruction
or the address to continue at. Families register with `@handles("add", "sub", ...)`;
the coverage table in docs/ is generated from this registry.
"""

from __future__ import annotations

from collections.abc import Callable

from iced_x86 import Mnemonic

Factory = Callable[..., Callable]
HANDLERS: dict[int, Factory] = {}
FAMILY: dict[int, str] = {}
# Forms (iced-x86 Code values) of registered mnemonics that the factories refuse; they
# raise Unsupported for exactly these, and the coverage table leaves them out.
REFUSED: dict[int, str] = {}


def refuses(code: int, why: str) -> int:
    """Declare a form a factory refuses (returns the code, for the factory's own test)."""
    REFUSED[code] = why
    return code


def handles(*mnemonics: str):
    """Register a factory for each mnemonic (iced-x86 names, lower case)."""

    def register(factory: Factory) -> Factory:
        family = factory.__module__.rsplit(".", 1)[-1]
        for name in mnemonics:
            code = getattr(Mnemonic, name.upper())
            if code in HANDLERS:
                raise ValueError(f"{name} registered twice")
            HANDLERS[code] = factory
            FAMILY[code] = family
        return factory

    return register


def load_families() -> dict[int, Factory]:
    """Import every family module (they register on import) and return the registry."""
    from . import (  # noqa: F401
        alu,
        bcd,
        bits,
        branch,
        flagops,
        move,
        muldiv,
        shift,
        sse_float,
        sse_int,
        sse_move,
        stack,
        string,
        system,
        x87,
    )
    return HANDLERS
