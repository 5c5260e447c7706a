"""The interactive debugger in a real terminal (a pty): Ctrl-C during an endless loop
stops the guest and gives the prompt back with the location; line editing is there."""

from __future__ import annotations

import os
import pty
import select
import sys
import time

import pytest

PROMPT = b"(cpuemu) "


def read_until(fd: int, wanted: bytes, seconds: float = 30.0) -> bytes:
    seen = b""
    end = time.monotonic() + seconds
    while wanted not in seen:
        left = end - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no {wanted!r} in {seen[-500:]!r}")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:                      # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    return seen


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a Linux pty")
def test_ctrl_c_stops_an_endless_loop_and_returns_to_the_prompt(tmp_path):
    source = tmp_path / "spin.asm"
    source.write_text("section .text\nglobal _start\n_start:\n    inc eax\n    jmp _start\n")
    pid, fd = pty.fork()
    if pid == 0:                                              # the child: the debugger
        os.execvp(sys.executable, [sys.executable, "-m", "cpuemu", "debug", str(source)])
    try:
        read_until(fd, PROMPT)
        os.write(fd, b"continue\n")
        time.sleep(1.0)                          # the guest is spinning by now
        os.write(fd, b"\x03")                    # Ctrl-C: the terminal sends SIGINT
        out = read_until(fd, b"interrupted")
        out += read_until(fd, PROMPT)
        assert b"spin.asm:" in out and b"_start" in out     # where the guest was
        os.write(fd, b"p $eax > 1000\n")         # it ran a while; the session is alive
        assert b"$1 = 1" in read_until(fd, PROMPT)
        os.write(fd, b"quit\n")
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    finally:
        try:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(fd)
