"""GNU as's macro layer: `.macro name arg, arg=default` ... `.endm` (`\\arg`, `\\@`),
`.rept N` / `.irp sym, values` / `.irpc sym, chars` ... `.endr`, `.if expr` / `.ifdef` /
`.ifndef` / `.elseif` / `.else` / `.endif`, `.include "file"` (beside the including file,
then the -I directories), and `.exitm`. It runs before the parser, on lines; every line
it gives keeps the file and line it came from.

`.if` and `.rept` need values while the text is read, as in GNU as: symbols given an
absolute value by `.set`, `.equ` or `=` earlier in the file are known to them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..errors import AssemblyError
from ..limits import MAX_EXPANDED_LINES
from .files import included
from .model import Pos

MAX_DEPTH = 64
MAX_LINES = MAX_EXPANDED_LINES   # lines one file may expand to (the parser's time bound)
DIRECTIVE = re.compile(r"^\s*(?:[\w.$]+:\s*)?\.(\w+)\b\s*(.*)$")
LABELS = re.compile(r"^\s*([A-Za-z_.$][\w.$]*):")
ASSIGN = re.compile(r"^\s*(?:\.(?:set|equ|equiv)\s+([\w.$]+)\s*,|([\w.$]+)\s*=)\s*(.*)$")
OPENERS = {"macro": "endm", "rept": "endr", "irp": "endr", "irpc": "endr"}
OPENING_CONDITIONS = {"if", "ifdef", "ifndef", "ifeq", "ifne", "ifb", "ifnb", "ifc", "ifnc"}
CONDITIONS = OPENING_CONDITIONS | {"elseif", "else", "endif"}


class GasMacros:
    def __init__(self, include_paths=(), tokenize=None):
        self.include_paths = list(include_paths)
        self.macros: dict[str, tuple[list[tuple[str, str]], list[str]]] = {}
        self.values: dict[str, int] = {}
        self.defined: set[str] = set()      # every symbol so far (.ifdef), valued or not
        self.calls = 0
        self.count = 0
        self.chain: list[str] = []
        self.tokenize = tokenize

    def lines(self, source: str, filename: str) -> Iterator[tuple[Pos, str]]:
        numbered = [(Pos(filename, n, 1, text.rstrip("\r\n")), text)
                    for n, text in enumerate(source.splitlines(), 1)]
        try:
            yield from self._block(numbered, 0)
        except _ExitMacro as outside:
            raise _error(outside.args[0], ".exitm outside a macro") from None

    def _block(self, lines: list, depth: int) -> Iterator[tuple[Pos, str]]:
        if depth > MAX_DEPTH:
            raise _error(lines[0][0], f"macros, .rept or .include nested over {MAX_DEPTH} deep")
        conditions: list[list[bool]] = []          # [on, taken, parent on]
        i = 0
        while i < len(lines):
            pos, text = lines[i]
            i += 1
            m = DIRECTIVE.match(_strip(text))
            word, rest = (m.group(1).lower(), m.group(2)) if m else ("", "")
            if word in CONDITIONS:
                self._condition(word, rest, pos, conditions)
                continue
            if not all(c[0] for c in conditions):
                continue
            self.count += 1
            if self.count > MAX_LINES:
                raise _error(pos, f"the source expands to more than {MAX_LINES:,} lines")
            if word in OPENERS:
                body, i = _body(lines, i, word, pos)
                yield from self._opened(word, rest, body, pos, depth)
            elif word in ("endm", "endr"):
                raise _error(pos, f".{word} without its opening directive")
            elif word == "exitm":
                raise _ExitMacro(pos)
            elif word == "include":
                yield from self._include(rest, pos, depth)
            else:
                self._remember(text)
                call = self._call(text, pos, depth)
                if call is None:
                    yield pos, text
                else:
                    yield from call
        if conditions:
            raise _error(lines[-1][0], ".if without .endif")

    def _opened(self, word: str, rest: str, body: list, pos: Pos, depth: int):
        if word == "macro":
            parts = re.split(r"[\s,]+", rest.strip(), maxsplit=1)
            name = parts[0]
            if not name:
                raise _error(pos, ".macro needs a name")
            params = []
            for p in re.split(r"\s*,\s*|\s+", parts[1].strip()) if len(parts) > 1 else []:
                if p:
                    key, _, default = p.partition("=")
                    name_, _, qualifier = key.partition(":")
                    params.append((name_, default, qualifier.lower()))
            self.macros[name.lower()] = (params, [t for _, t in body])
            return
        if word == "rept":
            count = self._value(rest, pos)
            if not 0 <= count <= MAX_LINES:
                raise _error(pos, f".rept count {count} is out of range (0 to {MAX_LINES:,})")
            for _ in range(count):
                yield from self._block(body, depth + 1)
            return
        symbol, _, values = rest.partition(",")
        symbol = symbol.strip()
        items = [v.strip() for v in values.split(",")] if word == "irp" else \
            list(values.strip())
        for item in items:
            substituted = [(p, re.sub(rf"(?<!')\\{re.escape(symbol)}\b", lambda _m, v=item: v, t))
                           for p, t in body]
            yield from self._block(substituted, depth + 1)

    def _call(self, text: str, pos: Pos, depth: int):
        code = _strip(text).strip()
        label = ""
        m = re.match(r"([\w.$]+):\s*(.*)$", code)
        if m:
            label, code = m.group(1) + ":", m.group(2)
        m = re.match(r"([\w.$]+)\b\s*(.*)$", code)
        if not m or m.group(1).lower() not in self.macros:
            return None
        params, body = self.macros[m.group(1).lower()]
        given = [a.strip() for a in _arguments(m.group(2))] if m.group(2).strip() else []
        vararg = bool(params) and params[-1][2] == "vararg"
        if len(given) > len(params) and not vararg:
            raise _error(pos, f"macro {m.group(1)} takes {len(params)} arguments, "
                              f"not {len(given)}")
        keys = {key for key, _, _ in params}
        named = {k: v for k, v in (g.split("=", 1) for g in given if "=" in g and
                                   g.split("=", 1)[0].strip() in keys)}
        positional = [g for g in given if g not in [f"{k}={v}" for k, v in named.items()]]
        values = {}
        for n, (key, default, qualifier) in enumerate(params):
            if qualifier == "vararg":               # the rest of the arguments
                values[key] = ", ".join(positional[n:]) if n < len(positional) else default
            else:
                values[key] = named.get(key, positional[n] if n < len(positional) else default)
            if qualifier == "req" and not values[key]:
                raise _error(pos, f"macro {m.group(1)} needs a value for {key}")
        call = self.calls                   # \@ counts macro calls from 0, as GNU as does
        self.calls += 1

        def lines():
            if label:
                yield pos, label
            expanded = []
            for line in body:
                line = line.replace("\\@", str(call))
                for key, value in sorted(values.items(), key=lambda kv: -len(kv[0])):
                    line = re.sub(rf"(?<!')\\{re.escape(key)}(\(\))?", lambda _m, v=value: v, line)
                expanded.append((pos, line))
            try:
                yield from self._block(expanded, depth + 1)
            except _ExitMacro:
                return
        return lines()

    def _include(self, rest: str, pos: Pos, depth: int) -> Iterator[tuple[Pos, str]]:
        m = re.match(r'\s*"(.+?)"\s*$', _strip(rest))
        if not m:
            raise _error(pos, '.include needs a quoted file name')
        with included(m.group(1), pos, self.include_paths, self.chain) as (source, path):
            yield from self.lines(source, path)

    def _condition(self, word: str, rest: str, pos: Pos, conditions: list) -> None:
        parent = all(c[0] for c in conditions)
        if word in OPENING_CONDITIONS:
            on = parent and self._test(word, rest, pos)
            conditions.append([on, on, parent])
            return
        if not conditions:
            raise _error(pos, f".{word} without .if")
        c = conditions[-1]
        if word == "elseif":
            on = c[2] and not c[1] and self._test("if", rest, pos)
            c[0], c[1] = on, c[1] or on
        elif word == "else":
            c[0], c[1] = c[2] and not c[1], True
        else:
            conditions.pop()

    def _test(self, word: str, rest: str, pos: Pos) -> bool:
        rest = _strip(rest).strip()
        if word in ("ifb", "ifnb"):                 # blank: a macro argument left empty
            return (rest == "") == (word == "ifb")
        if word in ("ifc", "ifnc"):                 # two strings, compared as written
            left, _, right = rest.partition(",")
            same = _unquoted(left) == _unquoted(right)
            return same if word == "ifc" else not same
        if word in ("ifdef", "ifndef"):
            known = rest in self.defined or rest.lower() in self.macros
            return known if word == "ifdef" else not known
        value = self._value(rest, pos)
        return value == 0 if word == "ifeq" else value != 0

    def _remember(self, text: str) -> None:
        """`.set x, 5` / `x = 5`: an absolute value `.if` and `.rept` may use later;
        labels and assignments of any value for `.ifdef`."""
        code = _strip(text)
        self.defined.update(LABELS.findall(code))
        m = ASSIGN.match(code)
        if m:
            self.defined.add(m.group(1) or m.group(2))
            try:
                self.values[m.group(1) or m.group(2)] = self._value(m.group(3), None)
            except AssemblyError:
                pass                                # not absolute here: the layout decides

    def _value(self, text: str, pos: Pos | None) -> int:
        from .expr import ExprError, ExprParser, Undefined, evaluate
        from .lexer import TokenStream
        from .names import is_register
        where = pos or Pos("<input>", 0, 1, text)
        where = Pos(where.file, where.line, 1, text)
        tokens = self.tokenize(text, where)
        ts = TokenStream(tokens, where)
        expr = ExprParser(ts, is_register, modulo=False).parse()
        ts.expect_end()

        def lookup(name: str, column: int) -> int:
            if name in self.values:
                return self.values[name]
            raise Undefined(name, column)
        try:
            return evaluate(expr, lookup)
        except Undefined as e:
            raise _error(where, f"{e.name!r} has no value yet (.if and .rept need "
                                "values set before them)") from None
        except (ExprError, TypeError) as e:
            raise _error(where, f"not a constant: {e}") from None


class _ExitMacro(Exception):
    pass


def _unquoted(text: str) -> str:
    text = text.strip()
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text


def _error(pos: Pos, message: str) -> AssemblyError:
    return AssemblyError(message, file=pos.file, line=pos.line, column=1, text=pos.text)


def _strip(text: str) -> str:
    """A line without its `#` comment (and `/* */` on it)."""
    text = re.sub(r"/\*.*?\*/", " ", text)
    out, quote = [], None
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch if ch == '"' else None
        elif ch == "#":
            break
        out.append(ch)
    return "".join(out)


def _body(lines: list, i: int, word: str, pos: Pos) -> tuple[list, int]:
    close = OPENERS[word]
    depth, body = 1, []
    while i < len(lines):
        m = DIRECTIVE.match(_strip(lines[i][1]))
        name = m.group(1).lower() if m else ""
        if OPENERS.get(name) == close:
            depth += 1
        elif name == close:
            depth -= 1
            if depth == 0:
                return body, i + 1
        body.append(lines[i])
        i += 1
    raise _error(pos, f".{word} without .{close}")


def _arguments(text: str) -> list[str]:
    """Macro arguments: commas separate them (and spaces, where no operator joins)."""
    text = _strip(text)
    parts, cur, depth, quote = [], [], 0, None
    for ch in text:
        if quote:
            cur.append(ch)
            quote = None if ch == quote else quote
            continue
        if ch == '"':
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(ch)
    parts.append("".join(cur))
    return parts
