"""Cortex-M4 timing rules, each hand-counted on a few instructions with its TRM r0p1 section.

Each program runs from ``start`` to ``end`` on the cortex-m4 board; the cycles between the two
are the sum written out in the test, instruction by instruction (emulator/arch/arm/timing.py).
Each count is the difference of two runs from reset, with and without the instructions.
"""
from __future__ import annotations

import pytest

import armfw
from emulator.load.board import BUILTIN as BOARDS

RAM = """
  ldr r1, =0x20000100         @ set-up, not counted
  ldr r2, =0x20000200
  ldr r3, =0x20000300
  ldr r5, =0x20000000
  movs r0, #0
"""


def run_to_end(tmp_path, setup: str, body: str, name: str) -> int:
    source = f"reset:\n{setup}\n  nop\n.align 2\nstart:\n{body}\nend:\n  b end\n"
    (tmp_path / name).mkdir()
    m = armfw.machine(tmp_path / name, source)
    assert m.run_until("end").reason == "returned"
    return m.now


def cycles(tmp_path, body: str, setup: str = RAM) -> int:
    """Cycles of ``body``: a run from reset to ``end`` with it, less the same run without it
    (the ``nop`` before ``start`` leaves nothing for its first instruction to pipeline with)."""
    return run_to_end(tmp_path, setup, body, "with") - run_to_end(tmp_path, setup, "", "without")


# --- branches: table 3-1 (taken 1+P) and its note on P ----------------------------------------
def test_an_immediate_branch_to_an_aligned_target_refills_in_one_cycle(tmp_path):
    body = "  b.n target\n  nop\n  nop\n.align 2\ntarget:\n  add.w r0, r0, #1\n"
    assert cycles(tmp_path, body) == (1 + 1) + 1          # B: 1+P, P = 1; ADD 1


def test_an_unaligned_32_bit_target_costs_one_more_refill_cycle(tmp_path):
    body = "  b.n target\n  nop\n  nop\ntarget:\n  add.w r0, r0, #1\n"   # target at 4n+6
    assert cycles(tmp_path, body) == (1 + 2) + 1                         # P = 1 + 1


def test_an_unaligned_16_bit_target_costs_no_more(tmp_path):
    body = "  b.n target\n  nop\n  nop\ntarget:\n  adds r0, #1\n"
    assert cycles(tmp_path, body) == (1 + 1) + 1


def test_bl_is_1_plus_p_with_p_1_and_bx_lr_1_plus_p_with_p_2(tmp_path):
    setup = "  b start\n.align 2\nfunc:\n  bx lr\n"
    assert cycles(tmp_path, "  bl func\n", setup) == (1 + 1) + (1 + 2)   # BL 2, BX LR 3


def test_pop_with_pc_is_1_plus_n_plus_p_with_p_3(tmp_path):
    setup = "  b start\n.align 2\nfunc:\n  push {r4, lr}\n  pop {r4, pc}\n"
    # BL 2, PUSH 1+2, POP {r4, pc} 1+2+3: the PC comes from memory (TRM 3.3.2: 3-cycle reload)
    assert cycles(tmp_path, "  bl func\n", setup) == 2 + 3 + 6


def test_ldr_pc_is_two_for_the_load_and_three_for_the_reload(tmp_path):
    setup = "  b start\n.align 2\nfunc:\n  push {lr}\n  ldr pc, [sp], #4\n"
    assert cycles(tmp_path, "  bl func\n", setup) == 2 + 2 + 5          # TRM 3.3.2: LDR PC >= 5


def test_tbb_is_two_for_the_load_one_for_the_add_and_three_for_the_reload(tmp_path):
    body = "  tbb [pc, r0]\n.byte 1\n.byte 0\n  nop\n"                # r0 = 0: offset 1 -> nop
    assert cycles(tmp_path, body) == 6 + 1                               # TRM 3.3.2: TBB >= 6


def test_a_conditional_branch_costs_1_not_taken_and_1_plus_p_taken(tmp_path):
    body = "  cmp r0, #1\n  beq target\n  cmp r0, #0\n  beq target\n  nop\ntarget:\n  nop\n"
    assert cycles(tmp_path, body) == 1 + 1 + 1 + (1 + 1) + 1


# --- loads and stores: TRM 3.3.2, with its own examples -----------------------------------------
@pytest.mark.parametrize("body,expected", [
    ("ldr r0, [r1]\n  ldr r1, [r2]", 3),                       # "normally three cycles total"
    ("ldr r0, [r1, r2]\n  str r0, [r3, #20]", 3),              # "normally three cycles total"
    ("ldr r0, [r1, r2]\n  str r1, [r3, r2]", 3),               # "normally three cycles total"
    ("ldr r4, [r1, r0]\n  ldr r6, [r2]\n  ldr r7, [r3, #4]", 4),   # "normally four cycles"
    ("ldr r0, [r1]\n  ldr r4, [r0]", 2 + 2),                   # the load's result is the address
    ("str r0, [r1, r2]\n  ldr r4, [r3]", 2 + 2),               # nothing pipelines after a STR
    ("str r0, [r1]\n  str r0, [r2]\n  strb r0, [r3, #1]", 1 + 1 + 1),   # STR [Rn,#imm] always 1
    ("adds r1, #4\n  ldr r4, [r1]", 1 + 2 + 1),                # address from the ALU: +1
    ("adds r4, #4\n  ldr r6, [r1]", 1 + 2),                    # an unrelated ALU result: no stall
    ("ldrex r4, [r1]\n  ldr r6, [r2]", 2 + 1),                 # LDREX pipelines as LDR
    ("ldr r0, [r1]\n  ldrd r6, r7, [r2]\n  ldr r4, [r3]", 2 + 3 + 2),   # LDRD: 3, alone
    ("strd r6, r7, [r2]\n  str r0, [r1, r0]", 3 + 2),
    ("ldm r1!, {r4, r6, r7}", 1 + 3),                          # table 3-1: 1+N, writeback free
    ("ldm r1, {r4, r6, r7}\n  ldr r0, [r2]", 1 + 3 + 2),       # LDM does not pipeline
    ("stmia r1!, {r0, r2, r3, r4, r5, r6, r7, r8}", 1 + 8),   # "an eight element store ... nine"
])
def test_load_store_pipelining_follows_section_3_3_2(tmp_path, body, expected):
    assert cycles(tmp_path, "  " + body + "\n") == expected


# --- integer: table 3-1 ---------------------------------------------------------------------
def test_multiplies_and_long_multiplies_are_one_cycle_on_the_m4(tmp_path):
    body = ("  mul r4, r1, r2\n  mla r4, r1, r2, r3\n  mls r4, r1, r2, r3\n"
            "  umull r4, r6, r1, r2\n  smull r4, r6, r1, r2\n"
            "  umlal r4, r6, r1, r2\n  smlal r4, r6, r1, r2\n")
    assert cycles(tmp_path, body) == 7


def test_the_m3_multiplier_counts_table_18_1(tmp_path):
    from emulator.engine.cyclemodel import model_for
    from tools.asm import assemble_thumb
    code = assemble_thumb("mla r4, r1, r2, r3\numull r4, r6, r1, r2\nsmlal r4, r6, r1, r2\n", 0)
    assert model_for("cortex-m3").block(code, 0).total == 2 + 5 + 7


def test_an_it_block_costs_one_for_the_it_and_one_per_instruction(tmp_path):
    body = "  cmp r0, #0\n  ite eq\n  moveq r4, #1\n  movne r4, #2\n"
    assert cycles(tmp_path, body) == 1 + 1 + 1 + 1


# --- FPv4-SP: TRM 7.2.3 table 7-1 -------------------------------------------------------------
FPU_ON = RAM + """
  ldr r6, =0xE000ED88
  ldr r7, =0x00F00000
  str r7, [r6]                @ CPACR: CP10/CP11 full access (B3.2.20)
  dsb
  isb
  mov sp, r5
  add sp, #0x400
"""


@pytest.mark.parametrize("insn,expected", [
    ("vadd.f32 s0, s1, s2", 1), ("vmul.f32 s0, s1, s2", 1), ("vcvt.s32.f32 s0, s1", 1),
    ("vmla.f32 s0, s1, s2", 3), ("vnmls.f32 s0, s1, s2", 3),
    (".short 0xeea0, 0x0a81     @ vfma.f32 s0, s1, s2 (keystone lacks VFPv4)", 3),
    ("vdiv.f32 s0, s1, s2", 14), ("vsqrt.f32 s0, s1", 14),
    ("vldr s0, [r1]", 2), ("vldr d0, [r1]", 3), ("vstr s0, [r1]", 2),
    ("vmov r4, s0", 1), ("vmov r4, r6, d0", 2),
    ("vpush {s16-s19}", 1 + 4), ("vpush {d8-d9}", 1 + 4), ("vldmia r1, {s0-s2}", 1 + 3),
])
def test_fpv4_sp_instructions_take_table_7_1_cycles(tmp_path, insn, expected):
    assert cycles(tmp_path, "  " + insn + "\n", FPU_ON) == expected


# --- UDIV/SDIV: table 3-1 "2 to 12", by operand values (emulator/arch/arm/divide.py) ----------
@pytest.mark.parametrize("dividend,divisor,signed,expected", [
    (100, 7, False, 2 + 2),                 # q = 7 - 3 + 1 = 5 bits: 2 + ceil(50 / 32)
    (0xFFFFFFFF, 1, False, 12),             # a 32-bit quotient: the worst case
    (5, 10, False, 2),                      # no quotient: early termination at once
    (7, 0, False, 2),                       # divide by zero (DIV_0_TRP clear): 0, no quotient
    (-100 & 0xFFFFFFFF, 7, True, 4),        # SDIV: magnitudes
    (0x80000000, 0xFFFFFFFF, True, 12),     # |-2^31| / |-1|: 32 quotient bits
])
def test_a_division_costs_what_its_operands_say(tmp_path, monkeypatch, dividend, divisor,
                                              signed, expected, kind):
    monkeypatch.setenv("FWSANDBOX_CLOCK", kind)
    op = "sdiv" if signed else "udiv"
    setup = f"  ldr r1, ={dividend}\n  ldr r2, ={divisor}\n"
    assert cycles(tmp_path, f"  {op} r0, r1, r2\n", setup) == expected


@pytest.fixture(params=["native", "python"])
def kind(request):
    return request.param


def test_a_division_moves_the_cycle_of_every_later_instruction_of_its_block(tmp_path, monkeypatch,
                                                                          kind):
    monkeypatch.setenv("FWSANDBOX_CLOCK", kind)
    setup = ("  ldr r0, =0xE000EDFC\n  ldr r1, =0x01000000\n  str r1, [r0]\n"
             "  ldr r0, =0xE0001000\n  movs r1, #1\n  str r1, [r0]\n"
             "  ldr r1, =0xFFFFFFFF\n  movs r2, #1\n  ldr r5, =0x20000000\n")
    body = ("  nop\n  ldr r3, [r0, #4]\n  udiv r4, r1, r2\n  ldr r6, [r0, #4]\n"
            "  subs r6, r6, r3\n  str r6, [r5]\n")
    m = armfw.machine(tmp_path, f"reset:\n{setup}\n{body}\nend:\n  b end\n")
    m.run_until("end")
    # CYCCNT is read as the LDR's access; LDR 2 + UDIV 12 between the two reads
    assert int.from_bytes(m.read(0x20000000, 4), "little") == 2 + 12


def test_division_hooks_sit_on_the_divisions_only(tmp_path):
    m = armfw.machine(tmp_path, "reset:\n  udiv r0, r1, r2\n  sdiv r0, r1, r2\n  nop\nend:\n  b end\n")
    sites = m.core.divisions.sites
    assert sorted(sites) == [m.symbol("reset"), m.symbol("reset") + 4]
    assert [s[0] for _, s in sorted(sites.items())] == [False, True]


# --- memory wait states: a board key (emulator/arch/arm/waits.py) ------------------------------
def waiting_board(tmp_path, flash: int) -> str:
    text = (BOARDS / "cortex-m4.toml").read_text()
    text = text.replace('perms = "rx"', f'perms = "rx"\nwait_states = {flash}', 1)
    path = tmp_path / f"ws{flash}.toml"
    path.write_text(text)
    return str(path)


def run_on(tmp_path, board: str, body: str, name: str) -> tuple[int, object]:
    from emulator.machine.machine import Machine
    (tmp_path / name).mkdir()
    path = armfw.build(tmp_path / name, f"reset:\n  nop\n.align 2\nstart:\n{body}\nend:\n  b end\n")
    m = Machine.load(path, board=board, base=0, symbols=path.with_suffix(".sym"))
    assert m.run_until("end").reason == "returned"
    return m.now, m


def waited(tmp_path, body: str, flash: int) -> int:
    board = waiting_board(tmp_path, flash)
    with_body, _ = run_on(tmp_path, board, body, "with")
    without, _ = run_on(tmp_path, board, "", "without")
    return with_body - without


def test_zero_wait_states_change_nothing(tmp_path):
    body = "  add.w r0, r0, #1\n  add.w r0, r0, #1\n  add.w r0, r0, #1\n  add.w r0, r0, #1\n"
    assert waited(tmp_path, body, 0) == 4


def test_sequential_fetch_waits_for_each_word_after_the_first(tmp_path):
    # four 32-bit ADDs, one word each: word k arrives (1 + W) * k cycles after the block starts
    body = "  add.w r0, r0, #1\n  add.w r0, r0, #1\n  add.w r0, r0, #1\n  add.w r0, r0, #1\n"
    # W = 2.  One block from reset: its nop and the .align pad (word 0) take cycles 0-2; ADD k
    # is word k, which arrives at 3k: the ADDs start at 3, 6, 9, 12 and the block ends at 13.
    # The run without them ends at 2.
    assert waited(tmp_path, body, 2) == 13 - 2


def test_dense_16_bit_code_is_not_slowed_by_one_wait_state(tmp_path):
    body = "  adds r0, #1\n" * 8        # two per word: a word every 2 cycles keeps up
    assert waited(tmp_path, body, 1) == 8


def test_a_taken_branch_waits_for_its_target_fetch(tmp_path):
    body = "  b.n target\n  nop\n  nop\n.align 2\ntarget:\n  nop\n"
    # W = 3.  The B is word 1 of the reset block: it arrives at 1 + W = 4, two cycles after the
    # nop and the pad: a stall of 2; B 1 + P 1 + W 3 (the target word's fetch); the nop 1
    assert waited(tmp_path, body, 3) == 2 + (1 + 1 + 3) + 1


def test_a_literal_load_from_flash_pays_the_flash_wait_states(tmp_path):
    from emulator.engine.cyclemodel import model_for
    from tools.asm import assemble_thumb
    code = assemble_thumb("ldr r0, [pc, #4]\nnop\nnop\nnop\n.word 0x12345678\n", 0)
    model = model_for("cortex-m4")
    model.attach(lambda a, n: code[a:a + n], lambda addr: 2)
    assert model.block(code[:2], 0).total == 2 + 2          # LDR 2 + W of the literal's region


def test_a_board_with_wait_states_says_what_is_not_charged(tmp_path):
    _, m = run_on(tmp_path, waiting_board(tmp_path, 1), "  nop\n", "notes")
    assert any("other data accesses are charged as zero-wait-state" in n for n in m.model.notes())
    _, plain = run_on(tmp_path, str(BOARDS / "cortex-m4.toml"), "  nop\n", "plain")
    assert plain.model.notes() == ()


def test_wait_states_out_of_range_name_the_file_and_key(tmp_path):
    from emulator.errors import BadInput
    from emulator.load.board import load_board
    with pytest.raises(BadInput, match=r"ws99.toml:\d+: key 'memory\[0\].wait_states'"):
        load_board(waiting_board(tmp_path, 99))


def test_the_boards_listing_shows_a_regions_wait_states(tmp_path):
    from emulator.load.board import load_board
    from emulator.load.boardinfo import describe
    lines = describe(load_board(waiting_board(tmp_path, 3)))
    assert any(line.split()[1] == "flash" and line.endswith("rx  3 wait states") for line in lines)
    assert all("wait states" not in line for line in describe(load_board("cortex-m4")))


def test_a_division_is_charged_once_per_execution_though_interrupts_stop_the_engine_at_it(
        tmp_path, monkeypatch, kind):
    monkeypatch.setenv("FWSANDBOX_CLOCK", kind)
    source = """
reset:
  ldr r0, =0xE000E010
  movs r1, #37
  str r1, [r0, #4]            @ SysTick every 38 cycles: deadlines land on the loop's blocks
  movs r1, #0
  str r1, [r0, #8]
  movs r1, #7
  str r1, [r0]
  ldr r1, =0xFFFFFFFF
  movs r2, #1
  ldr r3, =1000
div:
  udiv r0, r1, r2
  subs r3, #1
  bne div
""" + armfw.FINISH + "tick:\n  bx lr\n"
    m = armfw.machine(tmp_path, source, {15: "tick"})
    charged, stall = [], m.host.stall
    m.host.stall = lambda cycles: (charged.append(cycles), stall(cycles))
    result = m.run()
    taken = sum(1 for e in result.events if type(e).__name__ == "InterruptEntered")
    assert result.reason == "exit" and taken > 1000
    assert charged == [12 - 2] * 1000


def test_the_json_report_of_a_run_on_a_waiting_board_carries_the_note(tmp_path):
    from emulator.report.jsondoc import report_doc
    from emulator.session import analyse
    (tmp_path / "img").mkdir()
    path = armfw.build(tmp_path / "img", "reset:\n" + armfw.FINISH)
    report = analyse(path, board=waiting_board(tmp_path, 2), base=0).report
    notes = report_doc(report)["timing"]["notes"]
    assert any(n.startswith("cycle model: memory wait states:") for n in notes)


def test_a_32_bit_conditional_branch_is_a_branch_too(tmp_path):
    # B<c>.W (T3): capstone reports no PC write for it; v1 charged it as a 1-cycle ALU op
    body = "  cmp r0, #0\n  beq.w target\n  nop\n  nop\n.align 2\ntarget:\n  nop\n"
    assert cycles(tmp_path, body) == 1 + (1 + 1) + 1


def test_a_bit_clear_result_as_the_next_address_stalls_like_any_alu_result(tmp_path):
    assert cycles(tmp_path, "  bic r1, r1, #3\n  ldr r4, [r1]\n") == 1 + 2 + 1     # 3.3.2


def test_the_e200z6_table_says_it_does_not_charge_a_boards_wait_states():
    from emulator.engine.cyclemodel import model_for
    model = model_for("e200z6")
    model.attach(lambda a, n: b"", lambda addr: 1)
    assert model.notes() == ("memory wait states: not charged by the e200z6 table "
                             "(zero-wait-state counts)",)
    plain = model_for("e200z6")
    plain.attach(lambda a, n: b"", None)
    assert plain.notes() == ()
