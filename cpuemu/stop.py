"""Why a run ended: every engine and the Machine report one of these, never print."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import GuestFault

# The trap number an engine hands the machine for the `syscall` instruction (`int n`
# hands n, 0..255).
SYSCALL_TRAP = 0x100


@dataclass
class Stop:
    """The reason a run or step returned.

    reason: "exited" (status set), "fault" (fault set), "budget" (instruction budget
    spent), "step" (one instruction done), "breakpoint", "signal" (killed by a signal
    the guest sent itself: status is 128+signal), "deadlock" (a system call would block
    and nothing else can run; detail says which), "timeout" (Machine.run's `timeout`
    passed; the run can be resumed).
    """

    reason: str
    eip: int = 0
    status: int | None = None
    fault: GuestFault | None = None
    detail: str = ""

    @property
    def exited(self) -> bool:
        return self.reason == "exited"

    def __str__(self) -> str:
        if self.reason == "exited":
            return f"exited with status {self.status}"
        if self.reason == "signal":
            return f"killed by {self.detail}"
        if self.reason == "deadlock":
            return f"deadlock at {self.eip:#010x}: {self.detail}"
        if self.reason == "fault" and self.fault:
            return f"fault: {self.fault.summary()}"
        return f"{self.reason} at {self.eip:#010x}" + (f" ({self.detail})" if self.detail else "")
