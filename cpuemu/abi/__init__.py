"""The cdecl calling convention: calling guest functions from Python, walking stack
frames, and checking that functions keep the convention."""

from .call import RETURN_ADDRESS, call_function
from .frames import Frame, frames

__all__ = ["RETURN_ADDRESS", "Frame", "call_function", "frames"]
