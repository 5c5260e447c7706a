"""gdb's expression language, for what an assembly program has: `$eax`, `$pc`, value
history (`$1`, `$`), labels (a label is its address, as in nasm: read memory with
`*(int*)x`, `{int}x` or `x/d x`), C arithmetic and comparisons, casts and dereferences.

Values carry a C type so printing and `set` know sizes and signedness. A program
without debug information has no variables; registers and memory are the lvalues.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..cpu.registers import FLAG_BITS, REGS
from ..errors import CpuemuError


class ExpressionError(CpuemuError):
    pass


@dataclass(frozen=True)
class CType:
    name: str
    size: int                       # bytes; 0 for void
    signed: bool = True
    pointee: CType | None = None    # for pointers
    code: bool = False              # a pointer to code: void (*)()

    @property
    def pointer(self) -> bool:
        return self.pointee is not None or self.code

    def __str__(self) -> str:
        return self.name


VOID = CType("void", 0)
BASE_TYPES = {
    "char": (1, True), "signed char": (1, True), "unsigned char": (1, False),
    "short": (2, True), "unsigned short": (2, False), "int": (4, True),
    "unsigned int": (4, False), "unsigned": (4, False), "long long": (8, True),
    "unsigned long long": (8, False), "float": (4, True), "double": (8, True),
}


def base_type(name: str, bits: int) -> CType:
    name = " ".join(name.split())
    if name == "void":
        return VOID
    if name in ("long", "unsigned long"):
        return CType(name, bits // 8, name == "long")
    size, signed = BASE_TYPES[name]
    return CType(name, size, signed)


def pointer_to(target: CType, bits: int) -> CType:
    return CType(f"{target.name} *", bits // 8, False, pointee=target)


def code_pointer(bits: int) -> CType:
    return CType("void (*)()", bits // 8, False, code=True)


@dataclass(frozen=True)
class Value:
    value: int
    type: CType
    address: int | None = None      # an lvalue in memory
    register: str | None = None     # an lvalue in a register

    def truth(self) -> bool:
        return self.value != 0


TOKEN = re.compile(r"\s*(?:(0[xX][0-9a-fA-F]+|\d+)|('(?:\\.|[^'\\])')|(\$[A-Za-z_]\w*|\$\d*)"
                   r"|([A-Za-z_.][\w.@$]*)|(<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^~!<>(){}]))")
TYPE_WORDS = {"char", "short", "int", "long", "unsigned", "signed", "void", "float", "double"}
PRECEDENCE = {"||": 1, "&&": 2, "|": 3, "^": 4, "&": 5, "==": 6, "!=": 6, "<": 7, ">": 7,
              "<=": 7, ">=": 7, "<<": 8, ">>": 8, "+": 9, "-": 9, "*": 10, "/": 10, "%": 10}
CHAR_ESCAPES = {"n": 10, "t": 9, "r": 13, "0": 0, "\\": 92, "'": 39, '"': 34, "a": 7,
                "b": 8, "f": 12, "v": 11, "e": 27}


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, at = [], 0
    text = text.rstrip()
    while at < len(text):
        m = TOKEN.match(text, at)
        if not m or m.end() == at:
            raise ExpressionError(f"cannot read {text[at:].strip()!r} in expression")
        kinds = ("num", "char", "dollar", "name", "op")
        kind = next(k for k, g in zip(kinds, m.groups(), strict=True) if g is not None)
        tokens.append((kind, m.group(m.lastindex)))
        at = m.end()
    return tokens


class Evaluator:
    """Evaluates expressions against a machine; `history` is the debugger's `$N` list."""

    def __init__(self, machine, history: list[Value] | None = None):
        self.m = machine
        self.bits = machine.bits
        self.history = history if history is not None else []

    # -- entry points ------------------------------------------------------------------

    def evaluate(self, text: str) -> Value:
        self.tokens, self.i = tokenize(text), 0
        if not self.tokens:
            raise ExpressionError("an expression is needed")
        value = self.binary(1)
        if self.i < len(self.tokens):
            raise ExpressionError(f"unexpected {self.tokens[self.i][1]!r} in expression")
        return value

    def assign(self, target: str, source: str) -> Value:
        """`set TARGET = SOURCE`: a register, or memory through a typed address."""
        place = self.evaluate(target)
        value = self.evaluate(source)
        if place.register is not None:
            self.m.regs[place.register] = value.value & mask(8 * place.type.size)
        elif place.address is not None:
            size = place.type.size
            self.m.engine.write(place.address, (value.value & mask(8 * size))
                                .to_bytes(size, "little"), need=0)
        else:
            raise ExpressionError("left operand of assignment is not an lvalue")
        return self.evaluate(target)

    # -- grammar -----------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> tuple[str, str]:
        at = self.i + ahead
        return self.tokens[at] if at < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        self.i += 1
        return tok

    def expect(self, op: str) -> None:
        if self.take() != ("op", op):
            raise ExpressionError(f"expected {op!r} in expression")

    def binary(self, min_prec: int) -> Value:
        left = self.unary()
        while True:
            kind, op = self.peek()
            prec = PRECEDENCE.get(op) if kind == "op" else None
            if prec is None or prec < min_prec:
                return left
            self.take()
            right = self.binary(prec + 1)
            left = self.apply(op, left, right)

    def unary(self) -> Value:
        kind, op = self.peek()
        if kind == "op" and op in ("-", "~", "!", "+"):
            self.take()
            v = self.unary()
            result = {"-": -v.value, "~": ~v.value, "!": int(not v.value), "+": v.value}[op]
            return self.integer(result, v.type if op != "!" else None)
        if kind == "op" and op == "*":
            self.take()
            return self.dereference(self.unary())
        if kind == "op" and op == "&":
            self.take()
            v = self.unary()
            if v.address is None:
                raise ExpressionError("attempt to take the address of a value not in memory")
            return Value(v.address, pointer_to(v.type, self.bits))
        if kind == "op" and op == "(" and self.is_type(1):
            self.take()
            ctype = self.type_name()
            self.expect(")")
            v = self.unary()
            return self.cast(v, ctype)
        if kind == "op" and op == "{":
            self.take()
            ctype = self.type_name()
            self.expect("}")
            v = self.unary()
            return self.load(v.value, ctype)
        return self.primary()

    def primary(self) -> Value:
        kind, text = self.take()
        if kind == "num":
            value = int(text, 16) if text[:2].lower() == "0x" else \
                int(text, 8) if len(text) > 1 and text[0] == "0" else int(text)
            return self.integer(value)
        if kind == "char":
            body = text[1:-1]
            value = CHAR_ESCAPES.get(body[1], ord(body[1])) if body.startswith("\\") \
                else ord(body)
            return Value(value, base_type("char", self.bits))
        if kind == "dollar":
            return self.dollar(text[1:])
        if kind == "name":
            try:
                address = self.m.symbol(text)
            except CpuemuError:
                raise ExpressionError(f'no symbol "{text}" in the program') from None
            return Value(address, base_type("int", self.bits) if self.bits == 32
                         else base_type("long", self.bits), address=address)
        if (kind, text) == ("op", "("):
            v = self.binary(1)
            self.expect(")")
            return v
        raise ExpressionError(f"expected a value, found {text or 'the end'!r}")

    def dollar(self, name: str) -> Value:
        if name == "" or name.isdigit():
            index = int(name) if name else len(self.history)
            if not 1 <= index <= len(self.history):
                raise ExpressionError(f"history has no value ${name}" if name
                                      else "history is empty")
            return self.history[index - 1]
        name = name.lower()
        name = {"pc": "rip" if self.bits == 64 else "eip",
                "sp": "rsp" if self.bits == 64 else "esp",
                "fp": "rbp" if self.bits == 64 else "ebp",
                "ps": "rflags" if self.bits == 64 else "eflags"}.get(name, name)
        table = REGS[self.bits]
        if name not in table:
            raise ExpressionError(f"no register ${name}")
        value = self.m.regs[name]
        width = table[name].bits
        if name in ("eip", "rip"):
            ctype = code_pointer(self.bits)
        elif name in ("esp", "ebp", "rsp", "rbp") and width == self.bits:
            ctype = pointer_to(VOID, self.bits)
        elif name in ("eflags", "rflags"):
            ctype = CType("flags", width // 8, False)
        else:
            ctype = CType({8: "int8_t", 16: "short", 32: "int", 64: "long"}.get(width, "int"),
                          max(width // 8, 1), True)
            value = signed(value, width) if width <= 64 else value
        return Value(value, ctype, register=name)

    # -- types -------------------------------------------------------------------------

    def is_type(self, ahead: int) -> bool:
        kind, text = self.peek(ahead)
        return kind == "name" and text in TYPE_WORDS

    def type_name(self) -> CType:
        words = []
        while self.peek()[0] == "name" and self.peek()[1] in TYPE_WORDS:
            words.append(self.take()[1])
        try:
            ctype = base_type(" ".join(words), self.bits)
        except KeyError:
            raise ExpressionError(f"unknown type {' '.join(words)!r}") from None
        while self.peek() == ("op", "*"):
            self.take()
            ctype = pointer_to(ctype, self.bits)
        return ctype

    # -- operations --------------------------------------------------------------------

    def integer(self, value: int, ctype: CType | None = None) -> Value:
        ctype = ctype if ctype is not None and not ctype.pointer and ctype.size \
            else base_type("long", self.bits) if abs(value) >= 1 << 31 \
            else base_type("int", self.bits)
        return Value(wrap(value, ctype), ctype)

    def apply(self, op: str, a: Value, b: Value) -> Value:
        x, y = a.value, b.value
        if op in ("/", "%") and y == 0:
            raise ExpressionError("division by zero")
        if a.type.pointer and op in ("+", "-") and not b.type.pointer:
            step = max(a.type.pointee.size if a.type.pointee else 1, 1)
            return Value(x + y * step if op == "+" else x - y * step, a.type)
        result = {
            "+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y,
            "/": lambda: int(x / y) if (x < 0) != (y < 0) else x // y,
            "%": lambda: x - int(x / y) * y, "&": lambda: x & y, "|": lambda: x | y,
            "^": lambda: x ^ y, "<<": lambda: x << min(y, 128), ">>": lambda: x >> min(y, 128),
            "==": lambda: int(x == y), "!=": lambda: int(x != y), "<": lambda: int(x < y),
            ">": lambda: int(x > y), "<=": lambda: int(x <= y), ">=": lambda: int(x >= y),
            "&&": lambda: int(bool(x) and bool(y)), "||": lambda: int(bool(x) or bool(y)),
        }[op]()
        if op in ("==", "!=", "<", ">", "<=", ">=", "&&", "||"):
            return self.integer(result)
        wider = a.type if a.type.size >= b.type.size and not a.type.pointer else b.type
        return self.integer(result, wider if wider.size >= 4 else None)

    def cast(self, v: Value, ctype: CType) -> Value:
        if ctype.size == 0:
            raise ExpressionError("cannot cast to void")
        return Value(wrap(v.value, ctype), ctype)

    def dereference(self, v: Value) -> Value:
        if not v.type.pointer or v.type.code:
            raise ExpressionError("attempt to take contents of a non-pointer value")
        target = v.type.pointee
        if target is None or target.size == 0:
            raise ExpressionError("attempt to take contents of a void pointer: cast it "
                                  "first, as in *(int*)ADDRESS")
        return self.load(v.value, target)

    def load(self, address: int, ctype: CType) -> Value:
        if ctype.size == 0:
            raise ExpressionError("cannot read a void")
        address &= mask(self.bits)
        try:
            raw = self.m.engine.read(address, ctype.size, need=0)
        except Exception:
            raise ExpressionError(f"cannot access memory at address {address:#x}") from None
        return Value(wrap(int.from_bytes(raw, "little"), ctype), ctype, address=address)


def wrap(value: int, ctype: CType) -> int:
    """`value` as a C object of `ctype` holds it."""
    if ctype.size == 0:
        return value
    value &= mask(8 * ctype.size)
    return signed(value, 8 * ctype.size) if ctype.signed and not ctype.pointer else value


def mask(bits: int) -> int:
    return (1 << bits) - 1


def signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value >> (bits - 1) & 1 else value


def flag_names(value: int) -> str:
    """gdb's view of EFLAGS: `[ PF ZF IF ]`, in bit order."""
    names = [name.upper() for name, bit in sorted(FLAG_BITS.items(), key=lambda kv: kv[1])
             if value >> bit & 1]
    return "[ " + " ".join(names) + " ]" if names else "[ ]"
