"""One exception tree for everything cpuemu reports, so callers catch `CpuemuError` once."""

from __future__ import annotations

from dataclasses import dataclass


class CpuemuError(Exception):
    """Base of every error cpuemu raises on purpose."""


class AssemblyError(CpuemuError):
    """Source text that cannot be assembled; knows where the offending text is."""

    kind = "error"

    def __init__(self, message: str, *, file: str = "<input>", line: int = 0, column: int = 0,
                 text: str = "", hint: str = ""):
        self.message, self.file, self.line, self.column = message, file, line, column
        self.text, self.hint = text, hint
        super().__init__(self.render())

    def render(self) -> str:
        """`file:line:col: error: message`, then the source line and a caret under the column."""
        where = f"{self.file}:{self.line}:{self.column}" if self.line else self.file
        out = f"{where}: {self.kind}: {self.message}"
        if self.text:
            out += f"\n    {self.text}\n    {' ' * max(self.column - 1, 0)}^"
        if self.hint:
            out += f"\n{self.hint}"
        return out


class AssemblyErrors(AssemblyError):
    """Every error a source file has (up to MAX_ERRORS), in the order met, reported at
    once as a compiler does; the first one's place is this error's own."""

    MAX_ERRORS = 20

    def __init__(self, errors: list[AssemblyError], more: bool = False):
        self.errors, self.more = list(errors), more
        first = self.errors[0]
        super().__init__(first.message, file=first.file, line=first.line, column=first.column,
                         text=first.text, hint=first.hint)

    def render(self) -> str:
        out = "\n".join(e.render() for e in self.errors)
        if self.more:
            out += f"\n(stopped after {len(self.errors)} errors)"
        return out


class AssemblyWarning(AssemblyError):
    """Text that assembles but is likely a mistake (never raised: the assembler collects
    them in `Program.warnings`, and the command line prints them)."""

    kind = "warning"


class LoadError(CpuemuError):
    """A program or executable that cannot be laid out in guest memory."""


class LimitExceeded(CpuemuError):
    """An instruction or memory budget was spent."""


class SyscallError(CpuemuError):
    """A kernel-side failure that is not the guest's -errno to handle."""


# Linux signal numbers a fault kind ends the process with.
SIGNALS = {"divide-error": 8, "invalid-opcode": 4, "page-fault": 11,
           "general-protection": 11, "breakpoint": 5, "x87-fpu-error": 8,
           "simd-fp-exception": 8}
SIGNAL_NAMES = {4: "SIGILL", 5: "SIGTRAP", 8: "SIGFPE", 11: "SIGSEGV"}


@dataclass
class GuestFault(CpuemuError):
    """The guest did something the CPU refuses: it ends the guest as a signal would.

    `eip` is the faulting instruction; `address` the memory address for page faults.
    """

    kind: str
    eip: int
    address: int | None = None
    access: str | None = None          # "read", "write" or "fetch" for page faults
    disassembly: str = ""
    detail: str = ""
    bits: int = 32                     # the machine's mode: names the pointer eip or rip

    def __post_init__(self):
        super().__init__(self.summary())

    @property
    def signal(self) -> int:
        return SIGNALS.get(self.kind, 11)

    @property
    def exit_status(self) -> int:
        """What a shell reports for a process killed by this fault's signal."""
        return 128 + self.signal

    def summary(self, where: str = "") -> str:
        """`kind at eip=..., read of address ...` then `where` (a source line), then the
        instruction; the CLI's one-line fault report is this with a signal name in front."""
        out = f"{self.kind} at {'rip' if self.bits == 64 else 'eip'}={self.eip:#010x}"
        if self.address is not None:
            out += f", {self.access or 'access'} of address {self.address:#010x}"
        if where:
            out += f" in {where}"
        if self.disassembly:
            out += f" [{self.disassembly}]"
        if self.detail:
            out += f" ({self.detail})"
        return out

    def __str__(self) -> str:
        return self.summary()


@dataclass
class UnsupportedInstruction(GuestFault):
    """An instruction the engine does not implement (or bytes that decode to nothing)."""

    mnemonic: str = ""
    raw: bytes = b""
