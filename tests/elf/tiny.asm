; A hand-made tiny ELF (nasm -f bin), after the well-known "teensy" tricks: the program
; header starts inside the ELF header (the last 8 bytes of one are the first 8 of the
; other), there are no sections, and e_shoff/e_shnum are whatever the overlap leaves.
BITS 32
                org     0x08048000
ehdr:                                           ; Elf32_Ehdr
                db      0x7F, "ELF", 1, 1, 1, 0 ;   e_ident
        times 8 db      0
                dw      2                       ;   e_type: executable
                dw      3                       ;   e_machine: i386
                dd      1                       ;   e_version
                dd      _start                  ;   e_entry
                dd      phdr - $$               ;   e_phoff
                dd      0                       ;   e_shoff
                dd      0                       ;   e_flags
                dw      ehdrsize                ;   e_ehsize
                dw      phdrsize                ;   e_phentsize
phdr:           dd      1                       ;   e_phnum / e_shentsize = p_type: PT_LOAD
                dd      0                       ;   e_shnum ... = p_offset
ehdrsize        equ     $ - ehdr
                dd      $$                      ;   p_vaddr
                dd      $$                      ;   p_paddr
                dd      filesize                ;   p_filesz
                dd      filesize                ;   p_memsz
                dd      5                       ;   p_flags: r-x
                dd      0x1000                  ;   p_align
phdrsize        equ     $ - phdr
_start:
                mov     eax, 4                  ; write(1, msg, 5)
                mov     ebx, 1
                mov     ecx, msg
                mov     edx, 5
                int     0x80
                mov     bl, 42                  ; exit(42)
                xor     eax, eax
                inc     eax
                int     0x80
msg:            db      "tiny", 10
filesize        equ     $ - $$
