"""Probes: hooks that turn execution into events (calls, native call records, open calls, trace, watch)."""
