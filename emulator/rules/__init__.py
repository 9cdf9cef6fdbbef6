"""ISR-safety rules: the model, its TOML parser, merging, dumping, built-in profiles and stack bounds."""
