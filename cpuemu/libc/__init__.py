"""A C library for assembly programs that say `extern printf`: the functions course
material calls, run in Python behind the cdecl convention, on guest memory.

The assembler resolves each `extern` (nasm) or undefined name (GNU as) to a stub in a
page cpuemu maps (`mov eax, LIBC_TRAP + i ; int 0x80 ; ret`); the kernel hands those
traps to `Libc.call`. stdout is buffered as glibc buffers it (a line at a time on a
terminal, 4096 bytes otherwise) and flushed by exit() or main's return, never by the
raw exit system call (as natively, where that output is lost); stderr is unbuffered.
malloc and friends use the guest's brk heap. A bad pointer is the guest's SIGSEGV at
the call (a page fault in the function). `--ltrace` lists the calls.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ..errors import CpuemuError
from ..stop import Stop
from .printf import ArgReader, SysVArgReader, format_c
from .scanf import Scanner

if TYPE_CHECKING:
    from ..machine import Machine

LIBC_BASE = 0xFFFFB000                 # the stubs' page (32-bit processes)
LIBC_BASE64 = 0x00300000               # below the program: within a call's reach
LIBC_TRAP = 0x0C100000                 # eax values no Linux call has
STUB = 16
FUNCTIONS = ("printf", "puts", "putchar", "scanf", "sprintf", "snprintf", "malloc",
             "calloc", "realloc", "free", "strlen", "strcpy", "strncpy", "strcat", "strcmp",
             "strncmp", "strchr", "memcpy", "memmove", "memset", "memcmp", "atoi", "atol",
             "strtol", "strtoul", "abs", "exit", "fflush", "getchar", "rand", "srand",
             "toupper", "tolower", "isdigit", "isalpha", "isspace", "sqrt", "fputs")
INDEX = {name: i for i, name in enumerate(FUNCTIONS)}
STRING_FIRST = {"printf", "puts", "scanf", "strlen", "atoi", "atol", "strtol", "strtoul",
                "strcmp", "strncmp", "strchr"}
STRING_SECOND = {"strcpy", "strncpy", "strcat", "strcmp", "strncmp", "sprintf"}
POINTERS = {"malloc", "calloc", "realloc", "strcpy", "strncpy", "strcat", "strchr", "memcpy",
            "memmove", "memset"}
BUFFER = 4096
MAX_STRING = 1 << 20
ALIGN = 16


def stub_page() -> bytes:
    """The code of every stub: mov eax, LIBC_TRAP + i ; int 0x80 ; ret (the same bytes
    in 64-bit code)."""
    code = bytearray()
    for i in range(len(FUNCTIONS)):
        code += (b"\xb8" + struct.pack("<I", LIBC_TRAP + i) + b"\xcd\x80\xc3").ljust(STUB,
                                                                                b"\xcc")
    return bytes(code)


def base(bits: int) -> int:
    return LIBC_BASE64 if bits == 64 else LIBC_BASE


def address_of(name: str, bits: int = 32) -> int | None:
    i = INDEX.get(name)
    return None if i is None else base(bits) + STUB * i


class Libc:
    """The C library's state in one process: stdio buffers, the heap, rand's seed."""

    def __init__(self, kernel):
        self.kernel = kernel
        self.out = bytearray()
        self.inbuf = bytearray()
        self.eof = False
        self.heap_top = 0
        self.free_chunks: dict[int, list[int]] = {}       # size -> addresses
        self.sizes: dict[int, int] = {}                   # address -> usable size
        self.seed = 1
        self.ltrace = None                                # callable(line)

    # -- the call ----------------------------------------------------------------------

    def call(self, machine: Machine, number: int) -> int | Stop:
        name = FUNCTIONS[number - LIBC_TRAP]
        args = SysVArgReader(machine) if machine.bits == 64 else \
            ArgReader(machine, machine.regs.esp + 4)      # [esp] returns into the stub
        result = getattr(self, "c_" + name)(machine, args)   # a MemoryFault: the kernel's
        if self.ltrace is not None:
            self.ltrace(self._traced(machine, name, args.seen, result))
        return result

    def _traced(self, machine: Machine, name: str, seen: list, result) -> str:
        """An ltrace line: a string argument quoted, numbers in hex, doubles as such."""
        shown = []
        for i, value in enumerate(seen):
            if i == 0 and name in STRING_FIRST or i == 1 and name in STRING_SECOND:
                text = self.cstring(machine, value, 40)
                shown.append('"' + text.decode("latin-1").encode("unicode_escape")
                             .decode() + '"')
            else:
                shown.append(repr(value) if isinstance(value, float) else f"{value:#x}")
        end = "?" if isinstance(result, Stop) else \
            f"{c_long(result)}" if name not in POINTERS else f"{result:#x}"
        return f"{name}({', '.join(shown)}) = {end}"

    def cstring(self, machine: Machine, address: int, limit: int | None = None) -> bytes:
        out = bytearray()
        cap = MAX_STRING if limit is None else limit
        while len(out) < cap:
            chunk = machine.read(address + len(out), min(64, cap - len(out)))
            end = chunk.find(0)
            if end >= 0:
                out += chunk[:end]
                return bytes(out)
            out += chunk
        return bytes(out)

    # -- stdio -------------------------------------------------------------------------

    def _tty(self) -> bool:
        try:
            return self.kernel.fds.get(1).isatty()
        except Exception:
            return False

    def emit(self, machine: Machine, data: bytes) -> None:
        self.out += data
        if self._tty():
            if b"\n" in self.out:
                cut = self.out.rfind(b"\n") + 1
                self._write(machine, bytes(self.out[:cut]))
                del self.out[:cut]
        elif len(self.out) >= BUFFER:
            cut = len(self.out) - len(self.out) % BUFFER
            self._write(machine, bytes(self.out[:cut]))
            del self.out[:cut]

    def flush(self, machine: Machine) -> None:
        if self.out:
            data, self.out = bytes(self.out), bytearray()
            self._write(machine, data)

    def _write(self, machine: Machine, data: bytes) -> None:
        try:
            self.kernel._write(machine, self.kernel.fds.get(1), data)
        except Exception:                    # a closed stdout: lost, as glibc loses it
            pass

    def c_printf(self, machine: Machine, args: ArgReader) -> int:
        text = format_c(self.cstring(machine, args.word()), args,
                        lambda a, n=None: self.cstring(machine, a, n))
        self.emit(machine, text)
        return len(text)

    def c_puts(self, machine: Machine, args: ArgReader) -> int:
        self.emit(machine, self.cstring(machine, args.word()) + b"\n")
        return 1

    def c_fputs(self, machine: Machine, args: ArgReader) -> int:
        raise CpuemuError("fputs needs a FILE*: use puts or printf (cpuemu's C library "
                          "has no FILE objects)")

    def c_putchar(self, machine: Machine, args: ArgReader) -> int:
        c = args.word() & 0xFF
        self.emit(machine, bytes([c]))
        return c

    def c_fflush(self, machine: Machine, args: ArgReader) -> int:
        args.word()                          # the FILE*: stdout and NULL both flush stdout
        self.flush(machine)
        return 0

    def c_sprintf(self, machine: Machine, args: ArgReader) -> int:
        target = args.word()
        text = format_c(self.cstring(machine, args.word()), args,
                        lambda a, n=None: self.cstring(machine, a, n))
        machine.write(target, text + b"\0")
        return len(text)

    def c_snprintf(self, machine: Machine, args: ArgReader) -> int:
        target, size = args.word(), args.word()
        text = format_c(self.cstring(machine, args.word()), args,
                        lambda a, n=None: self.cstring(machine, a, n))
        if size:
            machine.write(target, text[:size - 1] + b"\0")
        return len(text)

    def _fill(self, machine: Machine) -> bool:
        """More stdin for scanf and getchar (a terminal's line, else a block)."""
        if self.eof:
            return False
        self.flush(machine) if self._tty() else None
        data = self.kernel.fds.get(0).read(BUFFER)
        if not data:
            self.eof = True
            return False
        self.inbuf += data
        return True

    def c_getchar(self, machine: Machine, args: ArgReader) -> int:
        if not self.inbuf and not self._fill(machine):
            return -1
        c = self.inbuf[0]
        del self.inbuf[:1]
        return c

    def c_scanf(self, machine: Machine, args: ArgReader) -> int:
        scanner = Scanner(self, machine)
        return scanner.scan(self.cstring(machine, args.word()), args)

    # -- the heap ----------------------------------------------------------------------

    def _sbrk(self, machine: Machine, size: int) -> int | None:
        kernel = self.kernel
        if not self.heap_top:
            self.heap_top = kernel.sys_brk(machine, 0)
        start = (self.heap_top + ALIGN - 1) & ~(ALIGN - 1)
        end = start + size
        if kernel.sys_brk(machine, end) != end:
            return None
        self.heap_top = end
        return start

    def c_malloc(self, machine: Machine, args: ArgReader) -> int:
        return self._allocate(machine, args.word())

    def _allocate(self, machine: Machine, size: int) -> int:
        size = max((size + ALIGN - 1) & ~(ALIGN - 1), ALIGN)
        reuse = self.free_chunks.get(size)
        if reuse:
            address = reuse.pop()
        else:
            block = self._sbrk(machine, size + ALIGN)         # a header, as malloc has one
            if block is None:
                return 0
            address = block + ALIGN
        self.sizes[address] = size
        return address

    def c_calloc(self, machine: Machine, args: ArgReader) -> int:
        count, size = args.word(), args.word()
        total = count * size
        if total > (1 << machine.bits) - 1:
            return 0
        address = self._allocate(machine, total)
        if address:
            machine.write(address, bytes(total))
        return address

    def c_realloc(self, machine: Machine, args: ArgReader) -> int:
        old, size = args.word(), args.word()
        if not old:
            return self._allocate(machine, size)
        if size == 0:
            self._release(old)
            return 0
        had = self.sizes.get(old)
        if had is None:
            raise CpuemuError(f"realloc of {old:#x}, which malloc did not return")
        if size <= had:
            return old
        new = self._allocate(machine, size)
        if new:
            machine.write(new, machine.read(old, had))
            self._release(old)
        return new

    def c_free(self, machine: Machine, args: ArgReader) -> int:
        address = args.word()
        if address:
            self._release(address)
        return 0

    def _release(self, address: int) -> None:
        size = self.sizes.pop(address, None)
        if size is None:
            raise CpuemuError(f"free({address:#x}): not a block malloc returned (or freed "
                              "twice)")
        self.free_chunks.setdefault(size, []).append(address)

    # -- strings and memory ------------------------------------------------------------

    def c_strlen(self, machine: Machine, args: ArgReader) -> int:
        return len(self.cstring(machine, args.word()))

    def c_strcpy(self, machine: Machine, args: ArgReader) -> int:
        dst, src = args.word(), args.word()
        machine.write(dst, self.cstring(machine, src) + b"\0")
        return dst

    def c_strncpy(self, machine: Machine, args: ArgReader) -> int:
        dst, src, n = args.word(), args.word(), args.word()
        text = self.cstring(machine, src, n)
        machine.write(dst, text.ljust(n, b"\0")[:n])
        return dst

    def c_strcat(self, machine: Machine, args: ArgReader) -> int:
        dst, src = args.word(), args.word()
        machine.write(dst + len(self.cstring(machine, dst)),
                      self.cstring(machine, src) + b"\0")
        return dst

    def c_strcmp(self, machine: Machine, args: ArgReader) -> int:
        a, b = self.cstring(machine, args.word()), self.cstring(machine, args.word())
        return _compare(a + b"\0", b + b"\0")

    def c_strncmp(self, machine: Machine, args: ArgReader) -> int:
        a, b, n = args.word(), args.word(), args.word()
        return _compare((self.cstring(machine, a, n) + b"\0")[:n],
                        (self.cstring(machine, b, n) + b"\0")[:n])

    def c_strchr(self, machine: Machine, args: ArgReader) -> int:
        address, c = args.word(), args.word() & 0xFF
        text = self.cstring(machine, address) + b"\0"
        at = text.find(bytes([c]))
        return 0 if at < 0 else address + at

    def c_memcpy(self, machine: Machine, args: ArgReader) -> int:
        dst, src, n = args.word(), args.word(), args.word()
        if n:
            machine.write(dst, machine.read(src, n))
        return dst

    c_memmove = c_memcpy                       # read whole before writing: overlap is fine

    def c_memset(self, machine: Machine, args: ArgReader) -> int:
        dst, c, n = args.word(), args.word() & 0xFF, args.word()
        if n:
            machine.write(dst, bytes([c]) * n)
        return dst

    def c_memcmp(self, machine: Machine, args: ArgReader) -> int:
        a, b, n = args.word(), args.word(), args.word()
        return _compare(machine.read(a, n), machine.read(b, n)) if n else 0

    # -- numbers -----------------------------------------------------------------------

    def c_atoi(self, machine: Machine, args: ArgReader) -> int:
        value, _ = _strtol(self.cstring(machine, args.word()), 10)
        return value & 0xFFFFFFFF

    c_atol = c_atoi

    def c_strtol(self, machine: Machine, args: ArgReader) -> int:
        start, end, base = args.word(), args.word(), args.word()
        value, used = _strtol(self.cstring(machine, start), base)
        value = max(min(value, 0x7FFFFFFF), -0x80000000)
        if end:
            machine.write(end, (start + used).to_bytes(machine.bits // 8, "little"))
        return value & 0xFFFFFFFF

    def c_strtoul(self, machine: Machine, args: ArgReader) -> int:
        start, end, base = args.word(), args.word(), args.word()
        value, used = _strtol(self.cstring(machine, start), base)
        if end:
            machine.write(end, (start + used).to_bytes(machine.bits // 8, "little"))
        return min(value, 0xFFFFFFFF) & 0xFFFFFFFF if value >= 0 else value & 0xFFFFFFFF

    def c_abs(self, machine: Machine, args: ArgReader) -> int:
        v = args.word()
        v = v - (1 << 32) if v >> 31 else v
        return abs(v) & 0xFFFFFFFF

    def c_rand(self, machine: Machine, args: ArgReader) -> int:
        raise CpuemuError("rand is not in cpuemu's C library yet (glibc's generator is "
                          "not reproduced)")

    def c_srand(self, machine: Machine, args: ArgReader) -> int:
        self.seed = args.word()
        return 0

    def c_toupper(self, machine: Machine, args: ArgReader) -> int:
        c = args.word()
        return c - 32 if 97 <= c <= 122 else c

    def c_tolower(self, machine: Machine, args: ArgReader) -> int:
        c = args.word()
        return c + 32 if 65 <= c <= 90 else c

    def c_isdigit(self, machine: Machine, args: ArgReader) -> int:
        return 2048 if 48 <= args.word() <= 57 else 0          # glibc's _ISdigit bit

    def c_isalpha(self, machine: Machine, args: ArgReader) -> int:
        c = args.word()
        return 1024 if 65 <= c <= 90 or 97 <= c <= 122 else 0   # _ISalpha

    def c_isspace(self, machine: Machine, args: ArgReader) -> int:
        return 8192 if args.word() in (9, 10, 11, 12, 13, 32) else 0   # _ISspace

    def c_sqrt(self, machine: Machine, args: ArgReader) -> int:
        raise CpuemuError("sqrt returns in st(0): not in cpuemu's C library yet")

    # -- ending ------------------------------------------------------------------------

    def c_exit(self, machine: Machine, args: ArgReader) -> Stop:
        status = args.word()
        self.flush(machine)
        return Stop("exited", machine.pc, status=status & 0xFF)


def c_long(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >> 31 else value


def _compare(a: bytes, b: bytes) -> int:
    """-1, 0 or 1, as glibc's i386 strcmp, strncmp and memcmp return (measured)."""
    for x, y in zip(a, b, strict=False):
        if x != y:
            return 1 if x > y else 0xFFFFFFFF
    return 0


def _strtol(text: bytes, base: int) -> tuple[int, int]:
    """(value, bytes used) as strtol reads: spaces, a sign, 0x/0 prefixes for base 0/16."""
    i = 0
    while i < len(text) and text[i] in b" \t\n\v\f\r":
        i += 1
    sign = 1
    if i < len(text) and text[i] in b"+-":
        sign = -1 if text[i] == 45 else 1
        i += 1
    if base in (0, 16) and text[i:i + 2].lower() == b"0x" and i + 2 < len(text) and \
            chr(text[i + 2]).lower() in "0123456789abcdef":
        i += 2
        base = 16
    elif base == 0:
        base = 8 if text[i:i + 1] == b"0" else 10
    start, value = i, 0
    while i < len(text):
        digit = "0123456789abcdefghijklmnopqrstuvwxyz".find(chr(text[i]).lower())
        if digit < 0 or digit >= base:
            break
        value = value * base + digit
        i += 1
    return (sign * value, i) if i > start else (0, 0)
