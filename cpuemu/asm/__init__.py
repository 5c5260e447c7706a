"""Assembler front end: three dialects parsed into one model, laid out by cpuemu,
encoded one normalised instruction at a time by keystone and checked by iced-x86."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import AssemblyError
from ..program import Program
from .files import read_source
from .layout import Layout

DIALECTS = ("guide", "nasm", "gas")

_GAS_HINTS = re.compile(r"%e?[abcd]x\b|%e?[sd]i\b|%e?[sb]p\b|^\s*\.(globl|long|string|asciz|"
                        r"section|type|cfi_\w+|text|zero|byte)\b|\$0x|\$\d", re.M)
_NASM_HINTS = re.compile(r"^\s*(section|segment|global|extern|bits|%define|\[bits)\b|"
                         r"\b(resb|resw|resd|resq|times|equ)\b|\$\$", re.M | re.I)
_GUIDE_HINTS = re.compile(r"^\s*\.(data|code|model|386|486|586|686|const)\b|\bproc\b|"
                          r"\bendp\b|\bdup\s*\(|\bptr\b|^\s*end\b", re.M | re.I)


def sniff(source: str, filename: str | None = None) -> str:
    """Which dialect a source is in: by extension for .s/.S, else by what the text uses."""
    suffix = Path(filename).suffix if filename else ""
    if suffix in (".s", ".S"):
        return "gas"
    scores = {
        "gas": len(_GAS_HINTS.findall(source)),
        "nasm": len(_NASM_HINTS.findall(source)),
        "guide": len(_GUIDE_HINTS.findall(source)),
    }
    best = max(scores, key=lambda k: (scores[k], k == "nasm"))
    return best if scores[best] else "nasm"


def parse(source: str, *, dialect: str | None = None, filename: str | None = None,
          include_paths=(), defines: dict[str, str] | None = None):
    """Source text -> the Unit (statements) of the chosen or sniffed dialect.
    `include_paths` and `defines` are nasm's -I and -D."""
    name = filename or "<input>"
    dialect = (dialect or sniff(source, filename)).lower()
    if dialect == "guide":
        from .guide import GuideParser as Parser
    elif dialect == "nasm":
        from .nasm import NasmParser as Parser
    elif dialect == "gas":
        from .gas import GasParser as Parser
    else:
        raise AssemblyError(f"unknown dialect {dialect!r} (choose {', '.join(DIALECTS)})",
                            file=name)
    return Parser(source, name, include_paths=include_paths, defines=defines).parse()


def assemble(source: str, *, dialect: str | None = None, bits: int | None = None,
             filename: str | None = None, include_paths=(),
             defines: dict[str, str] | None = None) -> Program:
    """Assemble source text into a Program. Raises AssemblyError with file:line:col.

    `bits` (32 or 64) is the mode; None lets the source say (`bits 64` in nasm, `.code64`
    or 64-bit registers in AT&T), else 32. An explicit `bits` that a directive in the
    source contradicts is an error, as is 64 for the guide dialect (the CS216 guide is
    32-bit); a 64-bit register in 32-bit code is an error at its line."""
    name = filename or "<input>"
    if bits not in (None, 32, 64):
        raise AssemblyError(f"cpuemu runs 32- and 64-bit code, not {bits}-bit", file=name)
    try:
        return _assemble(source, dialect, bits, filename, name,
                         {"include_paths": include_paths, "defines": defines})
    except AssemblyError as e:
        raise _with_dialect_hint(e, source, dialect, filename) from None
    except RecursionError:
        raise AssemblyError("an expression or operand nested too deeply", file=name) from None
    except KeyboardInterrupt:
        raise
    except Exception as e:                  # a bug of ours: still an AssemblyError
        raise AssemblyError(f"internal assembler error ({type(e).__name__}: {e}); "
                            "please report it with this file", file=name) from e


def _with_dialect_hint(error: AssemblyError, source: str, dialect: str | None,
                       filename: str | None) -> AssemblyError:
    """An error in a file whose extension chose a dialect its text does not look like
    (nasm in a `.s` file): say so, with the option that fixes it."""
    if dialect or not filename or Path(filename).suffix not in (".s", ".S"):
        return error
    looks = sniff(source)
    if looks == "gas":
        return error
    hint = (f"{Path(filename).name} is named like a GNU as file, but its text looks like "
            f"the {looks} dialect: try --dialect {looks}")
    return AssemblyError(error.message, file=error.file, line=error.line, column=error.column,
                         text=error.text, hint="\n".join(filter(None, (error.hint, hint))))


def _assemble(source: str, dialect: str | None, bits: int | None, filename: str | None,
              name: str, options: dict) -> Program:
    unit = parse(source, dialect=dialect, filename=filename, **options)
    if unit.dialect == "guide" and bits == 64:
        raise AssemblyError("the guide dialect is 32-bit only (the CS216 guide's x86); "
                            "write 64-bit code in the nasm or gas dialect", file=name)
    if bits is not None and unit.bits not in (None, bits):
        pos = unit.bits_pos
        raise AssemblyError(f"the source says bits {unit.bits}, but {bits}-bit code was "
                            "asked for", file=pos.file if pos else name,
                            line=pos.line if pos else 0, text=pos.text if pos else "")
    return Layout(unit, bits or unit.bits or unit.inferred_bits or 32).run()


def assemble_file(path: str | Path, *, dialect: str | None = None, bits: int | None = None,
                  include_paths=(), defines: dict[str, str] | None = None) -> Program:
    path = Path(path)
    try:
        source = read_source(path)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise AssemblyError(f"cannot read source: {getattr(e, 'strerror', None) or e}",
                            file=str(path)) from None
    return assemble(source, dialect=dialect, bits=bits, filename=str(path),
                    include_paths=include_paths, defines=defines)


__all__ = ["DIALECTS", "assemble", "assemble_file", "parse", "sniff"]
