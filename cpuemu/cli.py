"""Command line: `cpuemu run | diff | debug | asm`.

Every error a user can cause ends in one readable message and a non-zero status, never
a Python traceback: assembly errors as `file:line:col: error: ...` with a caret; guest
faults as one line naming the fault, address, source line and instruction, with the
exit status a shell reports for the matching signal (SIGSEGV 139, SIGFPE 136, SIGILL 132).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__
from .cpu.registers import flags_name
from .errors import SIGNAL_NAMES, AssemblyError, CpuemuError, GuestFault
from .limits import MAX_MEMORY
from .machine import ENGINES, Machine

EXIT_USAGE = 2          # bad input: cannot read, cannot assemble
EXIT_BUDGET = 124       # instruction budget spent (as timeout(1) reports a timeout)
EXIT_DEADLOCK = 125     # a system call would block forever
EXIT_INTERNAL = 70      # a bug in cpuemu (EX_SOFTWARE)
SIGPIPE = 13

EPILOG = """\
exit status of `run`: the guest's own; 128+signal when the guest faults
(139 SIGSEGV, 136 SIGFPE, 132 SIGILL, 133 SIGTRAP), also when it kills itself; 124 when
--max-instructions runs out; 125 when a system call would block forever (deadlock);
2 when the source cannot be read or assembled.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cpuemu", description="Run and inspect x86 assembly on an emulated CPU.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"cpuemu {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="assemble and run a program",
                         description="Assemble FILE (or load it, if it is an ELF executable) "
                                     "and run it as a Linux process: i386, or x86-64 when "
                                     "the source is 64-bit (`bits 64`, 64-bit AT&T "
                                     "registers) or --bits 64 says so.",
                         epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    _source_args(run)
    run.add_argument("--cpu", choices=("intel", "amd"),
                     help="the interpreter's CPU model: what undefined flags and results "
                          "are (default: this machine's vendor)")
    run.add_argument("--engine", choices=ENGINES, default="interp",
                     help="CPU engine (default: %(default)s)")
    run.add_argument("--max-instructions", type=_positive, metavar="N",
                     help="stop with an error after N instructions (each rep iteration "
                          "counts)")
    run.add_argument("--max-memory", type=_size, metavar="SIZE", default=MAX_MEMORY,
                     help="guest memory that may be mapped at once, like ulimit -v "
                          "(e.g. 256M, 2G; default: 1G); past it, mmap and brk fail "
                          "with ENOMEM")
    run.add_argument("--timeout", type=_seconds, metavar="SECONDS",
                     help="stop with an error after SECONDS of host time")
    run.add_argument("--stdin", metavar="FILE", help="read the guest's stdin from FILE")
    run.add_argument("--root", metavar="DIR",
                     help="host directory the guest sees as / (default: a fresh empty one)")
    run.add_argument("--strace", action="store_true",
                     help="print each system call, strace-style, to stderr")
    run.add_argument("--strace-file", metavar="FILE", help="write the --strace lines to FILE")
    run.add_argument("--frames", action="store_true",
                     help="print the stack frames (to stderr) when the program ends")
    run.add_argument("--ltrace", action="store_true",
                     help="print each call into cpuemu's C library (extern printf...) to "
                          "stderr, ltrace-style")
    run.add_argument("--summary", action="store_true",
                     help="at the end, print (to stderr) how the run ended, the instructions "
                          "it took, the registers and the flags")
    run.add_argument("--check-cdecl", action="store_true",
                     help="check the cdecl convention at every ret (runs one instruction "
                          "at a time) and report violations on stderr")
    _environment_args(run)
    run.add_argument("args", nargs="*", help="arguments for the guest (after --)")

    diff = sub.add_parser(
        "diff", help="run two engines in lockstep and report where they disagree",
        description="Run FILE on two engines one instruction at a time, comparing registers, "
                    "defined flags and memory written after every instruction; report the "
                    "first divergence. With --random N, do the same for N generated programs.",
        epilog="exit status: 0 when the engines agree to the end, 1 at a divergence, 2 on "
               "bad input.", formatter_class=argparse.RawDescriptionHelpFormatter)
    diff.add_argument("file", nargs="?", help="assembly source (.asm, .s)")
    diff.add_argument("--dialect", choices=("guide", "nasm", "gas"),
                      help="source dialect (default: from the extension and the text)")
    diff.add_argument("--bits", type=int, choices=(32, 64),
                      help="32- or 64-bit code (default: what the source says, else 32; "
                           "with --random: 32)")
    diff.add_argument("--engines", default="interp,unicorn", type=_engine_pair,
                      help="the two engines, comma-separated (default: %(default)s)")
    diff.add_argument("--max-instructions", type=_positive, default=1_000_000, metavar="N",
                      help="stop comparing after N instructions (default: %(default)s)")
    diff.add_argument("--stdin", metavar="FILE", help="the guest's stdin, on both engines")
    diff.add_argument("--random", type=_positive, metavar="N",
                      help="compare N random programs instead of FILE")
    diff.add_argument("--seed", type=int, default=0, help="first seed for --random")
    diff.add_argument("args", nargs="*", help="arguments for the guest (after --)")

    debug = sub.add_parser("debug", help="step through a program, forwards and backwards",
                           description="A terminal debugger: step, next, finish, continue, "
                                       "break, watch, print, x, back (time travel), bt. "
                                       "`help` inside lists the commands.")
    _source_args(debug)
    debug.add_argument("--cpu", choices=("intel", "amd"),
                     help="the interpreter's CPU model: what undefined flags and results "
                          "are (default: this machine's vendor)")
    debug.add_argument("--engine", choices=ENGINES, default="interp",
                       help="CPU engine (default: %(default)s; time travel needs interp)")
    debug.add_argument("--no-record", action="store_true",
                       help="no time travel: `continue` then runs on Unicorn (at native "
                            "speed) unless a watchpoint needs every step")
    debug.add_argument("--commands", metavar="FILE",
                       help="read debugger commands from FILE instead of the terminal")
    debug.add_argument("--stdin", metavar="FILE", help="the guest's stdin")
    _environment_args(debug)
    debug.add_argument("args", nargs="*", help="arguments for the guest (after --)")

    tui = sub.add_parser("tui", help="a live terminal view: source, registers, flags, "
                         "stack, memory; step with keys",
                         description="A live terminal view of the machine (Textual). Keys: "
                                     "s step, n next, c continue, f finish, b back, "
                                     "r reverse-continue, p register parts, : a gdb command, "
                                     "q quit; select a source line to toggle a breakpoint.")
    _source_args(tui)
    tui.add_argument("--stdin", metavar="FILE", help="the guest's stdin")
    _environment_args(tui)
    tui.add_argument("args", nargs="*", help="arguments for the guest (after --)")

    asm = sub.add_parser("asm", help="assemble and show the result",
                         description="Assemble FILE and print what it became.")
    _source_args(asm)
    asm.add_argument("-o", "--output", metavar="OUT",
                     help="write a static Linux executable (ELF, 32- or 64-bit) to OUT: it "
                          "runs natively and under `cpuemu run OUT`")
    asm.add_argument("--listing", action="store_true",
                     help="address, bytes and source line per instruction (the default)")
    asm.add_argument("--translated", action="store_true",
                     help="the Python each block of code becomes in the interpreter")
    return parser


def _source_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="assembly source (.asm, .s), or a static i386 or x86-64 "
                                "ELF executable")
    p.add_argument("--dialect", choices=("guide", "nasm", "gas"),
                   help="source dialect (default: from the extension and the text)")
    p.add_argument("--bits", type=int, choices=(32, 64),
                   help="32- or 64-bit code (default: what the source says, else 32)")
    p.add_argument("-I", dest="include", action="append", default=[], metavar="DIR",
                   help="nasm: also look for %%include files in DIR (as nasm -I)")
    p.add_argument("-D", dest="define", action="append", default=[], metavar="NAME[=VALUE]",
                   help="nasm: define a single-line macro before the source (as nasm -D)")


def _environment_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                   help="put NAME=VALUE in the guest's environment (repeatable; the guest "
                        "starts with an empty one)")
    p.add_argument("--env-inherit", action="store_true",
                   help="start the guest's environment from cpuemu's own")


def environment(args) -> dict[str, str]:
    """The guest's environment: empty (or cpuemu's, --env-inherit), then each --env."""
    env = dict(os.environ) if getattr(args, "env_inherit", False) else {}
    for item in getattr(args, "env", []):
        name, sep, value = item.partition("=")
        if not sep or not name or "\0" in item:
            raise CpuemuError(f"--env {item!r}: write NAME=VALUE")
        env[name] = value
    return env


def _engine_pair(text: str) -> tuple[str, str]:
    names = tuple(n.strip() for n in text.split(","))
    if len(names) != 2 or any(n not in ENGINES for n in names) or names[0] == names[1]:
        raise argparse.ArgumentTypeError(f"need two different engines of {', '.join(ENGINES)}")
    return names


def _size(text: str) -> int:
    """A byte count: 1048576, 0x100000, 512K, 256M, 2G."""
    scale = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}.get(text[-1:].lower(), 1)
    value = _positive(text[:-1] if scale > 1 else text) * scale
    if value < 16 << 20:
        raise argparse.ArgumentTypeError("at least 16M (the stack alone is 8M)")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def main(argv: list[str] | None = None) -> int:
    closed = _usable_streams()
    try:
        return _main(argv, closed)
    finally:
        _flush_quietly()


def _usable_streams() -> set[str]:
    """A host stream closed before we started (`>&-`) becomes /dev/null for cpuemu's
    own messages; the guest finds that descriptor closed, as it would natively."""
    closed = set()
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w"))     # noqa: SIM115 (lives with us)
            closed.add(name)
        elif hasattr(getattr(sys, name), "reconfigure"):  # source lines may hold any bytes
            getattr(sys, name).reconfigure(errors="backslashreplace")
    return closed


def _flush_quietly() -> None:
    """A reader that went away (`| head -1`) or a full disk must not end us with a
    traceback at exit: what cannot be written is dropped, as a killed program's is."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        try:
            stream.flush()
        except (OSError, ValueError):
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
            except (OSError, ValueError):
                pass


def _main(argv: list[str] | None, closed: set[str]) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    guest: list[str] = []
    if "--" in argv:                    # everything after `--` is the guest's, wherever
        at = argv.index("--")          # the options before it stand (before or after FILE)
        argv, guest = argv[:at], argv[at + 1:]
    args = parser.parse_args(argv)
    if guest and hasattr(args, "args"):
        args.args = [*args.args, *guest]
    elif guest:
        parser.error(f"{args.command or 'cpuemu'} takes no guest arguments")
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        args.closed = closed
        return {"run": cmd_run, "asm": cmd_asm, "diff": cmd_diff,
                "debug": cmd_debug, "tui": cmd_tui}[args.command](args)
    except AssemblyError as e:
        print(e.render(), file=sys.stderr)
        return EXIT_USAGE
    except CpuemuError as e:
        print(f"cpuemu: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("cpuemu: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:                     # our own output's reader went away
        return 141
    except Exception as e:                      # a bug of ours: one line, not a traceback
        if os.environ.get("CPUEMU_TRACEBACK"):
            raise
        import traceback
        where = traceback.extract_tb(e.__traceback__)[-1]
        print(f"cpuemu: internal error: {type(e).__name__}: {e} (at {Path(where.filename).name}"
              f":{where.lineno}; CPUEMU_TRACEBACK=1 shows the traceback; please report it)",
              file=sys.stderr)
        return EXIT_INTERNAL


def _defines(items: list[str]) -> dict[str, str]:
    """-D NAME or -D NAME=VALUE, as nasm takes them."""
    out = {}
    for item in items:
        name, _, value = item.partition("=")
        if not name.isidentifier():
            raise CpuemuError(f"-D {item}: not a macro name")
        out[name] = value
    return out


def load_program(path: str, dialect: str | None, bits: int | None = None, args=None):
    from .asm import assemble_file
    file = Path(path)
    if file.is_dir():
        raise CpuemuError(f"cannot read {path}: it is a directory")
    if not file.is_file():
        raise CpuemuError(f"cannot read {path}: no such file")
    from .elf import is_elf, load_elf
    try:
        with open(file, "rb") as f:
            head = f.read(4)
    except OSError as e:
        raise CpuemuError(f"cannot read {path}: {e.strerror}") from None
    if is_elf(head):
        return load_elf(file)
    options = {} if args is None else {"include_paths": getattr(args, "include", []),
                                       "defines": _defines(getattr(args, "define", []))}
    program = assemble_file(file, dialect=dialect, bits=bits, **options)
    for warning in program.warnings:
        print(warning.render(), file=sys.stderr)
    return program


def cmd_run(args) -> int:
    program = load_program(args.file, args.dialect, args.bits, args)
    stdin = _read_stdin_file(args.stdin)
    if stdin is None:
        stdin = sys.stdin.buffer if sys.stdin is not None else None
    if args.root and not Path(args.root).is_dir():
        raise CpuemuError(f"--root {args.root}: not a directory")
    trace_file = None
    strace = None
    if args.strace_file:
        try:
            trace_file = open(args.strace_file, "w")      # noqa: SIM115 (closed below)
        except OSError as e:
            raise CpuemuError(f"cannot write --strace-file: {e}") from None
        strace = lambda line: print(line, file=trace_file, flush=True)  # noqa: E731
    elif args.strace:
        strace = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    guest_out = None if "stdout" in args.closed else sys.stdout.buffer
    guest_err = None if "stderr" in args.closed else sys.stderr.buffer
    machine = Machine(program, engine=args.engine, argv=[args.file, *args.args],
                      env=environment(args), stdin=stdin, stdout=guest_out, stderr=guest_err,
                      capture=False, log=guest_err,
                      max_instructions=args.max_instructions, check_cdecl=args.check_cdecl,
                      root=args.root, strace=strace, cpu=args.cpu, max_memory=args.max_memory)
    if args.summary:
        machine.count_instructions()
    if args.ltrace and machine.kernel.libc is not None:
        machine.kernel.libc.ltrace = lambda line: print(line, file=sys.stderr, flush=True)
    try:
        stop = machine.run(timeout=args.timeout)
    except KeyboardInterrupt:                   # Ctrl-C: say where the guest was, as gdb does
        print(f"\ncpuemu: interrupted at {machine.pc_name}={machine.pc:#010x}"
              f"{_where(machine, machine.pc)}", file=sys.stderr)
        from .views.stack import backtrace
        for line in backtrace(machine):
            print(f"  {line}", file=sys.stderr)
        return 130
    finally:
        if trace_file is not None:
            trace_file.close()
    if args.summary:
        print(summary(machine, stop), file=sys.stderr)
    for violation in machine.cdecl_violations:
        print(violation, file=sys.stderr)
    if args.frames:
        from .views.stack import stack_text
        print(f"stack when the program ended ({stop}):\n{stack_text(machine) or '(no frames)'}",
              file=sys.stderr)
    if stop.reason == "exited":
        return stop.status
    if stop.reason == "signal":
        if stop.status != 128 + SIGPIPE:        # a shell says nothing of SIGPIPE either
            print(f"cpuemu: {stop}", file=sys.stderr)
        return stop.status
    if stop.reason == "deadlock":
        print(f"cpuemu: {stop}{_where(machine, stop.eip)}", file=sys.stderr)
        return EXIT_DEADLOCK
    if stop.reason == "fault":
        print(fault_line(stop.fault, machine), file=sys.stderr)
        from .views.stack import backtrace
        for line in backtrace(machine):
            print(f"  {line}", file=sys.stderr)
        return stop.fault.exit_status
    if stop.reason == "timeout":
        print(f"cpuemu: error: time limit reached (--timeout {args.timeout:g}) at "
              f"{machine.pc_name}={stop.eip:#010x}{_where(machine, stop.eip)}", file=sys.stderr)
        return EXIT_BUDGET
    if stop.reason == "budget":
        print(f"cpuemu: error: instruction limit reached (--max-instructions "
              f"{args.max_instructions}) at {machine.pc_name}={stop.eip:#010x}"
              f"{_where(machine, stop.eip)}",
              file=sys.stderr)
        return EXIT_BUDGET
    print(f"cpuemu: error: run ended unexpectedly: {stop}", file=sys.stderr)
    return EXIT_USAGE


def summary(machine: Machine, stop) -> str:
    """`--summary`: how the run ended, its instruction count, registers and flags."""
    from .views.machine import register_rows
    count = machine.instructions
    where = "" if stop.reason in ("exited", "signal") else _where(machine, machine.pc)
    lines = [f"summary: {stop}{where}",
             f"  instructions: {count:,}" if count is not None else
             "  instructions: not counted on this engine"]
    rows = register_rows(machine)
    for i in range(0, len(rows), 3):
        lines.append("  " + "  ".join(f"{name:>3} {hex_} {signed_:>{len(hex_) + 3}}"
                                      for name, hex_, _, signed_ in rows[i:i + 3]))
    flags = flags_name(machine.bits)
    lines.append(f"  {flags}={machine.regs[flags]:08x} [{machine.flags}]")
    return "\n".join(lines)


def _where(machine: Machine, eip: int) -> str:
    line = machine.source_line(eip)
    return f" ({line.file}:{line.line}: {line.text.strip()})" if line else ""


def fault_line(fault: GuestFault, machine: Machine) -> str:
    """One line: the signal, what, where in memory, where in the source, which instruction."""
    sig = SIGNAL_NAMES.get(fault.signal, f"signal {fault.signal}")
    line = machine.source_line(fault.eip)
    where = f"{line.file}:{line.line}: {line.text.strip()}" if line else ""
    text = machine.program.section(".text")
    if not line and text and text.address + len(text.data) <= fault.eip < text.end + 0x1000:
        where = "the bytes after the last instruction (did the program forget to exit?)"
    return f"cpuemu: {sig}: {fault.summary(where)}"


def cmd_diff(args) -> int:
    from .diff import Lockstep
    if args.random:
        return _diff_random(args)
    if not args.file:
        raise CpuemuError("diff needs a FILE, or --random N")
    program = load_program(args.file, args.dialect, args.bits, args)
    stdin = _read_stdin_file(args.stdin) or b""
    lockstep = Lockstep(program, args.engines, argv=[args.file, *args.args], stdin=stdin)
    outcome = lockstep.run(args.max_instructions)
    a, b = args.engines
    if not outcome.agreed:
        print(outcome.divergence.report())
        return 1
    print(f"{a} and {b} agree on {outcome.steps} instructions ({outcome.stop})")
    return 0


def _diff_random(args) -> int:
    from .asm import assemble
    from .diff import Lockstep
    from .diff.generate import random_program
    bits = args.bits or 32
    for seed in range(args.seed, args.seed + args.random):
        source = random_program(seed, bits=bits)
        outcome = Lockstep(assemble(source, dialect="nasm"), args.engines).run(
            args.max_instructions)
        if not outcome.agreed:
            print(f"seed {seed}:\n{outcome.divergence.report()}\n\nprogram:\n{source}")
            return 1
    print(f"{' and '.join(args.engines)} agree on {args.random} random {bits}-bit programs "
          f"(seeds {args.seed}..{args.seed + args.random - 1})")
    return 0


def _read_stdin_file(path: str | None) -> bytes | None:
    if not path:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise CpuemuError(f"cannot read --stdin file: {e}") from None


def cmd_debug(args) -> int:
    from .debug.debugger import Debugger
    program = load_program(args.file, args.dialect, args.bits, args)
    commands = None
    if args.commands:
        try:
            commands = Path(args.commands).read_text().splitlines()
        except OSError as e:
            raise CpuemuError(f"cannot read --commands file: {e}") from None
    stdin = _read_stdin_file(args.stdin) or b""

    def machine() -> Machine:                 # `run` and `start` begin again with a new one
        return Machine(program, engine=args.engine, argv=[args.file, *args.args],
                       env=environment(args), stdin=stdin, stdout=sys.stdout.buffer,
                       stderr=sys.stderr.buffer, capture=False, log=sys.stderr.buffer,
                       cpu=args.cpu)
    return Debugger(machine(), out=lambda line: print(line, flush=True),
                    restart=machine, record=not args.no_record).run(commands)


def cmd_tui(args) -> int:
    from .tui import CpuemuTUI
    program = load_program(args.file, args.dialect, args.bits, args)
    stdin = _read_stdin_file(args.stdin) or b""

    def machine() -> Machine:                      # the guest's output goes to its pane
        return Machine(program, argv=[args.file, *args.args], env=environment(args),
                       stdin=stdin)
    CpuemuTUI(machine(), restart=machine).run()
    return 0


def cmd_asm(args) -> int:
    program = load_program(args.file, args.dialect, args.bits, args)
    if args.output:
        from .elf import is_elf
        if program.filename == args.file and is_elf(Path(args.file).read_bytes()[:4]):
            raise CpuemuError(f"{args.file} is already an executable")
        from .elf_writer import write_elf
        write_elf(program, args.output)
        if not args.listing and not args.translated:
            return 0
    if args.translated:
        from .machine import Machine
        from .views.translated import translated
        sys.stdout.write(translated(Machine(program, engine="interp")))
        return 0
    from .views.listing import listing
    sys.stdout.write(listing(program))
    return 0


if __name__ == "__main__":
    sys.exit(main())
