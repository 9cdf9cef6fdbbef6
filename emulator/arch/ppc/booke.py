"""Book E facts as data: MSR bits, SPR numbers, IVORs, interrupt entry rules, SPR instruction decode.

Sources: e200z3 Power Architecture Core RM rev. 2 (the e200z6 RM has the same chapters):
§2.11 timer registers, §4.4-4.5 IVPR/IVORn, §4.6 interrupt definitions (register settings
tables), §4.8 interrupt priorities; Book E (EREF) for the instruction encodings.
"""
from __future__ import annotations

# MSR (32-bit view; Book E bit b is 1 << (63 - b))
MSR_UCLE, MSR_SPE, MSR_WE, MSR_CE = 1 << 26, 1 << 25, 1 << 18, 1 << 17
MSR_EE, MSR_PR, MSR_FP, MSR_ME = 1 << 15, 1 << 14, 1 << 13, 1 << 12
MSR_FE0, MSR_DE, MSR_FE1, MSR_IS, MSR_DS, MSR_RI = 1 << 11, 1 << 9, 1 << 8, 1 << 5, 1 << 4, 1 << 1

# §4.6 register-settings tables: bits kept on entry ("—"), every other bit is cleared.
KEEP_NONCRITICAL = MSR_CE | MSR_ME | MSR_DE | MSR_RI
KEEP_CRITICAL = MSR_ME | MSR_DE | MSR_RI     # §4.6.1: DE kept unless HID0[CICLRDE]

# ESR (Book E bits 36 PIL, 37 PPR, 38 PTR, 40 ST; e500 RM rev. 1 §2.7.1.6 figure 2-10): the
# program-interrupt cause and the store flag of data storage/alignment interrupts.
ESR_PIL, ESR_PPR, ESR_PTR, ESR_ST = 1 << 27, 1 << 26, 1 << 25, 1 << 23

# SPRs
SPR_DEC, SPR_SRR0, SPR_SRR1, SPR_CSRR0, SPR_CSRR1, SPR_DECAR = 22, 26, 27, 58, 59, 54
SPR_IVPR, SPR_TBL_R, SPR_TBU_R, SPR_TBL_W, SPR_TBU_W = 63, 268, 269, 284, 285
SPR_TSR, SPR_TCR, SPR_IVOR0 = 336, 340, 400
SPR_DEAR, SPR_ESR = 61, 62
TIMER_SPRS = (SPR_DEC, SPR_DECAR, SPR_TBL_R, SPR_TBU_R, SPR_TBL_W, SPR_TBU_W, SPR_TSR, SPR_TCR)

# §4.5 table 4-8: IVOR assignments
CRITICAL_INPUT, MACHINE_CHECK, DATA_STORAGE, INSTRUCTION_STORAGE = 0, 1, 2, 3
EXTERNAL_INPUT, ALIGNMENT, PROGRAM, FP_UNAVAILABLE, SYSTEM_CALL = 4, 5, 6, 7, 8
DECREMENTER, FIXED_INTERVAL_TIMER, WATCHDOG, DEBUG = 10, 11, 12, 15
DATA_TLB_ERROR, INSTRUCTION_TLB_ERROR = 13, 14
CRITICAL_CLASS = (CRITICAL_INPUT, WATCHDOG)
FAULT_CLASS = (DATA_STORAGE, INSTRUCTION_STORAGE, ALIGNMENT, PROGRAM, INSTRUCTION_TLB_ERROR)
EXTERNAL_NUMBER_BASE = 16            # InterruptEntered.number of INTC source s is 16 + s

# §4.8: asynchronous interrupts, highest priority first.
ASYNC_PRIORITY = (CRITICAL_INPUT, WATCHDOG, EXTERNAL_INPUT, FIXED_INTERVAL_TIMER, DECREMENTER)

RFI, RFCI = 0x4C000064, 0x4C000066
_MFSPR, _MTSPR, _MFTB = 339, 467, 371
_MTMSR = 146


def entry_msr(msr: int, critical: bool) -> int:
    """The MSR after interrupt entry (§4.6 tables): WE, EE, PR, FP, FE0/1, IS, DS, SPE, UCLE
    cleared; CE too for critical-class interrupts."""
    return msr & (KEEP_CRITICAL if critical else KEEP_NONCRITICAL)


def vector(ivpr: int, ivor: int) -> int:
    """IVPR[32-47] || IVORn[48-59] || 0b0000 (§4.4.1.1, §4.5)."""
    return (ivpr & 0xFFFF0000) | (ivor & 0xFFF0)


def masked_by(msr: int, ivor: int) -> bool:
    """Critical input and watchdog need MSR[CE]; external input, FIT, decrementer need MSR[EE]."""
    return not msr & (MSR_CE if ivor in CRITICAL_CLASS else MSR_EE)


def decode_spr_access(word: int) -> tuple[str, int, int] | None:
    """('mfspr'|'mtspr', spr, gpr) for an mfspr/mftb/mtspr instruction word, else None."""
    if word >> 26 != 31:
        return None
    xo = (word >> 1) & 0x3FF
    if xo not in (_MFSPR, _MTSPR, _MFTB):
        return None
    spr = ((word >> 16) & 0x1F) | ((word >> 11) & 0x1F) << 5
    return ("mtspr" if xo == _MTSPR else "mfspr", spr, (word >> 21) & 0x1F)


def mtmsr_source(word: int) -> int | None:
    """rS of an ``mtmsr rS`` instruction word (EREF: opcode 31, extended opcode 146), else None."""
    if word >> 26 == 31 and (word >> 1) & 0x3FF == _MTMSR:
        return (word >> 21) & 0x1F
    return None


def encode_spr_access(op: str, spr: int, gpr: int) -> int:
    """The inverse of ``decode_spr_access`` (used to build the host stubs)."""
    xo = _MTSPR if op == "mtspr" else _MFSPR
    return 31 << 26 | gpr << 21 | (spr & 0x1F) << 16 | (spr >> 5) << 11 | xo << 1


def interrupt_name(ivor: int, source: int | None = None) -> str:
    return f"IVOR{ivor}" if source is None else f"IVOR{ivor}:{source}"


def interrupt_label(number: int) -> str:
    """How users name event number ``number`` in text: 'INTC 59' for an INTC source (MPC5554 RM
    10.1: 'interrupt request source n'), 'IVOR10' for a core interrupt (§4.5)."""
    if number >= EXTERNAL_NUMBER_BASE:
        return f"INTC {number - EXTERNAL_NUMBER_BASE}"
    return f"IVOR{number}"


# bclr (EREF: blr and its conditional forms, LK = 0): a function's return instructions
BLR = 0x4E800020


def is_return(word: int) -> bool:
    """bclr with LK = 0 (opcode 19, extended opcode 16)."""
    return word >> 26 == 19 and (word >> 1) & 0x3FF == 16 and not word & 1


BO_IGNORE_COND, BO_IGNORE_CTR = 16, 4                    # BO[0] and BO[2] (EREF bclr)


def always_branches(word: int) -> bool:
    """A bclr whose BO ignores both CR and CTR: blr itself."""
    ignore = BO_IGNORE_COND | BO_IGNORE_CTR
    return (word >> 21) & ignore == ignore


def return_branches(word: int, ctr: int, cr: int) -> bool:
    """Whether the bclr ``word`` branches with CTR and CR as given (EREF bclr, BO/BI rules:
    BO[2] clear tests the decremented CTR, BO[0] clear tests CR bit BI)."""
    bo, bi = (word >> 21) & 31, (word >> 16) & 31
    ctr_ok = bool(bo & BO_IGNORE_CTR) or (((ctr - 1) & 0xFFFFFFFF) != 0) != bool(bo & 2)
    cond_ok = bool(bo & BO_IGNORE_COND) or (cr >> (31 - bi)) & 1 == (bo >> 3) & 1
    return ctr_ok and cond_ok
