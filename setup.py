"""Package build hook: compiles the native block clock (emulator/engine/native/blockclock.c).

It is a plain C shared library loaded with ctypes (no Python C API), built with the system C
compiler by ``pip install``; so the wheel is tagged abi3 (``cp311-abi3``: any CPython >= 3.11),
not tied to one Python minor version.  ``optional=True``: without a compiler the install still
succeeds, with a warning, and fwsandbox runs its pure-Python clock (``fwsandbox --version`` and
the run header say so).
"""
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class BuildExt(build_ext):
    """build_ext that says loudly when the native clock could not be compiled."""

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as exc:            # optional=True would skip it with a quiet line
            print(f"\nWARNING: fwsandbox's native block clock was not built ({exc}); fwsandbox "
                  "will run its pure-Python clock, several times slower. Install a C compiler "
                  "(Debian: gcc) and reinstall.\n", file=sys.stderr)


setup(ext_modules=[Extension("emulator.engine.native._blockclock", ["emulator/engine/native/blockclock.c"],
                             extra_compile_args=["-O2", "-Wall", "-Wextra"], optional=True,
                             py_limited_api=True)],
      cmdclass={"build_ext": BuildExt},
      options={"bdist_wheel": {"py_limited_api": "cp311"}})
