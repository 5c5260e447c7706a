"""Text renderings of machine state for people: disassembly, fault reports."""
