"""Bounded fuzzing of every way into a model (docs/design.md §7, "Bad input").

For every input drawn by the strategies of ``fuzz_strategies.py`` (scenario mappings,
file bytes, change lists, variant files, analysis arguments): either it loads (or
applies) and then every analysis runs on the model — reach, the k most likely paths,
exact and Monte Carlo exposure, the cheapest cut, chokepoints, a comparison, the round
trip through both file formats and through pickle — raising nothing but ``ModelError``;
or it raises ``ModelError`` whose message is short and names the entry and field (or
the position in the file), never quoting a foreign file. A valid model's analyses never
raise at all.

Each property is a plain function of one drawn value in :data:`TARGETS`, so that the long
campaign (``python tests/fuzz/campaign.py``) runs the same checks with a time budget. Here
they run with a fixed number of examples, derandomised so that the suite is repeatable;
the campaign draws fresh inputs every run.
"""

from __future__ import annotations

import collections
import contextlib
import math
import pickle
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import datareach as dr
from fuzz_strategies import (
    AT_DATES,
    SECRET,
    VariantSetup,
    change_lists,
    file_documents,
    scenarios,
    serialise,
    valid_scenarios,
    variant_setups,
    weird_values,
)

# The longest message an error may have (a temporary folder's path counted as 5 characters):
# values are quoted within a budget (docs/design.md §8 decision 23), so no message grows
# with what it is about.
MAX_MESSAGE = 600
# Errors that concern the whole document, or a position in it rather than a field.
WHOLE_DOCUMENT = re.compile(
    r"(invalid (YAML|JSON)\b|a model must be a mapping|the file is empty|cannot read |\S+ is not UTF-8 text)"
)

# Outcomes per target (inputs tried, loaded, refused), for the campaign's figures.
OUTCOMES: collections.Counter[tuple[str, str]] = collections.Counter()


def check_error(error: dr.ModelError, *, root: Path | None = None) -> None:
    """The contract of a refusal: short, located, and quoting nothing of a host file."""
    text = str(error)
    assert SECRET not in text, f"a host file's content is quoted: {text[:300]!r}"
    if root is not None:
        text = text.replace(str(root.resolve()), "<tmp>").replace(str(root), "<tmp>")
    assert len(text) <= MAX_MESSAGE, f"a message of {len(text):,} characters: {text[:300]!r}…"
    assert error.where or WHOLE_DOCUMENT.match(text), f"the message names no entry or field: {text!r}"


@contextlib.contextmanager
def refused(target: str, root: Path | None = None) -> Iterator[None]:
    """Counts the input as loaded, or as refused with a ModelError that keeps the contract."""
    OUTCOMES[target, "tried"] += 1
    try:
        yield
    except dr.ModelError as error:
        check_error(error, root=root)
        OUTCOMES[target, "refused"] += 1
    else:
        OUTCOMES[target, "loaded"] += 1


def atomic_classes(model: dr.Model) -> list[str]:
    components = model._column("classes", "components")
    return [c for c, parts in zip(model.class_ids, components) if parts is None]


def probabilities_ok(values: Any) -> None:
    array = np.asarray(values, dtype=float)
    assert np.all((array >= 0) & (array <= 1)), f"probabilities outside [0, 1]: {array}"


def exercise(model: dr.Model, at: Any = None, seed: int = 1) -> None:
    """Every analysis of a valid model, with the invariants that hold on any model."""
    adversaries = list(model.adversaries) or model.node_ids[:2]
    if not adversaries:
        with pytest.raises(dr.ModelError, match="no adversaries"):
            dr.reach(model)
        return
    reach = dr.reach(model, adversaries, at=at).table
    exact = dr.analyze(model, adversaries, method="exact", at=at)
    sampled = dr.analyze(model, adversaries, method="monte_carlo", samples=512, seed=seed, threads=1, at=at)
    for result in (exact, sampled):
        table = result.table
        probabilities_ok(table["probability"])
        probabilities_ok(table["ci_low"])
        probabilities_ok(table["ci_high"])
        assert np.all(table["ci_low"] <= table["probability"] + 1e-12)
        assert np.all(table["probability"] <= table["ci_high"] + 1e-12)
        assert np.all(table["expected_share"] <= table["probability"] + 1e-12)
        probabilities_ok(result.by_store["probability"])
        assert (
            math.isfinite(float(result.total_risk["total_risk"].sum()))
            or np.isinf(result.total_risk["total_risk"]).any()
        )
        # What deterministic reach settles, both engines give exactly.
        merged = table.merge(reach, on=["adversary", "class"])
        assert np.all(merged.loc[~merged["possible"], "probability"] == 0)
        assert np.all(merged.loc[merged["certain"], "probability"] == 1)
    atoms = atomic_classes(model)
    for adversary in adversaries[:1]:
        for data_class in atoms[:2]:
            possible = bool(
                reach.loc[(reach["adversary"] == adversary) & (reach["class"] == data_class), "possible"].iloc[0]
            )
            paths = dr.most_likely_paths(model, adversary, data_class, k=3, at=at)
            chances = [path.probability for path in paths]
            probabilities_ok(chances)
            assert chances == sorted(chances, reverse=True)
            assert bool(paths) == possible
            cut = dr.cheapest_cut(model, adversary, data_class, at=at)
            assert cut.cost >= 0 and cut.reachable == possible
            if cut.pairs:
                after = dr.reach(model.apply(cut.as_changes()), adversary, at=at).table
                assert not after.loc[after["class"] == data_class, "possible"].any()
            choke = dr.chokepoints(model, adversary, data_class, at=at)
            assert adversary not in list(choke.table["node"])
    for format in ("yaml", "json"):
        assert dr.io.loads(dr.io.dumps(model, format), format) == model
    assert pickle.loads(pickle.dumps(model)) == model


def exercise_or_refuse(model: dr.Model, target: str, at: Any = None) -> None:
    """``exercise`` where a ModelError is allowed (a model of thousands of aliased
    entries may be too large for the exact engine) but must keep the contract."""
    try:
        exercise(model, at)
    except dr.ModelError as error:
        check_error(error)
        OUTCOMES[target, "analysis refused"] += 1


# -- the properties ---------------------------------------------------------------------


def valid_models(case: tuple[dict[str, Any], Any, int]) -> None:
    """A valid scenario loads, and no analysis of it raises."""
    scenario, at, seed = case
    OUTCOMES["valid", "tried"] += 1
    model = dr.Model.from_dict(scenario)
    exercise(model, at, seed)
    OUTCOMES["valid", "loaded"] += 1


def scenario_mappings(case: tuple[dict[str, Any], Any]) -> None:
    """``Model.from_dict`` of a valid or near-valid mapping of any Python values."""
    scenario, at = case
    model = None
    with refused("mappings"):
        model = dr.Model.from_dict(scenario)
    if model is not None:
        exercise_or_refuse(model, "mappings", at)


def files(case: tuple[bytes, str]) -> None:
    """``dr.load`` of a file's bytes; the same text through ``dr.io.loads`` agrees."""
    data, suffix = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"scenario{suffix}"
        path.write_bytes(data)
        model = None
        with refused("files", Path(folder)):
            model = dr.load(path)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = None
        if text is not None:
            format = "json" if suffix == ".json" else "yaml"
            try:
                again = dr.io.loads(text, format, base_dir=folder)
            except dr.ModelError as error:
                check_error(error, root=Path(folder))
                assert model is None, f"loads refuses what load reads: {error}"
            else:
                assert again == model, "load and loads of the same text differ"
    if model is not None:
        exercise_or_refuse(model, "files")


def changes(case: tuple[dict[str, Any], Any]) -> None:
    """``Model.apply`` of valid and broken change lists; what applies is analysed and
    compared with its base, and its change list round trips through both formats."""
    scenario, listed = case
    base = dr.Model.from_dict(scenario)
    changed = None
    with refused("changes"):
        changed = base.apply(listed)
    if changed is None:
        return
    exercise_or_refuse(changed, "changes")
    for format in ("yaml", "json"):
        text = dr.changes.dumps(changed.changes, format)
        assert list(dr.changes.loads(text, format)) == list(changed.changes)
    if base.adversaries or base.node_ids:
        adversaries = list(base.adversaries) or base.node_ids[:1]
        if all(a in changed.node_ids for a in adversaries):
            comparison = dr.compare(base, changed, adversaries=adversaries, samples=512, seed=3, threads=1)
            probabilities_ok(comparison.table["probability"])
            exact = dr.compare(base, changed, adversaries=adversaries, method="exact")
            probabilities_ok(exact.table["probability"])


def write_variants(setup: VariantSetup, root: Path) -> tuple[Path, bool]:
    """Write the files of ``setup`` under ``root``; the path to load and whether a base
    outside the folder is allowed."""
    work = root / "work"
    (work / "sub").mkdir(parents=True)
    base_text = serialise(setup.base, "yaml")
    (work / "base.yaml").write_text(base_text)
    (work / "sub" / "base.yaml").write_text(base_text)
    (root / "outside.yaml").write_text(base_text)
    (work / "host.txt").write_text(f"root:x:0:0\n{SECRET}\n")
    (work / "host.yaml").write_text(f"password: {SECRET}\nformat: other\n")
    (work / "host.json").write_text(f'{{"token": "{SECRET}", ')
    (work / "host.bin").write_bytes(b"\xff\xfe" + SECRET.encode() + b"\x00\x81")
    with contextlib.suppress(OSError):
        (work / "link.yaml").symlink_to(root / "outside.yaml")
    names = [f"v{i + 1}{suffix}" for i, suffix in enumerate(setup.suffixes)]
    innermost: Any = {
        "none": "base.yaml",
        "missing": "nothere.yaml",
        "outside": "../outside.yaml",
        "absolute-outside": str(root / "outside.yaml"),
        "symlink-outside": "link.yaml",
        "cycle": names[0],
        "self": names[-1],
        "host-text": "host.txt",
        "host-yaml": "host.yaml",
        "host-json": "host.json",
        "host-binary": "host.bin",
        "folder": "sub",
        "nul": "base\0.yaml",
        "not-text": 5,
        "empty-text": "",
        "subfolder": "sub/base.yaml",
        "long": "a" * 5000 + ".yaml",
        "device": "/dev/null",
    }[setup.fault]
    for i, (name, listed) in enumerate(zip(names, setup.chain)):
        variant: dict[str, Any] = {
            "format": "datareach/1",
            "base": names[i + 1] if i + 1 < len(names) else innermost,
        }
        if setup.names[i] is not None:
            variant["name"] = setup.names[i]
        variant["changes"] = listed
        if i == 0 and setup.broken_variant is not None:
            variant.update(setup.broken_variant)
        format = "json" if name.endswith(".json") else "yaml"
        (work / name).write_text(serialise(variant, format), encoding="utf-8", errors="surrogatepass")
    allow = setup.fault in ("outside", "absolute-outside") and len(setup.chain) % 2 == 0
    return work / names[0], allow


def variant_files(setup: VariantSetup) -> None:
    """``dr.load`` of a chain of variant files with good and bad bases."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        path, allow = write_variants(setup, root)
        model = None
        with refused("variants", root):
            model = dr.load(path, allow_outside_base=allow)
    if model is not None:
        assert model.variant_of is not None
        exercise_or_refuse(model, "variants")


EXAMPLE = dr.examples.project_texas()


def arguments(case: tuple[str, Any, Any]) -> None:
    """The analyses and change builders called with arguments of any type or value: a
    ModelError naming the argument, or a TypeError for a wrong Python type."""
    name, first, second = case
    calls: dict[str, Callable[[], Any]] = {
        "reach": lambda: dr.reach(EXAMPLE, first, at=second),
        "paths": lambda: dr.most_likely_paths(EXAMPLE, "CN", first, k=second),
        "paths-adversary": lambda: dr.most_likely_paths(EXAMPLE, first, "phone_numbers", at=second),
        "cut": lambda: dr.cheapest_cut(EXAMPLE, first, second),
        "chokepoints": lambda: dr.chokepoints(EXAMPLE, "CN", first, at=second),
        "analyze": lambda: dr.analyze(EXAMPLE, "CN", samples=first, seed=second, threads=1),
        "analyze-method": lambda: dr.analyze(EXAMPLE, "CN", method=first, at=second, samples=512, threads=1),
        "analyze-tolerance": lambda: dr.analyze(EXAMPLE, "CN", tolerance=first, max_samples=second, threads=1),
        "migrate": lambda: dr.changes.migrate(first, second, "oracle_texas"),
        "copy": lambda: dr.changes.copy("phone_numbers", first, second),
        "set_p": lambda: dr.changes.set_p("a", first, second),
        "add_gateway": lambda: dr.changes.add_gateway("gw", first, ["x"], second),
        "add_flow": lambda: dr.changes.add_flow("a", "b", first, second),
        "relocate": lambda: dr.changes.relocate(first, second),
        "effective": lambda: dr.changes.disable("CN", effective=first, note=second),
        "compare-names": lambda: dr.compare(EXAMPLE, [], names=[first, second], samples=512, threads=1),
        "timeline-freq": lambda: dr.timeline(EXAMPLE, "2022-01-01", "2022-03-01", first, samples=512, threads=1),
        "save-format": lambda: dr.io.dumps(EXAMPLE, first),
        "apply": lambda: EXAMPLE.apply(first),
        "from_dict": lambda: dr.Model.from_dict(first),
        "loads": lambda: dr.io.loads(first, second),
    }
    OUTCOMES["arguments", "tried"] += 1
    try:
        calls[name]()
    except dr.ModelError as error:
        check_error(error)
        OUTCOMES["arguments", "refused"] += 1
    except TypeError as error:
        # Only for a value of the wrong Python type, with a message naming what is wrong.
        assert str(error), "a TypeError without a message"
        OUTCOMES["arguments", "type error"] += 1
    else:
        OUTCOMES["arguments", "accepted"] += 1


ARGUMENT_CALLS = [
    "reach",
    "paths",
    "paths-adversary",
    "cut",
    "chokepoints",
    "analyze",
    "analyze-method",
    "analyze-tolerance",
    "migrate",
    "copy",
    "set_p",
    "add_gateway",
    "add_flow",
    "relocate",
    "effective",
    "compare-names",
    "timeline-freq",
    "save-format",
    "apply",
    "from_dict",
    "loads",
]

# name -> (strategy, property, examples in the suite)
TARGETS: dict[str, tuple[st.SearchStrategy[Any], Callable[[Any], None], int]] = {
    "valid": (
        st.tuples(valid_scenarios(), st.sampled_from(AT_DATES), st.integers(0, 2**64 - 1)),
        valid_models,
        30,
    ),
    "mappings": (st.tuples(scenarios(python_values=True), st.sampled_from(AT_DATES)), scenario_mappings, 80),
    "files": (file_documents(), files, 80),
    "changes": (change_lists(), changes, 40),
    "variants": (variant_setups(), variant_files, 40),
    "arguments": (st.tuples(st.sampled_from(ARGUMENT_CALLS), weird_values(1), weird_values(1)), arguments, 150),
}

HEALTH = list(HealthCheck)


def suite_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=HEALTH,
        # No shrinking here: a failure is reported at once, as drawn (shrinking a large
        # scenario can take minutes); the campaign shrinks what it finds.
        phases=[Phase.explicit, Phase.generate],
        print_blob=True,
    )


def _suite_test(name: str) -> Callable[[], None]:
    strategy, check, examples = TARGETS[name]
    test = suite_settings(examples)(given(strategy)(check))
    test.__name__ = f"test_fuzz_{name}"
    return test


test_fuzz_valid_models_never_raise = _suite_test("valid")
test_fuzz_scenario_mappings = _suite_test("mappings")
test_fuzz_files = _suite_test("files")
test_fuzz_changes = _suite_test("changes")
test_fuzz_variant_files = _suite_test("variants")
test_fuzz_arguments = _suite_test("arguments")


def test_every_target_runs_in_the_suite() -> None:
    tests = {name for name in globals() if name.startswith("test_fuzz_")}
    assert len(tests) == len(TARGETS)


# -- inputs the fuzzing found ---------------------------------------------------------------
# Each broke the contract before it was fixed; kept here as plain regression tests.

HUGE = 10**5000  # more digits than Python turns into text


@pytest.mark.parametrize(
    ("text", "format"),
    [('{"format": ' + "1" * 5000 + "}", "json"), ("[" + "9" * 4400 + "]", "json"), ("a: " + "9" * 4400, "yaml")],
)
def test_an_integer_of_too_many_digits_is_a_model_error(text: str, format: str) -> None:
    # json.loads raised a bare ValueError (Python's limit on the digits of an integer); the
    # YAML reader said "a !!int scalar must be an integer" of a plain number.
    with pytest.raises(
        dr.ModelError, match=r"^invalid (JSON|YAML at line 1, column 4): an integer with too many digits"
    ):
        dr.io.loads(text, format)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("key", "location"),
    [("", "''"), (" ", "' '"), ("a\nb", "'a\\nb'"), ("k" * 5000, "'kkkk"), (HUGE, "an integer of about 5,001 digits")],
    ids=["empty", "blank", "line-break", "long", "huge-integer"],
)
def test_unknown_keys_are_named_within_bounds(key: Any, location: str) -> None:
    # An empty key gave a message naming no field; a key with a line break was written raw
    # into the location; a long key was quoted whole; a huge integer key made str() fail.
    scenario = {"format": "datareach/1", "nodes": [{"id": "a", "kind": "role", key: 1}]}
    for data, where in ((scenario, "nodes[0]."), ({"format": "datareach/1", key: 1}, "")):
        with pytest.raises(dr.ModelError) as info:
            dr.Model.from_dict(data)
        check_error(info.value)
        assert info.value.where is not None and info.value.where.startswith(where + location)
    with pytest.raises(dr.ModelError) as info:
        dr.Model.from_dict({"format": "datareach/1"}).apply([{"op": "disable", "node": "a", key: 1}])
    check_error(info.value)
    assert info.value.where is not None and info.value.where.startswith("changes[0]." + location)


@pytest.mark.parametrize(
    "variant",
    [
        {"format": "x" * 5000, "base": "base.yaml", "changes": []},
        {"format": "datareach/1", "base": "base.yaml", "changes": [], "k" * 5000: 1},
        {"format": "datareach/1", "base": "a" * 5000 + ".yaml", "changes": []},
        {"format": "datareach/1", "base": "../" + "a" * 5000, "changes": []},
        {"format": "datareach/1", "base": "a\nb.yaml", "changes": []},
    ],
    ids=["format", "unknown-field", "long-base", "long-base-outside", "line-break-in-base"],
)
def test_variant_file_errors_quote_their_values_within_bounds(variant: dict[str, Any], tmp_path: Path) -> None:
    # The format, an unknown field, and a base (in "in base file", "cannot read", "lies
    # outside") were quoted whole: a message as long as the file.
    (tmp_path / "base.yaml").write_text(serialise({"format": "datareach/1"}, "yaml"))
    path = tmp_path / "v.json"
    path.write_text(serialise(variant, "json"))
    with pytest.raises(dr.ModelError) as info:
        dr.load(path)
    check_error(info.value, root=tmp_path)
    assert "\n" not in str(info.value)


def test_a_long_cycle_of_variant_files_is_named_by_its_ends(tmp_path: Path) -> None:
    for i in range(40):
        (tmp_path / f"v{i}.yaml").write_text(f"format: datareach/1\nbase: v{(i + 1) % 40}.yaml\nchanges: []\n")
    with pytest.raises(dr.ModelError) as info:
        dr.load(tmp_path / "v0.yaml")
    check_error(info.value, root=tmp_path)
    assert "variant files form a cycle: v0.yaml → v1.yaml → v2.yaml → … (36 more) … → v39.yaml → v0.yaml" in str(
        info.value
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda: dr.reach(EXAMPLE, HUGE),
        lambda: dr.most_likely_paths(EXAMPLE, "CN", HUGE),
        lambda: dr.most_likely_paths(EXAMPLE, "CN", "phone_numbers", k=HUGE * -1),
        lambda: dr.most_likely_paths(EXAMPLE, "CN", "phone_numbers", k="x" * 5000),
        lambda: dr.analyze(EXAMPLE, "CN", samples=HUGE),
        lambda: dr.io.dumps(EXAMPLE, "x" * 5000),
        lambda: dr.timeline(EXAMPLE, "2022-01-01", "2022-03-01", "x" * 5000, samples=512, threads=1),
        lambda: dr.compare(EXAMPLE, [], [], names=["x" * 5000] * 2, samples=512, threads=1),
        lambda: dr.sweep(EXAMPLE, {"p" * 5000: [{"op": "disable", "node": "nobody"}]}, samples=512, threads=1),
        lambda: dr.io.loads("format: datareach/1", None),  # type: ignore[arg-type]
    ],
)
def test_bad_arguments_are_named_within_bounds(call: Callable[[], Any]) -> None:
    # A huge integer made the message itself fail (str() refuses it: a bare ValueError); k,
    # the file format, a timeline's frequency, variant and plan names were quoted whole, and
    # a bad format named no argument.
    with pytest.raises(dr.ModelError) as info:
        call()
    check_error(info.value)
