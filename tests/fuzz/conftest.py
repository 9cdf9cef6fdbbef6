"""Fuzz profiles: 'fast' (fixed seed, a few dozen inputs per family: part of `make test`) and
'long' (`make fuzz`: FWSANDBOX_FUZZ_PROFILE=long, FWSANDBOX_FUZZ_EXAMPLES inputs per test)."""
import os

from hypothesis import HealthCheck, settings

_COMMON = dict(deadline=None, database=None, print_blob=True,
               suppress_health_check=list(HealthCheck))
settings.register_profile("fast", derandomize=True, max_examples=int(os.environ.get("FWSANDBOX_FUZZ_EXAMPLES", 0) or 40), **_COMMON)
settings.register_profile("long", derandomize=False,
                          max_examples=int(os.environ.get("FWSANDBOX_FUZZ_EXAMPLES", 0) or 1000),
                          **_COMMON)
settings.load_profile(os.environ.get("FWSANDBOX_FUZZ_PROFILE", "fast"))


def examples(weight: float) -> dict:
    """``@settings(**examples(w))``: this test's share of the profile's max_examples."""
    return {"max_examples": max(1, int(settings.default.max_examples * weight))}
