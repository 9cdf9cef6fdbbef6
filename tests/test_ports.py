"""The written ports (emulator/arch/ports.py) hold for the real classes: both cores are
ArchCores, MachineHost is a CoreHost, UnicornCpu is a CpuPort — every member, same parameters."""
from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from emulator.arch.ports import ArchCore, CoreHost, CpuPort
from emulator.machine import Machine

ROOT = Path(__file__).resolve().parents[1]
IMAGES = {"cortex-m": ROOT / "firmware/arm/demo.elf", "ppc-booke": ROOT / "firmware/ppc/demo.elf"}


def members(protocol: type) -> set[str]:
    own = {n for klass in protocol.__mro__[:-1] if klass.__module__ == protocol.__module__
           for n in (*vars(klass), *getattr(klass, "__annotations__", {}))}
    return {n for n in own if not n.startswith("_")}


def parameters(function) -> list[str]:
    return [p.name for p in inspect.signature(function).parameters.values()
            if p.kind is p.POSITIONAL_OR_KEYWORD and p.name != "self"]


def mismatches(protocol: type, obj) -> list[str]:
    out = []
    for name in sorted(members(protocol)):
        if not hasattr(obj, name):
            out.append(f"{name}: missing")
            continue
        wanted = vars(protocol).get(name)
        if inspect.isfunction(wanted) and parameters(wanted) != parameters(getattr(obj, name)):
            out.append(f"{name}{parameters(getattr(obj, name))}: the port says {parameters(wanted)}")
    return out


@pytest.fixture(scope="module", params=sorted(IMAGES))
def machine(request):
    return Machine.load(IMAGES[request.param], record=False)


def test_each_core_is_an_archcore(machine):
    assert mismatches(ArchCore, machine.core) == []


def test_the_host_a_core_gets_is_a_corehost(machine):
    assert mismatches(CoreHost, machine.host) == []


def test_the_engine_is_a_cpuport(machine):
    assert mismatches(CpuPort, machine.cpu) == []


def test_a_port_mismatch_is_seen():
    class Partial:
        def reset(self, image, extra): ...
    found = mismatches(ArchCore, Partial())
    assert "reset['image', 'extra']: the port says ['image']" in found
    assert "take_pending: missing" in found
