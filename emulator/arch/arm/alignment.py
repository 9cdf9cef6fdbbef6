"""The instructions ARMv7-M requires to be aligned: found at reset, checked before they run.

ARMv7-M ARM A3.2.1: LDM/STM (PUSH/POP), LDRD/STRD, LDREX/STREX (and their halfword forms),
VLDR/VSTR and VLDM/VSTM (VPUSH/VPOP) always take a UsageFault with UFSR.UNALIGNED
(B3.2.15, CFSR bit 24) when their address is not word (halfword) aligned, whatever
CCR.UNALIGN_TRP says.  Unicorn 2.1.4 faults only LDREX/STREX (measured: engine interrupt 4)
and runs the others silently, so each such instruction the reset scan finds gets a
one-address code hook (a C one with the native helper) that reads its base register: for
every form above the offset is a multiple of 4 (or absent), so the base's low bits are the
address's.  Python runs only when the base is unaligned, and checks the IT condition the
scan found before the fault is reported; inside an IT block the check is made at the IT
instruction (Unicorn ignores a stop requested inside one).
SP and PC as base are skipped: SP[1:0] is always 0 (B1.4.1), a literal address is aligned.
CCR.UNALIGN_TRP (which also traps unaligned LDR/STR/LDRH/STRH) is not modelled; setting it
is reported as such (``Alignment.notes``).  Code written to RAM at run time is not scanned.
"""
from __future__ import annotations

import ctypes
from typing import NamedTuple

from ..segments import executable_segments, function_starts
from .thumbscan import AL, sweep
from .traps import condition_passed

UFSR_UNALIGNED = 1 << 24           # CFSR bit 24 (B3.2.15)
CCR_UNALIGN_TRP = 1 << 3           # B3.2.8
SP, PC = 13, 15


class Site(NamedTuple):
    """An alignment-checked instruction: where, its base register, the low bits that must be
    zero, its name, the condition an enclosing IT block gives it (ARM encoding), and where it
    is checked: itself, or the IT instruction (``between``: the ones covered before it)."""

    addr: int
    rn: int
    mask: int
    name: str
    cond: int = AL
    at: int = -1
    between: tuple[int, ...] = ()

    @property
    def hook(self) -> int:
        return self.addr if self.at < 0 else self.at


def _t16(hw: int) -> tuple[int, int, str] | None:
    """A7.7.40/A7.7.158: LDM/STM T1 (``ldm r0!, {...}``) as (rn, mask, name)."""
    if hw & 0xF000 == 0xC000:
        return (hw >> 8) & 7, 3, "ldm" if hw & 0x800 else "stm"
    return None


def _t32(hw1: int, hw2: int) -> tuple[int, int, str] | None:
    """The 32-bit encodings A3.2.1 lists, as (rn, mask, name), from A5.3.5 and A6.4."""
    rn, load = hw1 & 0xF, bool(hw1 & 0x10)
    if hw1 & 0xFFC0 in (0xE880, 0xE900):                         # LDM/STM T2, LDMDB/STMDB T1
        return rn, 3, "ldm" if load else "stm"
    if hw1 & 0xFE40 == 0xE840 and hw1 & 0x0120:                   # LDRD/STRD (immediate)
        return rn, 3, "ldrd" if load else "strd"
    if hw1 & 0xFFE0 == 0xE840:                                    # LDREX/STREX
        return rn, 3, "ldrex" if load else "strex"
    if hw1 & 0xFFE0 == 0xE8C0 and (hw2 >> 4) & 0xF == 0b0101:    # LDREXH/STREXH
        return rn, 1, "ldrexh" if load else "strexh"
    if hw1 & 0xFE00 == 0xEC00 and hw2 & 0x0E00 == 0x0A00:        # CP10/CP11 loads and stores
        return _vfp(hw1, rn, load)
    return None


def _vfp(hw1: int, rn: int, load: bool) -> tuple[int, int, str] | None:
    """A6.4 extension register load/store: VLDR/VSTR (P=1 W=0), VLDM/VSTM IA (P=0 U=1) and
    DB (P=1 U=0 W=1); P=0 U=0 is a 64-bit register transfer, not a memory access."""
    p, u, w = hw1 >> 8 & 1, hw1 >> 7 & 1, hw1 >> 5 & 1
    if p and not w:
        return rn, 3, "vldr" if load else "vstr"
    if (not p and u) or (p and not u and w):
        return rn, 3, "vldm" if load else "vstm"
    return None


def scan(code: bytes, base: int, sync: frozenset[int] = frozenset()) -> list[Site]:
    """The sites of ``code`` loaded at ``base`` (``thumbscan.sweep``); those whose base register
    is SP or PC are left out."""
    sites = []
    for insn in sweep(code, base, sync):
        fields = _t32(insn.hw1, insn.hw2) if insn.hw2 is not None else _t16(insn.hw1)
        if fields and fields[0] not in (SP, PC):
            inside = insn.it_at >= 0
            sites.append(Site(insn.addr, *fields, insn.cond, insn.it_at,
                              insn.covered if inside else ()))
    return sites


def unaligned_message(site: Site, base: int) -> str:
    need = "word" if site.mask == 3 else "halfword"
    return (f"{site.name} with base {_reg_name(site.rn)} = 0x{base:08x}, not {need} aligned "
            "(UsageFault UNALIGNED, ARMv7-M ARM A3.2.1)")


def image_sites(image, board, cs) -> tuple[list[Site], list[Site]]:
    """(checked, unchecked) sites of ``image``'s segments in executable board memory, swept
    from each segment's start and resynchronised at every function symbol.  A site inside an
    IT block is checked at its IT instruction (Unicorn 2.1.4 ignores a stop requested inside
    one, measured), so only if nothing the block runs before it changes its base register or
    the flags (decoded with ``cs``, a Capstone Thumb disassembler with detail)."""
    starts, checked, unchecked = function_starts(image), [], []
    for seg in executable_segments(image, board):
        for site in scan(seg.data, seg.addr, starts):
            stable = not site.between or _stable(cs, seg, site)
            (checked if stable else unchecked).append(site)
    return checked, unchecked


def _stable(cs, seg, site: Site) -> bool:
    """No instruction of ``site.between`` writes the site's base register or the flags."""
    code = seg.data[site.at - seg.addr:site.addr - seg.addr]
    names = {_reg_name(site.rn), _CS_NAMES.get(site.rn)}
    for insn in cs.disasm(code, site.at):
        if insn.address not in site.between:
            continue
        written = {cs.reg_name(r) for r in insn.regs_access()[1]}
        if written & names or written & {"cpsr", "apsr"} or insn.update_flags:
            return False
    return True


_CS_NAMES = {9: "sb", 10: "sl", 11: "fp", 12: "ip"}     # Capstone's names of r9-r12


class _CSite(ctypes.Structure):
    """``struct al_site`` of blockclock.c, field for field."""

    _fields_ = [("mask", ctypes.c_uint32), ("rn_id", ctypes.c_int), ("site", ctypes.c_uint32),
                ("pad", ctypes.c_uint32), ("reg_read", ctypes.c_void_p), ("unaligned", ctypes.c_void_p)]


_UNALIGNED = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_uint32)


def _reg_name(rn: int) -> str:
    return f"r{rn}" if rn < SP else ("sp", "lr", "pc")[rn - SP]


class Alignment:
    """The sites of one image and the check a hook runs, for ``CortexMCore``."""

    def __init__(self, cpu):
        self.cpu = cpu
        self.sites: dict[int, Site] = {}
        self.pending: tuple[Site, int] | None = None     # (site, base) found inside a hook
        self.notes: list[str] = []
        self._keep: tuple = ()                           # the C structs and callback

    def install(self, host, sites: list[Site], unchecked: list[Site]) -> None:
        """A hook on every site: the C one when the native helper runs, else a Python one."""
        self.sites = {s.addr: s for s in sites}
        if unchecked:
            self.notes.append(f"{len(unchecked)} alignment-checked instruction(s) in IT blocks "
                              "after one changing the base register or the flags are not checked: "
                              + ", ".join(f"{s.name} at 0x{s.addr:08x}" for s in unchecked[:4]))
        function = host.native_function("al_hook_code")
        if function is None:
            for site in sites:
                self.cpu.on_code(lambda a, _, addr=site.addr: self.check(addr), site.hook, site.hook)
            return
        callback = _UNALIGNED(self.cpu.edged(lambda addr: self._from_c(host, addr)))
        structs = (_CSite * len(sites))()
        reg_read = self.cpu.native_reg_readers()[0]
        for struct_, site in zip(structs, sites):
            struct_.mask, struct_.rn_id = site.mask, self.cpu.reg_id(_reg_name(site.rn))
            struct_.site, struct_.reg_read = site.addr, reg_read
            struct_.unaligned = ctypes.cast(callback, ctypes.c_void_p).value
            self.cpu.on_native_code(function, ctypes.addressof(struct_), site.hook, site.hook)
        self._keep = (structs, callback)

    def _from_c(self, host, addr: int) -> int:
        try:
            self.check(addr)
        except BaseException as exc:              # raised after the slice
            host.fail(exc)
        return 0

    def check(self, addr: int) -> bool:
        """Before the site at ``addr`` runs (or its IT instruction): True, the engine stopped
        and ``pending`` set, when it would access unaligned memory and its condition passes."""
        site = self.sites[addr]
        base = self.base_of(site)
        if not base & site.mask or (self.pending and self.pending[0].addr < addr):
            return False
        if site.cond != AL and not condition_passed(site.cond + 1, self.cpu.reg("xpsr") >> 28):
            return False
        self.pending = (site, base)
        self.cpu.stop()                           # before it (or its IT instruction) runs
        return True

    def take_pending(self) -> tuple[Site, int] | None:
        pending, self.pending = self.pending, None
        return pending

    def base_of(self, site: Site) -> int:
        return self.cpu.reg(_reg_name(site.rn))

    def site_at(self, pc: int) -> Site | None:
        """The site at ``pc``: a scanned one, or the instruction there decoded now (code the
        scan did not see; no IT condition known)."""
        if pc in self.sites:
            return self.sites[pc]
        found = scan(self.cpu.read(pc, 4), pc) if self.cpu.is_mapped(pc, 4) else []
        return found[0] if found and found[0].addr == pc else None

    def ccr_written(self, ccr: int, now: int) -> None:
        """CCR.UNALIGN_TRP set: say that unaligned single loads and stores still run."""
        if ccr & CCR_UNALIGN_TRP and not self.notes:
            self.notes.append(f"CCR.UNALIGN_TRP set at cycle {now:,}: unaligned LDR/STR/LDRH/STRH "
                              "are not trapped (only the accesses ARMv7-M A3.2.1 always checks are)")
