"""Debugging: time travel (history.py) and the terminal debugger (debugger.py)."""

from .history import History

__all__ = ["History"]
