"""Fuzzing: hostile inputs for every door into cpuemu, and campaigns that count outcomes.

Each input class is a function from a seed to one input, run in-process and classified
(`classify.py`): the assembler per dialect (`asm_inputs.py`), random machine code,
random system call sequences and mutated ELF files on each engine (`guest_inputs.py`).
A campaign (`python -m cpuemu.fuzz CLASS N SEED`) runs seeds in worker processes with
a per-input time limit and reports counts per outcome, host exceptions with their
seeds, hangs, and the workers' peak memory. The tests run the same functions under
hypothesis, a few thousand inputs per CI run.
"""
