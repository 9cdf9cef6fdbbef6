"""Tests for the ISR-safety rules format."""
import pytest

from emulator.errors import BadInput
from emulator.rules.model import decode_flags, load_rules, parse_rules

MINIMAL = """
[functions.my_alloc]
kind = "heap"
size_arg = 1
free = "my_free"
isr = "never"
"""


def error_of(text: str) -> str:
    with pytest.raises(BadInput) as info:
        parse_rules(text, "rules.toml")
    return str(info.value)


def test_default_rules_watch_our_allocators_and_their_frees():
    rules = load_rules()
    assert rules.watched == ("heap_free", "heap_malloc", "page_alloc", "page_free", "pool_alloc",
                             "pool_alloc_nomask", "pool_free", "pool_free_nomask")


def test_page_alloc_is_allowed_in_an_interrupt_only_with_page_atomic():
    page = load_rules().get("page_alloc")
    assert page.allowed_in_interrupt((1,)) and page.allowed_in_interrupt((3,))
    assert not page.allowed_in_interrupt((2,)) and not page.allowed_in_interrupt(())


def test_pool_is_always_allowed_and_heap_never():
    rules = load_rules()
    assert rules.get("pool_alloc").allowed_in_interrupt(())
    assert not rules.get("heap_malloc").allowed_in_interrupt((16,))
    assert not rules.get("heap_free").allowed_in_interrupt((0x2000,))


def test_a_free_function_inherits_group_and_reentrancy_from_its_allocator():
    free = load_rules().get("pool_free_nomask")
    assert (free.role, free.group, free.reentrant, free.ptr_arg, free.instance_arg) == (
        "free", "pool", False, 1, 0)
    assert free.allocs == ("pool_alloc_nomask",)


def test_flags_are_decoded_by_name_with_unknown_bits_in_hex():
    names = (("PAGE_ATOMIC", 1), ("PAGE_ZERO", 2))
    assert decode_flags(3, names) == "PAGE_ATOMIC|PAGE_ZERO"
    assert decode_flags(0x12, names) == "PAGE_ZERO|0x10"
    assert decode_flags(0, names) == "0"


def test_arguments_are_formatted_with_their_roles():
    rules = load_rules()
    assert rules.get("page_alloc").format_args((2,)) == "flags=0x2 (PAGE_ZERO)"
    assert rules.get("page_alloc").format_args((0,)) == "flags=0x0"
    assert rules.get("heap_malloc").format_args((48,)) == "size=48"
    assert rules.get("heap_free").format_args((0x20000010,)) == "ptr=0x20000010"
    assert rules.get("pool_free").format_args((0x20000100, 0x20000200)) == "pool=0x20000100, ptr=0x20000200"


def test_a_user_rules_file_names_its_own_allocators():
    rules = parse_rules(MINIMAL)
    assert rules.watched == ("my_alloc", "my_free")
    assert rules.get("my_alloc").block_bytes((0, 40)) == 40
    assert (rules.isr_stack.base, rules.isr_stack.top) == (None, None)     # found in the image


def test_an_unknown_isr_policy_names_the_file_and_key():
    text = MINIMAL.replace('"never"', '"sometimes"')
    assert error_of(text) == ("rules.toml:6: key 'functions.my_alloc.isr': "
                              "expected one of always, never, when-flag, when-arg")


def test_an_unknown_key_is_rejected():
    assert error_of(MINIMAL + "colour = 1\n") == "rules.toml:7: key 'functions.my_alloc.colour': unknown key"
    assert error_of("[stack]\n") == "rules.toml:1: key 'stack': unknown key"


def test_malformed_toml_is_one_line_naming_the_file():
    message = error_of("[functions\n")
    assert message.startswith("rules.toml: malformed TOML") and "\n" not in message


def test_when_flag_must_name_a_defined_flag():
    text = MINIMAL.replace('"never"', '"when-flag"') + 'when_flag = { arg = 0, mask = "ATOMIC" }\n'
    assert error_of(text) == ("rules.toml:7: key 'functions.my_alloc.when_flag.mask': "
                              "flag 'ATOMIC' is not defined in flags")


def test_when_flag_policy_requires_a_when_flag_table():
    text = MINIMAL.replace('"never"', '"when-flag"')
    assert error_of(text) == "rules.toml:2: key 'functions.my_alloc.when_flag': required with isr = \"when-flag\""


def test_a_negative_argument_index_is_a_bad_value():
    assert "key 'functions.my_alloc.size_arg': expected an integer >= 0" in error_of(
        MINIMAL.replace("size_arg = 1", "size_arg = -1"))


def test_a_free_function_cannot_carry_allocator_keys():
    text = MINIMAL + '[functions.my_free]\nkind = "heap"\n'
    assert error_of(text).startswith("rules.toml:8: key 'functions.my_free.kind': not allowed")


def test_cycle_budgets_must_name_watched_functions():
    assert error_of(MINIMAL + "[budgets.cycles.other]\nmax = 5\n") == (
        "rules.toml:7: key 'budgets.cycles.other': unknown key")
    rules = parse_rules(MINIMAL + "[budgets.cycles.my_alloc]\nmax = 5\np99 = 4\n")
    assert rules.budgets.cycles_for("my_alloc").p99 == 4


def test_binding_replaces_symbols_with_addresses():
    text = (MINIMAL + 'region = { start = "__heap_start", end = 0x20008000 }\n'
            '[isr_stack]\nbase = "__isr_stack_base"\ntop = "__isr_stack_top"\n')
    symbols = {"my_alloc": 0x100, "my_free": 0x120, "__heap_start": 0x20004000,
               "__isr_stack_base": 0x2000F000, "__isr_stack_top": 0x20010000}
    bound = parse_rules(text).bind(symbols)
    assert bound.get("my_alloc").region == (0x20004000, 0x20008000)
    assert (bound.isr_stack.base, bound.isr_stack.top) == (0x2000F000, 0x20010000)


def test_a_symbol_missing_from_the_image_is_a_bad_input_naming_the_key():
    with pytest.raises(BadInput, match="key 'functions.my_free': symbol 'my_free'"):
        parse_rules(MINIMAL).bind({"my_alloc": 1})
    stack = MINIMAL + '[isr_stack]\nbase = "__isr_stack_base"\n'
    with pytest.raises(BadInput, match="key 'isr_stack.base': symbol '__isr_stack_base' not found"):
        parse_rules(stack).bind({"my_alloc": 1, "my_free": 2})


def test_missing_function_symbols_can_be_tolerated_for_the_profiles():
    rules = load_rules()
    bound = rules.bind({}, functions=False)
    assert bound.isr_stack.top is None
    assert ("functions.heap_malloc", "heap_malloc") in rules.missing_symbols({})


def test_an_unreadable_rules_file_is_a_bad_input(tmp_path):
    with pytest.raises(BadInput, match="cannot read rules file"):
        load_rules(tmp_path / "absent.toml")
