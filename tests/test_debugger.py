"""Scripted debugger sessions: each .cmd file in tests/debugger/ is fed to
`cpuemu debug --commands` and the transcript must equal the .expected file beside it."""

from __future__ import annotations

import re

import pytest

from cpuemu.cli import main

from .conftest import ROOT

SESSIONS = sorted((ROOT / "tests" / "debugger").glob("*.cmd"))
PROGRAMS = {"registers64": "asm_samples/recursion64.asm",       # else guide_cdecl.asm
            "gdb_recursion": "asm_samples/cdecl_factorial.asm",
            "gdb_reverse": "asm_samples/cdecl_factorial.asm"}


@pytest.mark.parametrize("commands", SESSIONS, ids=lambda p: p.stem)
def test_transcript(commands, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    program = PROGRAMS.get(commands.stem, "asm_samples/guide_cdecl.asm")
    expected = commands.with_suffix(".expected").read_text()
    ended = re.search(r"program stopped: exited with status (\d+)", expected)
    assert main(["debug", "--commands", str(commands), program]) == \
        (int(ended.group(1)) if ended else 0)
    assert capsys.readouterr().out == expected


def test_bad_commands_are_reported_not_fatal(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    script = tmp_path / "bad.cmd"
    script.write_text("frobnicate\nbreak nowhere\nx/4q 0\nstep lots\nback\ncontinue\n")
    assert main(["debug", "--engine", "unicorn", "--commands", str(script),
                 "asm_samples/guide_cdecl.asm"]) == 65
    out = capsys.readouterr().out
    assert "error: unknown command 'frobnicate' (try `help`)" in out
    assert "error: no symbol named 'nowhere'" in out
    assert "error: undefined output format 'q': formats are x, d, u, o, t, c, a, s, i; " \
        "sizes b h w g" in out
    assert "error: not a count: 'lots'" in out
    assert "error: time travel needs the interp engine" in out
    assert "program stopped: exited with status 65" in out


def test_without_recording_continue_runs_on_unicorn_and_steps_on_the_interpreter(capsys,
                                                                                monkeypatch):
    """--no-record: `continue` moves the machine to Unicorn and back (switch_engine), so
    a breakpoint far into a program is reached at native speed; steps stay exact."""
    from cpuemu import Machine, assemble_file
    from cpuemu.debug.debugger import Debugger
    monkeypatch.chdir(ROOT)
    machine = Machine(assemble_file("asm_samples/cdecl_fib.asm"))
    engines = []
    original = machine.switch_engine
    monkeypatch.setattr(machine, "switch_engine",
                        lambda name: (engines.append(name), original(name)))
    out: list[str] = []
    debugger = Debugger(machine, out=out.append, record=False)
    debugger.run(["break fib if *(int*)($esp + 4) == 1", "continue", "stepi", "p $eax",
                  "reverse-stepi", "continue", "bt"])
    assert engines == ["unicorn", "interp", "unicorn", "interp"]
    assert machine.engine.name == "interp"
    text = "\n".join(out)
    assert "no time travel; continue runs on unicorn" in text
    assert "breakpoint 1 at fib" in text
    assert "error: time travel needs recording (not --no-record)" in text
    assert text.count("#0 fib(0x1)") == 1                   # the second stop, n == 1 again
