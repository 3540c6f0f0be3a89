"""The summary of a report in sentences (docs/design.md §5b, §8), generated from its result
tables: numbers are written by :mod:`.numbers`, as the tables write them.

- For the base, per adversary: which classes it can reach with what probability, and the
  most likely path to each of its most exposed classes (by risk).
- Per variant: its changes in words; per adversary, the atomic class whose risk the
  variant changes most, from what to what, with the interval of the paired difference, and
  why it is still exposed: the stores still reached that hold it and the most likely path
  that remains (or that no store holding it is reached any more); the change of total risk.
- The ranking of the plans, with its rule.

Sentences are plain text; the HTML writer escapes them."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ...narrative import joined
from .numbers import percent, points, points_range, short_amount

if TYPE_CHECKING:
    from ...analysis import Path
    from ...changes import Change
    from .content import Headline, ReportContent, VariantPart

__all__ = [
    "base_sentences",
    "change_text",
    "changes_summary",
    "headline_sentence",
    "path_text",
    "ranking_sentence",
    "summary",
    "variant_sentences",
]

# Classes listed by name in a base sentence before "and N more".
_LISTED = 6
# Changes described one by one in a summary sentence; more are counted by kind.
_DESCRIBED = 3
# Paths told per adversary in the base's sentences.
_PATHS_TOLD = 3


def _ids(values: Sequence[str] | None, every: str = "every class") -> str:
    return every if values is None else ", ".join(values)


def change_text(change: Change) -> str:
    """One change in words: ``revoke beijing_master_admin's access to tiktok_virginia``."""
    from ...changes import types as t

    text: str
    if isinstance(change, t.Migrate):
        text = f"move {change.data_class} from {change.from_} to {change.to}"
    elif isinstance(change, t.Copy):
        share = "" if change.share == 1 else f" ({percent(change.share)} of it)"
        text = f"copy {change.data_class} to {change.to}{share}"
    elif isinstance(change, t.Delete):
        text = f"delete {change.data_class} from {change.store}"
    elif isinstance(change, t.Revoke):
        text = f"revoke {change.from_}'s access to {change.to}"
    elif isinstance(change, t.SetP) and change.event is not None:
        text = f"set the probability of event {change.event} to {change.p:g}"
    elif isinstance(change, t.SetP):
        text = f"set the probability of {change.from_} → {change.to} to {change.p:g}"
    elif isinstance(change, t.SetCompels):
        text = f"set the probability that {change.node} compels access to {change.p:g}"
    elif isinstance(change, t.AddGateway):
        text = (
            f"route {', '.join(change.sources)} → {', '.join(change.targets)} through a new gateway {change.id} "
            f"that lets {_ids(change.classes)} through (p {change.p:g})"
        )
    elif isinstance(change, t.Relocate):
        text = f"relocate {change.node} to {change.region}"
    elif isinstance(change, t.AddFlow):
        text = f"add a flow of {_ids(change.classes)} from {change.from_} to {change.to}"
    elif isinstance(change, t.RemoveFlow):
        text = f"remove the flows from {change.from_} to {change.to}"
    elif isinstance(change, t.Disable):
        text = f"disable {change.node} (every access into and out of it)"
    else:  # a change type added later: its op and fields as a file writes them
        text = ", ".join(f"{key} {value}" for key, value in change.to_dict().items())
    if change.effective is not None:
        text += f" from {change.effective.isoformat()}"
    return text


_KIND_WORDS = {
    "migrate": ("move", "moves"),
    "copy": ("copy", "copies"),
    "delete": ("deletion", "deletions"),
    "revoke": ("revoked access", "revoked accesses"),
    "set_p": ("probability set", "probabilities set"),
    "set_compels": ("compulsion probability set", "compulsion probabilities set"),
    "add_gateway": ("new gateway", "new gateways"),
    "relocate": ("relocation", "relocations"),
    "add_flow": ("new flow", "new flows"),
    "remove_flow": ("removed flow", "removed flows"),
    "disable": ("disabled node", "disabled nodes"),
}


def _effective(changes: Sequence[Change]) -> str:
    dates = {change.effective for change in changes}
    if len(dates) == 1:
        (date,) = dates
        return "" if date is None else f", in force from {date.isoformat()}"
    known = sorted(d for d in dates if isinstance(d, datetime.date))
    return f", in force from dates between {known[0].isoformat()} and {known[-1].isoformat()}" if known else ""


def changes_summary(changes: Sequence[Change]) -> str:
    """The changes of a plan in one phrase: each described when there are few, else
    counted by kind (``10 changes: 2 revoked accesses, 1 new gateway, ...``)."""
    if not changes:
        return "no changes"
    if len(changes) <= _DESCRIBED:
        listed = joined([change_text(change) for change in changes])
        return f"{len(changes)} change{'s' if len(changes) > 1 else ''}: {listed}"
    counts = Counter(change.op for change in changes)
    parts = []
    for op, count in counts.items():
        one, many = _KIND_WORDS.get(op, (op, op))
        parts.append(f"{count} {one if count == 1 else many}")
    return f"{len(changes)} changes: {', '.join(parts)}{_effective(changes)}"


def path_text(path: Path) -> str:
    """``CN → beijing_master_admin → tiktok_virginia (path probability 90%)``."""
    return f"{' → '.join(path.nodes)} (path probability {percent(path.probability)})"


def _with_interval(value: float, low: float, high: float) -> str:
    if low == high:
        return percent(value)
    return f"{percent(value)} (95% interval {percent(low)}–{percent(high)})"


def headline_sentence(headline: Headline) -> str:
    """What a plan does to the class that matters most for one adversary, and why."""
    if headline.difference.value < 0:
        moved = "lowers"
    elif headline.difference.value > 0:
        moved = "raises"
    else:
        moved = "changes"
    spread = points_range(headline.difference.low, headline.difference.high)
    text = (
        f"It {moved} {headline.adversary}'s exposure of {headline.data_class} "
        f"from {percent(headline.base.value)} to {percent(headline.variant.value)} "
        f"({points(headline.difference.value)}, {'exact' if spread == 'exact' else '95% interval ' + spread})"
    )
    if headline.variant.value == 0:
        return text + f": no store holding {headline.data_class} is within {headline.adversary}'s reach any more."
    stores = [f"{s.store} ({percent(s.probability)})" for s in headline.stores]
    if stores:
        text += f" because {headline.adversary} still reaches it in {joined(stores)}"
        if headline.path is not None:
            text += f", most likely through {path_text(headline.path)}"
    elif headline.path is not None:
        text += f" because a path remains: {path_text(headline.path)}"
    return text + "."


def _total_sentence(content: ReportContent, part: VariantPart) -> str:
    """How the plan changes each adversary's total risk."""
    assert content.comparison is not None
    totals = content.comparison.total_risk
    mine = totals[totals["variant"] == part.name]
    clauses = []
    for adversary, before, after in zip(mine["adversary"], mine["base_total_risk"], mine["total_risk"]):
        if before == after:
            clauses.append(f"for {adversary} it stays at {short_amount(after)}")
            continue
        change = "falls" if after < before else "rises"
        share = f" ({percent(abs(after - before) / before)} {'less' if after < before else 'more'})" if before else ""
        clauses.append(f"for {adversary} it {change} from {short_amount(before)} to {short_amount(after)}{share}")
    return f"Total risk: {'; '.join(clauses)}."


def variant_sentences(content: ReportContent, part: VariantPart) -> list[str]:
    """The sentences of one variant: its headline per adversary and its total risk."""
    if part.given_whole:
        first = f"{part.name} is a model given whole, without a list of changes."
    else:
        first = f"{part.name} makes {changes_summary(part.changes)}."
    sentences = [first]
    for adversary in content.adversaries:
        headline = part.headlines.get(adversary)
        if headline is None:
            sentences.append(f"It changes no exposure of {adversary}.")
        else:
            sentences.append(headline_sentence(headline))
    sentences.append(_total_sentence(content, part))
    return sentences


def base_sentences(content: ReportContent) -> list[list[str]]:
    """Per adversary (one paragraph each): the classes it can reach with what probability,
    and the most likely path to its most exposed classes."""
    from .content import most_exposed

    when = f"As of {content.at}" if content.at else "With every entry present (no date given)"
    table = content.base.exposure
    model = content.model
    total = len(model.class_ids)
    paragraphs = []
    for adversary in content.adversaries:
        sentences: list[str] = []
        paragraphs.append(sentences)
        rows = table[table["adversary"] == adversary]
        reached = rows[rows["probability"] > 0].sort_values("probability", ascending=False, kind="stable")
        if reached.empty:
            sentences.append(f"{when}, {adversary} can reach none of the {total} data classes.")
            continue
        listed = [
            f"{cls} ({_with_interval(p, low, high)})"
            for cls, p, low, high in zip(
                reached["class"], reached["probability"], reached["ci_low"], reached["ci_high"]
            )
        ]
        more = f" and {len(listed) - _LISTED} more" if len(listed) > _LISTED else ""
        shown = listed[:_LISTED]
        if total == 1:
            how_many = "the one data class"
        elif len(reached) == total:
            how_many = f"all {total} data classes"
        else:
            how_many = f"{len(reached)} of the {total} data classes"
        sentences.append(f"{when}, {adversary} can reach {how_many}: {', '.join(shown)}{more}.")
        for data_class in most_exposed(model, content.base, adversary, _PATHS_TOLD):
            group = next((g for g in content.paths if g.adversary == adversary and g.data_class == data_class), None)
            if group is None or not len(group.paths):
                continue
            best = group.paths[0]
            if best.arcs:
                sentences.append(f"{adversary}'s most likely path to {data_class} is {path_text(best)}.")
            else:
                sentences.append(f"{adversary} holds {data_class} itself.")
        unreached = rows[rows["probability"] == 0]["class"].tolist()
        if unreached:
            sentences.append(f"{adversary} cannot reach {joined([str(c) for c in unreached])}.")
    return paragraphs


def ranking_sentence(content: ReportContent) -> str | None:
    """Which plan ranks first, by which rule."""
    if content.ranking is None or content.ranking.empty:
        return None
    best = content.ranking.iloc[0]
    who = joined(list(content.adversaries))
    if content.rank_by == "total_risk":
        measure = f"its reduction of total risk summed over {who}"
        value = f"{percent(float(best['risk_reduction']))} less"
    else:
        measure = (
            f"its reduction of the exposure of the most sensitive class, {best['sensitive_class']}, summed over {who}"
        )
        value = points(float(best["sensitive_difference"]))
    if len(content.ranking) == 1:
        if content.rank_by == "total_risk":
            return f"With one plan there is nothing to rank: {best['variant']} leaves {value} total risk."
        return f"With one plan there is nothing to rank: {best['variant']} changes that exposure by {value}."
    return f"Ranked by {measure}, the best plan is {best['variant']} ({value})."


def summary(content: ReportContent) -> list[str]:
    """Every sentence of the summary, in order: the base, each variant, the ranking."""
    sentences = [sentence for paragraph in base_sentences(content) for sentence in paragraph]
    for part in content.variants:
        sentences.extend(variant_sentences(content, part))
    ranked = ranking_sentence(content)
    if ranked is not None:
        sentences.append(ranked)
    return sentences
