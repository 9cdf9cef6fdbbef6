"""Package build hook: compiles the native block clock (emulator/native/blockclock.c).

It is a plain C shared library loaded with ctypes (no Python C API), built with the system C
compiler by ``pip install``.  ``optional=True``: without a compiler the install still succeeds
and fwsandbox runs its pure-Python clock (``fwsandbox --version`` says which one is active).
"""
from setuptools import Extension, setup

setup(ext_modules=[Extension("emulator.native._blockclock", ["emulator/native/blockclock.c"],
                             extra_compile_args=["-O2", "-Wall", "-Wextra"], optional=True)])
