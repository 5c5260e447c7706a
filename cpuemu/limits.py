"""The limits that keep a guest (or a source file) from exhausting the host.

Each is part of the machine, named in README with the flag that changes it; hitting one
ends in the error Linux or an assembler would give (ENOMEM, a short write, an
AssemblyError naming the limit), never in the host running out.
"""

MiB = 1 << 20

# Guest memory that may be mapped at once (ELF segments, stack, brk, mmap), like
# `ulimit -v`: `--max-memory`, Machine(max_memory=...). Pages cost host memory only
# when touched.
MAX_MEMORY = 1024 * MiB

# One read/write/readv/writev moves at most this much (Linux's MAX_RW_COUNT is 2 GiB);
# a longer request is a short transfer, which programs already handle.
MAX_IO = 16 * MiB

# Guest output kept by a Machine that captures it (library use); later output is
# counted and dropped, and `Machine.output_dropped` says how much.
MAX_CAPTURE = 64 * MiB

# The assembler: the size of a source file, the bytes one section may hold (code and
# initialised data), the bytes .bss may reserve, the repetitions of one `times`, and
# the bits an expression's value may have.
MAX_SOURCE = 16 * MiB             # one source or included file
MAX_OUTPUT = 64 * MiB
MAX_RESERVE = 1024 * MiB
MAX_REPEAT = 1 << 18
MAX_EXPANDED_LINES = 1 << 16      # lines the nasm/gas preprocessors may produce (%rep...)
MAX_VALUE_BITS = 128

# Unicorn reserves its translation buffer up front (1 GiB by default, per machine);
# translated code of even a static glibc program fits in a few MiB.
TRANSLATION_BUFFER = 32 * MiB
