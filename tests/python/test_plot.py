"""Charts (docs/design.md §5b): every ``.plot()`` draws what its result's table says — bar
lengths, whiskers, lines, vertical lines and the Pareto front read back from the Axes and
compared with the table (the front computed here again, pairwise) — labels name the
classes, the date and the method, axes are in percent, the assumptions note is there, and
every chart renders to PNG. Matplotlib runs headless (Agg); figures are closed after each
test."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.container import BarContainer
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

import datareach as dr
from datareach import changes as C
from datareach.narrative import percent
from datareach.plot import FOOTER, INSTALL
from datareach.plot.sweep import BASE, FRONT

JULY_2022, SEPTEMBER_2022 = "2022-07-01", "2022-09-01"
PHONES = "phone_numbers"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def close_figures() -> Iterator[None]:
    """Every figure a test opens is closed after it (warnings are errors, and matplotlib
    warns past 20 open figures)."""
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def texas() -> dr.Model:
    return dr.examples.project_texas()


@pytest.fixture(scope="module")
def exact(texas: dr.Model) -> dr.Result:
    return dr.analyze(texas, ["CN", "US"], method="exact", at=JULY_2022)


@pytest.fixture(scope="module")
def sampled(texas: dr.Model) -> dr.Result:
    return dr.analyze(texas, ["CN"], method="monte_carlo", samples=4096, seed=7, at=JULY_2022)


@pytest.fixture(scope="module")
def comparison(texas: dr.Model) -> Any:
    return dr.compare(
        texas,
        dr.examples.project_texas_as_designed(),
        adversaries=["CN"],
        method="monte_carlo",
        samples=4096,
        seed=7,
        at=SEPTEMBER_2022,
    )


EFFECTIVE = JULY_2022
PLANS = {
    "revoke the Master Admin": [
        C.revoke("beijing_master_admin", "tiktok_virginia", effective=EFFECTIVE),
        C.revoke("beijing_master_admin", "singapore_backup", effective=EFFECTIVE),
    ],
    "divest": [C.revoke("bytedance", "tiktok", effective=EFFECTIVE)],
    "close the China stores": [
        C.delete("ip_addresses", "lark", effective=EFFECTIVE),
        C.migrate("creator_tax_data", "bytedance_china_dc", "oracle_texas", effective=EFFECTIVE),
    ],
    "disable US Tech Services": [C.disable("us_tech_services", effective=EFFECTIVE)],
}


@pytest.fixture(scope="module")
def swept(texas: dr.Model) -> Any:
    plans = {**PLANS, "as designed": list(dr.examples.project_texas_as_designed().changes)}
    plans["as designed + divest"] = plans["as designed"] + PLANS["divest"]
    return dr.sweep(texas, plans, adversaries=["CN", "US"], method="exact", at=SEPTEMBER_2022)


def bars(ax: Axes) -> list[BarContainer]:
    return [c for c in ax.containers if isinstance(c, BarContainer)]


def whiskers(container: BarContainer) -> np.ndarray:
    """The (low, high) ends of each bar's horizontal whisker."""
    assert container.errorbar is not None
    (segments,) = [c for c in container.errorbar.lines[2] if isinstance(c, LineCollection)]
    # A bar without a value (NaN) has an empty whisker.
    return np.array([[s[0][0], s[1][0]] if len(s) else [np.nan, np.nan] for s in segments.get_segments()])


def tick_labels(ax: Axes, axis: str = "y") -> list[str]:
    ticks = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    return [t.get_text() for t in ticks]


def texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def has_footer(ax: Axes) -> bool:
    return sum(FOOTER in t for t in texts(ax)) == 1


def vertical_lines(ax: Axes) -> list[Line2D]:
    return [
        line for line in ax.get_lines() if len(line.get_xdata()) == 2 and line.get_xdata()[0] == line.get_xdata()[1]
    ]


def label(identifier: str) -> str:
    return identifier.replace("_", " ")


# --- dr.analyze ------------------------------------------------------------------------


def test_exposure_bars_are_the_probabilities_per_class_and_adversary(exact: dr.Result) -> None:
    ax = exact.plot()
    assert tick_labels(ax) == [label(c) for c in exact.classes]
    drawn = bars(ax)
    assert [c.get_label() for c in drawn] == ["CN", "US"]
    table = exact.table.set_index(["adversary", "class"])
    for container in drawn:
        widths = [bar.get_width() for bar in container]
        expected = [table.at[(container.get_label(), c), "probability"] * 100 for c in exact.classes]
        np.testing.assert_allclose(widths, expected, rtol=0, atol=1e-9)
        assert container.errorbar is None  # exact: no interval to draw
    # One group per class: the two bars of a class sit around its tick.
    centres = np.array([[bar.get_y() + bar.get_height() / 2 for bar in c] for c in drawn])
    np.testing.assert_allclose(centres.mean(axis=0), ax.get_yticks(), atol=1e-9)
    assert "2022-07-01" in ax.get_title(loc="left") and "exact" in ax.get_title(loc="left")
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"CN", "US"}


def test_exposure_whiskers_are_the_monte_carlo_intervals(sampled: dr.Result) -> None:
    ax = sampled.plot()
    (container,) = bars(ax)
    table = sampled.table.set_index("class").loc[sampled.classes]
    np.testing.assert_allclose([b.get_width() for b in container], table["probability"] * 100, atol=1e-9)
    np.testing.assert_allclose(whiskers(container), table[["ci_low", "ci_high"]].to_numpy() * 100, atol=1e-9)
    title = ax.get_title(loc="left")
    assert "Monte Carlo" in title and f"{sampled.worlds:,} worlds" in title and "as of 2022-07-01" in title
    # One series: each bar carries its value.
    assert percent(float(table["probability"].iloc[0])) in texts(ax)


def test_the_probability_axis_is_in_percent_and_the_footer_is_there(exact: dr.Result) -> None:
    ax = exact.plot()
    formatter = ax.xaxis.get_major_formatter()
    assert isinstance(formatter, PercentFormatter)
    assert formatter(50) == "50%" and formatter(100) == "100%"
    assert "probability that CN, US can reach the class" in ax.get_xlabel()
    assert has_footer(ax)
    assert exact.name is not None and any(exact.name in t for t in texts(ax))
    exact.plot(ax=ax)  # drawn twice on one Axes: one note
    assert has_footer(ax)


@pytest.mark.parametrize("kind", ["store", "region"])
def test_stores_and_regions_are_the_place_tables(sampled: dr.Result, kind: str) -> None:
    ax = sampled.plot(kind=kind, top=None)
    places = sampled.by_store if kind == "store" else sampled.by_region
    order = list(dict.fromkeys(places[kind]))
    if kind == "store":
        regions = places.drop_duplicates("store").set_index("store")["region"]
        assert tick_labels(ax) == [f"{s} ({regions[s]})" for s in order]
    else:
        assert tick_labels(ax) == order
    table = places.set_index(["class", kind])
    drawn = bars(ax)
    assert [c.get_label() for c in drawn] == [label(c) for c in sampled.classes if c in set(places["class"])]
    for container in drawn:
        cls = container.get_label().replace(" ", "_")
        for bar, (low, high), place in zip(container, whiskers(container), order):
            if (cls, place) in table.index:
                row = table.loc[(cls, place)]
                assert bar.get_width() == pytest.approx(row["probability"] * 100, abs=1e-9)
                assert (low, high) == pytest.approx((row["ci_low"] * 100, row["ci_high"] * 100), abs=1e-9)
            else:  # the place does not hold the class: no bar
                assert np.isnan(bar.get_width())
    assert f"per {kind}" in ax.get_title(loc="left")


def test_top_caps_the_bars_at_the_highest(exact: dr.Result) -> None:
    ax = exact.plot(adversaries="CN", top=3)
    probability = exact.table[exact.table["adversary"] == "CN"].set_index("class")["probability"]
    shown = [name.replace(" ", "_") for name in tick_labels(ax)]
    assert len(shown) == 3
    hidden = [c for c in exact.classes if c not in shown]
    assert probability[shown].min() >= probability[hidden].max()  # the three highest (ties either way)
    assert shown == [c for c in exact.classes if c in shown]  # in the model's order
    assert f"top 3 of {len(exact.classes)} classes" in ax.get_title(loc="left")


def test_stores_of_several_adversaries_are_named_with_the_adversary(exact: dr.Result) -> None:
    ax = exact.plot(kind="store", classes=PHONES)
    places = exact.by_store[exact.by_store["class"] == PHONES]
    expected = [f"{s} — {a} ({r})" for a, s, r in zip(places["adversary"], places["store"], places["region"])]
    assert tick_labels(ax) == expected
    (container,) = bars(ax)
    np.testing.assert_allclose([b.get_width() for b in container], places["probability"] * 100, atol=1e-12)


def test_wrong_options_are_model_errors(exact: dr.Result) -> None:
    with pytest.raises(dr.ModelError, match="'class', 'store', 'region'") as error:
        exact.plot(kind="stores")
    assert error.value.where == "kind" and "did you mean 'store'" in str(error.value)
    with pytest.raises(dr.ModelError) as error:
        exact.plot(classes=["phone_number"])
    assert error.value.where == "classes[0]" and "phone_numbers" in str(error.value)
    with pytest.raises(dr.ModelError) as error:
        exact.plot(top=0)
    assert error.value.where == "top"
    with pytest.raises(dr.ModelError) as error:
        exact.plot(ax="left")
    assert error.value.where == "ax"


def test_the_axes_given_is_the_one_drawn_on(exact: dr.Result, sampled: dr.Result) -> None:
    figure, (left, right) = plt.subplots(1, 2)
    assert exact.plot(ax=left) is left
    assert sampled.plot(ax=right, kind="region") is right
    assert plt.get_fignums() == [figure.number]
    assert bars(left) and bars(right)


# --- dr.compare ------------------------------------------------------------------------


def test_comparison_bars_are_the_differences_around_zero(comparison: Any) -> None:
    ax = comparison.plot()
    (container,) = bars(ax)
    table = comparison.table.set_index("class").loc[comparison.base.classes]
    np.testing.assert_allclose([b.get_width() for b in container], table["probability_difference"] * 100, atol=1e-9)
    np.testing.assert_allclose(
        whiskers(container),
        table[["probability_difference_ci_low", "probability_difference_ci_high"]].to_numpy() * 100,
        atol=1e-9,
    )
    assert any(list(line.get_xdata()) == [0, 0] for line in vertical_lines(ax))  # the zero line
    formatter = ax.xaxis.get_major_formatter()
    assert formatter(-40) == "−40 pts" and formatter(20) == "+20 pts" and formatter(0) == "0"
    assert tick_labels(ax) == [label(c) for c in comparison.base.classes]
    assert "Project Texas as designed" in ax.get_title(loc="left") and "2022-09-01" in ax.get_title(loc="left")
    assert has_footer(ax)


def test_comparison_of_several_variants_has_a_bar_each(texas: dr.Model) -> None:
    variants = [PLANS["divest"], PLANS["revoke the Master Admin"]]
    result = dr.compare(
        texas, *variants, names=["divest", "admin"], adversaries="CN", method="exact", at=SEPTEMBER_2022
    )
    ax = result.plot(classes=[PHONES, "public_videos"])
    assert [c.get_label() for c in bars(ax)] == ["divest", "admin"]
    table = result.table.set_index(["variant", "class"])
    for container in bars(ax):
        expected = [
            table.at[(container.get_label(), c), "probability_difference"] * 100 for c in (PHONES, "public_videos")
        ]
        np.testing.assert_allclose([b.get_width() for b in container], expected, atol=1e-12)
    with pytest.raises(dr.ModelError) as error:
        result.plot(variants=["divested"])
    assert error.value.where == "variants[0]"


# --- dr.timeline -----------------------------------------------------------------------


def curves_of(ax: Axes) -> dict[str, Line2D]:
    return {
        line.get_label(): line
        for line in ax.get_lines()
        if not line.get_label().startswith("_") and len(line.get_xdata()) > 2
    }


def check_lines_are_the_table(result: Any, ax: Axes) -> None:
    table = result.table
    dates = sorted(pd.to_datetime(table["date"].unique()))
    drawn = curves_of(ax)
    named = [name for label_text in drawn for name in label_text.split(", ")]
    assert sorted(named) == sorted(label(c) for c in dict.fromkeys(table["class"]))  # each class once
    for label_text, line in drawn.items():
        assert line.get_drawstyle() == "steps-post"
        assert list(pd.to_datetime(line.get_xdata())) == dates
        for name in label_text.split(", "):
            rows = table[table["class"] == name.replace(" ", "_")].sort_values("date")
            np.testing.assert_allclose(line.get_ydata(), rows["probability"].to_numpy() * 100, atol=1e-9)


def test_timeline_steps_are_the_table_and_the_change_dates_are_marked(texas: dr.Model) -> None:
    result = dr.timeline(texas, "2021-09-01", "2023-12-31", "QS", adversaries="CN", method="exact")
    ax = result.plot(top=None)
    check_lines_are_the_table(result, ax)
    marked = sorted(pd.Timestamp(line.get_xdata()[0]).date().isoformat() for line in vertical_lines(ax))
    assert result.change_dates and marked == sorted(result.change_dates)
    assert not [c for c in ax.collections if isinstance(c, PolyCollection)]  # exact: no bands
    assert isinstance(ax.yaxis.get_major_formatter(), PercentFormatter)
    assert "2021-10-01 to 2023-10-01" in ax.get_title(loc="left") and "exact" in ax.get_title(loc="left")
    assert has_footer(ax)
    assert not vertical_lines(result.plot(change_dates=False))


def test_timeline_at_the_change_dates_with_monte_carlo_bands(texas: dr.Model) -> None:
    result = dr.timeline(
        texas, "2021-09-01", "2023-12-31", "changes", adversaries="CN", method="monte_carlo", samples=2048, seed=3
    )
    ax = result.plot(top=None)
    check_lines_are_the_table(result, ax)
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == len(curves_of(ax))
    low = result.table["ci_low"].min() * 100
    high = result.table["ci_high"].max() * 100
    for band in bands:
        y = band.get_paths()[0].vertices[:, 1]
        assert low - 1e-9 <= y.min() and y.max() <= high + 1e-9
    assert "Monte Carlo" in ax.get_title(loc="left")


def test_timeline_top_caps_the_lines(texas: dr.Model) -> None:
    result = dr.timeline(texas, "2022-01-01", "2023-12-31", "QS", adversaries="CN", method="exact")
    ax = result.plot(top=1)
    assert len(curves_of(ax)) == 1
    with pytest.raises(dr.ModelError) as error:
        result.plot(change_dates="yes")
    assert error.value.where == "change_dates"


# --- dr.sweep --------------------------------------------------------------------------


def independent_values(swept: Any, adversaries: list[str]) -> pd.DataFrame:
    table = swept.table[swept.table["adversary"].isin(adversaries)]
    rows = [{"plan": BASE, "changes": 0, "value": 100.0}]
    base_total = table.groupby("variant")["base_risk"].sum().iloc[0]
    for plan, group in table.groupby("variant", sort=False):
        rows.append(
            {"plan": plan, "changes": int(group["changes"].iloc[0]), "value": group["risk"].sum() / base_total * 100}
        )
    return pd.DataFrame(rows)


def non_dominated(values: pd.DataFrame) -> set[tuple[float, float]]:
    """Points no other point beats: as few or fewer changes and as low or lower a value,
    one strictly (pairwise, as the definition reads)."""
    points = list(zip(values["changes"].astype(float), values["value"]))
    return {(n, v) for n, v in points if not any(m <= n and w <= v and (m < n or w < v) for m, w in points)}


def test_sweep_points_are_the_plans_and_the_front_is_the_non_dominated(swept: Any) -> None:
    ax = swept.plot(adversaries="CN")
    values = independent_values(swept, ["CN"])
    drawn = np.vstack([c.get_offsets() for c in ax.collections if len(c.get_offsets())])
    expected = values[["changes", "value"]].to_numpy(dtype=float)
    assert sorted(map(tuple, np.round(drawn, 9))) == sorted(map(tuple, np.round(expected, 9)))
    (front,) = [line for line in ax.get_lines() if line.get_label() == FRONT]
    assert front.get_drawstyle() == "steps-post"
    on_line = {(float(n), float(v)) for n, v in zip(front.get_xdata(), front.get_ydata())}
    assert on_line == {(float(n), float(v)) for n, v in non_dominated(values)}
    for plan in values["plan"]:  # every plan is named on the chart
        assert any(plan in t for t in texts(ax)), plan
    assert FRONT in [t.get_text() for t in ax.get_legend().get_texts()]
    assert isinstance(ax.yaxis.get_major_formatter(), PercentFormatter)
    assert "2022-09-01" in ax.get_title(loc="left") and has_footer(ax)


def test_sweep_over_all_adversaries_and_for_one_class(swept: Any) -> None:
    values = independent_values(swept, ["CN", "US"])
    ax = swept.plot()
    (front,) = [line for line in ax.get_lines() if line.get_label() == FRONT]
    assert {(float(n), float(v)) for n, v in zip(front.get_xdata(), front.get_ydata())} == non_dominated(values)

    ax = swept.plot(data_class=PHONES, adversaries="CN", labels="front")
    rows = swept.table[(swept.table["class"] == PHONES) & (swept.table["adversary"] == "CN")]
    phones = pd.DataFrame(
        {
            "plan": [BASE, *rows["variant"]],
            "changes": [0, *rows["changes"]],
            "value": [rows["base_probability"].iloc[0] * 100, *(rows["probability"] * 100)],
        }
    )
    (front,) = [line for line in ax.get_lines() if line.get_label() == FRONT]
    assert {(float(n), float(v)) for n, v in zip(front.get_xdata(), front.get_ydata())} == non_dominated(phones)
    assert "phone numbers" in ax.get_ylabel()
    with pytest.raises(dr.ModelError) as error:
        swept.plot(data_class=PHONES)  # two adversaries
    assert error.value.where == "adversaries"
    with pytest.raises(dr.ModelError) as error:
        swept.plot(labels="some")
    assert error.value.where == "labels"


def test_the_sweep_table_records_each_plans_number_of_changes(swept: Any) -> None:
    changes = swept.table.groupby("variant")["changes"].first()
    assert changes["divest"] == 1 and changes["as designed"] == len(dr.examples.project_texas_as_designed().changes)
    assert changes["as designed + divest"] == changes["as designed"] + 1


# --- explanations ----------------------------------------------------------------------


def test_importance_bars_are_the_top_variables_with_intervals(texas: dr.Model) -> None:
    result = dr.importance(texas, "CN", PHONES, at=JULY_2022, method="monte_carlo", samples=4096, seed=5)
    ax = result.plot(top=3)
    (container,) = bars(ax)
    top = result.table.head(3)
    np.testing.assert_allclose([b.get_width() for b in container], top["importance"] * 100, atol=1e-9)
    np.testing.assert_allclose(
        whiskers(container), top[["importance_low", "importance_high"]].to_numpy() * 100, atol=1e-9
    )
    for text, (_, row) in zip(tick_labels(ax), top.iterrows()):
        assert (f"{row['from']} → {row['to']}" in text) if row["kind"] != "event" else (row["event"] in text)
    assert "phone numbers" in ax.get_title(loc="left") and "2022-07-01" in ax.get_title(loc="left")
    assert has_footer(ax)


def test_tornado_bars_span_the_ends_of_each_range(texas: dr.Model) -> None:
    result = dr.tornado(texas, "CN", PHONES, at=JULY_2022, method="exact")
    ax = result.plot()
    (container,) = bars(ax)
    table = result.table
    np.testing.assert_allclose([b.get_x() for b in container], table["exposure_low"] * 100, atol=1e-9)
    np.testing.assert_allclose([b.get_x() + b.get_width() for b in container], table["exposure_high"] * 100, atol=1e-9)
    widths = [b.get_width() for b in container]
    assert widths == sorted(widths, reverse=True)  # largest swing at the top
    (base,) = [line for line in vertical_lines(ax)]
    assert base.get_xdata()[0] == pytest.approx(result.base * 100)
    assert isinstance(ax.xaxis.get_major_formatter(), PercentFormatter) and has_footer(ax)


def test_tornado_with_monte_carlo_has_whiskers_at_both_ends(texas: dr.Model) -> None:
    result = dr.tornado(texas, "CN", PHONES, at=JULY_2022, method="monte_carlo", samples=2048, seed=5)
    ax = result.plot(top=2)
    ends = [c for c in ax.containers if not isinstance(c, BarContainer)]
    assert len(ends) == 2
    (segments,) = [c for c in ends[0].lines[2] if isinstance(c, LineCollection)]
    lows = np.array([[s[0][0], s[1][0]] for s in segments.get_segments()])
    expected = result.table.head(2)[["exposure_low_ci_low", "exposure_low_ci_high"]].to_numpy() * 100
    np.testing.assert_allclose(lows, expected, atol=1e-9)


def test_uncertainty_histogram_counts_the_draws_and_marks_base_and_quantiles(texas: dr.Model) -> None:
    result = dr.uncertainty(texas, "CN", PHONES, at=JULY_2022, method="exact", seed=2, draws=60)
    ax = result.plot(bins=12)
    heights = [patch.get_height() for patch in ax.patches]
    assert len(heights) == 12 and sum(heights) == 60
    marked = sorted(line.get_xdata()[0] for line in vertical_lines(ax))
    expected = sorted([result.base * 100, *np.quantile(result.exposure * 100, [0.05, 0.95])])
    np.testing.assert_allclose(marked, expected, atol=1e-9)
    summary = result.summary.iloc[0]
    assert summary["q05"] * 100 == pytest.approx(expected[0], abs=1e-9) or result.base * 100 == pytest.approx(
        expected[0]
    )
    with pytest.raises(dr.ModelError) as error:
        result.plot(bins=0)
    assert error.value.where == "bins"


def test_reduction_with_monte_carlo_has_whiskers(texas: dr.Model) -> None:
    result = dr.cheapest_reduction(texas, "CN", PHONES, 0.05, at=JULY_2022, method="monte_carlo", samples=2048, seed=4)
    ax = result.plot()
    (container,) = bars(ax)
    assert container.errorbar is not None
    (segments,) = [c for c in container.errorbar.lines[2] if isinstance(c, LineCollection)]
    ends = np.array([[s[0][1], s[1][1]] for s in segments.get_segments()])
    expected = np.vstack([[result.base_exposure] * 2, result.table[["exposure_low", "exposure_high"]].to_numpy()]) * 100
    np.testing.assert_allclose(ends, expected, atol=1e-9)


def test_reduction_bars_are_the_exposure_after_each_revoke(texas: dr.Model) -> None:
    result = dr.cheapest_reduction(texas, "CN", PHONES, 0.05, at=JULY_2022, method="exact")
    ax = result.plot()
    (container,) = bars(ax)
    expected = [result.base_exposure * 100, *(result.table["exposure_after"] * 100)]
    np.testing.assert_allclose([b.get_height() for b in container], expected, atol=1e-9)
    (target,) = [line for line in ax.get_lines() if line.get_label().startswith("target")]
    assert target.get_ydata()[0] == pytest.approx(5.0)
    labels = tick_labels(ax, "x")
    assert labels[0] == "now" and all(
        f"{r['from']} → {r['to']}" in t for t, (_, r) in zip(labels[1:], result.table.iterrows())
    )


# --- rendering, laziness, global state ------------------------------------------------


def every_chart(texas: dr.Model, exact: dr.Result, sampled: dr.Result, comparison: Any, swept: Any) -> dict[str, Any]:
    """Every chart, as a function of the Axes to draw on."""
    timeline = dr.timeline(texas, "2021-09-01", "2023-12-31", "changes", adversaries="CN", method="exact")
    importance = dr.importance(texas, "CN", PHONES, at=JULY_2022, method="exact")
    tornado = dr.tornado(texas, "CN", PHONES, at=JULY_2022, method="exact")
    spread = dr.uncertainty(texas, "CN", PHONES, at=JULY_2022, method="exact", seed=1, draws=20)
    reduction = dr.cheapest_reduction(texas, "CN", PHONES, 0.05, at=JULY_2022, method="exact")
    return {
        "exposure": lambda ax: sampled.plot(ax),
        "stores": lambda ax: sampled.plot(ax, kind="store"),
        "regions": lambda ax: exact.plot(ax, kind="region"),
        "comparison": lambda ax: comparison.plot(ax),
        "timeline": lambda ax: timeline.plot(ax),
        "sweep": lambda ax: swept.plot(ax, adversaries="CN"),
        "importance": lambda ax: importance.plot(ax),
        "tornado": lambda ax: tornado.plot(ax),
        "uncertainty": lambda ax: spread.plot(ax),
        "reduction": lambda ax: reduction.plot(ax),
    }


def test_every_chart_renders_to_png_and_leaves_the_global_settings(
    texas: dr.Model, exact: dr.Result, sampled: dr.Result, comparison: Any, swept: Any, tmp_path: Path
) -> None:
    settings = {key: matplotlib.rcParams[key] for key in matplotlib.rcParams}
    for name, draw in every_chart(texas, exact, sampled, comparison, swept).items():
        ax = draw(None)  # a figure of its own
        path = tmp_path / f"{name}.png"
        ax.figure.savefig(path, dpi=60)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert path.stat().st_size > 5_000, name
        assert has_footer(ax), name
        plt.close(ax.figure)

        figure, given = plt.subplots()
        assert draw(given) is given, name  # into the Axes given, no figure of its own
        assert plt.get_fignums() == [figure.number], name
        plt.close(figure)
    assert {key: matplotlib.rcParams[key] for key in matplotlib.rcParams} == settings


def test_importing_datareach_does_not_import_matplotlib() -> None:
    code = "import sys, datareach; assert 'matplotlib' not in sys.modules, 'imported'"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_without_matplotlib_a_chart_says_what_to_install(exact: dr.Result, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # what a missing package looks like
    with pytest.raises(ImportError, match=r"pip install 'datareach\[plot\]'") as error:
        exact.plot()
    assert INSTALL in str(error.value)


def test_the_readme_chart_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Charts", 1)[1]
    code = section.split("```py\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    assert list(tmp_path.glob("*.png"))


def test_charts_of_nothing_reached_draw_without_warnings(example: dr.Model) -> None:
    """After the admin's access ends (2022-02-01) the small example reaches nothing: every
    chart still draws (warnings are errors here, so no singular axis limits either)."""
    after = "2023-01-01"
    result = dr.analyze(example, "CN", at=after, method="exact")
    for kind in ("class", "store", "region"):
        ax = result.plot(kind=kind)
        assert all(b.get_width() == 0 for c in bars(ax) for b in c)
    importance = dr.importance(example, "CN", "public_videos", at=after, method="exact")
    assert importance.table.empty
    assert "nothing to rank" in " ".join(texts(importance.plot()))
    tornado = dr.tornado(example, "CN", "public_videos", at=after, method="exact")
    assert tornado.table.empty
    assert "no ranges" in " ".join(texts(tornado.plot()))
    reduction = dr.cheapest_reduction(example, "CN", "public_videos", 0.05, at=after, method="exact")
    (container,) = bars(reduction.plot())
    assert [b.get_height() for b in container] == [0.0]


def test_timeline_of_two_adversaries_names_each(texas: dr.Model) -> None:
    result = dr.timeline(texas, "2022-01-01", "2023-12-31", "QS", adversaries=["CN", "US"], method="exact")
    ax = result.plot(top=None, classes=[PHONES])
    drawn = curves_of(ax)
    assert sorted(drawn) == ["phone numbers (CN)", "phone numbers (US)"]
    for adversary in ("CN", "US"):
        rows = result.table[(result.table["class"] == PHONES) & (result.table["adversary"] == adversary)]
        line = drawn[f"phone numbers ({adversary})"]
        np.testing.assert_allclose(line.get_ydata(), rows.sort_values("date")["probability"] * 100, atol=1e-12)
    assert "CN, US" in ax.get_title(loc="left")


def test_bar_labels_never_show_a_probability_below_1_as_certain() -> None:
    """The US reaches protected data with 1 − 1e-5 in July 2022: the label must not say 100%."""
    result = dr.analyze(dr.examples.project_texas(), "US", at="2022-07-01", method="exact")
    ax = result.plot()
    labels = [t for t in texts(ax) if t.endswith("%")]
    probabilities = result.table["probability"].tolist()
    for p in probabilities:
        assert percent(p) in labels
    near = [p for p in probabilities if 0.9995 < p < 1]
    assert near and all(not percent(p).startswith("100") for p in near)
