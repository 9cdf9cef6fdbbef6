"""Hypothesis strategies for the fuzz families: mutated ELF images, boards, check inputs, raw
binaries and hostile firmware (assembled once, parameters patched into literal words)."""
from __future__ import annotations

import functools
import json
import struct
import tomllib
from pathlib import Path

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
BOARDS = ROOT / "emulator" / "boards"
PARAM = 0xCAFE0000                    # literal words 0xCAFE00nn are template parameters nn

INTERESTING = [0, 1, 2, 3, 4, 7, 8, 0x10, 0x7F, 0x80, 0xFF, 0x100, 0xFFF, 0x1000, 0x7FFF,
               0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFF0, 0xFFFFFFFF]
MAPPED = [0x0, 0x100, 0x20000000, 0x20008000, 0x2000FFF0, 0x40000000, 0x403FFFFC]
UNMAPPED = [0x10000000, 0x60000000, 0x9FFFFFF0, 0xDEADBEEF, 0xFFFFFFFC, 0x20400000, 0x003FFFFE]


def seeds() -> list[Path]:
    """Seed images: the committed firmware and, when built, the gcc images (with DWARF)."""
    found = sorted((ROOT / "firmware" / "arm").glob("*.elf")) + sorted((ROOT / "firmware" / "ppc").glob("*.elf"))
    found += sorted((ROOT / "build" / "c").glob("*/*.elf"))
    return found


def word32() -> st.SearchStrategy[int]:
    return st.one_of(st.sampled_from(INTERESTING + MAPPED + UNMAPPED), st.integers(0, 0xFFFFFFFF))


# ELF mutations --------------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def _layout(path: Path) -> dict:
    """Field offsets of a seed ELF32: header, program and section header entries, sections."""
    data = path.read_bytes()
    order = "<" if data[5] == 1 else ">"
    phoff, shoff = struct.unpack_from(order + "II", data, 28)
    phnum, shnum, shstrndx = struct.unpack_from(order + "HHH", data, 44)[0], *struct.unpack_from(order + "HH", data, 48)
    ph = [phoff + 32 * i + f for i in range(phnum) for f in range(0, 32, 4)]
    sh = [shoff + 40 * i + f for i in range(shnum) for f in range(0, 40, 4)]
    sections = []
    for i in range(shnum):
        offset, size = struct.unpack_from(order + "II", data, shoff + 40 * i + 16)
        if size and offset + size <= len(data):
            sections.append((offset, size))
    header = [(24, 4), (28, 4), (32, 4), (40, 2), (42, 2), (44, 2), (46, 2), (48, 2), (50, 2),
              (4, 1), (5, 1), (16, 2), (18, 2)]
    return {"order": order, "fields": [(o, 4) for o in ph + sh] + header, "sections": sections}


@st.composite
def mutated_elf(draw) -> tuple[bytes, Path]:
    seed = draw(st.sampled_from(seeds()))
    data = bytearray(seed.read_bytes())
    layout = _layout(seed)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["field", "field", "section", "flip", "truncate", "splice"]))
        if kind == "field":
            offset, size = draw(st.sampled_from(layout["fields"]))
            value = draw(word32()) & ((1 << (8 * size)) - 1)
            fmt = layout["order"] + {1: "B", 2: "H", 4: "I"}[size]
            if offset + size <= len(data):
                struct.pack_into(fmt, data, offset, value)
        elif kind == "section" and layout["sections"]:
            offset, size = draw(st.sampled_from(layout["sections"]))
            for _ in range(draw(st.integers(1, 16))):
                at = offset + draw(st.integers(0, size - 1))
                if at < len(data):
                    data[at] = draw(st.integers(0, 255))
        elif kind == "flip" and data:
            at = draw(st.integers(0, len(data) - 1))
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "truncate":
            del data[draw(st.integers(0, len(data))):]
        elif kind == "splice" and data:
            at = draw(st.integers(0, len(data)))
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
    return bytes(data), seed


# TOML ---------------------------------------------------------------------------------------
def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return {"inf": "inf", "-inf": "-inf", "nan": "nan"}.get(repr(value), repr(value))
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def to_toml(doc: dict) -> str:
    """A small TOML writer for board/manifest-shaped documents (tables, arrays of tables)."""
    lines = [f"{json.dumps(k)} = {toml_value(v)}" for k, v in doc.items()
             if not isinstance(v, dict) and not (isinstance(v, list) and v and all(isinstance(i, dict) for i in v))]
    for key, value in doc.items():
        if isinstance(value, dict):
            lines.append(f"[{json.dumps(key)}]")
            lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()]
        elif isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
            for item in value:
                lines.append(f"[[{json.dumps(key)}]]")
                lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in item.items()]
    return "\n".join(lines) + "\n"


def scalar() -> st.SearchStrategy:
    return st.one_of(word32(), st.integers(-2**70, 2**70), st.sampled_from([-1, 2**32, 2**64, 10**30]),
                     st.text(max_size=12), st.booleans(), st.floats(allow_nan=True),
                     st.sampled_from(["cortex-m4", "cortex-m3", "e200", "e200z6", "scs", "dwt",
                                      "cmsdk-timer", "cmsdk-uart", "mpc5554-intc",
                                      "mpc5604b-pit", "linflex-uart", "simctl", ""]))


def value() -> st.SearchStrategy:
    return st.recursive(scalar(), lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["a", "base", "size", "irq"]), inner, max_size=3)),
        max_leaves=6)


@st.composite
def mutated_board(draw) -> tuple[str, str]:
    """(TOML text, arch) of a built-in board after a few mutations."""
    name = draw(st.sampled_from(["cortex-m4", "e200-mcu"]))
    doc = tomllib.loads((BOARDS / f"{name}.toml").read_text())
    for _ in range(draw(st.integers(1, 5))):
        table_name = draw(st.sampled_from(["board", "memory", "peripheral", "peripheral"]))
        table = doc.get(table_name)
        if isinstance(table, list):
            if draw(st.integers(0, 4)) == 0:
                table.append({"name": draw(st.text(min_size=1, max_size=6)),
                              "kind": draw(scalar()), "base": draw(word32()), "size": draw(word32()),
                              "irq": draw(st.integers(-2, 600))})
                continue
            table = draw(st.sampled_from(table)) if table else {}
        if not isinstance(table, dict):
            continue
        keys = sorted(table) + ["base", "size", "irq", "num_irq", "priority_bits", "scratch",
                                "cpu", "cycle_model", "arch", "sources", "channels",
                                "first_source", "perms", "fpu", "clock_hz"]
        key = draw(st.sampled_from(keys))
        action = draw(st.sampled_from(["set", "set", "int", "delete"]))
        if action == "delete":
            table.pop(key, None)
        elif action == "int":
            table[key] = draw(word32())
        else:
            table[key] = draw(value())
    text = to_toml(doc)
    if draw(st.integers(0, 30)) == 0:
        depth = draw(st.integers(50, 5000))
        text += "deep = " + "[" * depth + "]" * depth + "\n"
    return text, "cortex-m" if name == "cortex-m4" else "ppc-booke"


# hostile firmware ------------------------------------------------------------------------------
ARM_TEMPLATES = {
    # semihosting: op r0 = P1, r1 = P2 (or the block when P2 = 0), block {handle, P3 buf, P4 len}
    "semihosting": ("""
reset:
  ldr r0, =0xCAFE0001
  ldr r1, =0xCAFE0002
  cmp r1, #0
  bne call
  ldr r1, =block
call:
  bkpt #0xab
  b reset
.align 2
block: .word 2
  .word 0xCAFE0003
  .word 0xCAFE0004
msg: .asciz "flood flood flood flood flood flood flood flood flood flood flood\\n"
.align 2
""", {}),
    # SysTick every P1 cycles; the handler writes P2 to ICSR (re-pend SysTick/PendSV) each time
    "storm": ("""
reset:
  ldr r0, =0xE000E010
  ldr r1, =0xCAFE0001
  str r1, [r0, #4]
  movs r1, #0
  str r1, [r0, #8]
  movs r1, #7
  str r1, [r0]
  ldr r0, =0xE000E100
  ldr r1, =0xCAFE0003
  str r1, [r0]
  ldr r0, =0xE000EF00
  ldr r1, =0xCAFE0004
  str r1, [r0]
loop:
  adds r3, #1
  b loop
systick:
  ldr r0, =0xE000ED04
  ldr r1, =0xCAFE0002
  str r1, [r0]
  bx lr
irq0:
  ldr r0, =0xE000EF00
  movs r1, #0
  str r1, [r0]
  bx lr
pendsv:
  bx lr
""", {15: "systick", 14: "pendsv", 16: "irq0"}),
    # runaway recursion through all of RAM; HardFault handler mode P1 (0 return, 1 spin,
    # 2 fault again at P2, 3 recurse again)
    "recursion": ("""
reset:
  push {r0-r7, lr}
  bl reset
hardfault:
  ldr r0, =0xCAFE0001
  cmp r0, #0
  beq hf_return
  cmp r0, #1
  beq hf_spin
  cmp r0, #2
  beq hf_again
  b reset
hf_return:
  bx lr
hf_spin:
  b hf_spin
hf_again:
  ldr r1, =0xCAFE0002
  ldr r2, [r1]
  bx lr
""", {3: "hardfault"}),
    # a load from P1 (a fault), HardFault handler as in "recursion"
    "fault": ("""
reset:
  ldr r0, =0xCAFE0001
  ldr r1, [r0]
  str r1, [r0, #4]
  b reset
hardfault:
  ldr r0, =0xCAFE0002
  cmp r0, #0
  beq hf_return
  cmp r0, #1
  beq hf_spin
  ldr r1, =0xCAFE0003
  ldr r2, [r1]
  bx lr
hf_return:
  bx lr
hf_spin:
  b hf_spin
""", {3: "hardfault"}),
    # VTOR = P1, MSP = P2, then SVC and an enabled IRQ0 pended
    "vtor": ("""
reset:
  ldr r0, =0xCAFE0002
  msr msp, r0
  ldr r0, =0xE000ED08
  ldr r1, =0xCAFE0001
  str r1, [r0]
  svc #0
  ldr r0, =0xE000E100
  movs r1, #1
  str r1, [r0]
  ldr r0, =0xE000EF00
  movs r1, #0
  str r1, [r0]
  b reset
svc:
  bx lr
""", {11: "svc"}),
    # self-modifying code: P1 words of 'movs r0,#0' pairs then 'bx lr' copied to a new place in
    # RAM (offset masked by P2) and called, forever: millions of distinct blocks
    "smc": ("""
reset:
  ldr r4, =0x20010100
  movs r5, #0
outer:
  ldr r6, =0xCAFE0001
  lsls r7, r5, #2
  ldr r1, =0xCAFE0002
  ands r7, r1
  adds r7, r4
  mov r8, r7
  ldr r0, =0x20002000
copy:
  str r0, [r7]
  adds r7, #4
  subs r6, #1
  bne copy
  ldr r0, =0x47704770
  str r0, [r7]
  mov r0, r8
  adds r0, #1
  blx r0
  adds r5, #1
  b outer
""", {}),
}

ARM_PARAMS = {
    "semihosting": lambda: st.tuples(
        st.sampled_from([1, 2, 3, 4, 5, 5, 5, 9, 0xA, 0xC, 0x10, 0x11, 0x13, 0x16, 0x18, 0x20, 0x30]),
        st.one_of(st.just(0), word32()), word32(),
        st.one_of(st.sampled_from([0, 1, 64, 0x10000, 0x10001, 0xFFFFFFFF]), word32())),
    "storm": lambda: st.tuples(st.integers(1, 2000),
                               st.sampled_from([0, 1 << 26, 1 << 28, (1 << 26) | (1 << 28)]),
                               st.sampled_from([0, 1]), st.sampled_from([0, 0])),
    "recursion": lambda: st.tuples(st.integers(0, 3), word32()),
    "fault": lambda: st.tuples(st.sampled_from(UNMAPPED + [0x20000001, 0x40000000]),
                               st.integers(0, 2), word32()),
    "vtor": lambda: st.tuples(word32(), st.one_of(st.sampled_from(MAPPED + UNMAPPED), word32())),
    "smc": lambda: st.tuples(st.sampled_from([1, 2, 16, 128, 255, 256]),
                             st.sampled_from([0, 0xFC, 0xFFFC, 0x3FFFC])),
}


@functools.lru_cache(maxsize=None)
def arm_template(name: str) -> tuple[bytes, dict[int, int]]:
    """(code at 0 with its vector table, parameter number -> offsets of its literal words)."""
    import sys
    sys.path.insert(0, str(ROOT / "tests"))
    from armfw import vector_table
    from tools.asm import assemble_thumb
    source, handlers = ARM_TEMPLATES[name]
    code = assemble_thumb(vector_table(handlers) + "\n" + source, 0)
    return code, _param_offsets(code, "<")


def _param_offsets(code: bytes, order: str) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for offset in range(0, len(code) - 3, 2):
        word = struct.unpack_from(order + "I", code, offset)[0]
        if word & 0xFFFFFF00 == PARAM and offset % 4 == 0:
            found.setdefault(word & 0xFF, []).append(offset)
    return found


def patch(code: bytes, offsets: dict[int, list[int]], params: tuple[int, ...], order: str) -> bytes:
    out = bytearray(code)
    for number, value in enumerate(params, 1):
        for offset in offsets.get(number, ()):
            struct.pack_into(order + "I", out, offset, value & 0xFFFFFFFF)
    return bytes(out)


PPC_TEMPLATES = {
    # sc forever; the IVOR8 handler returns (rfi) after SRR0 (the sc's successor)
    "sc": lambda ppc: ("reset:\n  b start\n.org 0x500\nsc_handler:\n  rfi\n.org 0x1000\nstart:\n"
                       + ppc.vectors({8: 0x500}) + "loop:\n  sc\n  b loop\n"),
    # decrementer storm: DEC = DECAR = P1 with auto-reload, EE on; handler acks TSR[DIS]
    "dec": lambda ppc: ("reset:\n  b start\n.org 0x500\ndec_handler:\n  lis 3, 0x0800\n  mtspr 336, 3\n"
                        "  rfi\n.org 0x1000\nstart:\n" + ppc.vectors({10: 0x500})
                        + ppc.load(3, 0xCAFE0001) + "  mtspr 22, 3\n  mtspr 54, 3\n"
                        + ppc.load(3, 0x04400000) + "  mtspr 340, 3\n  wrteei 1\nloop:\n  addi 5, 5, 1\n  b loop\n"),
    # INTC/PIT storm: PIT0 every P1 cycles at priority 15, its ISR does nothing but return
    "pit": lambda ppc: ppc.image(ppc.set_priority(59, 15) + ppc.load(4, ppc.PIT) +
                                 "  li 3, 0\n  stw 3, 0(4)\n" + ppc.load(3, 0xCAFE0001) +
                                 "  stw 3, 0x100(4)\n  li 3, 3\n  stw 3, 0x108(4)\n" +
                                 ppc.load(4, ppc.INTC) + "  li 3, 0\n  stw 3, 8(4)\n  wrteei 1\n"
                                 "spin:\n  addi 5, 5, 1\n  b spin\n",
                                 {59: "pit_isr"},
                                 code="pit_isr:\n" + ppc.load(4, ppc.PIT) +
                                 "  li 3, 1\n  stw 3, 0x10c(4)\n  blr\n"),
}


@functools.lru_cache(maxsize=None)
def ppc_template(name: str) -> tuple[bytes, dict[int, int]]:
    import sys
    sys.path.insert(0, str(ROOT / "tests"))
    import ppcfw
    from tools.asm import assemble_ppc
    code = assemble_ppc(PPC_TEMPLATES[name](ppcfw), 0)
    return code, _param_offsets(code, ">")


def lis_ori_param(code: bytes, value: int) -> bytes:
    """PPC templates load parameter 1 with lis/ori 0xCAFE/0x0001: patch both halves."""
    out = bytearray(code)
    for offset in range(0, len(code) - 7, 4):
        hi, lo = struct.unpack_from(">II", code, offset)
        if hi & 0xFFFF == 0xCAFE and lo & 0xFFFF == 0x0001 and hi >> 26 == 15 and lo >> 26 == 24:
            struct.pack_into(">II", out, offset, (hi & 0xFFFF0000) | (value >> 16 & 0xFFFF),
                             (lo & 0xFFFF0000) | (value & 0xFFFF))
    return bytes(out)
