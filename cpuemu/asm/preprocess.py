"""NASM's preprocessor: what turns a nasm source into the lines the parser sees.

Single-line macros (`%define`, `%xdefine`, `%idefine`, with parameters; `%undef`;
`%assign`), multi-line macros (`%macro name n[-m] [defaults]` ... `%endmacro`, with
`%1`..`%9`, `%0`, `%{10}`, `%%local` labels, `%rotate`, greedy `n+` parameters), `%rep`
... `%endrep` (`%exitrep`), conditionals (`%if`, `%elif`, `%else`, `%endif`, `%ifdef`,
`%ifndef`, `%ifidn`, `%ifidni`, `%ifnidn`, `%ifmacro`, `%ifstr`, `%ifnum`, `%ifid`, with
`%elif` forms), `%error`,
`%warning`, `%fatal`, `%include` searched beside the including file then in the `-I`
directories, and `\\` line continuation. Every output line keeps the file and line it
came from (a macro's lines, the line that invoked it), so errors point at the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..errors import AssemblyError
from ..limits import MAX_EXPANDED_LINES
from .files import included
from .model import Pos

IDENT = re.compile(r"[A-Za-z_.?$@][\w.?$@#~]*")
DIRECTIVE = re.compile(r"^\s*%\s*([a-z]+)\b\s*(.*)$", re.I)
MAX_DEPTH = 64                  # nested includes, macro calls, expansions
MAX_LINES = MAX_EXPANDED_LINES   # lines one file may expand to (the parser's time bound)
MAX_EXPANSION = 1 << 20         # characters one line may expand to


@dataclass
class Macro:
    """A multi-line macro: parameter counts, defaults, body lines."""

    name: str
    low: int
    high: int
    greedy: bool
    defaults: list[str]
    body: list[str]
    where: Pos


@dataclass
class State:
    defines: dict[str, tuple[list[str] | None, str]] = field(default_factory=dict)
    folded: set[str] = field(default_factory=set)            # %idefine names (lower case)
    macros: dict[str, list[Macro]] = field(default_factory=dict)
    calls: int = 0                                            # for %%local names
    lines: int = 0
    warnings: list = field(default_factory=list)


class Preprocessor:
    def __init__(self, include_paths: list[str] | None = None,
                 defines: dict[str, str] | None = None):
        self.include_paths = list(include_paths or [])
        self.state = State()
        for name, value in (defines or {}).items():
            self.state.defines[name] = (None, value)
        self.chain: list[str] = []

    # -- entry -------------------------------------------------------------------------

    def lines(self, source: str, filename: str) -> Iterator[tuple[Pos, str]]:
        """(where it came from, the text the parser gets) for every line."""
        yield from self._file(source, filename)

    def _file(self, source: str, filename: str) -> Iterator[tuple[Pos, str]]:
        raw = source.splitlines()
        numbered: list[tuple[Pos, str]] = []
        i = 0
        while i < len(raw):                                  # `\` joins the next line
            start, text = i, raw[i]
            while text.endswith("\\") and i + 1 < len(raw):
                i += 1
                text = text[:-1] + raw[i]
            numbered.append((Pos(filename, start + 1, 1, raw[start].rstrip("\r\n")), text))
            i += 1
        try:
            yield from self._block(numbered, {}, 0)
        except _ExitRep as outside:
            raise _error(outside.args[0], "%exitrep outside %rep") from None

    # -- a block of lines (a file, a macro body, a %rep body) ----------------------------

    def _block(self, lines: list[tuple[Pos, str]], args: dict, depth: int
               ) -> Iterator[tuple[Pos, str]]:
        if depth > MAX_DEPTH:
            pos = lines[0][0] if lines else Pos("<input>", 0, 1, "")
            raise _error(pos, f"macros, %rep or %include nested more than {MAX_DEPTH} deep")
        conditions: list[list[bool]] = []       # [active now, any branch taken, parent on]
        i = 0
        while i < len(lines):
            pos, text = lines[i]
            i += 1
            if args:
                text = self._macro_params(text, args, pos)
            m = DIRECTIVE.match(text)
            word = m.group(1).lower() if m else ""
            rest = m.group(2) if m else ""
            active = all(c[0] for c in conditions)
            if word in CONDITIONS:
                self._condition(word, rest, pos, conditions, active)
                continue
            if not active:
                continue
            self.state.lines += 1
            if self.state.lines > MAX_LINES:
                raise _error(pos, f"the source expands to more than {MAX_LINES:,} lines")
            if word in ("macro", "imacro"):
                i = self._define_macro(word, rest, pos, lines, i)
            elif word == "rep":
                body, i = _body(lines, i, "rep", "endrep", pos)
                count = self._number(rest, pos)
                if not 0 <= count <= MAX_LINES:
                    raise _error(pos, f"%rep count {count} is out of range (0 to {MAX_LINES:,})")
                for _ in range(count):
                    try:
                        yield from self._block(body, args, depth + 1)
                    except _ExitRep:
                        break
            elif word == "exitrep":
                raise _ExitRep(pos)
            elif word in ("endrep", "endmacro", "endm"):
                raise _error(pos, f"%{word} without its opening directive")
            elif word == "rotate" and args:
                n = self._number(rest, pos)
                params = args["params"]
                if params:
                    n %= len(params)
                    args["params"] = params[n:] + params[:n]
            elif word:
                yield from self._directive(word, rest, pos, depth)
            else:
                yield from self._line(pos, text, depth)
        if conditions:
            raise _error(lines[-1][0] if lines else Pos("<input>", 0, 1, ""),
                         "%if without %endif")

    # -- one ordinary line: single-line macros, then a multi-line macro call -------------

    def _line(self, pos: Pos, text: str, depth: int) -> Iterator[tuple[Pos, str]]:
        text = self.expand(text, pos)
        code = _code_part(text)
        m = IDENT.match(code.strip())
        if m:
            word = m.group()
            label = ""
            after = code.strip()[len(word):]
            if after.startswith(":") and word not in self.state.macros:   # label: macro
                label = word + ":"
                after = after[1:].strip()
                m2 = IDENT.match(after)
                word, after = (m2.group(), after[len(m2.group()):]) if m2 else ("", after)
            macro = self._find_macro(word, after)
            if macro is not None:
                if label:
                    yield pos, label
                yield from self._call(macro, after, pos, depth)
                return
        yield pos, text

    def _find_macro(self, word: str, after: str) -> Macro | None:
        candidates = self.state.macros.get(word) or self.state.macros.get(word.lower(), [])
        candidates = [c for c in candidates if c.name == word or c.name == word.lower()]
        if not candidates:
            return None
        count = len(_split_args(after)) if after.strip() else 0
        for macro in candidates:
            if macro.low <= count <= macro.high or (macro.greedy and count >= macro.low):
                return macro
        return candidates[0]

    def _call(self, macro: Macro, after: str, pos: Pos, depth: int
              ) -> Iterator[tuple[Pos, str]]:
        given = _split_args(after) if after.strip() else []
        if macro.greedy and len(given) > macro.high:
            given = given[:macro.high - 1] + [", ".join(given[macro.high - 1:])]
        if len(given) < macro.low or len(given) > macro.high:
            want = str(macro.low) if macro.low == macro.high else f"{macro.low}-{macro.high}"
            raise _error(pos, f"macro {macro.name} takes {want} parameters, not {len(given)}")
        params = given + macro.defaults[len(given) - macro.low:]
        self.state.calls += 1
        # %0 counts the defaulted parameters too, as nasm's does
        args = {"params": params, "count": len(params), "call": self.state.calls}
        body = [(pos, line) for line in macro.body]
        yield from self._block(body, args, depth + 1)

    def _macro_params(self, text: str, args: dict, pos: Pos) -> str:
        """%1..%9, %{n}, %0 and %%local in one line of a macro body."""
        params, call = args["params"], args["call"]

        def param(m: re.Match) -> str:
            if m.group(1):
                return f"..@{call}.{m.group(1)}"
            n = int(m.group(2) or m.group(3))
            if n == 0:
                return str(args["count"])
            if n > len(params):
                raise _error(pos, f"macro parameter %{n} was not given")
            return params[n - 1]
        return re.sub(r"%%([\w.?$@]+)|%\{(\d+)\}|%(\d+)", param, text)

    # -- directives ----------------------------------------------------------------------

    def _directive(self, word: str, rest: str, pos: Pos, depth: int
                   ) -> Iterator[tuple[Pos, str]]:
        state = self.state
        if word in ("define", "xdefine", "idefine", "xidefine"):
            m = re.match(r"([A-Za-z_.?$@][\w.?$@]*)(\(([^)]*)\))?\s*(.*)$", rest)
            if not m:
                raise _error(pos, f"%{word} needs a name")
            name, params, body = m.group(1), m.group(3), _code_part(m.group(4)).strip()
            plist = [p.strip() for p in params.split(",")] if m.group(2) else None
            if word.startswith("x"):
                body = self.expand(body, pos)
            if "i" in word:
                state.folded.add(name.lower())
                name = name.lower()
            state.defines[name] = (plist, body)
        elif word == "undef":
            name = rest.split()[0] if rest.split() else ""
            state.defines.pop(name, None)
            state.defines.pop(name.lower(), None)
        elif word in ("assign", "iassign"):
            m = re.match(r"([A-Za-z_.?$@][\w.?$@]*)\s+(.*)$", rest)
            if not m:
                raise _error(pos, f"%{word} needs a name and a value")
            state.defines[m.group(1)] = (None, str(self._number(m.group(2), pos)))
        elif word == "include":
            yield from self._include(rest, pos, depth)
        elif word in ("error", "fatal"):
            raise _error(pos, self.expand(_message(rest), pos) or f"%{word}")
        elif word == "warning":
            state.warnings.append((pos, self.expand(_message(rest), pos)))
        elif word == "unmacro":
            state.macros.pop(rest.split()[0] if rest.split() else "", None)
        elif word in ("line", "pragma", "use", "clear"):
            return
        else:
            raise _error(pos, f"unsupported preprocessor directive %{word}")

    def _include(self, rest: str, pos: Pos, depth: int) -> Iterator[tuple[Pos, str]]:
        m = re.match(r"""\s*(["'<])(.+?)["'>]\s*$""", _code_part(rest))
        if not m:
            raise _error(pos, "%include needs a quoted file name")
        with included(m.group(2), pos, self.include_paths, self.chain) as (source, path):
            yield from self._file(source, path)

    def _define_macro(self, word: str, rest: str, pos: Pos, lines: list, i: int) -> int:
        m = re.match(r"([A-Za-z_.?$@][\w.?$@]*)\s+(\d+)(?:\s*-\s*(\d+|\*))?(\+)?\s*(.*)$",
                     _code_part(rest).strip())
        if not m:
            raise _error(pos, f"%{word} needs a name and a parameter count (%macro name 2)")
        body, i = _body(lines, i, "macro|imacro", "endmacro|endm", pos)
        name = m.group(1) if word == "macro" else m.group(1).lower()
        low = int(m.group(2))
        high = low if m.group(3) is None else (1 << 16 if m.group(3) == "*" else int(m.group(3)))
        defaults = _split_args(m.group(5)) if m.group(5).strip() else []
        macro = Macro(name, low, max(high, low), bool(m.group(4)), defaults,
                      [text for _, text in body], pos)
        self.state.macros.setdefault(name, []).insert(0, macro)
        return i

    def _condition(self, word: str, rest: str, pos: Pos, conditions: list, active: bool
                   ) -> None:
        if word.startswith("if"):
            on = active and self._test(word[2:], rest, pos)
            conditions.append([on, on, active])
        elif word.startswith("elif"):
            if not conditions:
                raise _error(pos, f"%{word} without %if")
            c = conditions[-1]
            on = c[2] and not c[1] and self._test(word[4:], rest, pos)
            c[0], c[1] = on, c[1] or on
        elif word == "else":
            if not conditions:
                raise _error(pos, "%else without %if")
            c = conditions[-1]
            c[0] = c[2] and not c[1]
            c[1] = True
        else:                                   # endif
            if not conditions:
                raise _error(pos, "%endif without %if")
            conditions.pop()

    def _test(self, kind: str, rest: str, pos: Pos) -> bool:
        rest = _code_part(rest).strip()
        negate = kind.startswith("n") and kind != "num"
        kind = kind[1:] if negate else kind
        if kind == "":
            result = self._number(rest, pos) != 0
        elif kind == "def":
            result = rest in self.state.defines or rest.lower() in self.state.folded
        elif kind in ("idn", "idni"):
            parts = _split_args(self.expand(rest, pos))
            if len(parts) != 2:
                raise _error(pos, f"%if{kind} compares two texts: %if{kind} a, b")
            a, b = (p.strip() for p in parts)
            result = a == b if kind == "idn" else a.lower() == b.lower()
        elif kind == "macro":
            result = rest.split()[0] in self.state.macros if rest.split() else False
        elif kind in ("str", "num", "id"):      # what the (expanded) text is, as a token
            text = self.expand(rest, pos).strip()
            result = {"str": re.fullmatch(r"'[^']*'|\"[^\"]*\"|`[^`]*`", text),
                      "num": re.fullmatch(r"[0-9][0-9a-fA-FxXhHbBoOqQ_]*", text),
                      "id": re.fullmatch(r"[A-Za-z_.?$][\w.?$#@~]*", text)}[kind] is not None
        else:
            raise _error(pos, f"unsupported conditional %if{kind}")
        return result != negate

    # -- expansion -------------------------------------------------------------------------

    def expand(self, text: str, pos: Pos, active: frozenset = frozenset()) -> str:
        """Single-line macros replaced in `text` (not inside strings or comments). A
        macro's body is expanded in turn, but never the macro itself again (as nasm: a
        self-reference stays text), and no line grows past MAX_EXPANSION."""
        if not self.state.defines or len(active) > MAX_DEPTH:
            return text
        out, i, size = [], 0, 0
        code_end = len(_code_part(text))
        while i < len(text):
            ch = text[i]
            if i >= code_end:
                out.append(text[i:])
                break
            if ch in "'\"`":
                end = _string_end(text, i)
                out.append(text[i:end])
                i = end
                continue
            m = IDENT.match(text, i) if (ch.isalpha() or ch in "_.?$@") and \
                (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_%")) else None
            if not m:
                out.append(ch)
                i += 1
                continue
            name = m.group()
            key = name if name in self.state.defines else name.lower() \
                if name.lower() in self.state.folded else None
            if key is None or key in active:
                out.append(name)
                i = m.end()
                continue
            params, body = self.state.defines[key]
            j = m.end()
            if params is not None:
                call = re.match(r"\s*\(", text[j:])
                if not call:
                    out.append(name)
                    i = j
                    continue
                close = _matching_paren(text, j + call.end() - 1)
                if close < 0:
                    raise _error(pos, f"unclosed ( after {name}")
                given = _split_args(text[j + call.end():close])
                if len(given) != len(params):
                    raise _error(pos, f"{name} takes {len(params)} arguments, "
                                      f"not {len(given)}")
                for p, value in zip(params, given, strict=True):
                    body = re.sub(rf"(?<![\w.?$@]){re.escape(p)}(?![\w.?$@])",
                                  value.strip().replace("\\", "\\\\"), body)
                j = close + 1
            piece = self.expand(body, pos, active | {key})
            size += len(piece)
            if size > MAX_EXPANSION:
                raise _error(pos, f"macros expand this line past {MAX_EXPANSION:,} characters")
            out.append(piece)
            i = j
        return "".join(out)

    def _number(self, text: str, pos: Pos) -> int:
        """A preprocessor expression's value (%assign, %if, %rep)."""
        from .expr import ExprError, ExprParser, Undefined, evaluate
        from .lexer import TokenStream, tokenize
        from .names import is_register
        expanded = self.expand(_code_part(text), pos)
        where = Pos(pos.file, pos.line, pos.column, expanded)
        ts = TokenStream(tokenize(expanded, where), where)
        expr = ExprParser(ts, is_register).parse()
        ts.expect_end()

        def undefined(name: str, column: int) -> int:
            raise Undefined(name, column)
        try:
            return evaluate(expr, undefined)
        except Undefined as e:
            raise _error(pos, f"{e.name!r} has no value the preprocessor knows") from None
        except (ExprError, TypeError) as e:
            raise _error(pos, f"not a preprocessor constant: {e}") from None


CONDITIONS = {f"{stem}{kind}" for stem in ("if", "elif") for kind in
              ("", "def", "ndef", "idn", "idni", "nidn", "nidni", "macro", "nmacro", "str",
               "nstr", "num", "nnum", "id", "nid")} | \
    {"else", "endif"}


class _ExitRep(Exception):
    pass


def _error(pos: Pos, message: str) -> AssemblyError:
    return AssemblyError(message, file=pos.file, line=pos.line, column=1, text=pos.text)


def _body(lines: list, i: int, opens: str, closes: str, pos: Pos) -> tuple[list, int]:
    """The lines up to the matching close directive (nesting counted), and the index
    after it."""
    opener = re.compile(rf"^\s*%\s*({opens})\b", re.I)
    closer = re.compile(rf"^\s*%\s*({closes})\b", re.I)
    depth, body = 1, []
    while i < len(lines):
        text = lines[i][1]
        if opener.match(text):
            depth += 1
        elif closer.match(text):
            depth -= 1
            if depth == 0:
                return body, i + 1
        body.append(lines[i])
        i += 1
    raise _error(pos, f"%{opens.split('|')[0]} without %{closes.split('|')[0]}")


def _code_part(text: str) -> str:
    """`text` up to its `;` comment (a `;` inside quotes is text)."""
    i = 0
    while i < len(text):
        if text[i] in "'\"`":
            i = _string_end(text, i)
            continue
        if text[i] == ";":
            return text[:i]
        i += 1
    return text


def _string_end(text: str, start: int) -> int:
    quote, i = text[start], start + 1
    while i < len(text) and text[i] != quote:
        i += 2 if quote == "`" and text[i] == "\\" else 1
    return min(i + 1, len(text))


def _matching_paren(text: str, at: int) -> int:
    depth = 0
    i = at
    while i < len(text):
        if text[i] in "'\"`":
            i = _string_end(text, i)
            continue
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i
        i += 1
    return -1


def _split_args(text: str) -> list[str]:
    """Comma-separated arguments, with commas inside quotes, (), [] or {} kept; `{a, b}`
    braces group one argument and are removed."""
    out, cur, depth, i = [], [], 0, 0
    text = _code_part(text)
    while i < len(text):
        ch = text[i]
        if ch in "'\"`":
            end = _string_end(text, i)
            cur.append(text[i:end])
            i = end
            continue
        if ch in "([{":
            depth += 1
            if ch == "{" and depth == 1:
                i += 1
                continue
        elif ch in ")]}":
            depth -= 1
            if ch == "}" and depth == 0:
                i += 1
                continue
        if ch == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
        i += 1
    out.append("".join(cur).strip())
    return out


def _message(rest: str) -> str:
    text = _code_part(rest).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"`":
        return text[1:-1]
    return text
