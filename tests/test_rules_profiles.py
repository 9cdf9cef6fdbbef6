"""Rule profiles, merging a user's file over them, every error with file:line:key, and a fuzz of the parser."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from emulator.errors import BadInput
from emulator.load.image import Symbol
from emulator.rules.builtin import enabled, shipped
from emulator.rules.model import load_rules, parse_rules
from emulator.rules.merge import Source
from emulator.probes.watch import resolve


def symbols(*names: str, **sized) -> dict:
    table = {n: Symbol(n, 0x100 + 4 * i, 0, "func") for i, n in enumerate(names)}
    table.update({n: Symbol(n, addr, size, "object") for n, (addr, size) in sized.items()})
    return table


def test_every_shipped_profile_parses_and_names_its_detect_symbols():
    names = [p.name for p in shipped()]
    assert names == ["cmsis-rtos2", "freertos", "fwsandbox", "newlib", "picolibc", "threadx", "zephyr"]
    for profile in shipped():
        assert profile.detect and parse_rules(Source.from_file(profile.source.path).path and
                                              open(profile.source.path).read()).functions


def test_a_profile_is_enabled_by_its_symbol_and_says_which():
    [newlib] = enabled(["main", "_malloc_r", "malloc"])
    assert (newlib.profile.name, newlib.reason) == ("newlib", "symbol _malloc_r")
    assert [e.profile.name for e in enabled(["malloc", "__malloc_free_list"])] == ["picolibc"]
    assert [e.profile.name for e in enabled(["_malloc_r", "__malloc_free_list"])] == ["newlib"]


def test_when_arg_allows_an_isr_call_only_with_a_zero_timeout():
    rules = parse_rules(open(next(p.source.path for p in shipped() if p.name == "zephyr")).read())
    take = rules.get("z_impl_k_sem_take")                       # an alias gets the same rule
    assert take.kind == "blocking" and take.finding_kind == "blocking-in-isr"
    assert take.allowed_in_interrupt((0x1000, 0, 0, 0))
    assert not take.allowed_in_interrupt((0x1000, 0, 0xFFFFFFFF, 0xFFFFFFFF))
    assert not take.allowed_in_interrupt((0x1000, 0, 10, 0))


def test_a_user_file_with_only_functions_malloc_works(tmp_path):
    user = tmp_path / "r.toml"
    user.write_text("[functions.malloc]\n")
    watch = resolve(symbols("malloc", "main"), "cortex-m", lambda: None, user, auto=False)
    rule = watch.rules.get("malloc")
    assert (rule.isr, rule.kind, watch.rules.watched) == ("never", "other", ("malloc",))
    assert watch.stack.source == "not watched: no base symbol (set [isr_stack] in a rules file)"


def test_a_user_file_overrides_a_profile_key_by_key(tmp_path):
    user = tmp_path / "r.toml"
    user.write_text('[functions.osMemoryPoolAlloc]\nisr = "never"\n[functions.myAlloc]\nkind = "heap"\n')
    syms = symbols("osKernelInitialize", "osMemoryPoolAlloc", "osMemoryPoolFree", "myAlloc")
    rules = resolve(syms, "cortex-m", lambda: None, user).rules
    pool = rules.get("osMemoryPoolAlloc")
    assert (pool.isr, pool.when_arg, pool.kind, pool.group) == ("never", None, "pool", "cmsis-mempool")
    assert pool.origin == str(user) and rules.get("osMemoryPoolFree").origin.endswith("cmsis-rtos2.toml")
    assert rules.get("myAlloc").kind == "heap"


def test_a_user_function_missing_from_the_image_names_file_line_and_key(tmp_path):
    user = tmp_path / "r.toml"
    user.write_text('# mine\n[functions.gone]\nkind = "heap"\n[isr_stack]\nbase = "nope"\n')
    with pytest.raises(BadInput) as info:
        resolve(symbols("main"), "cortex-m", lambda: None, user)
    assert sorted(str(info.value).split("\n")) == [
        f"{user}:2: key 'functions.gone': symbol 'gone' not found in the image",
        f"{user}:5: key 'isr_stack.base': symbol 'nope' not found in the image"]


def test_all_errors_of_a_rules_file_are_reported_at_once():
    text = ('[functions.a]\nisr = "sometimes"\n[functions.b]\nkind = "heap"\nsize_arg = -1\n'
            '[functions.c]\nisr = "when-arg"\n[colour]\n')
    with pytest.raises(BadInput) as info:
        parse_rules(text, "r.toml")
    assert str(info.value).splitlines() == [
        "r.toml:8: key 'colour': unknown key",
        "r.toml:2: key 'functions.a.isr': expected one of always, never, when-flag, when-arg",
        "r.toml:5: key 'functions.b.size_arg': expected an integer >= 0",
        "r.toml:6: key 'functions.c.when_arg': required with isr = \"when-arg\""]


@pytest.mark.parametrize("text,fragment", [
    ("[functions]\nflags = 3\n", "key 'functions.flags': expected a table"),
    ('[functions.a]\nflags = 3\n', "key 'functions.a.flags': expected a table"),
    ("functions = 1\n", "key 'functions': expected a table"),
    ("a = " + "[" * 2000 + "]" * 2000 + "\n", "nested too deeply"),
])
def test_bad_shapes_are_bad_input_not_python_errors(text, fragment):
    with pytest.raises(BadInput, match=fragment.replace("[", r"\[")):
        parse_rules(text, "r.toml")


def test_a_rules_file_that_is_not_utf8_is_bad_input(tmp_path):
    path = tmp_path / "bin.toml"
    path.write_bytes(b"\xff\xfe[functions]\n")
    with pytest.raises(BadInput, match="not UTF-8"):
        load_rules(path)


_scalars = st.one_of(st.integers(-3, 2**33), st.booleans(), st.text(max_size=6),
                     st.sampled_from(["never", "always", "when-flag", "when-arg", "heap", "blocking"]))
_keys = st.sampled_from(["kind", "isr", "size_arg", "free", "when_arg", "when_flag", "flags",
                         "arg", "equals", "mask", "region", "start", "group", "aliases", "inner",
                         "functions", "isr_stack", "base", "budgets", "cycles", "max", "x"])
_values = st.recursive(_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(_keys, inner, max_size=4)), max_leaves=12)
_documents = st.dictionaries(st.sampled_from(["functions", "isr_stack", "budgets", "profile", "x"]),
                             st.one_of(_values, st.dictionaries(st.text(min_size=1, max_size=4),
                                                                _values, max_size=3)), max_size=3)


@seed(15)
@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(_documents)
def test_the_rules_parser_only_ever_raises_bad_input(document):
    from emulator.rules.merge import merge
    from emulator.rules.parse import parse_merged
    try:
        parse_merged(merge([Source("fuzz.toml", document)]))
    except BadInput as exc:
        assert all(line.startswith("fuzz.toml") for line in str(exc).split("\n"))
