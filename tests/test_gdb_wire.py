"""The gdb stub on the wire, packet by packet from a raw socket (emulator/debug/rsp.py): framing,
the target description, registers, memory, watchpoints, Ctrl-C, monitor commands and kill.
Every socket read has a timeout."""
import socket
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from test_gcc_firmware import require_tool
from test_gdb import TIMEOUT, Served, images  # noqa: F401  (the module fixture)

LOOP = """
  .syntax unified
  .thumb
  .section .text
  .word 0x20010000
  .word reset + 1
  .thumb_func
  .global reset
reset:
  ldr r1, =counter
loop:
  ldr r0, [r1]
  adds r0, r0, #1
  str r0, [r1]
  b loop
  .data
  .global counter
counter:
  .word 0
"""


@pytest.fixture(scope="module")
def loop_elf(tmp_path_factory) -> Path:
    """A Cortex-M image that counts in a loop for ever (until its cycle budget)."""
    gcc = require_tool("arm-none-eabi-gcc")
    out = tmp_path_factory.mktemp("loop")
    (out / "loop.S").write_text(LOOP)
    subprocess.run([gcc, "-mcpu=cortex-m4", "-mthumb", "-nostdlib", "-Wl,-Ttext=0",
                    "-Wl,-Tdata=0x20000000", "-Wl,-e,reset", "-o", str(out / "loop.elf"),
                    str(out / "loop.S")], check=True, timeout=TIMEOUT, capture_output=True)
    return out / "loop.elf"


class Client:
    """A minimal gdb-side client: sends a packet, returns the reply payload."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def send(self, payload: str) -> None:
        data = payload.encode()
        self.sock.sendall(b"$" + data + b"#%02x" % (sum(data) & 0xFF))

    def packet(self, payload: str | None = None) -> str:
        if payload is not None:
            self.send(payload)
        while True:
            start, end = self.buf.find(b"$"), self.buf.find(b"#", self.buf.find(b"$"))
            if start >= 0 and end >= 0 and len(self.buf) >= end + 3:
                body, cs = self.buf[start + 1:end], self.buf[end + 1:end + 3]
                assert int(cs, 16) == sum(body) & 0xFF
                self.buf = self.buf[end + 3:]
                self.sock.sendall(b"+")
                return body.decode("latin-1")
            chunk = self.sock.recv(4096)          # socket timeout: a silent stub fails the test
            assert chunk, "the stub closed the connection"
            self.buf += chunk

    def console(self, payload: str) -> tuple[str, str]:
        """The O-packet text and the final reply of ``payload``."""
        text, reply = "", self.packet(payload)
        while reply.startswith("O") and reply != "OK":
            text += bytes.fromhex(reply[1:]).decode()
            reply = self.packet()
        return text, reply


def test_the_stub_describes_the_cortex_m_target_and_serves_registers_and_memory(images):  # noqa: F811
    served = Served(images / "arm" / "fpudemo.elf", "--gdb-wait")
    c = Client(served.port)
    features = c.packet("qSupported:multiprocess+;swbreak+;hwbreak+;vContSupported+")
    assert {"qXfer:features:read+", "vContSupported+", "swbreak+"} <= set(features.split(";"))
    assert c.packet("vCont?") == "vCont;c;C;s;S"
    xml, offset = "", 0
    while True:
        chunk = c.packet(f"qXfer:features:read:target.xml:{offset:x},100")
        xml, offset = xml + chunk[1:], offset + 0x100
        if chunk[0] == "l":
            break
    root = ET.fromstring(xml)
    names = [f.get("name") for f in root.iter("feature")]
    assert names == ["org.gnu.gdb.arm.m-profile", "org.gnu.gdb.arm.vfp", "org.gnu.gdb.arm.m-system"]
    regs = [r.get("name") for r in root.iter("reg")]
    assert regs[13:17] == ["sp", "lr", "pc", "xpsr"] and "d15" in regs and regs[-6:] == [
        "msp", "psp", "primask", "basepri", "faultmask", "control"]
    assert c.packet("qAttached") == "1" and c.packet("?") == "T05"
    g = c.packet("g")
    assert len(g) == 2 * (17 * 4 + 16 * 8 + 4 + 6 * 4)
    pc = int.from_bytes(bytes.fromhex(g[15 * 8:16 * 8]), "little")
    assert c.packet("m0,8")[:8] == bytes.fromhex(c.packet("m0,4")).hex()
    assert c.packet(f"p{regs.index('pc'):x}") == g[15 * 8:16 * 8] and pc == int.from_bytes(
        bytes.fromhex(c.packet("m4,4")), "little") & ~1                # the reset vector
    assert c.packet("P0=78563412") == "OK" and c.packet("p0") == "78563412"
    assert c.packet("m f0000000,4".replace(" ", "")) == "E14"    # unmapped: an error, no crash
    assert c.packet("M20000100,4:01020304") == "OK" and c.packet("m20000100,4") == "01020304"
    assert c.packet("qNoSuchThing") == ""
    c.sock.sendall(b"$D#44")
    out, err, code = served.finish()
    assert "exit: exit (code 0)" in out and code == 0


def test_ctrl_c_halts_a_running_loop_watchpoints_report_the_address_and_k_kills(loop_elf):
    served = Served(loop_elf, "--gdb-wait", "--timeout", "60", "--max-cycles", "2000000000")
    c = Client(served.port)
    assert c.packet("?") == "T05"
    counter = 0x20000000
    assert c.packet(f"Z2,{counter:x},4") == "OK"
    assert c.packet("vCont;c") == f"T05watch:{counter:x};"
    assert c.packet(f"z2,{counter:x},4") == "OK"
    assert c.packet(f"m{counter:x},4") == "01000000"        # stopped after the store
    c.send("c")
    c.sock.sendall(b"\x03")                                   # Ctrl-C while it runs
    assert c.packet() == "T02"
    text, reply = c.console("qRcmd," + "cycles".encode().hex())
    assert reply == "OK" and text.startswith("cycle ")
    text, reply = c.console("qRcmd," + "reset".encode().hex())
    assert reply == "OK" and "not supported" in text
    text, _ = c.console("qRcmd," + "bogus".encode().hex())
    assert text.startswith("unknown monitor command 'bogus'")
    count = int.from_bytes(bytes.fromhex(c.packet(f"m{counter:x},4")), "little")
    assert count > 1
    c.sock.sendall(b"$k#6b")
    out, err, code = served.finish()
    assert "exit: killed — killed by the debugger" in out and code == 1
