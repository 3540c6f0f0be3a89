"""Model pickles (format version 2, docs/design.md §3): compact, round trip, and checked on
load as a file is. No changed byte may crash the process, and no crafted state may load a
model that fails later with anything but ModelError."""

from __future__ import annotations

import json
import os
import pickle
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import datareach as dr
from datareach.model.pickling import PICKLE_VERSION

HERE = Path(__file__).parent


def small_model() -> dr.Model:
    """A few entries of every kind, every field used once."""
    m = dr.Model("small")
    m.add_source("s", title="T", date="2020-01-01")
    m.add_event("e", 0.5, source="s")
    m.add_node("J", "jurisdiction", region="X", territory="X", compels=0.25)
    m.add_node("r", "role", region="X/a", note="n", staff={"n": [1, 2]})
    m.add_node("st", "store", region="Y", rule_exempt=True)
    m.add_node("st2", "store", region="X")
    m.add_class("c", sensitivity=2, records=2**60 + 1)
    m.add_class("d", records=5, category="k")
    m.add_class("cd", components=["c", "d"])
    m.place("c", "st", 0.5, ("2020-01-01", None))
    m.place("d", "st")
    m.add_flow("st", "st2", classes=["c"], share=0.5, kind="backup")
    m.add_access("J", "r", 0.75, requires=["e"], cost=float("inf"), kind="k")
    m.add_access("r", "st", 0.5, classes=["c", "d"], window=(None, "2030-01-01"))
    m.adversaries = ["J"]
    return m.apply([dr.changes.revoke("r", "st", effective="2025-01-01")])


def _run_flips(tmp_path: Path, model: dr.Model, positions: list[int]) -> dict[str, Any]:
    pickle_file, positions_file = tmp_path / "model.pickle", tmp_path / "positions.json"
    pickle_file.write_bytes(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
    positions_file.write_text(json.dumps(positions))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(dr.__file__).parents[1]), str(HERE)])}
    done = subprocess.run(
        [sys.executable, str(HERE / "pickle_flips.py"), str(pickle_file), str(positions_file)],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
        check=False,
    )
    assert done.returncode == 0, f"the process died ({done.returncode}): {done.stderr[-2000:]}"
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["failed"] == 0, "\n".join(report["failures"])
    return report


def test_every_changed_byte_of_a_small_pickle_raises_or_loads_a_working_model(tmp_path: Path) -> None:
    model = small_model()
    size = len(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
    report = _run_flips(tmp_path, model, list(range(size)))
    counts = report["counts"]
    assert sum(counts.values()) == 3 * size
    assert counts["refused by datareach"] > 0 and counts["loaded"] > 0, counts


def test_a_sample_of_changed_bytes_of_the_example_pickle(tmp_path: Path) -> None:
    model = dr.examples.project_texas()
    size = len(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
    positions = sorted(random.Random(7).sample(range(size), 400))
    report = _run_flips(tmp_path, model, positions)
    assert report["counts"]["refused by datareach"] > 0


@pytest.mark.parametrize("protocol", range(2, pickle.HIGHEST_PROTOCOL + 1))
def test_pickles_round_trip_with_changes_and_exact_counts(protocol: int) -> None:
    model = small_model()
    back = pickle.loads(pickle.dumps(model, protocol=protocol))
    assert back == model
    assert back.changes == model.changes and back.variant_of == model.variant_of
    assert back.classes["records"].tolist()[0] == 2**60 + 1
    assert back.access["cost"].tolist()[0] == float("inf")
    dr.analyze(back, method="exact")


def test_a_pickle_holds_no_numpy_objects() -> None:
    """Only plain Python data and bytes: nothing whose unpickling NumPy does."""
    data = pickle.dumps(dr.examples.project_texas(), protocol=pickle.HIGHEST_PROTOCOL)
    assert b"numpy" not in data
    assert b"datareach.changes" not in data  # changes travel as their file mappings


def test_pickles_stay_compact() -> None:
    model = dr.synthetic.enterprise_with_arcs(20_000)
    data = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    rows = sum(len(getattr(model, s)) for s in ("nodes", "access", "flows", "placements"))
    assert len(data) / rows < 80, len(data) / rows  # bytes per row


def _state() -> dict[str, Any]:
    return small_model().__getstate__()


def _load(state: dict[str, Any]) -> dr.Model:
    model = dr.Model.__new__(dr.Model)
    model.__setstate__(state)
    return model


def _set(section: str, column: str, value: Any) -> Any:
    def edit(state: dict[str, Any]) -> None:
        state["tables"][section][column] = value

    return edit


def _floats(*values: float) -> tuple[str, bytes]:
    return ("<f8", np.array(values, dtype="<f8").tobytes())


def _edit_list(section: str, column: str, row: int, value: Any) -> Any:
    def edit(state: dict[str, Any]) -> None:
        state["tables"][section][column][row] = value

    return edit


BAD_STATES = [
    ("version 1", lambda s: s.update(version=1), "format version 1"),
    ("no version", lambda s: s.pop("version"), "format version null"),
    ("not a mapping", None, "a mapping of its state"),
    ("a column too short", _set("access", "p", _floats(0.5)), "columns have different lengths"),
    ("a column too long", lambda s: s["tables"]["nodes"]["id"].append("z"), "columns have different lengths"),
    ("p out of range", _set("access", "p", _floats(0.5, 1.5)), "access[1].p: must lie in [0, 1], got 1.5"),
    ("p NaN", _set("access", "p", _floats(0.5, float("nan"))), "access[1].p: is required"),
    (
        "share NaN",
        _set("placements", "share", _floats(0.5, float("nan"))),
        "placements[1].share: must be a finite number",
    ),
    ("unknown node", _edit_list("access", "to", 0, "nowhere"), "access[0].to: unknown node 'nowhere'"),
    ("unknown event", _edit_list("access", "requires", 0, ["ee"]), "access[0].requires: unknown event 'ee'"),
    ("a number as an id", _edit_list("nodes", "id", 1, 7), "nodes[1].id: must be a string, got 7"),
    ("a wrong dtype", _set("classes", "records", _floats(1, 2, 3)), "classes.records: must be bytes of <i8"),
    ("a ragged buffer", _set("access", "p", ("<f8", b"\0" * 9)), "access.p: must be bytes of <f8"),
    ("an array as a column", _set("events", "id", np.array(["e"], dtype=object)), "events.id: must be a list"),
    ("a flag of 2", _set("nodes", "rule_exempt", ("|u1", bytes([0, 2, 0, 0]))), "nodes.rule_exempt: must hold only"),
    ("a missing column", lambda s: s["tables"]["access"].pop("cost"), "access: holds other fields than expected: cost"),
    ("an extra section", lambda s: s["tables"].update(extra={}), "tables: holds other fields than expected: extra"),
    (
        "a year 300000 window",
        _set("placements", "window_start", ("<i8", np.array([10**8, 0], "<i8").tobytes())),
        "placements[0].window[0]: must be a date",
    ),
    ("an unknown adversary", lambda s: s.update(adversaries=["nobody"]), "adversaries[0]: unknown node 'nobody'"),
    ("a bad change", lambda s: s.update(changes=[{"op": "teleport"}]), "changes[0].op: unknown op 'teleport'"),
    (
        "a composite placed",
        _edit_list("placements", "class", 1, "cd"),
        "placements[1].class: 'cd' is a composite class",
    ),
    ("a cycle of classes", _edit_list("classes", "components", 0, ["cd"]), "classes[2].components: cycle cd → c → cd"),
    (
        "attrs not a mapping",
        _edit_list("nodes", "attrs", 1, [1]),
        "nodes[1].attrs: must be a mapping, got a list of 1 item",
    ),
    (
        "negative records",
        _set("classes", "records", ("<i8", np.array([-1, 1, 1], "<i8").tobytes())),
        "classes[0].records: must be at least 0, got -1",
    ),
]


@pytest.mark.parametrize(("edit", "expected"), [pytest.param(e, x, id=n) for n, e, x in BAD_STATES])
def test_crafted_pickle_state_is_a_model_error(edit: Any, expected: str) -> None:
    state: Any = _state()
    if edit is None:
        state = [state]
    else:
        edit(state)
    with pytest.raises(dr.ModelError) as error:
        _load(state)
    assert expected in str(error.value)


def test_pickle_version_is_two() -> None:
    assert _state()["version"] == PICKLE_VERSION == 2


def test_a_version_1_pickle_is_refused_with_a_model_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """What datareach wrote before: NumPy columns under version 1."""
    model = small_model()

    def version_1(self: dr.Model) -> dict[str, Any]:
        return {
            "version": 1,
            "name": self.name,
            "sources": self.sources,
            "adversaries": self.adversaries,
            "tables": {s: dict(t.columns()) for s, t in self._tables.items()},
            "variant_of": None,
            "changes": (),
        }

    monkeypatch.setattr(dr.Model, "__getstate__", version_1)
    data = pickle.dumps(model)
    monkeypatch.undo()
    with pytest.raises(
        dr.ModelError, match="cannot read a Model pickled with format version 1; this datareach reads version 2"
    ):
        pickle.loads(data)
