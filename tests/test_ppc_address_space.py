"""MSR[IS]/MSR[DS] = 1 set by mtmsr or rfi: an instruction TLB error or a fault, never a host abort.

Unicorn's e500v2 model aborts the whole process (SIGABRT) when it fetches with MSR[IS] = 1 or
accesses data with MSR[DS] = 1 (issue 21 part 2), so every image here runs in a subprocess: a
regression fails the test instead of killing pytest.  IS = 1 is an instruction TLB error
(IVOR14, e200z3 RM §4.6.15) at the next fetch; DS = 1 ends the run with a fault at the
instruction setting it (emulator/arch/ppc/addrspace.py).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ppcfw import FLAGS, build, exit_with, load

ROOT = Path(__file__).resolve().parents[1]
MSR_IS, MSR_DS, MSR_EE, MSR_ME = 0x20, 0x10, 0x8000, 0x1000
SEEN = FLAGS + 0x40                    # the IVOR14 handler records SRR0, SRR1, MSR, ESR, count

RUNNER = """
import json, sys
from emulator.machine import Machine
path, seen = sys.argv[1], int(sys.argv[2])
m = Machine.load(path, board="e200-mcu", base=0, symbols=path[:-4] + ".sym")
r = m.run(max_cycles=1_000_000, timeout=20)
faults = [(e.kind, e.pc, e.message) for e in r.events if type(e).__name__ == "Fault"]
entered = [e.name for e in r.events if type(e).__name__ == "InterruptEntered"]
words = [int.from_bytes(m.read(seen + 4 * i, 4), "big") for i in range(5)]
flag = int.from_bytes(m.read(seen - 0x40, 4), "big")
print(json.dumps({"reason": r.reason, "code": r.code, "message": r.message, "faults": faults,
                  "entered": entered, "seen": words, "flag": flag, "msr": m.reg("msr"),
                  "symbols": {n: m.symbol(n) for n in ("setter", "target") if n in m.symbols.by_name}}))
"""

# Records SRR0, SRR1, MSR, ESR and counts entries; returns to `resume` in address space 0.
ITLB_HANDLER = """
itlb_handler:
  mfspr 20, 26
  mfspr 21, 27
  mfmsr 22
  mfspr 23, 62
""" + load(25, SEEN) + """  stw 20, 0(25)
  stw 21, 4(25)
  stw 22, 8(25)
  stw 23, 12(25)
  lwz 26, 16(25)
  addi 26, 26, 1
  stw 26, 16(25)
""" + load(20, 0x180) + """  mtspr 26, 20
  li 21, 0
  mtspr 27, 21
  rfi
"""
# Returns with SRR0/SRR1 as they are: back into address space 1 at once.
RETRY_HANDLER = "itlb_handler:\n  rfi\n"
RESUME = ".org 0x180\nresume:\n  li 5, 0x77\n" + load(6, FLAGS) + "  stw 5, 0(6)\n  li 3, 0\n" + exit_with()


def program(setter: str, handler: str | None = ITLB_HANDLER) -> str:
    """Reset at 0, IVOR14 at 0x400 (when ``handler``), the MSR-setting code at 0x1000."""
    vectors = ""
    if handler is not None:
        vectors = load(3, 0) + "  mtspr 63, 3\n  li 3, 0x400\n  mtspr 414, 3\n"
    return ("reset:\n  b start\n" + RESUME + ".org 0x400\n" + (handler or "") +
            ".org 0x1000\nstart:\n" + vectors + load(3, 0xDEADBEE0) + "  mtspr 62, 3\n" +
            setter + "  li 3, 9\n" + exit_with() + ".org 0x1200\ntarget:\n  li 3, 8\n" + exit_with())


def by_mtmsr(bits: int) -> str:
    return load(3, MSR_ME | bits) + "setter:\n  mtmsr 3\n"


def by_rfi(bits: int) -> str:
    return (load(3, 0x1200) + "  mtspr 26, 3\n" + load(3, MSR_ME | bits) + "  mtspr 27, 3\n"
            "setter:\n  rfi\n")


def run(tmp_path: Path, source: str) -> dict:
    path = build(tmp_path, source)
    proc = subprocess.run([sys.executable, "-c", RUNNER, str(path), str(SEEN)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"rc {proc.returncode} (-6: the engine aborted)\n{proc.stderr[-2000:]}"
    return json.loads(proc.stdout.splitlines()[-1])


@pytest.mark.parametrize("how", ["mtmsr", "rfi"])
def test_msr_is_takes_an_instruction_tlb_error_at_the_next_fetch_and_the_handler_recovers(tmp_path, how):
    setter = by_mtmsr(MSR_IS) if how == "mtmsr" else by_rfi(MSR_IS)
    r = run(tmp_path, program(setter))
    missed = r["symbols"]["setter"] + 4 if how == "mtmsr" else r["symbols"]["target"]
    assert (r["reason"], r["code"], r["flag"]) == ("exit", 0, 0x77), r["message"]
    assert [(k, pc) for k, pc, _ in r["faults"]] == [("instruction-tlb-error", missed)]
    srr0, srr1, msr, esr, count = r["seen"]
    assert (srr0, srr1, count) == (missed, MSR_ME | MSR_IS, 1)     # SRR1: the MSR with IS = 1
    assert msr == MSR_ME and esr == 0                                # IS cleared, ME kept; ESR cleared
    assert r["entered"] == ["IVOR14"]


@pytest.mark.parametrize("how", ["mtmsr", "rfi"])
def test_msr_ds_ends_the_run_with_a_fault_at_the_instruction_setting_it(tmp_path, how):
    setter = by_mtmsr(MSR_DS) if how == "mtmsr" else by_rfi(MSR_DS)
    r = run(tmp_path, program(setter))
    assert r["reason"] == "fault" and "MSR[DS] = 1" in r["message"]
    assert [(k, pc) for k, pc, _ in r["faults"]] == [("data-address-space-1", r["symbols"]["setter"])]
    assert not r["msr"] & (MSR_IS | MSR_DS)          # the engine is left safe to run again


def test_without_an_ivor14_handler_msr_is_ends_the_run_naming_ivor14(tmp_path):
    r = run(tmp_path, program(by_mtmsr(MSR_IS | MSR_DS), handler=None))
    assert r["reason"] == "fault" and "IVOR14 handler not entered" in r["message"]
    assert not r["msr"] & (MSR_IS | MSR_DS)


def test_a_handler_returning_into_address_space_1_ends_the_run_after_four_misses(tmp_path):
    r = run(tmp_path, program(by_rfi(MSR_IS), RETRY_HANDLER))
    assert r["reason"] == "fault" and "without progress" in r["message"]
    assert len(r["faults"]) == 4 and r["entered"] == ["IVOR14"] * 3


def test_msr_values_in_address_space_0_run_natively(tmp_path):
    r = run(tmp_path, program(by_mtmsr(MSR_EE ^ MSR_EE)))
    assert (r["reason"], r["code"], r["faults"]) == ("exit", 9, [])
