"""Unmodelled peripherals: an STM32-style board (flash at 0x08000000 aliased at 0), stub
registers, unclaimed addresses as logged stubs, and the run that says what it was polling."""
from __future__ import annotations

import pytest

from emulator.load.board import load_board
from emulator.errors import BadInput
from emulator.machine.machine import Machine
from tools.asm import assemble_thumb

FLASH = 0x08000000
RCC_CR = 0x40023800                # RCC clock control: HSEON bit 16, HSERDY bit 17
GPIOA = 0x40020000                 # claimed by no peripheral of the board

BOARD = """
[board]
name = "stm32f4-like"
arch = "cortex-m"
cpu = "cortex-m4"
cycle_model = "cortex-m4"
clock_hz = 16_000_000
num_irq = 82
priority_bits = 4
scratch = 0x30000000
alias = {{ at = 0x0, of = "flash" }}
unclaimed = "{unclaimed}"

[[memory]]
name = "flash"
base = 0x08000000
size = 0x100000
perms = "rx"

[[memory]]
name = "sram"
base = 0x20000000
size = 0x20000
perms = "rw"

[[peripheral]]
name = "scs"
kind = "scs"
base = 0xE000E000
size = 0x1000
{rcc}
"""
RCC_STUB = """
[[peripheral]]
name = "rcc"
kind = "stub"
base = 0x40023800
size = 0x400
reset = { "0x0" = 0x00020083 }       # CR: HSI on and ready, HSERDY already set
"""

# SystemInit as vendor startup code does it: HSE on, wait for HSERDY, VTOR to flash, a GPIO
# write and read back, then exit 0 (semihosting).
STARTUP = f"""
.word 0x20020000
.word reset+1
reset:
  ldr r0, ={RCC_CR:#x}
  ldr r1, [r0]
  orr r1, r1, #0x10000
  str r1, [r0]
wait_hserdy:
  ldr r1, [r0]
  tst r1, #0x20000
  beq wait_hserdy
  ldr r0, =0xE000ED08
  ldr r1, ={FLASH:#x}
  str r1, [r0]
  ldr r0, ={GPIOA + 0x14:#x}
  movs r1, #0x20
  str r1, [r0]
  ldr r2, [r0]
  cmp r2, #0x20
  bne fail
  movs r0, #0x18
  ldr r1, =0x20026
  bkpt #0xab
fail:
  b fail
"""


def machine(tmp_path, unclaimed="stub", rcc=RCC_STUB):
    board = tmp_path / "stm32.toml"
    board.write_text(BOARD.format(unclaimed=unclaimed, rcc=rcc))
    image = tmp_path / "app.bin"
    image.write_bytes(assemble_thumb(STARTUP, FLASH))
    return Machine.load(image, board=board, base=FLASH)


def test_an_stm32_style_startup_runs_from_aliased_flash_with_stubbed_peripherals(tmp_path):
    m = machine(tmp_path)
    result = m.run(max_cycles=1_000_000, timeout=20)
    assert (result.reason, result.code) == ("exit", 0), result.message
    assert m.read(0, 8) == m.read(FLASH, 8)                 # the boot alias shows flash at 0
    log = m.bus.stub_log.entries
    assert log[RCC_CR][:2] == [2, 1]                        # read, read-modify-written, read
    assert log[GPIOA + 0x14][:2] == [1, 1]                  # unclaimed: logged, reads back


def test_firmware_polling_a_ready_bit_no_model_sets_says_what_it_waits_for(tmp_path):
    result = machine(tmp_path, rcc="").run(max_cycles=200_000, timeout=20)
    assert result.reason == "budget"
    assert f"firmware polls 0x{RCC_CR:08x} (bit 17) at 0x080000" in result.message
    assert "forever (" in result.message and "always 0x10000)" in result.message


def test_without_unclaimed_stubs_an_unmodelled_register_is_a_fault(tmp_path):
    result = machine(tmp_path, unclaimed="fault", rcc="").run(max_cycles=200_000, timeout=20)
    assert result.reason == "fault" and f"0x{RCC_CR:08x}" in result.message


@pytest.mark.parametrize("alias, message", [
    ('{ at = 0x0, of = "rom" }', "key 'board.alias.of': no [[memory]] named 'rom'"),
    ('{ at = 0x10, of = "flash" }', "key 'board.alias.at': 0x10 is not a 4 KiB page"),
    ('{ at = 0x20000000, of = "flash" }', "overlaps"),
])
def test_a_bad_alias_is_a_one_line_error_naming_the_key(tmp_path, alias, message):
    board = tmp_path / "bad.toml"
    board.write_text(BOARD.format(unclaimed="stub", rcc="").replace(
        'alias = { at = 0x0, of = "flash" }', f"alias = {alias}"))
    with pytest.raises(BadInput, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_board(board)


def test_a_peripheral_key_its_kind_does_not_take_is_an_error_not_ignored(tmp_path):
    rcc = RCC_STUB.replace("reset = {", "reload = 5\nreset = {")
    with pytest.raises(BadInput, match="peripheral 'rcc': key 'reload': not a parameter of kind 'stub'"):
        machine(tmp_path, rcc=rcc)


@pytest.mark.parametrize("line, message", [
    ('reset = { "0x0" = "ready" }', "reset.0x0: expected an integer register value"),
    ('reset = { "zero" = 1 }', "bad parameters for kind 'stub'"),
    ("reset = 7", "reset: expected a table"),
])
def test_bad_stub_reset_values_are_one_line_errors(tmp_path, line, message):
    rcc = RCC_STUB.replace('reset = { "0x0" = 0x00020083 }', line)
    with pytest.raises(BadInput, match=message):
        machine(tmp_path, rcc=rcc)
