"""Loading and saving files that are not what they should be: special files, huge files,
wrong arguments, failed writes, JSON with positions, variant files naming other files."""

from __future__ import annotations

import errno
import os
import stat
import threading
import time
from pathlib import Path
from typing import Any

import pytest

import datareach as dr
from datareach.io import loading

BASE = """\
format: datareach/1
nodes:
  - {id: admin, kind: role}
  - {id: virginia, kind: store}
  - {id: texas, kind: store}
classes:
  - {id: phones}
placements:
  - {class: phones, store: virginia}
access:
  - {from: admin, to: virginia, p: 0.5}
"""


def load_within(seconds: float, *args: Any, **kwargs: Any) -> BaseException | None:
    """The error ``dr.load(*args)`` raises, failing the test if it takes longer than
    ``seconds`` (a FIFO would otherwise hang the suite)."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            dr.load(*args, **kwargs)
            outcome.append(None)
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert outcome, f"dr.load{args} did not return within {seconds} s"
    return outcome[0]


# -- what can be read ------------------------------------------------------------------


@pytest.mark.parametrize(("path", "kind"), [("/dev/zero", "it is a device"), ("/dev/null", "it is a device")])
def test_devices_are_refused_at_once(path: str, kind: str) -> None:
    error = load_within(5, path)
    assert isinstance(error, dr.ModelError)
    assert str(error) == f"cannot read {path}: {kind}, not a regular file"


def test_a_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    error = load_within(5, fifo)
    assert isinstance(error, dr.ModelError) and "it is a FIFO (named pipe), not a regular file" in str(error)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    # A folder is read as a folder of CSV files (docs/scenario-format.md, "Spreadsheets"),
    # and refused when it holds none; as a YAML file it is no regular file.
    with pytest.raises(dr.ModelError, match="it is a folder with no nodes.csv"):
        dr.load(tmp_path)
    with pytest.raises(dr.ModelError, match="it is a folder, not a regular file"):
        dr.load(tmp_path, format="yaml")


def test_a_file_over_the_size_limit_is_refused_and_the_limit_can_be_raised(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(BASE + "# padding\n" * 200)
    size = path.stat().st_size
    with pytest.raises(dr.ModelError) as info:
        dr.load(path, max_bytes=1000)
    assert f"the file is {size:,} bytes, larger than the limit of 1,000 bytes" in str(info.value)
    assert "max_bytes=" in str(info.value)
    assert dr.load(path, max_bytes=size).node_ids == ["admin", "virginia", "texas"]
    with open(path, "rb") as handle, pytest.raises(dr.ModelError, match="larger than the limit of 1,000 bytes"):
        dr.load(handle, max_bytes=1000)  # an open file is read no further than the limit
    assert dr.io.files.DEFAULT_MAX_BYTES == 256 * 1024 * 1024


def test_the_size_limit_holds_for_bases(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(BASE + "#" * 5000 + "\n")
    (tmp_path / "v.yaml").write_text("format: datareach/1\nbase: base.yaml\nchanges: []\n")
    with pytest.raises(dr.ModelError, match="in base file 'base.yaml': cannot read .*larger than the limit of 2,000"):
        dr.load(tmp_path / "v.yaml", max_bytes=2000)


@pytest.mark.parametrize("source", [None, 3, 2.5, ["a.yaml"], object()])
def test_a_source_that_is_neither_path_nor_file(source: Any) -> None:
    with pytest.raises(
        dr.ModelError, match=f"source: expected the path of a file or an open file, got {type(source).__name__}"
    ):
        dr.load(source)


def test_bytes_name_a_file_as_for_open(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(BASE)
    assert dr.load(os.fsencode(path)) == dr.load(path)
    with pytest.raises(dr.ModelError, match="cannot read"):
        dr.load(BASE.encode())  # content is not a path


@pytest.mark.parametrize("path", ["a\0b.yaml", b"a\0b.yaml"])
def test_nul_bytes_in_paths(path: str | bytes, tmp_path: Path) -> None:
    with pytest.raises(dr.ModelError, match="a path cannot contain a NUL character"):
        dr.load(path)
    with pytest.raises(dr.ModelError, match="a path cannot contain a NUL character"):
        dr.save(dr.examples.project_texas(), "x\0.yaml")


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_a_utf8_byte_order_mark_is_skipped(tmp_path: Path, suffix: str) -> None:
    model = dr.examples.project_texas()
    path = tmp_path / f"m{suffix}"
    dr.save(model, path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert dr.load(path) == model
    assert dr.io.loads("\ufeff" + dr.io.dumps(model, "json"), "json") == model


# -- saving ----------------------------------------------------------------------------


def test_saving_into_a_missing_folder(tmp_path: Path) -> None:
    target = tmp_path / "nowhere" / "m.yaml"
    with pytest.raises(dr.ModelError, match=f"cannot write {target}: the folder {target.parent} does not exist"):
        dr.save(dr.examples.project_texas(), target)


def test_saving_to_a_full_disk() -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with pytest.raises(dr.ModelError, match="cannot write /dev/full: No space left on device"):
        dr.save(dr.examples.project_texas(), "/dev/full", format="yaml")


def test_a_failed_save_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(BASE)
    path.chmod(0o640)

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(dr.ModelError, match=f"cannot write {path}: No space left on device"):
        dr.save(dr.examples.project_texas(), path)
    assert path.read_text() == BASE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.yaml"]  # no temporary file left
    monkeypatch.undo()
    dr.save(dr.examples.project_texas(), path)
    assert dr.load(path) == dr.examples.project_texas()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # a replaced file keeps its mode


def test_saving_through_a_symlink_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("{}")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    dr.save(dr.examples.project_texas(), link)
    assert link.is_symlink() and dr.load(real) == dr.examples.project_texas()


def test_a_new_file_gets_the_usual_mode(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        dr.save(dr.examples.project_texas(), tmp_path / "new.yaml")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "new.yaml").stat().st_mode) == 0o644


# -- JSON positions --------------------------------------------------------------------


def test_a_json_key_written_twice_names_its_position() -> None:
    text = '{\n  "format": "datareach/1",\n  "nodes": [\n    {"id": "a", "kind": "role", "id": "b"}\n  ]\n}\n'
    with pytest.raises(dr.ModelError, match=r"invalid JSON at line 4, column 33: key 'id' is written twice"):
        dr.io.loads(text, "json")
    # the first duplicate in the text, though the parser meets the inner object first
    nested = '{"a": 1, "a": {"b": 1, "b": 2}}'
    with pytest.raises(dr.ModelError, match=r"line 1, column 10: key 'a' is written twice"):
        dr.io.loads(nested, "json")
    escaped = '{"format": "datareach/1", "form\\u0061t": 1}'  # the same key, spelt differently
    with pytest.raises(dr.ModelError, match=r"line 1, column 27: key 'format' is written twice"):
        dr.io.loads(escaped, "json")


def test_a_raw_control_character_in_a_json_string_names_its_position() -> None:
    text = '{\n  "format": "datareach/1",\n  "name": "a\x00b"\n}\n'
    with pytest.raises(
        dr.ModelError, match=r"invalid JSON at line 3, column 13: a control character \(U\+0000\) inside a string"
    ):
        dr.io.loads(text, "json")


def test_an_escaped_nul_in_an_id_names_the_line_of_its_entry() -> None:
    text = '{\n  "format": "datareach/1",\n  "nodes": [\n    {"id": "a", "kind": "role"},\n    {"id": "b\\u0000", "kind": "role"}\n  ]\n}\n'
    with pytest.raises(dr.ModelError) as info:
        dr.io.loads(text, "json")
    assert info.value.where == "nodes[1].id"
    assert str(info.value).startswith("nodes[1] (line 5).id: must be printable text")


# -- lines of entries ------------------------------------------------------------------


@pytest.mark.parametrize("format", ["yaml", "json"])
def test_schema_errors_in_files_name_the_line_of_the_entry(format: str) -> None:
    model = dr.examples.project_texas()
    data = model.to_dict()
    data["access"][3]["to"] = "virgina"
    text = dr.io.dumps(model, format)
    wrong = text.replace(_line_of(text, model.to_dict()["access"][3]), _line_of(text, data["access"][3]), 1)
    line = next(n for n, t in enumerate(wrong.splitlines(), 1) if "virgina" in t)
    with pytest.raises(dr.ModelError) as info:
        dr.io.loads(wrong, format)
    assert info.value.where == "access[3].to"
    assert str(info.value).startswith(f"access[3] (line {line}).to: unknown node 'virgina'")


def _line_of(text: str, entry: dict[str, Any]) -> str:
    # the text the writer gives the entry's "to" field in either format
    return f"to: {entry['to']}" if f"to: {entry['to']}" in text else f'"to": "{entry["to"]}"'


def test_a_change_in_a_variant_file_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / "v.yaml").write_text(
        "format: datareach/1\nbase: base.yaml\nchanges:\n  - {op: revoke, from: admin, to: virginia}\n"
        "\n  - {op: revoke, from: admin, to: texsa}\n"
    )
    with pytest.raises(dr.ModelError, match=r"^changes\[1\] \(line 6\)\.to: unknown node 'texsa'"):
        dr.load(tmp_path / "v.yaml")


# -- variant files ---------------------------------------------------------------------

SECRET = "root:$6$s3cr3t-hash:19000:0:99999:7:::"


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (SECRET + "\nnobody: [unclosed\n", "(invalid YAML at line 3)"),
        (SECRET + "\n", "it does not start with format: datareach/1"),
        ("password: hunter2-s3cr3t\nformat: other\n", "it does not start with format: datareach/1"),
        ('{"secret": "' + SECRET + '", }', "invalid JSON at line 1"),
        (b"\xff" + SECRET.encode(), "is not UTF-8 text"),
    ],
)
def test_a_base_that_is_no_scenario_is_named_never_quoted(tmp_path: Path, content: str | bytes, detail: str) -> None:
    name = "shadow.json" if isinstance(content, str) and content.startswith("{") else "shadow"
    (tmp_path / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    (tmp_path / "v.yaml").write_text(f"format: datareach/1\nbase: {name}\nchanges: []\n")
    with pytest.raises(dr.ModelError) as info:
        dr.load(tmp_path / "v.yaml")
    message = str(info.value)
    assert "s3cr3t" not in message and "root:" not in message and "password" not in message
    assert info.value.where == "base"
    assert message.startswith(f"base: in base file '{name}': ")
    assert detail in message


def test_a_base_with_a_schema_error_is_still_explained(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(BASE.replace("kind: role", "kind: rol"))
    (tmp_path / "v.yaml").write_text("format: datareach/1\nbase: base.yaml\nchanges: []\n")
    with pytest.raises(
        dr.ModelError, match=r"in base file 'base.yaml': nodes\[0\] \(line 3\)\.kind: unknown kind 'rol'"
    ):
        dr.load(tmp_path / "v.yaml")


@pytest.mark.parametrize("base", ["../outside.yaml", "{outside}", "inner/../../outside.yaml", "link.yaml"])
def test_a_base_outside_the_variant_folder_needs_permission(tmp_path: Path, base: str) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text(BASE)
    folder = tmp_path / "uploads"
    folder.mkdir()
    (folder / "link.yaml").symlink_to(outside)  # a link inside pointing outside
    written = base.format(outside=outside)
    (folder / "v.yaml").write_text(f"format: datareach/1\nbase: {written}\nchanges: []\n")
    with pytest.raises(dr.ModelError) as info:
        dr.load(folder / "v.yaml")
    assert info.value.where == "base"
    assert f"{written!r} lies outside the folder of the variant file ({folder.resolve()})" in str(info.value)
    assert "allow_outside_base=True" in str(info.value)
    assert dr.load(folder / "v.yaml", allow_outside_base=True) == dr.io.loads(BASE)
    text = (folder / "v.yaml").read_text()
    with pytest.raises(dr.ModelError, match="outside the folder"):
        dr.io.loads(text, base_dir=folder)
    assert dr.io.loads(text, base_dir=folder, allow_outside_base=True) == dr.io.loads(BASE)


def test_a_base_in_a_subfolder_is_inside(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "base.yaml").write_text(BASE)
    (tmp_path / "v.yaml").write_text("format: datareach/1\nbase: models/base.yaml\nchanges: []\n")
    assert dr.load(tmp_path / "v.yaml") == dr.io.loads(BASE)


def _chain(tmp_path: Path, length: int, bad: int | None = None) -> Path:
    """base.yaml and v1 ... v<length>, each a variant of the one before; v<bad> revokes
    an arc that its base no longer has."""
    (tmp_path / "base.yaml").write_text(BASE)
    previous = "base.yaml"
    for i in range(1, length + 1):
        change = "[{op: revoke, from: admin, to: virginia}]" if i in (1, bad) else "[]"
        (tmp_path / f"v{i}.yaml").write_text(f"format: datareach/1\nbase: {previous}\nname: v{i}\nchanges: {change}\n")
        previous = f"v{i}.yaml"
    return tmp_path / f"v{length}.yaml"


def test_a_long_chain_of_variants_loads(tmp_path: Path) -> None:
    model = dr.load(_chain(tmp_path, 250))
    assert model.name == "v250" and len(model.access) == 0
    assert model.variant_of == str((tmp_path / "base.yaml").resolve())


def test_a_long_chain_blames_the_file_that_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(dr.ModelError) as info:
        dr.load(_chain(tmp_path, 250, bad=200))
    message = str(info.value)
    assert message.startswith(
        f"base: in base file '{(tmp_path / 'v200.yaml').resolve()}': changes[0] (line 4).to: no arc from 'admin' to 'virginia'"
    )
    assert message.count("in base file") == 1


def test_the_chain_of_variants_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loading, "MAX_VARIANT_CHAIN", 20)
    assert dr.load(_chain(tmp_path, 20)).name == "v20"
    started = time.perf_counter()
    with pytest.raises(dr.ModelError, match="more than 20 variant files in a chain of bases"):
        dr.load(_chain(tmp_path, 21))
    assert time.perf_counter() - started < 5


def test_a_host_file_allowed_as_a_base_is_still_not_quoted(tmp_path: Path) -> None:
    host_file = Path("/etc/passwd")
    if not host_file.is_file():
        pytest.skip("no /etc/passwd")
    (tmp_path / "v.yaml").write_text(f"format: datareach/1\nbase: {host_file}\nchanges: []\n")
    with pytest.raises(dr.ModelError) as info:
        dr.load(tmp_path / "v.yaml", allow_outside_base=True)
    first_line = host_file.read_text().splitlines()[0]
    assert first_line not in str(info.value) and "root:" not in str(info.value)
    assert str(info.value).startswith(f"base: in base file '{host_file}': is not a datareach scenario file (")


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_an_infinite_cost_survives_saving_and_loading(tmp_path: Path, suffix: str) -> None:
    data = dr.examples.project_texas().to_dict()
    data["access"][0]["cost"] = float("inf")
    model = dr.Model.from_dict(data)
    target = tmp_path / f"inf{suffix}"
    dr.save(model, target)
    assert dr.load(target) == model
    assert dr.load(target).access["cost"].iloc[0] == float("inf")
