"""The Book E (e500) registers as gdb knows them: target description features and engine sources.

GDB's e500 description (gdb/features/rs6000/powerpc-e500.xml, power-core.xml): r0-r31, pc,
msr, cr, lr, ctr, xer in ``org.gnu.gdb.power.core``.  SRR0/SRR1 (Book E §4.6) follow in a
feature of ours; the engine cannot read them while the core runs (an SPR stub run, sprport.py),
so the stub reports them unavailable rather than a made-up value.
"""
from __future__ import annotations

from ..spec import GdbReg

ARCHITECTURE = "powerpc:e500"
CORE = tuple(GdbReg(f"r{i}", 32, (f"r{i}",), "uint32", "general") for i in range(32)) + (
    GdbReg("pc", 32, ("pc",), "code_ptr", "general"),
    GdbReg("msr", 32, ("msr",), "uint32", "general"),
    GdbReg("cr", 32, ("cr",), "uint32", "general"),
    GdbReg("lr", 32, ("lr",), "code_ptr", "general"),
    GdbReg("ctr", 32, ("ctr",), "uint32", "general"),
    GdbReg("xer", 32, ("xer",), "uint32", "general"))
BOOKE = (GdbReg("srr0", 32, None, "code_ptr", "system"), GdbReg("srr1", 32, None, "uint32", "system"))


def features(fpu: bool) -> tuple[tuple[str, tuple[GdbReg, ...]], ...]:
    """(feature name, its registers) in gdb's numbering order (e200 MCUs: no FPU registers)."""
    return (("org.gnu.gdb.power.core", CORE), ("org.fwsandbox.booke", BOOKE))
