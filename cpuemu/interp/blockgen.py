"""The block compiler: a straight-line block of instructions becomes one Python function.

Instructions given as `Source` (source.py) are inlined; the rest are closures, called.
Inside the function:

- guest registers live in locals (`r0`..`r15`), loaded where first read and stored back
  at every exit: the end, a closure call (which reads `cpu.r`), and a fault;
- the status flags stay symbolic: the compiler knows which rule and which locals define
  them, answers a jcc straight from them (`cmp`+`jl` is `a ^ sign < b ^ sign`), and
  builds the lazy tuple only at those same exits;
- a block that branches back to its own start is a `while` loop with the budget check.

Faults stay exact without costing the fast path anything: an exception handler maps the
traceback's line to the instruction that raised, stores the registers and flags as they
were before that instruction, and re-raises (the engine reads the same line to count
what ran). Code writes: after an instruction that may write memory, the next one starts
by testing one flag the memory sets when translated code is written, and stops the block
there (`CodeChanged`), so the rest never runs from a stale translation.
"""

from __future__ import annotations

import re

TOKEN = re.compile(r"R\[(\d+)\]|\$(\w+)|COND\[(\d+)\]|\bCARRY\b|\bKEEPCF\b")
STORE = re.compile(r"^\s*R\[(\d+)\] = ", re.M)
REGISTER = re.compile(r"R\[(\d+)\]")
CPU = None                      # the flag state lives in cpu.lazy
CALLED = 1000                   # recovery key of a closure's call: what it left stands


class CodeChanged(Exception):
    """Raised before the next instruction of a block whose code bytes were written."""


class Generated:
    """The compiled function and what the engine needs to account for an exit."""

    __slots__ = ("run", "code", "line_pos", "text")

    def __init__(self, run, line_pos: dict[int, int], text: str):
        self.run, self.code, self.line_pos, self.text = run, run.__code__, line_pos, text


def registers_of(source) -> set[int]:
    """The general registers a Source's lines, flags and branch target name."""
    text = "\n".join(source.lines) + str(source.flags) + str(source.next)
    return {int(m) for m in REGISTER.findall(text)}


class _State:
    """What the compiler knows at one point: the symbolic flags, the locals."""

    def __init__(self, dirty: set[int]):
        self.flags: tuple | None = CPU     # (rule, rule name, a, b, res, extra) or CPU
        self.loaded: set[int] = set()
        self.dirty: set[int] = set(dirty)
        self.at_entry = True               # no closure has run yet in this turn


class BlockCompiler:
    def __init__(self, insns, *, cpu, code_written, loops: bool, name: str,
                 single: bool = False):
        self.insns = insns
        self.loops = loops
        self.single = single
        self.name = name
        self.ns: dict[str, object] = {"cpu": cpu, "R": cpu.r, "CW": code_written,
                                      "CodeChanged": CodeChanged}
        self.lines: list[str] = []
        self.line_pos: dict[int, int] = {}
        self.line_key: dict[int, int] = {}
        self.recovery: dict[int, tuple] = {}
        self.entry_used = False
        self.loop_regs: set[int] = set()
        if loops:
            for insn in insns:
                if insn.source is not None:
                    self.loop_regs |= registers_of(insn.source)

    # -- output --------------------------------------------------------------------------

    def emit(self, depth: int, text: str, pos: int, key: int | None = None) -> None:
        """Lines of instruction `pos`; a fault on them recovers the state saved under
        `key` (the position itself, or CALLED + pos for a closure's call)."""
        for line in text.split("\n"):
            self.lines.append("    " * depth + line)
            self.line_pos[len(self.lines)] = pos
            self.line_key[len(self.lines)] = pos if key is None else key

    # -- flags -------------------------------------------------------------------------

    def tuple_of(self, flags) -> str:
        if flags is CPU:
            return "cpu.lazy"
        _, name, a, b, res, extra = flags
        return f"({name}, {a}, {b}, {res}, {extra})"

    def runtime_flags(self, st: _State, k: int, out: list[str]) -> str:
        """A local holding the flags tuple cpu.lazy holds (the CPU state). In a loop,
        before any writer, that is the state the previous turn left: mark it needed."""
        if st.at_entry:
            self.entry_used = True
        out.append(f"fl_{k} = cpu.lazy")
        return f"fl_{k}"

    def flag_token(self, token: str, cc: str | None, st: _State, k: int,
                   pre: list[str]) -> str:
        flags = st.flags
        if flags is CPU:
            fl = self.runtime_flags(st, k, pre)
            if token == "KEEPCF":
                pre.append(f"kc_{k} = {fl}[4] if {fl}[0].keeps_cf else {fl}")
                return f"kc_{k}"
            if token == "CARRY":
                return f"{fl}[0].cf({fl})"
            return f"{fl}[0].conds[{cc}]({fl})"
        rule, name, a, b, res, extra = flags
        if token == "KEEPCF":
            return extra if rule.keeps_cf else self.tuple_of(flags)
        if token == "CARRY":
            return rule.cf_source(a, b, res) or f"{name}.cf({self.tuple_of(flags)})"
        text = rule.cond_source(int(cc), a, b, res)
        return f"({text})" if text else \
            f"{name}.conds[{cc}]({self.tuple_of(flags)})"

    # -- one instruction ---------------------------------------------------------------

    def rename(self, text: str, k: int, st: _State, pre: list[str]) -> str:
        def sub(m):
            reg, name, cc = m.group(1), m.group(2), m.group(3)
            if reg is not None:
                return f"r{reg}"
            if name is not None:
                return f"{name}_{k}"
            return self.flag_token(m.group(0).split("[")[0], cc, st, k, pre)
        return TOKEN.sub(sub, text)

    def inline(self, k: int, insn, st: _State, depth: int) -> None:
        source = insn.source
        body = "\n".join(source.lines)
        for key, value in source.env.items():
            self.ns[f"{key}_{k}"] = value
        pre: list[str] = []
        used = registers_of(source)
        stores = {int(m) for m in STORE.findall(body)}
        for reg in sorted(used - st.loaded):
            pure_write = reg in stores and body.count(f"R[{reg}]") == len(
                [m for m in STORE.finditer(body) if m.group(1) == str(reg)])
            if not pure_write:
                pre.append(f"r{reg} = R[{reg}]")
            st.loaded.add(reg)
        if source.cpu_flags:                   # it reads cpu.lazy: make it current
            if st.flags is not CPU:
                pre.append(f"cpu.lazy = {self.tuple_of(st.flags)}")
                st.flags = CPU
            elif st.at_entry:
                self.entry_used = True
        text = self.rename(body, k, st, pre)
        if source.flags is not None:
            rule, a, b, res, extra = source.flags
            name = f"rule_{k}"
            self.ns[name] = rule
            fields = [self.rename(x, k, st, pre) for x in (a, b, res, extra)]
            new_flags = (rule, name, *fields)
        else:
            new_flags = st.flags
        if pre:
            self.emit(depth, "\n".join(pre), k)
        if text:
            self.emit(depth, text, k)
        st.dirty |= stores
        st.flags = new_flags

    def sync(self, st: _State) -> str:
        """Statements that put the locals and the flags back into the CPU."""
        out = [f"R[{reg}] = r{reg}" for reg in sorted(st.dirty)]
        if st.flags is not CPU:
            out.append(f"cpu.lazy = {self.tuple_of(st.flags)}")
        return "; ".join(out)

    def call(self, k: int, insn, st: _State, depth: int, last: bool) -> None:
        self.ns[f"o{k}"] = insn.op
        before = self.sync(st)
        if before:
            self.emit(depth, before, k)
        st.dirty.clear()
        st.flags = CPU
        st.at_entry = False
        self.recovery[CALLED + k] = (CPU, frozenset(), False)   # the closure ran: trust it
        if last and insn.branches:
            self.emit(depth, f"nxt = o{k}()", k, CALLED + k)
        else:
            self.emit(depth, f"o{k}()", k, CALLED + k)
        if self.loops and self.loop_regs:
            self.emit(depth, "; ".join(f"r{r} = R[{r}]" for r in sorted(self.loop_regs)), k,
                      CALLED + k)
            st.loaded = set(self.loop_regs)
        else:
            st.loaded = set()

    # -- the block -----------------------------------------------------------------------

    def body(self, depth: int, carried: set[int]) -> _State:
        st = _State(carried)
        if self.loops:
            st.loaded = set(self.loop_regs)
        self.lines, self.line_pos, self.line_key = [], {}, {}
        self.recovery: dict[int, tuple] = {}
        last = len(self.insns) - 1
        for k, insn in enumerate(self.insns):
            self.recovery[k] = (st.flags, frozenset(st.dirty), st.at_entry)
            self.emit(depth, f"# {insn.address:#x}: {insn.text}"
                      + ("" if insn.source is not None else "  (closure)"), k)
            if not self.single and (k > 0 and self.may_write(self.insns[k - 1])
                                    or k == 0 and self.loops and
                                    any(self.may_write(i) for i in self.insns)):
                self.emit(depth, "if CW[0]: raise CodeChanged", k)
            if insn.source is None:
                self.call(k, insn, st, depth, k == last)
            else:
                self.inline(k, insn, st, depth)
        return st

    @staticmethod
    def may_write(insn) -> bool:
        return insn.source is None or insn.source.writes

    def tail(self, st: _State, depth: int) -> None:
        insn = self.insns[-1]
        k = len(self.insns) - 1
        start = self.insns[0].address
        source = insn.source
        if not self.loops:
            if source is None:
                if not insn.branches:
                    self.emit(depth, f"nxt = {insn.next}", k)
            else:
                pre: list[str] = []
                expr = self.rename(source.next, k, st, pre) if source.next else str(insn.next)
                self.emit(depth, "\n".join(pre + [f"nxt = {expr}"]), k)
            return
        back = self.sync_back(st)
        if source is not None and source.cond is not None:
            pre = []
            cond = self.rename(f"COND[{source.cond}]", k, st, pre)
            if pre:
                self.emit(depth, "\n".join(pre), k)
            self.emit(depth, f"if {cond}:", k)
            self.emit(depth + 1, "if n < limit:", k)
            self.emit(depth + 2, "\n".join(["n += 1"] + back + ["continue"]), k)
            self.emit(depth + 1, f"nxt = {start}", k)
            self.emit(depth, "else:", k)
            self.emit(depth + 1, f"nxt = {insn.next}", k)
        else:
            if source is not None:
                pre = []
                expr = self.rename(source.next, k, st, pre)
                self.emit(depth, "\n".join(pre + [f"nxt = {expr}"]), k)
            self.emit(depth, f"if nxt == {start} and n < limit:", k)
            self.emit(depth + 1, "\n".join(["n += 1"] + back + ["continue"]), k)
        self.emit(depth, "break", k)

    def sync_back(self, st: _State) -> list[str]:
        """At the back edge: the flags must be in cpu.lazy if the body's head reads them."""
        if self.entry_used and st.flags is not CPU:
            return [f"cpu.lazy = {self.tuple_of(st.flags)}"]
        return []

    def compile(self) -> Generated:
        depth = 3 if self.loops else 2
        carried: set[int] = set()
        if self.loops:                    # what the back edge carries dirty into the head
            end = self.body(depth, set())
            carried = set(end.dirty)
            self.entry_used = self.entry_used or self.head_exposed()
        st = self.body(depth, carried)
        self.tail(st, depth)
        inner, positions, keys = self.lines, self.line_pos, self.line_key
        head = ["def block(limit=0):"]
        if self.loops:
            head += ["    " + "; ".join(f"r{r} = R[{r}]" for r in sorted(self.loop_regs))
                     if self.loop_regs else "    pass", "    n = 1", "    try:",
                     "        while True:"]
        else:
            head += ["    try:"]
        offset = len(head)                # line numbers count from 1
        line_pos = {line + offset: pos for line, pos in positions.items()}
        line_key = {line + offset: key for line, key in keys.items()}
        out = head + inner
        out += ["    except BaseException as e:",
                "        k = LP.get(e.__traceback__.tb_lineno, 0)"]
        out += self.recovery_code(st)
        out += ["        raise"]
        exit_sync = self.sync(st)
        if exit_sync:
            out.append("    " + exit_sync)
        if self.loops:
            out.append("    turns[0] = n")
        out.append("    return nxt")
        text = "\n".join(out)
        self.ns["LP"] = line_key
        exec(compile(text, self.name, "exec"), self.ns)
        return Generated(self.ns["block"], line_pos, text)

    def head_exposed(self) -> bool:
        """A loop whose first instructions (before any flag writer) may raise or call out
        needs cpu.lazy current at the head of every turn."""
        for insn in self.insns:
            if insn.source is None or insn.source.raises:
                return True
            if insn.source.flags is not None:
                return False
        return True

    def recovery_code(self, end: _State) -> list[str]:
        """In the exception handler: put back the state from before instruction k. In a
        loop whose back edge does not store the flags, an instruction before the first
        flag writer sees the previous turn's (only Ctrl-C can stop it there)."""
        groups: dict[str, list[int]] = {}
        for k, (flags, dirty, at_entry) in sorted(self.recovery.items()):
            st = _State(set(dirty))
            st.flags = flags
            text = self.sync(st)
            if self.loops and at_entry and flags is CPU and not self.entry_used \
                    and end.flags is not CPU:
                text += f"{'; ' if text else ''}cpu.lazy = cpu.lazy if n == 1 else " \
                        f"{self.tuple_of(end.flags)}"
            groups.setdefault(text, []).append(k)
        out = []
        for text, positions in groups.items():
            if not text:
                continue
            test = f"k == {positions[0]}" if len(positions) == 1 else f"k in {set(positions)}"
            out.append(f"        {'if' if not out else 'elif'} {test}:")
            out.append(f"            {text}")
        return out
