# Two entry points a newcomer needs: `make demo` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test bench fuzz deps toolchains clean

$(STAMP): pyproject.toml setup.py emulator/engine/native/blockclock.c
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

deps: $(STAMP)

# Debian cross toolchains and QEMU (the differential tests), gdb-multiarch (the gdb tests) and
# headless Chromium, which renders the HTML report in tests/test_html*.py (root, or sudo).
toolchains:
	@if ! command -v arm-none-eabi-gcc >/dev/null || ! command -v qemu-system-arm >/dev/null \
	   || ! command -v powerpc-linux-gnu-gcc >/dev/null || ! command -v chromium >/dev/null \
	   || ! command -v gdb-multiarch >/dev/null \
	   || [ ! -f /usr/lib/arm-none-eabi/lib/libc_nano.a ]; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    gcc-arm-none-eabi binutils-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm \
	    gcc-powerpc-linux-gnu chromium gdb-multiarch >/dev/null; \
	fi

demo: $(STAMP)
	@echo "== a clean firmware: allocations in thread and nested interrupts, no findings"
	$(VENV)/bin/fwsandbox run firmware/arm/demo.elf
	@echo; echo "== its cycle-count report"
	$(VENV)/bin/fwsandbox report firmware/arm/demo.elf
	@echo; echo "== a buggy one: page_alloc without PAGE_ATOMIC inside the SysTick handler (exit code 1)"
	-$(VENV)/bin/fwsandbox run firmware/arm/isr_page_wait.elf

test: $(STAMP) toolchains
	$(PY) -m pytest -q

# Speed: fwsandbox beside its limits (in-process, bare Unicorn) and QEMU (issues 6, 20).
bench: $(STAMP) toolchains
	$(PY) tools/bench.py

# The long fuzz run (issue 21): ~20,000 inputs over images, raw binaries, boards, check inputs
# and hostile firmware; the figures go to stdout, every verdict to build/fuzz/verdicts.jsonl.
fuzz: $(STAMP) toolchains
	$(PY) -m tests.fuzz.long

clean:
	rm -rf $(VENV) build .pytest_cache
