"""The Unicorn fast path behind the engine protocol."""

from .engine import UnicornEngine

__all__ = ["UnicornEngine"]
