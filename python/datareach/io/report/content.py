"""What a report shows, computed once into plain result types (docs/design.md §5b): the
exposure of the base and of each variant (one ``compare`` on common random numbers, or one
``analyze`` without variants), the most likely paths of the most exposed classes, the plans
ranked, the timeline, and the register of notes, assumptions and sources. The HTML writer
and the summary sentences only read this; nothing here formats text."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ...errors import ModelError
from ...options import AnalysisOptions, shown
from ...results import Provenance, library_version
from .register import Register, register_of

if TYPE_CHECKING:
    from ...analysis import Comparison, Path, Paths, Result, Timeline
    from ...changes import Change
    from ...model import Model

__all__ = [
    "RANK_RULES",
    "Estimate",
    "Headline",
    "PathGroup",
    "RankRule",
    "ReportContent",
    "StoreReach",
    "VariantPart",
    "content_of",
]

RankRule = Literal["total_risk", "most_sensitive"]
RANK_RULES: tuple[RankRule, ...] = ("total_risk", "most_sensitive")

# How many atomic classes per adversary get their most likely paths listed (the most
# exposed by risk), and how many paths each.
DEFAULT_PATH_CLASSES = 3
DEFAULT_PATHS = 3


@dataclasses.dataclass(frozen=True)
class Estimate:
    """A value with its 95 % interval (``low == high`` when exact)."""

    value: float
    low: float
    high: float

    @property
    def exact(self) -> bool:
        return self.low == self.high


@dataclasses.dataclass(frozen=True)
class StoreReach:
    """A store holding a class that an adversary reaches, with the probability."""

    store: str
    probability: float


@dataclasses.dataclass(frozen=True)
class Headline:
    """The difference a variant makes that matters most for one adversary: the atomic class
    whose risk changes most, its exposure in the base and in the variant, the paired
    difference, and why it is still exposed (the stores still reached that hold it, the most
    likely path that remains), or None where nothing changes."""

    adversary: str
    data_class: str
    base: Estimate
    variant: Estimate
    difference: Estimate
    risk_difference: float
    stores: tuple[StoreReach, ...]
    path: Path | None


@dataclasses.dataclass(frozen=True)
class VariantPart:
    """One variant: its name, its changes relative to the base (empty for a model given
    whole), its exposure result and its headline per adversary (None: no class changes)."""

    name: str
    model: Model
    changes: tuple[Change, ...]
    given_whole: bool
    result: Result
    headlines: dict[str, Headline | None]
    timeline: Timeline | None = None


@dataclasses.dataclass(frozen=True)
class PathGroup:
    """The most likely paths of one adversary to one atomic class, in the base."""

    adversary: str
    data_class: str
    paths: Paths


@dataclasses.dataclass(frozen=True)
class ReportContent:
    """Everything a report shows, as result tables and small records."""

    model: Model
    title: str
    at: str | None
    adversaries: tuple[str, ...]
    base: Result
    variants: tuple[VariantPart, ...]
    comparison: Comparison | None
    rank_by: RankRule
    ranking: pd.DataFrame | None
    paths: tuple[PathGroup, ...]
    timeline: Timeline | None
    timeline_note: str | None
    register: Register
    provenance: Provenance
    generated: str
    version: str

    @property
    def most_sensitive_class(self) -> str:
        """The class of the highest sensitivity (the first among equals)."""
        classes = self.model.classes
        return str(classes["id"].iloc[int(np.argmax(classes["sensitivity"].to_numpy(dtype=float)))])


def content_of(
    model: Model,
    variants: Sequence[Model | Sequence[Change]],
    *,
    names: Sequence[str] | None,
    adversaries: str | Iterable[str] | None,
    options: AnalysisOptions,
    rank_by: RankRule,
    timeline: bool | tuple[Any, Any],
    path_classes: int,
    k: int,
    title: str | None,
) -> ReportContent:
    """Run every analysis a report shows, with one seed for all of them."""
    from ...analysis import analyze, compare

    settings = options.seeded()
    if rank_by not in RANK_RULES:
        raise ModelError(f"must be one of {', '.join(RANK_RULES)}, got {shown(rank_by)}", where="rank_by")
    for name, value in (("path_classes", path_classes), ("k", k)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ModelError(f"must be a whole number >= 1, got {shown(value)}", where=name)
    if title is not None and not isinstance(title, str):
        raise ModelError(f"must be text, got {shown(title)}", where="title")

    comparison: Comparison | None = None
    parts: tuple[VariantPart, ...] = ()
    if variants:
        comparison = compare(model, *variants, names=names, adversaries=adversaries, options=settings)
        base = comparison.base
        provenance = comparison.provenance
    else:
        if names:
            raise ModelError("names are given for variants, but there is no variant", where="names")
        base = analyze(model, adversaries, settings)
        provenance = base.provenance
    ids = tuple(base.adversaries)
    if not ids:
        raise ModelError("a report needs at least one adversary", where="adversaries")
    if comparison is not None:
        models = [_variant_model(model, v) for v in variants]
        parts = tuple(
            _variant_part(model, variant_model, given, name, result, base, comparison.table, ids, settings.at)
            for variant_model, given, name, result in zip(
                models, variants, comparison.names[1:], comparison.results[1:]
            )
        )
    stepped, note = _timeline(model, [part.model for part in parts], timeline, ids, settings)
    if stepped is not None:
        start, end = (d.date() for d in (stepped.table["date"].min(), stepped.table["date"].max()))
        parts = tuple(
            dataclasses.replace(part, timeline=_stepped(part.model, start, end, ids, settings)) for part in parts
        )
    return ReportContent(
        model=model,
        title=title or model.name or "datareach report",
        at=settings.at_iso,
        adversaries=ids,
        base=base,
        variants=parts,
        comparison=comparison,
        rank_by=rank_by,
        ranking=None if comparison is None else ranking(comparison, model, rank_by),
        paths=_path_groups(model, base, path_classes, k, settings.at),
        timeline=stepped,
        timeline_note=note,
        register=register_of(model),
        provenance=provenance,
        generated=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        version=library_version(),
    )


def _variant_model(base: Model, variant: Model | Sequence[Change]) -> Model:
    from ...model import Model

    return variant if isinstance(variant, Model) else base.apply(variant)


def own_changes(base: Model, variant: Model) -> tuple[Change, ...]:
    """The changes that lead from ``base`` to ``variant``: the variant's own list without
    the changes the base already carries (a base loaded from a variant file)."""
    changes = tuple(variant.changes)
    prefix = tuple(base.changes)
    if prefix and changes[: len(prefix)] == prefix:
        return changes[len(prefix) :]
    return changes


def _variant_part(
    base_model: Model,
    variant_model: Model,
    given: Model | Sequence[Change],
    name: str,
    result: Result,
    base: Result,
    table: pd.DataFrame,
    adversaries: tuple[str, ...],
    at: Any,
) -> VariantPart:
    from ...model import Model

    changes = own_changes(base_model, variant_model)
    rows = table[table["variant"] == name]
    headlines = {
        adversary: _headline(variant_model, result, base, rows[rows["adversary"] == adversary], adversary, at)
        for adversary in adversaries
    }
    return VariantPart(
        name=name,
        model=variant_model,
        changes=changes,
        given_whole=isinstance(given, Model) and not changes,
        result=result,
        headlines=headlines,
    )


def _atomic(model: Model) -> list[str]:
    components = model._column("classes", "components")
    return [cls for cls, parts in zip(model.class_ids, components) if parts is None]


def _headline(
    model: Model, result: Result, base: Result, rows: pd.DataFrame, adversary: str, at: Any
) -> Headline | None:
    """The atomic class whose risk the variant changes most (ties: the larger change of
    probability, then class order); None when no atomic class changes."""
    from ...analysis import most_likely_path

    atomic = set(_atomic(model))
    candidates = rows[rows["class"].isin(atomic)]
    changed = candidates[(candidates["risk_difference"] != 0) | (candidates["probability_difference"] != 0)]
    if changed.empty:
        return None
    order = np.lexsort(
        (
            np.arange(len(changed)),
            -changed["probability_difference"].abs().to_numpy(),
            -changed["risk_difference"].abs().to_numpy(),
        )
    )
    row = changed.iloc[int(order[0])]
    data_class = str(row["class"])
    mine = _exposure_row(result, adversary, data_class)
    before = _exposure_row(base, adversary, data_class)
    stores = _stores_reached(result, adversary, data_class)
    path = most_likely_path(model, adversary, data_class, at=at) if mine["probability"] > 0 else None
    return Headline(
        adversary=adversary,
        data_class=data_class,
        base=Estimate(float(before["probability"]), float(before["ci_low"]), float(before["ci_high"])),
        variant=Estimate(float(mine["probability"]), float(mine["ci_low"]), float(mine["ci_high"])),
        difference=Estimate(
            float(row["probability_difference"]),
            float(row["probability_difference_ci_low"]),
            float(row["probability_difference_ci_high"]),
        ),
        risk_difference=float(row["risk_difference"]),
        stores=stores,
        path=path,
    )


def _exposure_row(result: Result, adversary: str, data_class: str) -> pd.Series:
    table = result.exposure
    row: pd.Series = table[(table["adversary"] == adversary) & (table["class"] == data_class)].iloc[0]
    return row


def _stores_reached(result: Result, adversary: str, data_class: str) -> tuple[StoreReach, ...]:
    """The stores holding the class that the adversary reaches with probability > 0, most
    likely first (ties in table order)."""
    table = result.by_store
    rows = table[(table["adversary"] == adversary) & (table["class"] == data_class) & (table["probability"] > 0)]
    rows = rows.iloc[np.argsort(-rows["probability"].to_numpy(), kind="stable")]
    return tuple(StoreReach(str(s), float(p)) for s, p in zip(rows["store"], rows["probability"]))


def most_exposed(model: Model, result: Result, adversary: str, limit: int) -> list[str]:
    """The atomic classes the adversary reaches with probability > 0, by risk (then
    probability, then class order), at most ``limit``."""
    atomic = set(_atomic(model))
    table = result.exposure
    rows = table[(table["adversary"] == adversary) & table["class"].isin(atomic) & (table["probability"] > 0)]
    order = np.lexsort((np.arange(len(rows)), -rows["probability"].to_numpy(), -rows["risk"].to_numpy()))
    return [str(rows["class"].iloc[int(i)]) for i in order[:limit]]


def _path_groups(model: Model, base: Result, path_classes: int, k: int, at: Any) -> tuple[PathGroup, ...]:
    from ...analysis import most_likely_paths

    groups = []
    for adversary in base.adversaries:
        for data_class in most_exposed(model, base, adversary, path_classes):
            found = most_likely_paths(model, adversary, data_class, k, at=at)
            if len(found):
                groups.append(PathGroup(adversary, data_class, found))
    return tuple(groups)


def ranking(comparison: Comparison, model: Model, rank_by: RankRule) -> pd.DataFrame:
    """The plans ranked (docs/design.md §8): by the reduction of total risk summed over the
    adversaries analysed (``total_risk``), or by the reduction of the exposure probability
    of the most sensitive class summed over them (``most_sensitive``); the other measure
    breaks ties, then the order the variants were given.

    Columns: rank, variant, changes, base_total_risk, total_risk, total_risk_difference,
    risk_reduction (share of the base's total risk removed), sensitive_class,
    sensitive_base_probability, sensitive_probability, sensitive_difference (with
    ``_ci_low`` / ``_ci_high``)."""
    classes = model.classes
    sensitive = str(classes["id"].iloc[int(np.argmax(classes["sensitivity"].to_numpy(dtype=float)))])
    table = comparison.table
    totals = comparison.total_risk.groupby("variant", sort=False)[["base_total_risk", "total_risk"]].sum()
    base_totals = totals["base_total_risk"].to_dict()
    plan_totals = totals["total_risk"].to_dict()
    rows = []
    for position, name in enumerate(comparison.names[1:]):
        mine = table[(table["variant"] == name) & (table["class"] == sensitive)]
        base_total = float(base_totals[name])
        total = float(plan_totals[name])
        rows.append(
            {
                "position": position,
                "variant": name,
                "base_total_risk": base_total,
                "total_risk": total,
                "total_risk_difference": total - base_total,
                "risk_reduction": (base_total - total) / base_total if base_total > 0 else 0.0,
                "sensitive_class": sensitive,
                "sensitive_base_probability": float(mine["base_probability"].sum()),
                "sensitive_probability": float(mine["probability"].sum()),
                "sensitive_difference": float(mine["probability_difference"].sum()),
                "sensitive_difference_ci_low": float(mine["probability_difference_ci_low"].sum()),
                "sensitive_difference_ci_high": float(mine["probability_difference_ci_high"].sum()),
            }
        )
    frame = pd.DataFrame(rows)
    keys = ["total_risk_difference", "sensitive_difference"]
    if rank_by == "most_sensitive":
        keys.reverse()
    frame = frame.sort_values([*keys, "position"], kind="stable").reset_index(drop=True)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    ranked: pd.DataFrame = frame.drop(columns=["position"])
    return ranked


def _timeline(
    model: Model,
    others: Sequence[Model],
    wanted: bool | tuple[Any, Any],
    adversaries: tuple[str, ...],
    options: AnalysisOptions,
) -> tuple[Timeline | None, str | None]:
    """The base's timeline at the model's own change dates (``freq="changes"``): from the
    first change date of the base and its variants (or the report's date, if earlier) to
    their last (or the report's date, if later), or between the two dates given; None with
    the reason when there is none."""
    if wanted is False:
        return None, "not requested"
    if wanted is True:
        dates = [date for m in (model, *others) for date in m.change_dates()]
        if not dates:
            return None, "the model has no dated entries, so its exposure does not change over time"
        if options.at_iso is not None:
            dates.append(options.at_iso)
        start, end = min(dates), max(dates)
    elif isinstance(wanted, tuple) and len(wanted) == 2:
        start, end = wanted
    else:
        raise ModelError(f"must be True, False or (start, end), got {shown(wanted)}", where="timeline")
    return _stepped(model, start, end, adversaries, options), None


def _stepped(model: Model, start: Any, end: Any, adversaries: tuple[str, ...], options: AnalysisOptions) -> Timeline:
    """One model's timeline at ``start``, its change dates between and ``end``, on the
    report's seed."""
    from ...analysis import timeline

    quiet = options.replace(at=None, progress=False)
    return timeline(model, start, end, "changes", adversaries=list(adversaries), options=quiet)
