"""CPU state shared by every engine: register names and layout, paged memory."""
