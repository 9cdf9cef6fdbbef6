"""Peripheral pages are device memory and the interrupt-stack watch is write protection: no
memory hook slows the program's other loads and stores, and what the firmware sees is unchanged."""
from __future__ import annotations

from armfw import FINISH, machine
from emulator.engine.mmio import DevicePage
from emulator.session import prepare
from test_probes import BASE, KINDS, TOP, probed

DEMO = "firmware/arm/demo.elf"


class Device:
    """A device register file that counts the accesses it sees."""

    def __init__(self, value: int | None = 0x11223344):
        self.value, self.seen = value, []

    def read(self, addr: int, size: int):
        self.seen.append(("r", addr, size))
        return self.value

    def write(self, addr: int, size: int, value: int) -> None:
        self.seen.append(("w", addr, size, value))


def test_a_firmware_load_reaches_the_device_and_a_host_read_sees_its_shadow():
    device = Device()
    page = DevicePage(0x4000_0000, 0x1000, False, device.read, device.write)
    assert page.load(4, 4, host=False) == 0x11223344
    device.value = 0x55
    assert page.load(4, 4, host=True) == 0x11223344         # the last value loaded
    assert page.load(4, 2, host=True) == 0x3344              # little-endian bytes of it
    assert device.seen == [("r", 0x4000_0004, 4)]


def test_a_host_store_never_reaches_the_device_and_a_firmware_store_does():
    device = Device()
    page = DevicePage(0xC3FF_0000, 0x1000, True, device.read, device.write)
    page.store(8, 4, 0xA1B2C3D4, host=True)
    assert device.seen == [] and bytes(page.shadow[8:12]) == bytes.fromhex("a1b2c3d4")
    page.store(8, 1, 0x1FF, host=False)                      # masked to the access size
    assert device.seen == [("w", 0xC3FF_0008, 1, 0xFF)]


def test_a_gap_between_windows_reads_back_what_was_stored():
    page = DevicePage(0, 0x1000, False, Device(value=None).read, Device().write)
    page.store(0x10, 4, 0xCAFE, host=False)
    assert page.load(0x10, 4, host=False) == 0xCAFE


def test_a_default_run_installs_no_memory_hook(monkeypatch):
    monkeypatch.setenv("FWSANDBOX_CLOCK", "native")
    m, _ = prepare(DEMO)
    assert m.cpu.memory_hooks() == 0                         # ISR stack watched, peripherals mapped
    result = m.run(max_cycles=2_000_000, timeout=20)
    assert result.reason == "exit" and "demo: ok" in result.output


def test_a_host_read_of_a_peripheral_register_does_not_reach_the_peripheral(tmp_path):
    source = """
reset:
  ldr r0, =0x40004004       @ CMSDK UART0 STATE
  ldr r1, [r0]
""" + FINISH
    m = machine(tmp_path, source)
    uart = next(p for p in m.bus.peripherals if p.base == 0x40004000)
    reads = []
    real = uart.read
    uart.read = lambda offset, size, now: reads.append(offset) or real(offset, size, now)
    m.cpu.read(0x40004004, 4)
    assert reads == []
    assert m.run(max_cycles=10_000, timeout=10).reason == "exit"
    assert reads == [4]


def test_stores_into_the_write_protected_stack_window_land(tmp_path, monkeypatch):
    monkeypatch.setenv("FWSANDBOX_CLOCK", "native")
    m, result = probed(tmp_path, 16, KINDS["native"])
    assert m.cpu.memory_hooks() == 0
    regions = {(lo, hi): perms for lo, hi, perms in m.cpu.uc.mem_regions()}
    assert any(lo <= BASE and TOP - 1 <= hi and not perms & 2 for (lo, hi), perms in regions.items())
    # irq0 pushed r4-r7, lr at the top of the MSP stack: the bytes are there, as stored
    saved_lr = int.from_bytes(m.cpu.read(TOP - 4, 4), "little")
    assert saved_lr & 0xFFFFFFF0 == 0xFFFFFFF0                 # an EXC_RETURN value
    assert result.reason == "exit"
