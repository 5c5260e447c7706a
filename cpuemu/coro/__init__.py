"""Coroutines scheduled by the host: guest functions that run on their own stacks and are
switched whenever the kernel would block them (see scheduler.py for the policy)."""

from .scheduler import Coroutine, Scheduler

__all__ = ["Coroutine", "Scheduler"]
