"""``fwsandbox explore``: deliver each interrupt at every instruction boundary of the windows
that matter and report the ISR/thread races a single run misses (issue 17)."""
from .explorer import STRATEGIES, Exploration, Options, explore
from .inject import Injection, Injector, parse_injection

__all__ = ["STRATEGIES", "Exploration", "Injection", "Injector", "Options", "explore",
           "parse_injection"]
