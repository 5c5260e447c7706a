"""The pure-Python interpreter: a register-level x86 CPU you can read, step and trust."""

from .engine import InterpEngine

__all__ = ["InterpEngine"]
