"""Hardening of the analysis options and requests: every out-of-range option and every bad
argument ends in a ModelError naming it; nothing is wrapped, doubled or invented; a tolerance
is honoured (or the result and a warning say it was not)."""

from __future__ import annotations

import datetime
import warnings
from typing import Any

import numpy as np
import pytest

import datareach as dr

AT = "2022-07-01"
PLAN = [dr.changes.revoke("beijing_master_admin", "tiktok_virginia")]


@pytest.fixture(scope="module")
def texas() -> dr.Model:
    return dr.examples.project_texas()


@pytest.fixture(scope="module")
def coin() -> dr.Model:
    """One arc of p = 0.5 to a store: the widest interval there is, the slowest to converge."""
    model = dr.Model("coin").add_class("d").add_node("a", "role").add_node("s", "store")
    return model.place("d", "s").add_access("a", "s", p=0.5)


def _widest(low: Any, high: Any) -> float:
    return float(np.max((np.asarray(high) - np.asarray(low)) / 2))


# --- point 3: out-of-range integers and bad types name the option --------------------------


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"samples": 2**63}, "samples"),
        ({"samples": 2**62 + 1}, "samples"),
        ({"max_samples": 2**63}, "max_samples"),
        ({"max_samples": 0}, "max_samples"),
        ({"threads": 2**40}, "threads"),
        ({"threads": 1025}, "threads"),
        ({"seed": 2**64}, "seed"),
        ({"seed": 2**80}, "seed"),
        ({"seed": -1}, "seed"),
        ({"tolerance": float("inf")}, "tolerance"),
        ({"tolerance": float("nan")}, "tolerance"),
        ({"tolerance": -1e-3}, "tolerance"),
        ({"method": 5}, "method"),
    ],
)
def test_out_of_range_options_are_model_errors_naming_the_option(fields: dict[str, Any], where: str) -> None:
    with pytest.raises(dr.ModelError) as error:
        dr.AnalysisOptions(**fields)
    assert error.value.where == where


def test_the_largest_accepted_values_reach_the_engine(coin: dr.Model) -> None:
    options = dr.AnalysisOptions(seed=2**64 - 1, threads=1024, samples=2**62)
    assert (options.seed, options.threads, options.samples) == (2**64 - 1, 1024, 2**62)
    result = dr.analyze(coin, "a", method="monte_carlo", samples=512, seed=2**64 - 1, threads=2)
    assert result.seed == 2**64 - 1


def test_seed_2_to_the_64_is_not_seed_0(coin: dr.Model) -> None:
    # It used to wrap: the same numbers as seed 0, and provenance recording a seed never used.
    with pytest.raises(dr.ModelError, match=r"^seed: .*2\^64 - 1, got 18446744073709551616$"):
        dr.analyze(coin, "a", method="monte_carlo", samples=512, seed=2**64)


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        ({"samples": datetime.date(2016, 1, 1)}, "the date 2016-01-01"),
        ({"seed": "7"}, "'7'"),
        ({"progress": object()}, "an object value"),
        ({"tolerance": [0.1]}, "a list of 1 item"),
    ],
)
def test_messages_show_values_not_python_reprs(fields: dict[str, Any], shown: str) -> None:
    with pytest.raises(dr.ModelError) as error:
        dr.AnalysisOptions(**fields)
    assert str(error.value).endswith(shown)
    assert "datetime.date(" not in str(error.value) and "<object" not in str(error.value)


@pytest.mark.parametrize(
    ("call", "where"),
    [
        (lambda m: dr.analyze(None), "model"),  # type: ignore[arg-type]
        (lambda m: dr.analyze({"nodes": []}), "model"),  # type: ignore[arg-type]
        (lambda m: dr.reach("scenario.yaml"), "model"),  # type: ignore[arg-type]
        (lambda m: dr.most_likely_path(None, "CN", "phone_numbers"), "model"),  # type: ignore[arg-type]
        (lambda m: dr.most_likely_path(m, 5, "phone_numbers"), "adversary"),  # type: ignore[arg-type]
        (lambda m: dr.compare(None, PLAN), "base"),  # type: ignore[arg-type]
        (lambda m: dr.compare(m, 5), "variants[0]"),  # type: ignore[arg-type]
        (lambda m: dr.timeline(None, "2022-01-01", "2022-02-01"), "model"),  # type: ignore[arg-type]
        (lambda m: dr.sweep(None, {"a": PLAN}), "base"),  # type: ignore[arg-type]
        (lambda m: dr.sweep(m, {"a": PLAN}, executor=5), "executor"),
        (lambda m: dr.sweep(m, {"a": PLAN}, executor="tcp://x"), "executor"),
    ],
)
def test_a_wrong_argument_is_a_model_error_naming_it(texas: dr.Model, call: Any, where: str) -> None:
    with pytest.raises(dr.ModelError) as error:
        call(texas)
    assert error.value.where == where


def test_executor_5_fails_before_any_work(texas: dr.Model) -> None:
    with pytest.raises(
        dr.ModelError,
        match=r"^executor: expected None, a concurrent.futures executor or a Dask "
        r"Client, got 5$",
    ):
        dr.sweep(texas, {"a": PLAN}, executor=5, seed=1)


# --- point 4: duplicate adversaries, sub-daily timelines -----------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda m, a: dr.analyze(m, a, method="exact"),
        lambda m, a: dr.reach(m, a),
        lambda m, a: dr.compare(m, PLAN, adversaries=a, method="exact"),
        lambda m, a: dr.timeline(m, "2022-01-01", "2022-02-01", adversaries=a, method="exact"),
        lambda m, a: dr.sweep(m, {"p": PLAN}, adversaries=a, method="exact"),
    ],
)
def test_an_adversary_listed_twice_is_refused_not_doubled(texas: dr.Model, call: Any) -> None:
    with pytest.raises(dr.ModelError) as error:
        call(texas, ["CN", "US", "CN"])
    assert error.value.where == "adversaries[2]"
    assert "'CN' is listed twice (also adversaries[0])" in error.value.reason


@pytest.mark.parametrize("freq", ["h", "H", "min", "s", "12h", "ms"])
def test_sub_daily_timeline_frequencies_are_refused(texas: dr.Model, freq: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # pandas' deprecation of "H"
        with pytest.raises(dr.ModelError, match=r"^freq: .*shorter than a day; the model is dated by days"):
            dr.timeline(texas, "2022-01-01", "2022-01-03", freq)


def test_daily_and_longer_frequencies_still_work(texas: dr.Model) -> None:
    for freq, dates in (("D", 3), ("24h", 3), ("W", 1), ("MS", 1)):
        table = dr.timeline(
            texas, "2022-01-01", "2022-01-03" if freq != "MS" else "2022-01-31", freq, adversaries="CN", method="exact"
        ).table
        assert table["date"].nunique() == dates, freq


def test_a_frequency_that_is_not_text_is_named(texas: dr.Model) -> None:
    with pytest.raises(dr.ModelError, match=r"^freq: expected a pandas frequency such as 'MS' or 'changes', got 5$"):
        dr.timeline(texas, "2022-01-01", "2022-02-01", 5)  # type: ignore[arg-type]


# --- point 6: tolerance honoured -----------------------------------------------------------


def test_a_tolerance_is_met_past_the_default_samples(coin: dr.Model) -> None:
    # p = 0.5 needs about 960,000 worlds for a half-width of 0.001; it used to stop at samples
    # (100,352 worlds, half-width 0.0031) and say nothing.
    with warnings.catch_warnings():
        warnings.simplefilter("error", dr.ToleranceNotMet)
        result = dr.analyze(coin, "a", method="monte_carlo", tolerance=0.001, seed=1)
    assert result.provenance.converged is True
    assert result.worlds is not None and result.worlds > dr.AnalysisOptions().samples
    assert _widest(result.table["ci_low"], result.table["ci_high"]) <= 0.001
    assert result.provenance.max_samples == dr.AnalysisOptions().max_samples == 10_000_000


def test_a_tiny_cap_reports_converged_false_and_warns(coin: dr.Model) -> None:
    with pytest.warns(dr.ToleranceNotMet, match=r"analyze: tolerance 0.001 not met after 4,096 worlds"):
        result = dr.analyze(coin, "a", method="monte_carlo", tolerance=0.001, max_samples=4096, seed=1)
    assert result.provenance.converged is False and result.worlds == 4096
    assert _widest(result.table["ci_low"], result.table["ci_high"]) > 0.001
    assert "tolerance 0.001 NOT met" in result.provenance.describe()
    assert issubclass(dr.ToleranceNotMet, UserWarning)


def test_exact_runs_report_converged(texas: dr.Model) -> None:
    assert dr.analyze(texas, method="exact", tolerance=0.001).provenance.converged is True
    assert dr.analyze(texas, method="exact").provenance.converged is True
    assert dr.compare(texas, PLAN, method="exact", tolerance=1e-6).provenance.converged is True


def test_monte_carlo_without_a_tolerance_reports_no_convergence(coin: dr.Model) -> None:
    result = dr.analyze(coin, "a", method="monte_carlo", samples=512, seed=1)
    assert result.provenance.converged is None and result.provenance.max_samples is None


def test_samples_is_not_the_stop_with_a_tolerance(coin: dr.Model) -> None:
    capped = dr.analyze(coin, "a", method="monte_carlo", samples=512, tolerance=0.01, seed=2)
    assert capped.provenance.converged is True and capped.worlds is not None and capped.worlds > 512


def test_same_seed_same_numbers_with_a_tolerance(coin: dr.Model) -> None:
    one = dr.analyze(coin, "a", method="monte_carlo", tolerance=0.005, seed=5, threads=1)
    two = dr.analyze(coin, "a", method="monte_carlo", tolerance=0.005, seed=5, threads=2)
    assert one.table.equals(two.table) and one.worlds == two.worlds


@pytest.fixture(scope="module")
def coin_plan() -> list[Any]:
    return [dr.changes.set_p("a", "s", 0.6)]


def test_compare_meets_its_tolerance_on_the_differences(coin: dr.Model, coin_plan: list[Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", dr.ToleranceNotMet)
        comparison = dr.compare(coin, coin_plan, adversaries="a", method="monte_carlo", tolerance=0.001, seed=1)
    table = comparison.table
    assert comparison.provenance.converged is True
    assert _widest(table["probability_difference_ci_low"], table["probability_difference_ci_high"]) <= 0.001
    assert comparison.worlds is not None and comparison.worlds > dr.AnalysisOptions().samples


def test_compare_with_a_tiny_cap_warns(coin: dr.Model, coin_plan: list[Any]) -> None:
    with pytest.warns(dr.ToleranceNotMet, match="^compare: "):
        comparison = dr.compare(
            coin, coin_plan, adversaries="a", method="monte_carlo", tolerance=0.001, max_samples=512, seed=1
        )
    assert comparison.provenance.converged is False


def test_timeline_and_sweep_warn_once_when_short(coin: dr.Model, coin_plan: list[Any]) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        timeline = dr.timeline(
            coin,
            "2022-01-01",
            "2022-01-03",
            "D",
            adversaries="a",
            method="monte_carlo",
            tolerance=0.001,
            max_samples=512,
            seed=1,
        )
        swept = dr.sweep(
            coin,
            {"up": coin_plan, "down": [dr.changes.set_p("a", "s", 0.4)]},
            adversaries="a",
            method="monte_carlo",
            tolerance=0.001,
            max_samples=512,
            seed=1,
        )
    short = [w for w in caught if issubclass(w.category, dr.ToleranceNotMet)]
    assert [str(w.message).split(":")[0] for w in short] == ["timeline", "sweep"]
    assert timeline.provenance.converged is False and swept.provenance.converged is False


def test_timeline_and_sweep_converge(coin: dr.Model, coin_plan: list[Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", dr.ToleranceNotMet)
        timeline = dr.timeline(
            coin, "2022-01-01", "2022-01-02", "D", adversaries="a", method="monte_carlo", tolerance=0.004, seed=1
        )
        swept = dr.sweep(coin, {"up": coin_plan}, adversaries="a", method="monte_carlo", tolerance=0.004, seed=1)
    assert timeline.provenance.converged is True and swept.provenance.converged is True
    assert _widest(timeline.table["ci_low"], timeline.table["ci_high"]) <= 0.004
    assert _widest(swept.table["probability_difference_ci_low"], swept.table["probability_difference_ci_high"]) <= 0.004


# --- point 8: errors say which plan or variant ---------------------------------------------


def test_sweep_names_the_bad_plan(texas: dr.Model) -> None:
    plans = {"fine": PLAN, "bad plan": [dr.changes.migrate("public_videos", "tiktok_virginia", "texsa")]}
    with pytest.raises(dr.ModelError) as error:
        dr.sweep(texas, plans, seed=1)
    assert error.value.where == "plan 'bad plan': changes[0].to"
    assert str(error.value).startswith("plan 'bad plan': changes[0].to: unknown node 'texsa'")


def test_compare_names_the_bad_variant(texas: dr.Model) -> None:
    with pytest.raises(dr.ModelError) as error:
        dr.compare(texas, PLAN, [dr.changes.migrate("public_videos", "tiktok_virginia", "texsa")], seed=1)
    assert error.value.where == "variants[1]: changes[0].to"


def test_an_exact_size_error_names_the_adversary_by_id() -> None:
    side = 20  # a 20 x 20 grid of shared-event links: too wide for the frontier method (width
    # 22 > 16) and too many variables for factoring (760 > 128)
    model = dr.Model().add_class("d")
    for r in range(side):
        for c in range(side):
            model.add_node(f"v{r}_{c}", "store" if (r, c) == (side - 1, side - 1) else "role")
    model.place("d", f"v{side - 1}_{side - 1}")
    for r in range(side):
        for c in range(side):
            for dr_, dc in ((0, 1), (1, 0)):
                if r + dr_ < side and c + dc < side:
                    a, b = f"v{r}_{c}", f"v{r + dr_}_{c + dc}"
                    model.add_event(f"e{a}{b}", 0.9)
                    model.add_access(a, b, p=1.0, requires=[f"e{a}{b}"])
                    model.add_access(b, a, p=1.0, requires=[f"e{a}{b}"])
    with pytest.raises(dr.ModelError) as error:
        dr.analyze(model, ["v0_1", "v0_0"], method="exact")
    assert "adversary 'v0_1'" in str(error.value) or "adversary 'v0_0'" in str(error.value)
    assert "#" not in str(error.value)


def test_an_unknown_frequency_passes_on_the_advice_of_pandas(texas: dr.Model) -> None:
    with pytest.raises(dr.ModelError, match=r"^freq: not a pandas frequency: 'M' \(Please use 'ME' instead\)$"):
        dr.timeline(texas, "2022-01-01", "2022-03-01", "M")
    with pytest.raises(dr.ModelError, match=r"^freq: not a pandas frequency: 'zz' \(try 'D', 'W', 'MS' or 'QS'\)$"):
        dr.timeline(texas, "2022-01-01", "2022-03-01", "zz")


def test_messages_use_the_right_article() -> None:
    from datareach.options import with_article
    from datareach.results import AnalysisResult

    assert (with_article("int"), with_article("list"), with_article("organization")) == (
        "an int",
        "a list",
        "an organization",
    )
    result = AnalysisResult(dr.analyze(dr.examples.project_texas(), method="exact").table, dr.Provenance("x", "exact"))
    with pytest.raises(dr.ModelError, match="^cannot read an AnalysisResult pickled with format version 9;"):
        result.__setstate__({"version": 9})


def test_a_provenance_pickled_before_convergence_was_recorded_still_reads() -> None:
    import pickle

    provenance = dr.Provenance("analyze", "monte_carlo", worlds=512, seed=1)
    for added in ("converged", "max_samples"):  # as a provenance of the previous layout had them
        object.__delattr__(provenance, added)
    again = pickle.loads(pickle.dumps(provenance))
    assert (again.converged, again.max_samples, again.worlds) == (None, None, 512)


def test_variant_names_are_checked_one_by_one(texas: dr.Model) -> None:
    other = [dr.changes.revoke("china_engineers", "tiktok_virginia")]
    with pytest.raises(dr.ModelError) as error:
        dr.compare(texas, PLAN, other, names=["same", "same"], method="exact")
    assert str(error.value) == "names[1]: variant names must differ: 'same' is given twice"
    with pytest.raises(dr.ModelError, match=r"^names\[0\]: a variant name must be text, got 5$"):
        dr.compare(texas, PLAN, names=[5], method="exact")  # type: ignore[list-item]


def test_an_unknown_score_is_shown_without_a_repr(texas: dr.Model) -> None:
    with pytest.raises(dr.ModelError, match=r"^score: unknown score the date 2016-01-01; expected one of"):
        dr.analyze(texas, method="exact").matrix(datetime.date(2016, 1, 1))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("adversaries", "message"),
    [
        (datetime.date(2016, 1, 1), "adversaries: must be a node id or a list of node ids, got the date 2016-01-01"),
        ([datetime.date(2016, 1, 1)], "adversaries[0]: expected a node id, got the date 2016-01-01"),
        (["CN", 5], "adversaries[1]: expected a node id, got 5"),
    ],
)
def test_adversaries_that_are_not_ids_are_shown_as_a_file_writes_them(
    texas: dr.Model, adversaries: Any, message: str
) -> None:
    with pytest.raises(dr.ModelError) as error:
        dr.analyze(texas, adversaries, method="exact")
    assert str(error.value) == message


def test_adversaries_may_come_from_an_iterator(texas: dr.Model) -> None:
    assert dr.analyze(texas, iter(["CN", "US"]), method="exact").adversaries == ["CN", "US"]
    assert dr.reach(texas, (a for a in ["US"])).table["adversary"].unique().tolist() == ["US"]
