"""Differential testing: lockstep runs of two engines, undefined-flag masks, a random
program generator and the native CPU oracle."""

from .lockstep import Divergence, Lockstep, Outcome, diff_program

__all__ = ["Divergence", "Lockstep", "Outcome", "diff_program"]
