"""CpuPort over Unicorn: the only module that imports unicorn.

Everything else talks to the CPU through this small surface: memory, registers by name,
range-limited hooks and start/stop.  Callbacks receive plain ints, never Unicorn objects.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable

import ctypes
import mmap

import unicorn
from unicorn import arm_const as A
from unicorn import ppc_const as P
from unicorn.unicorn_py3.unicorn import uc_hook_h, uclib

from ..errors import EmulationError
from .mmio import DevicePage, DeviceRead, DeviceWrite

ARM_REGS = {**{f"r{i}": getattr(A, f"UC_ARM_REG_R{i}") for i in range(13)},
            "sp": A.UC_ARM_REG_SP, "lr": A.UC_ARM_REG_LR, "pc": A.UC_ARM_REG_PC,
            "xpsr": A.UC_ARM_REG_XPSR, "ipsr": A.UC_ARM_REG_IPSR, "msp": A.UC_ARM_REG_MSP,
            "psp": A.UC_ARM_REG_PSP, "control": A.UC_ARM_REG_CONTROL,
            "primask": A.UC_ARM_REG_PRIMASK, "basepri": A.UC_ARM_REG_BASEPRI,
            "faultmask": A.UC_ARM_REG_FAULTMASK,
            **{f"s{i}": getattr(A, f"UC_ARM_REG_S{i}") for i in range(32)},
            "fpscr": A.UC_ARM_REG_FPSCR}
PPC_REGS = {**{f"r{i}": getattr(P, f"UC_PPC_REG_{i}") for i in range(32)},
            "pc": P.UC_PPC_REG_PC, "lr": P.UC_PPC_REG_LR, "msr": P.UC_PPC_REG_MSR,
            "ctr": P.UC_PPC_REG_CTR, "cr": P.UC_PPC_REG_CR, "xer": P.UC_PPC_REG_XER}
PPC_REGS["sp"] = PPC_REGS["r1"]

# The register map and the CPU-model constants of each Unicorn architecture: an ArchSpec names
# its engine arch, modes and CPU models (emulator/arch/*/spec.py); they are resolved here.
REGS = {"UC_ARCH_ARM": ARM_REGS, "UC_ARCH_PPC": PPC_REGS}
CPU_CONSTS = {"UC_ARCH_ARM": A, "UC_ARCH_PPC": P}

PERM = {"r": unicorn.UC_PROT_READ, "w": unicorn.UC_PROT_WRITE, "x": unicorn.UC_PROT_EXEC}
_UNMAPPED = {unicorn.UC_MEM_READ_UNMAPPED: "unmapped-read",
             unicorn.UC_MEM_WRITE_UNMAPPED: "unmapped-write",
             unicorn.UC_MEM_FETCH_UNMAPPED: "unmapped-fetch",
             unicorn.UC_MEM_WRITE_PROT: "write-protected",
             unicorn.UC_MEM_READ_PROT: "read-protected",
             unicorn.UC_MEM_FETCH_PROT: "fetch-protected"}
# Unicorn's translated-code buffer (1 GiB by default): every emu_start translates a block again,
# so resident memory grew ~300 bytes a slice until it was full (measured, 2.1.4).
TCG_BUFFER = 64 << 20
_RETRYABLE = (unicorn.UC_MEM_READ_UNMAPPED, unicorn.UC_MEM_WRITE_UNMAPPED)   # on_unmapped
VERSION = unicorn.__version__
NO_UNTIL = 0xFFFFFFFF              # odd: never the address of an instruction
MAX_ACCESS = 1 << 24               # the largest single host-side read (16 MiB)


class CpuFault(Exception):
    """Emulation stopped on a fault: ``kind`` names it, ``address`` is the data address if any.

    A plain exception, not a frozen dataclass: raising sets ``__cause__``/``__traceback__``."""

    def __init__(self, kind: str, pc: int, address: int | None = None):
        super().__init__(kind, pc, address)
        self.kind, self.pc, self.address = kind, pc, address

    def __eq__(self, other) -> bool:
        return isinstance(other, CpuFault) and (self.kind, self.pc, self.address) == (
            other.kind, other.pc, other.address)

    __hash__ = Exception.__hash__


class EngineError(EmulationError):
    """The engine refused an operation that is not a firmware access (mapping, hooks,
    registers, an engine-internal failure): names the operation, its address and the
    engine's reason.  No ``UcError`` ever leaves this module: engine errors become this, or
    a ``CpuFault`` when the firmware's own memory access is to blame."""


def _engine_error(operation: str, exc) -> EngineError:
    errno = getattr(exc, "errno", None)
    return EngineError(f"engine: {operation} failed: {_reason(errno) if errno is not None else exc}")


def _reason(errno: int) -> str:
    try:
        text = uclib.uc_strerror(errno)
        text = text.decode() if isinstance(text, bytes) else str(text)
    except Exception:                            # pragma: no cover - binding without strerror
        text = "engine error"
    return text if "UC_ERR" in text else f"{text} (UC_ERR {errno})"


class UnicornCpu:
    """One CPU core with its memory, driven by the machine's run loop."""

    def __init__(self, engine, model: str):
        """``engine``: an ArchSpec's EngineMode (Unicorn arch and mode names); ``model``: the
        name of a ``UC_CPU_*`` constant of that arch (e.g. ``UC_CPU_ARM_CORTEX_M4``)."""
        consts = CPU_CONSTS.get(engine.arch)
        if consts is None or not hasattr(consts, model):
            raise EngineError(f"engine: unknown CPU model {engine.arch}/{model}")
        mode = 0
        for name in engine.modes:
            mode |= getattr(unicorn, name)
        cpu, regs = model, REGS[engine.arch]
        try:
            self.uc = unicorn.Uc(getattr(unicorn, engine.arch), mode)
            self.uc.ctl_set_cpu_model(getattr(consts, model))
            self.uc.ctl_set_tcg_buffer_size(TCG_BUFFER)   # see TCG_BUFFER
        except unicorn.UcError as exc:
            raise _engine_error(f"creating a {cpu} core", exc) from None
        self.regs = regs
        self._uch = self.uc._uch
        self._regbuf = ctypes.c_uint64(0)
        self._regref = ctypes.byref(self._regbuf)
        self._readbuf = ctypes.create_string_buffer(64)
        self._batches: dict[tuple[str, ...], _Batch] = {}
        self._regions: list[tuple[int, int]] | None = None
        self._fault: CpuFault | None = None
        self._hooks: list[int] = []
        self._kinds: dict[int, int] = {}         # hook handle -> its UC_HOOK_* kind
        self._muted = False
        self._mute_native: Callable[[bool], None] = lambda muted: None
        self._enter_python: Callable[[], None] = lambda: None
        self._leave_python: Callable[[], None] = lambda: None
        self._buffers: list = []                 # host memory behind map_aliased regions
        self._big_endian = "UC_MODE_BIG_ENDIAN" in engine.modes
        self._host_maps: list[tuple[int, int, int]] = []   # (base, size, host address)
        self._host = 0                           # >0 while read/write access memory (mmio.py)
        self._unmapped_handler: Callable[[int, bool], bool] | None = None
        self._invalid_hook = self.uc.hook_add(unicorn.UC_HOOK_MEM_INVALID, self._on_invalid)

    # memory -----------------------------------------------------------------------------
    def map(self, base: int, size: int, perms: str = "rwx", host: int | None = None) -> None:
        """Map [base, base+size); ``host``: the address of host memory to map there."""
        prot = sum(PERM.get(p, 0) for p in perms)
        if not (0 <= base and size > 0 and base + size <= 1 << 32):
            raise EngineError(f"engine: cannot map 0x{base:x}+0x{size:x}: outside the 32-bit "
                              "address space")
        if host is None and "w" in perms:        # host memory, so write_protect need not remap
            # anonymous zero pages, touched when used; private, so a fork()ed process (explore's
            # branches) gets its own copy-on-write memory (mmap's default is MAP_SHARED)
            buffer = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
            self._buffers.append(buffer)
            host = ctypes.addressof(ctypes.c_char.from_buffer(buffer))
        try:
            if host is None:
                self.uc.mem_map(base, size, prot)
            else:
                self.uc.mem_map_ptr(base, size, prot, host)
                self._host_maps.append((base, size, host))
        except unicorn.UcError as exc:
            raise _engine_error(f"mapping 0x{base:08x}+0x{size:x} ({perms})", exc) from None
        self._regions = None

    def map_aliased(self, base: int, size: int, perms: str, alias: int) -> None:
        """Map [base, base+size) and the same memory again at ``alias`` (a boot alias: one
        host buffer behind both, so a write through either is seen through both)."""
        buffer = ctypes.create_string_buffer(size)
        self._buffers.append(buffer)
        for at in (base, alias):
            self.map(at, size, perms, ctypes.addressof(buffer))

    def map_device(self, base: int, size: int, read: DeviceRead, write: DeviceWrite) -> None:
        """Map [base, base+size) (whole pages) as device memory (emulator/engine/mmio.py):
        a firmware load returns ``read(addr, size)`` (None: plain memory there), a store calls
        ``write(addr, size, value)``; ``read``/``write`` here see the shadow."""
        page = DevicePage(base, size, self._big_endian, read, write)
        load, store = self.edged(page.load), self.edged(page.store)

        def on_load(uc, offset, size, _):
            return page.load(offset, size, True) if self._host else load(offset, size, False)

        def on_store(uc, offset, size, value, _):
            if self._host:
                page.store(offset, size, value, True)
            else:
                store(offset, size, value, False)
        try:
            self.uc.mmio_map(base, size, on_load, None, on_store, None)
        except unicorn.UcError as exc:
            raise _engine_error(f"mapping device memory 0x{base:08x}+0x{size:x}", exc) from None
        self._regions = None

    def on_unmapped(self, handler: Callable[[int, bool], bool]) -> None:
        """``handler(addr, write)`` is asked first about an access to unmapped memory: True
        if it mapped that address (the access is then retried), False for the usual fault."""
        self._unmapped_handler = handler

    def read(self, addr: int, size: int) -> bytes:
        """``size`` bytes at ``addr``; unmapped memory (or a bad size) raises
        CpuFault('unmapped-read', pc, addr)."""
        if size <= 0 or not 0 <= addr <= 0xFFFFFFFF or size > MAX_ACCESS:
            raise CpuFault("unmapped-read", self._pc(), addr & 0xFFFFFFFF)
        buf = self._readbuf if size <= 64 else ctypes.create_string_buffer(size)
        self._host += 1
        try:
            status = uclib.uc_mem_read(self._uch, addr, buf, size)
        finally:
            self._host -= 1
        if status != unicorn.UC_ERR_OK:
            raise CpuFault("unmapped-read", self._pc(), addr)
        return buf.raw[:size]

    def write(self, addr: int, data: bytes) -> None:
        """Store ``data`` at ``addr``; unmapped memory raises CpuFault('unmapped-write')."""
        data = bytes(data)
        if not 0 <= addr <= 0xFFFFFFFF:
            raise CpuFault("unmapped-write", self._pc(), addr & 0xFFFFFFFF)
        self._host += 1
        try:
            self.uc.mem_write(addr, data)
        except unicorn.UcError:
            raise CpuFault("unmapped-write", self._pc(), addr) from None
        finally:
            self._host -= 1

    def _pc(self) -> int:
        """The PC for a fault report (0 if even that cannot be read)."""
        try:
            return self.reg("pc")
        except EngineError:
            return 0

    def is_mapped(self, addr: int, size: int = 1) -> bool:
        if self._regions is None:
            try:
                self._regions = [(lo, hi) for lo, hi, _ in self.uc.mem_regions()]
            except unicorn.UcError as exc:
                raise _engine_error("listing the memory regions", exc) from None
        return any(lo <= addr and addr + size - 1 <= hi for lo, hi in self._regions)

    # registers --------------------------------------------------------------------------
    # Straight through uc_reg_read/uc_reg_write: the binding's generic path costs 4 us a call and
    # interrupt entry/return make ~30 register accesses.  Every register used here is at most
    # 32 bits wide; the 64-bit buffer is zeroed so a 32-bit write leaves a clean value.
    def reg(self, name: str) -> int:
        buf = self._regbuf
        buf.value = 0
        status = uclib.uc_reg_read(self._uch, self.regs[name], self._regref)
        if status != unicorn.UC_ERR_OK:
            raise _engine_error(f"reading register {name}", unicorn.UcError(status))
        return buf.value & 0xFFFFFFFF

    def set_reg(self, name: str, value: int) -> None:
        self._regbuf.value = value & 0xFFFFFFFF
        status = uclib.uc_reg_write(self._uch, self.regs[name], self._regref)
        if status != unicorn.UC_ERR_OK:
            raise _engine_error(f"writing register {name}", unicorn.UcError(status))

    def regs_read(self, names: tuple[str, ...]) -> list[int]:
        """Several registers in one uc_reg_read_batch call (exception entry and return)."""
        batch = self._batch(names)
        values = batch.values
        values[:] = batch.zeros
        status = uclib.uc_reg_read_batch(self._uch, batch.ids, batch.ptrs, len(names))
        if status != unicorn.UC_ERR_OK:
            raise _engine_error(f"reading registers {', '.join(names)}", unicorn.UcError(status))
        return [value & 0xFFFFFFFF for value in values[:]]

    def regs_write(self, names: tuple[str, ...], values) -> None:
        batch = self._batch(names)
        batch.values[:] = [value & 0xFFFFFFFF for value in values]
        status = uclib.uc_reg_write_batch(self._uch, batch.ids, batch.ptrs, len(names))
        if status != unicorn.UC_ERR_OK:
            raise _engine_error(f"writing registers {', '.join(names)}", unicorn.UcError(status))

    def _batch(self, names: tuple[str, ...]) -> "_Batch":
        batch = self._batches.get(names)
        if batch is None:
            batch = self._batches[names] = _Batch([self.regs[n] for n in names])
        return batch

    # hooks (callbacks get ints only) ----------------------------------------------------
    # Every Python callback runs between the two "python edges" (see set_python_edges), as does
    # the Python code between two emulation slices.
    def set_python_edges(self, enter: Callable[[], None], leave: Callable[[], None]) -> None:
        """``enter()`` runs whenever control passes from the engine to Python (a Python hook
        is called, or a slice ends) and ``leave()`` when it passes back: native probes drain
        their records on entry and publish Python state for their C hooks on the way out."""
        self._enter_python, self._leave_python = enter, leave

    def edged(self, callback: Callable):
        """``callback`` run between the Python edges (also for a C hook's Python callback)."""
        def call(*args):
            self._enter_python()
            try:
                return callback(*args)
            finally:
                self._leave_python()
        return call

    def on_block(self, callback: Callable[[int, int], None]) -> None:
        callback = self.edged(callback)
        self._add(unicorn.UC_HOOK_BLOCK, lambda uc, addr, size, _: self._muted or callback(addr, size))

    def native_handles(self) -> tuple[int, int]:
        """(engine handle, address of uc_emu_stop) for a C hook that stops the engine itself."""
        return self._uch.value, ctypes.cast(uclib.uc_emu_stop, ctypes.c_void_p).value

    def native_reg_readers(self) -> tuple[int, int]:
        """Addresses of uc_reg_read and uc_reg_read_batch, for C hooks that read registers."""
        return (ctypes.cast(uclib.uc_reg_read, ctypes.c_void_p).value,
                ctypes.cast(uclib.uc_reg_read_batch, ctypes.c_void_p).value)

    def reg_id(self, name: str) -> int:
        """The engine's number for register ``name`` (for C hooks)."""
        return self.regs[name]

    def on_native_block(self, function: int, user_data: int, mute: Callable[[bool], None] | None = None) -> None:
        """Register a C ``UC_HOOK_BLOCK`` callback (by address) through ``uc_hook_add`` itself,
        bypassing the binding's Python trampoline; ``mute`` mirrors run_stub/step muting."""
        self._add_native(unicorn.UC_HOOK_BLOCK, function, user_data, 1, 0)
        self._mute_native = mute or self._mute_native

    def on_native_code(self, function: int, user_data: int, lo: int = 1, hi: int = 0) -> int:
        """A C ``UC_HOOK_CODE`` callback (by address) on the instructions in [lo, hi] (all by
        default); returns its handle for ``remove_hook``."""
        return self._add_native(unicorn.UC_HOOK_CODE, function, user_data, lo, hi)

    def on_native_write(self, function: int, user_data: int, lo: int, hi: int) -> None:
        """A C ``UC_HOOK_MEM_WRITE`` callback (by address) on stores into [lo, hi]."""
        self._add_native(unicorn.UC_HOOK_MEM_WRITE, function, user_data, lo, hi)

    def on_native_write_protected(self, function: int, user_data: int) -> None:
        """A C ``UC_HOOK_MEM_WRITE_PROT`` callback (by address), asked before the fault report
        about every store into write-protected memory: true if it made the store itself."""
        self.remove_hook(self._invalid_hook)     # the fault report must come after it
        self._add_native(unicorn.UC_HOOK_MEM_WRITE_PROT, function, user_data, 1, 0)
        self._invalid_hook = self.uc.hook_add(unicorn.UC_HOOK_MEM_INVALID, self._on_invalid)

    def write_protect(self, lo: int, hi: int) -> tuple[int, int, int]:
        """Take write permission from the pages holding [lo, hi) (clipped to the writable
        region holding hi - 1), keeping their other permissions; returns the pages' range and
        the address of the host memory behind its start (map backs writable memory by it)."""
        region = next(((a, b + 1, p) for a, b, p in self.uc.mem_regions()
                       if a <= hi - 1 <= b and p & unicorn.UC_PROT_WRITE), None)
        lo, hi = (max(lo & ~0xFFF, region[0]), min((hi + 0xFFF) & ~0xFFF, region[1])) if region else (lo, hi)
        host = self._host_address(lo, hi) if region else None
        if host is None:
            raise EngineError(f"engine: cannot write-protect 0x{lo:08x}-0x{hi:08x}: not in "
                              "writable host-backed memory")
        try:
            self.uc.mem_protect(lo, hi - lo, region[2] & ~unicorn.UC_PROT_WRITE)
        except unicorn.UcError as exc:
            raise _engine_error(f"write-protecting 0x{lo:08x}-0x{hi:08x}", exc) from None
        self._regions = None
        return lo, hi, host

    def _host_address(self, lo: int, hi: int) -> int | None:
        """The host address behind [lo, hi) if map(host=...) mapped all of it."""
        for base, size, host in self._host_maps:
            if base <= lo and hi <= base + size:
                return host + lo - base
        return None

    def _add_native(self, kind: int, function: int, user_data: int, lo: int, hi: int) -> int:
        handle = uc_hook_h()
        status = uclib.uc_hook_add(self._uch, ctypes.byref(handle), kind, ctypes.c_void_p(function),
                                   ctypes.c_void_p(user_data), lo, hi)
        if status != unicorn.UC_ERR_OK:
            raise _engine_error(f"adding a native hook on 0x{lo:x}-0x{hi:x}", unicorn.UcError(status))
        self._hooks.append(handle.value)
        self._kinds[handle.value] = kind
        return handle.value

    def on_code(self, callback: Callable[[int, int], None], lo: int = 1, hi: int = 0) -> int:
        callback = self.edged(callback)
        return self._add(unicorn.UC_HOOK_CODE, lambda uc, addr, size, _: callback(addr, size), lo, hi)

    def on_code_at(self, addr: int, callback: Callable[[int, int], None]) -> int:
        """A code hook on the one instruction at ``addr`` (begin = end = addr): the engine calls
        it only there, every other instruction runs without it (issue 20: UDIV/SDIV timing)."""
        return self.on_code(callback, addr, addr)

    def on_read(self, lo: int, hi: int, callback: Callable[[int, int], None]) -> int:
        callback = self.edged(callback)
        return self._add(unicorn.UC_HOOK_MEM_READ, lambda uc, acc, a, s, v, _: callback(a, s), lo, hi)

    def on_write(self, lo: int, hi: int, callback: Callable[[int, int, int], None]) -> int:
        callback = self.edged(callback)
        return self._add(unicorn.UC_HOOK_MEM_WRITE, lambda uc, acc, a, s, v, _: callback(a, s, v & 0xFFFFFFFF), lo, hi)

    def on_interrupt(self, callback: Callable[[int], None]) -> None:
        callback = self.edged(callback)
        self._add(unicorn.UC_HOOK_INTR, lambda uc, intno, _: callback(intno))

    def remove_hook(self, handle: int) -> None:
        """Remove a hook (Python or native) at once: the engine calls it no more."""
        status = uclib.uc_hook_del(self._uch, uc_hook_h(handle))
        if status != unicorn.UC_ERR_OK:
            raise _engine_error("removing a hook", unicorn.UcError(status))
        self.uc._callbacks.pop(handle, None)
        self._kinds.pop(handle, None)

    def memory_hooks(self) -> int:
        """How many UC_HOOK_MEM_READ/MEM_WRITE hooks are installed: any one of them sends every
        load or store of the program through the engine's slow path (tools/hookcost.py)."""
        slow = unicorn.UC_HOOK_MEM_READ | unicorn.UC_HOOK_MEM_WRITE
        return sum(1 for kind in self._kinds.values() if kind & slow)

    def forget_code(self, lo: int, hi: int) -> None:
        """Drop the translated blocks holding code in [lo, hi): a code hook added there
        after they were translated takes effect only once they are translated again."""
        try:
            self.uc.ctl_remove_cache(lo & 0xFFFFFFFF, max(lo, hi) & 0xFFFFFFFF)
        except unicorn.UcError as exc:
            raise _engine_error(f"dropping translated code at 0x{lo:x}-0x{hi:x}", exc) from None

    def _add(self, kind: int, fn, lo: int = 1, hi: int = 0) -> int:
        try:
            handle = self.uc.hook_add(kind, fn, None, lo, hi)
        except unicorn.UcError as exc:
            raise _engine_error(f"adding a hook on 0x{lo:x}-0x{hi:x}", exc) from None
        self._hooks.append(handle)
        self._kinds[handle] = kind
        return handle

    def _on_invalid(self, uc, access, address, size, value, _) -> bool:
        if access in _RETRYABLE and self._unmapped_handler is not None:
            if self._unmapped_handler(address, access == unicorn.UC_MEM_WRITE_UNMAPPED):
                self._regions = None
                return True
        self._fault = CpuFault(_UNMAPPED.get(access, "bad-access"), self.reg("pc"), address)
        return False

    # running ----------------------------------------------------------------------------
    def start(self, pc: int, until: int = 0, count: int = 0) -> None:
        """Run from ``pc`` until stopped; raise CpuFault if the firmware faulted.  No engine
        timeout: it starts a thread per call (the block clock watches the wall clock)."""
        self._fault = None
        self._leave_python()
        try:   # until=0 means "no stop address"; 0 itself is a real PC (Book E reset at 0)
            self._emulate(pc, until or NO_UNTIL, count)
        finally:
            self._enter_python()

    def _emulate(self, pc: int, end: int, count: int) -> None:
        try:
            self.uc.emu_start(pc, end, count=count)
        except unicorn.UcError as exc:
            raise self._fault or CpuFault(_error_kind(exc), self._pc()) from None

    def run_stub(self, pc: int, end: int, max_instructions: int = 64) -> None:
        """Run host-side glue code (e.g. PowerPC mtspr stubs) from ``pc`` to ``end`` with the
        block callback muted: it is not firmware execution and takes no model time."""
        with self._muting():
            self._emulate(pc, end, max_instructions)

    def step(self, pc: int) -> None:
        """Execute exactly one instruction at ``pc`` with the block callback muted; its block's
        translation is dropped first (Unicorn 2.1.4 honours count= only in blocks translated
        after the first counted start: an older one would run to its end and beyond)."""
        self.forget_code(pc & ~1, (pc & ~1) + 4)
        with self._muting():
            self.start(pc, count=1)

    def stop(self) -> None:
        try:
            self.uc.emu_stop()
        except unicorn.UcError as exc:
            raise _engine_error("stopping the engine", exc) from None

    @contextmanager
    def _muting(self):
        self._muted = True
        self._mute_native(True)
        try:
            yield
        finally:
            self._muted = False
            self._mute_native(False)


class _Batch:
    """ctypes arrays for one uc_reg_read_batch/uc_reg_write_batch register list."""

    def __init__(self, ids: list[int]):
        self.ids = (ctypes.c_int * len(ids))(*ids)
        self.values = (ctypes.c_uint64 * len(ids))()
        self.zeros = [0] * len(ids)
        base, step = ctypes.addressof(self.values), ctypes.sizeof(ctypes.c_uint64)
        self.ptrs = (ctypes.c_void_p * len(ids))(*(base + i * step for i in range(len(ids))))


def _error_kind(exc: "unicorn.UcError") -> str:
    return {unicorn.UC_ERR_INSN_INVALID: "undefined-instruction",
            unicorn.UC_ERR_EXCEPTION: "cpu-exception",
            unicorn.UC_ERR_FETCH_UNALIGNED: "unaligned-fetch",
            unicorn.UC_ERR_READ_UNALIGNED: "unaligned-read",
            unicorn.UC_ERR_WRITE_UNALIGNED: "unaligned-write"}.get(exc.errno, f"engine-error-{exc.errno}")
