"""`cpuemu tui`, driven headless by Textual's own pilot: step forward and back through
guide_cdecl.asm and read the register, flag and stack panes at three points."""

from __future__ import annotations

import asyncio

import pytest

from cpuemu import Machine, assemble_file

from .conftest import SAMPLES

textual = pytest.importorskip("textual", reason="the TUI needs textual (pip install -e .)")


def run_app(steps):
    from cpuemu.tui import CpuemuTUI
    program = assemble_file(SAMPLES / "guide_cdecl.asm")
    def machine():                  # a fixed argv: the stack's addresses do not move
        return Machine(program, argv=["guide_cdecl"])
    app = CpuemuTUI(machine(), restart=machine)
    seen = []

    async def drive():
        async with app.run_test(size=(160, 60)) as pilot:
            for keys in steps:
                for key in keys:
                    await pilot.press(key)
                await pilot.pause()
                seen.append(dict(app.texts))
    asyncio.run(drive())
    return seen


def test_stepping_forward_and_back_updates_every_pane():
    at_main, at_call, in_body, back_one = run_app([[], ["s"] * 5, ["s"] * 11, ["b"]])
    # 1. main, before anything ran
    assert " eip  08048020" in at_main["registers"]
    assert at_main["flags"].startswith("eflags 00000202")
    assert "-- frame #0: main" in at_main["stack"]
    assert "=> 08048020  mov eax, 0x64  ; 37: mov eax, 100" in at_main["code"]
    assert "=> guide_cdecl.asm:37" in at_main["source"]
    assert "cs 0023 base 00000000" in at_main["segments"]
    # 2. five steps: three pushes and the call; _myFunc's frame is on the stack
    assert "*eip  08048000" in at_call["registers"]          # changed by the last step
    assert " eax  00000064" in at_call["registers"]
    assert "*esp  bfffff40" in at_call["registers"]
    assert "-- frame #0: _myFunc (entry)" in at_call["stack"]
    assert "return -> main+0x16 (line 41)" in at_call["stack"]
    assert "_myFunc:" in at_call["code"]                      # labels beside the code
    # 3. eleven more: the body has run, EAX = 100 + 216 + 5 (just changed)
    assert "*eax  00000141" in in_body["registers"]
    assert "*eip  0804801a" in in_body["registers"]
    assert "-- frame #0: _myFunc (body)" in in_body["stack"]
    assert "saved ebp" in in_body["stack"] and "local [ebp-4]" in in_body["stack"]
    assert "PF" in in_body["flags"].split("\n")[1]
    # 4. one back: before the add, as it was
    assert " eax  00000064" in back_one["registers"] or "*eax  00000064" in back_one["registers"]
    assert "eip  08048017" in back_one["registers"]
    assert "=> 08048017  add eax, dword ptr [ebp - 4]" in back_one["code"]
    assert "error" not in back_one["log_text"]


def test_a_command_and_a_breakpoint_from_the_source_pane():
    from cpuemu.tui import CpuemuTUI
    program = assemble_file(SAMPLES / "guide_cdecl.asm")
    app = CpuemuTUI(Machine(program, argv=["guide_cdecl"]))

    async def drive():
        async with app.run_test(size=(160, 60)) as pilot:
            app.toggle_breakpoint(program.filename, 25)      # as a click on line 25 does
            await pilot.press("c")
            await pilot.pause()
            assert "=> guide_cdecl.asm:25" in app.texts["source"]
            await pilot.press("colon")
            for key in "p $eax":
                await pilot.press("space" if key == " " else key)
            await pilot.press("enter")
            await pilot.pause()
            assert "$1 = 100" in app.texts["log_text"]
            await pilot.press("c")
            await pilot.pause()
            assert "exited with status 65" in app.texts["log_text"]
    asyncio.run(drive())
