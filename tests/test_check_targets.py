"""Check targets: manifests resolve paths next to themselves, ids are stable, shards partition."""
from __future__ import annotations

import pytest

from emulator.errors import BadInput
from emulator.gate.targets import Target, collect_targets, parse_shard, select_shard


@pytest.fixture
def tree(tmp_path):
    (tmp_path / "fw").mkdir()
    for name in ("a.elf", "b.elf", "c.elf"):
        (tmp_path / "fw" / name).write_bytes(b"\x7fELF")
    (tmp_path / "rules.toml").write_text("")
    (tmp_path / "board.toml").write_text("")
    return tmp_path


def write_manifest(tree, text, name="images.toml"):
    path = tree / name
    path.write_text(text)
    return str(path)


def test_manifest_paths_are_relative_to_the_manifest_and_ids_are_as_written(tree, monkeypatch):
    monkeypatch.chdir(tree / "fw")
    manifest = write_manifest(tree, """
[defaults]
rules = "rules.toml"
[[image]]
path = "fw/b.elf"
board = "board.toml"
[[image]]
path = "fw/a.elf"
name = "app-a"
board = "e200-mcu"
rules = "rules.toml"
""")
    targets = collect_targets([manifest], board="cortex-m4")
    assert [t.id for t in targets] == ["app-a", "fw/b.elf"]
    a, b = targets
    assert a.image == str(tree / "fw/a.elf") and a.board == "e200-mcu"
    assert b.board == str(tree / "board.toml") and b.rules == str(tree / "rules.toml")


def test_command_line_board_and_rules_are_the_fallback_for_manifest_entries(tree):
    manifest = write_manifest(tree, '[[image]]\npath = "fw/a.elf"\n')
    (target,) = collect_targets([manifest], board="cortex-m4", rules="r.toml")
    assert (target.board, target.rules) == ("cortex-m4", "r.toml")


def test_a_manifest_glob_expands_to_sorted_images(tree):
    manifest = write_manifest(tree, '[[image]]\npath = "fw/*.elf"\n')
    assert [t.id for t in collect_targets([manifest])] == ["fw/a.elf", "fw/b.elf", "fw/c.elf"]


def test_command_line_images_are_sorted_and_keep_their_relative_path(tree, monkeypatch):
    monkeypatch.chdir(tree)
    targets = collect_targets(["fw/c.elf", "./fw/a.elf"])
    assert [t.id for t in targets] == ["fw/a.elf", "fw/c.elf"]


@pytest.mark.parametrize("text, fragment", [
    ('[[image]]\npath = "fw/a.elf"\nbaord = "x"\n', "key 'image[0].baord': unknown key"),
    ('[[image]]\nboard = "cortex-m4"\n', "key 'image[0].path': required"),
    ('[[image]]\npath = "fw/missing.elf"\n', "key 'image[0].path': no such file 'fw/missing.elf'"),
    ('[[image]]\npath = "fw/a.elf"\nrules = "nope.toml"\n', "key 'image[0].rules': no such file"),
    ('[[image]]\npath = "fw/*.bin"\n', "key 'image[0].path': no file matches"),
    ('[[image]]\npath = "fw/*.elf"\nname = "x"\n', "key 'image[0].name': cannot name a glob"),
    ('[[image]]\npath = 3\n', "key 'image[0].path': expected a non-empty string"),
    ('images = []\n', "key 'images': unknown key"),
    ('[defaults]\n', "key 'image': expected one or more"),
    ('[[image]\n', "malformed TOML manifest"),
])
def test_manifest_errors_name_the_manifest_and_the_key(tree, text, fragment):
    manifest = write_manifest(tree, text)
    with pytest.raises(BadInput) as info:
        collect_targets([manifest])
    assert str(info.value).startswith(manifest) and fragment in str(info.value)


def test_two_entries_with_one_id_are_rejected(tree):
    manifest = write_manifest(tree, '[[image]]\npath = "fw/a.elf"\n[[image]]\npath = "fw/a.elf"\n')
    with pytest.raises(BadInput, match="image id 'fw/a.elf' is given twice"):
        collect_targets([manifest])


def test_a_missing_image_or_manifest_is_bad_input(tree):
    with pytest.raises(BadInput, match="nope.elf: no such image file"):
        collect_targets([str(tree / "nope.elf")])
    with pytest.raises(BadInput, match="nope.toml: no such manifest file"):
        collect_targets([str(tree / "nope.toml")])


@pytest.mark.parametrize("spec", ["3/2", "0/3", "1/0", "a/b", "1", "1/2/3", "-1/2", ""])
def test_bad_shard_specs_are_rejected(spec):
    with pytest.raises(BadInput, match="--shard"):
        parse_shard(spec)


def test_shards_cover_every_target_exactly_once_and_are_balanced():
    targets = [Target(f"img{i:03d}", f"img{i:03d}") for i in range(101)]
    shards = [select_shard(list(reversed(targets)), parse_shard(f"{k}/7")) for k in range(1, 8)]
    ids = [t.id for shard in shards for t in shard]
    assert sorted(ids) == [t.id for t in targets]
    assert {len(s) for s in shards} <= {14, 15}
    assert select_shard(targets, (2, 7)) == shards[1]


def test_no_shard_keeps_everything_and_more_shards_than_images_leaves_some_empty():
    targets = [Target("a", "a"), Target("b", "b")]
    assert select_shard(targets, None) == targets
    assert select_shard(targets, (3, 3)) == []
