"""Loading the inputs: firmware images (ELF, raw), boards, DWARF lines, TOML with key lines."""
