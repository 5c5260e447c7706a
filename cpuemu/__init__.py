"""cpuemu: an x86 CPU and assembly emulator for people who learn, teach and build on x86.

    from cpuemu import assemble, Machine
    m = Machine(assemble(open("hello.asm").read()))
    m.run(); print(m.stdout)
"""

__version__ = "0.1.0"

from .asm import assemble, assemble_file  # noqa: E402
from .errors import (  # noqa: E402
    AssemblyError,
    CpuemuError,
    GuestFault,
    LimitExceeded,
    LoadError,
    SyscallError,
    UnsupportedInstruction,
)
from .machine import Machine  # noqa: E402
from .program import Program  # noqa: E402
from .stop import Stop  # noqa: E402

__all__ = ["AssemblyError", "CpuemuError", "GuestFault", "LimitExceeded", "LoadError",
           "Machine", "Program", "Stop", "SyscallError", "UnsupportedInstruction",
           "assemble", "assemble_file"]


def load_ipython_extension(ipython) -> None:
    """`%load_ext cpuemu`: the `%%asm` cell magic (see cpuemu/ipython.py)."""
    from .ipython import load
    load(ipython)
