"""The HTML writer of a report: one self-contained page (inline CSS and SVG, no script, no
external reference but the citation links) built from a :class:`~.content.ReportContent`.

Every text from the model or the caller — ids, notes, source fields, names — goes through
:func:`text` (``html.escape`` with quotes), also inside SVG and attributes; HTML written
here is marked :class:`Markup`, so a cell or paragraph is escaped unless it is Markup. A
citation is a link only for an ``http``/``https`` URL without spaces or control characters;
anchors inside the page use positions (``source-3``), never ids."""

from __future__ import annotations

import html as _html
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from . import charts, sentences
from .access_map import access_map
from .numbers import amount, interval, percent, points, points_range, short_amount

if TYPE_CHECKING:
    import pandas as pd

    from ...analysis import Result
    from .content import PathGroup, ReportContent, VariantPart
    from .register import SourceUse

__all__ = ["Markup", "render", "safe_url", "text"]


class Markup(str):
    """HTML written by this module: inserted as it is."""


def text(value: Any) -> Markup:
    """``value`` as escaped HTML text (quotes too, so it is safe in attributes)."""
    if isinstance(value, Markup):
        return value
    return Markup(_html.escape("" if value is None else str(value), quote=True))


def join(parts: Iterable[Any], separator: str = "") -> Markup:
    return Markup(text(separator).join(text(part) for part in parts))


def element(tag: str, content: Any = "", **attributes: Any) -> Markup:
    """``<tag a="v">content</tag>``; ``class_`` for ``class``; None attributes left out."""
    written = "".join(
        f' {name.rstrip("_").replace("_", "-")}="{text(value)}"'
        for name, value in attributes.items()
        if value is not None
    )
    return Markup(f"<{tag}{written}>{text(content)}</{tag}>")


# Characters a URL never holds unencoded (RFC 3986): with whitespace and control characters,
# which browsers strip or reinterpret, they make a URL no link.
_NOT_IN_URLS = frozenset('"<>\\^`{|}')


def safe_url(url: Any) -> str | None:
    """``url`` when it is an absolute http(s) URL without whitespace, control characters or
    characters a URL never holds unencoded (``"<>\\^`{|}``), else None: ``javascript:`` and
    every other scheme never become links."""
    if not isinstance(url, str) or not url:
        return None
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 or c in _NOT_IN_URLS for c in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


# ------------------------------------------------------------------------------ tables


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    numeric: Sequence[int] = (),
    nowrap: Sequence[int] = (),
    caption: str | None = None,
) -> Markup:
    """A table in a horizontally scrolling box; ``numeric`` columns align right, ``nowrap``
    columns (dates) never wrap."""

    def kind(i: int) -> str | None:
        return "num" if i in numeric else "nowrap" if i in nowrap else None

    head = "".join(str(element("th", h, scope="col", class_=kind(i))) for i, h in enumerate(headers))
    body = []
    for row in rows:
        cells = "".join(str(element("td", v, class_=kind(i))) for i, v in enumerate(row))
        body.append(f"<tr>{cells}</tr>")
    title = str(element("caption", caption)) if caption else ""
    return Markup(
        f'<div class="scroll"><table>{title}<thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'
    )


def _decimals(values: Iterable[float]) -> int:
    present = [abs(float(v)) for v in values if v == v]
    return 0 if all(v == 0 or v >= 100 for v in present) else 2


def _interval_cell(low: float, high: float) -> str:
    return interval(low, high)


# ------------------------------------------------------------------------------ sections


def _section(anchor: str, title: str, *content: Any) -> Markup:
    return Markup(f'<section id="{text(anchor)}"><h2>{text(title)}</h2>{join(content)}</section>')


def _paragraphs(items: Iterable[str]) -> Markup:
    return join(element("p", item) for item in items)


def _summary(content: ReportContent) -> Markup:
    told = sentences.base_sentences(content)
    parts: list[Any] = [element("h3", "The base model"), _paragraphs(" ".join(p) for p in told)]
    for part in content.variants:
        parts += [
            element("h3", f"Plan: {part.name}"),
            element("p", " ".join(sentences.variant_sentences(content, part))),
        ]
    ranked = sentences.ranking_sentence(content)
    if ranked is not None:
        parts += [element("h3", "Ranking"), element("p", ranked)]
    parts.append(
        element(
            "p",
            "Probabilities, sensitivity weights and some dates are modelling assumptions (see the assumptions "
            "register below); the numbers say what follows from them, not what happened.",
            class_="caveat",
        )
    )
    return _section("summary", "Summary", *parts)


def _exposure(content: ReportContent) -> Markup:
    result = content.base
    table_ = result.exposure
    plans = " Of the base model; what each plan changes is under Plans compared." if content.variants else ""
    parts: list[Any] = [
        element(
            "p",
            "For every adversary and data class: the probability that the adversary reaches some store holding "
            "it (with its 95% interval; 'exact' when computed without sampling), the expected records exposed and "
            "the risk (records × sensitivity × expected exposed share)." + plans,
        )
    ]
    records = _decimals(table_["expected_records"])
    risks = _decimals(table_["risk"])
    totals = result.total_risk.set_index("adversary")["total_risk"]
    for adversary in content.adversaries:
        rows = table_[table_["adversary"] == adversary]
        parts.append(element("h3", f"Adversary {adversary}"))
        if charts.charts_available():
            parts.append(_figure(charts.exposure_chart(result, adversary, _attribute(f"exposure to {adversary}"))))
        body = [
            (
                r["class"],
                percent(r["probability"]),
                _interval_cell(r["ci_low"], r["ci_high"]),
                amount(r["expected_records"], records),
                amount(r["risk"], risks),
            )
            for _, r in rows.iterrows()
        ]
        body.append((Markup("<strong>total risk</strong>"), "", "", "", amount(float(totals[adversary]), risks)))
        parts.append(
            table(["class", "probability", "95% interval", "expected records", "risk"], body, numeric=(1, 2, 3, 4))
        )
    if not charts.charts_available():
        parts.append(element("p", f"Charts need matplotlib: {charts.PLOT_EXTRA}.", class_="note"))
    return _section("exposure", "Exposure", *parts)


def _attribute(value: str) -> str:
    return str(text(value))


def _figure(svg: str, caption: str | None = None) -> Markup:
    title = str(element("figcaption", caption)) if caption else ""
    return Markup(f'<figure class="chart">{svg}{title}</figure>')


def _cell(probability: float, low: float, high: float) -> str:
    return percent(probability) if low == high else f"{percent(probability)} ({interval(low, high)})"


def place_grid(frame: pd.DataFrame, adversary: str, place: str) -> Markup:
    """One adversary's probabilities as a grid: a row per class, a column per store (or
    region) holding some class; empty where the place holds no such class."""
    rows = frame[frame["adversary"] == adversary]
    if rows.empty:
        return element("p", f"No store holding a class is in the model for {adversary}.")
    classes = list(dict.fromkeys(rows["class"]))
    places = list(dict.fromkeys(rows[place]))
    cells = {
        (c, q): _cell(p, low, high)
        for c, q, p, low, high in zip(rows["class"], rows[place], rows["probability"], rows["ci_low"], rows["ci_high"])
    }
    body = [(c, *(cells.get((c, q), "") for q in places)) for c in classes]
    return table(["class", *places], body, numeric=tuple(range(1, len(places) + 1)))


def _store_views(result: Result, adversaries: Sequence[str]) -> list[Any]:
    parts: list[Any] = []
    for adversary in adversaries:
        parts += [element("h4", f"{adversary}: by store"), place_grid(result.by_store, adversary, "store")]
    return parts


def _places(content: ReportContent) -> Markup:
    result = content.base
    parts: list[Any] = [
        element(
            "p",
            "By store: the probability that the adversary reaches the store, for each class the store holds "
            "(atomic classes). By region: the probability that it reaches some store holding the class in the "
            "region or below it (a store in US/VA counts for US/VA and US). Intervals in brackets where sampled.",
        )
    ]
    for adversary in content.adversaries:
        parts += [
            element("h3", f"Adversary {adversary}"),
            element("h4", "By store"),
            place_grid(result.by_store, adversary, "store"),
            element("h4", "By region"),
            place_grid(result.by_region, adversary, "region"),
        ]
    return _section("places", "Stores and regions", *parts)


def _source_ref(content: ReportContent, source_id: str | None) -> Markup:
    """A step's citation: the source's title (a link when its URL is http(s)), publisher and
    date, and a link to its row in the register; the bare id when the model lacks it."""
    if source_id is None:
        return Markup("")
    positions = {s.id: i for i, s in enumerate(content.register.sources)}
    if source_id not in positions:
        return text(source_id)
    source = content.register.sources[positions[source_id]]
    return Markup(f"{_citation(source)} {element('a', '[register]', href=f'#source-{positions[source_id]}')}")


def _citation(source: SourceUse) -> Markup:
    title = source.field_text("title") or source.id
    url = safe_url(source.fields.get("url"))
    shown = element("a", title, href=url, class_="citation") if url else element("cite", title)
    details = [d for d in (source.field_text("publisher"), source.when) if d]
    return Markup(f"{shown}{text(', ' + ', '.join(details)) if details else ''}")


def _path_group(content: ReportContent, group: PathGroup) -> Markup:
    """The k paths of one adversary to one class: listed, then one table of their steps."""
    parts: list[Any] = [
        element("h3", f"{group.adversary} → {group.data_class}"),
        element("ol", join(element("li", sentences.path_text(path)) for path in group.paths), class_="paths"),
    ]
    rows: list[tuple[Any, ...]] = []
    for rank, path in enumerate(group.paths, start=1):
        if not path.arcs:
            rows.append((rank, "", f"{group.adversary} holds {group.data_class} itself", "", "", "", "", ""))
        for k, step in enumerate(path.arcs, start=1):
            rows.append(
                (
                    rank if k == 1 else "",
                    k,
                    f"{step.source} → {step.target}",
                    step.kind or "",
                    f"{step.p:g}",
                    ", ".join(step.requires),
                    step.entry,
                    _source_ref(content, step.citation),
                )
            )
    parts.append(table(["path", "step", "arc", "kind", "p", "requires", "entry", "source"], rows, numeric=(0, 1, 4)))
    return join(parts)


def _paths(content: ReportContent) -> Markup:
    # Each distinct best path once (several classes often share one).
    best = list({group.paths[0].nodes: group.paths[0] for group in content.paths}.values())
    parts: list[Any] = [
        element(
            "p",
            "The most likely paths by which each adversary reaches the classes most exposed to it (by risk), "
            "with the entry of every arc and the source it cites. A path's probability is the product of its "
            "distinct random variables: a lower bound on the exposure.",
        ),
    ]
    classes = list(dict.fromkeys(group.data_class for group in content.paths))
    drawn, note = access_map(content.model, content.at, best, content.adversaries, classes)
    what = (
        "The access map as of the report's date, restricted to what lies on some possible path from "
        f"{', '.join(content.adversaries)} to {', '.join(classes) or 'the data'}; highlighted: the most likely path "
        "to each class listed below."
    )
    parts += [element("h3", "Access map"), _figure(drawn, note or what)]
    if not content.paths:
        parts.append(element("p", "No adversary can reach any data class."))
    parts += [_path_group(content, group) for group in content.paths]
    return _section("paths", "Paths and citations", *parts)


def _variant_details(content: ReportContent, part: VariantPart) -> Markup:
    assert content.comparison is not None
    parts: list[Any] = [element("h3", f"Plan: {part.name}")]
    if part.given_whole:
        parts.append(element("p", "Given as a model of its own, without a list of changes."))
    elif part.changes:
        parts.append(
            join(
                [element("p", f"{len(part.changes)} change(s):"), _list(sentences.change_text(c) for c in part.changes)]
            )
        )
    rows = content.comparison.table
    mine = rows[rows["variant"] == part.name]
    risks = _decimals(mine["risk_difference"])
    body = [
        (
            r["adversary"],
            r["class"],
            percent(r["base_probability"]),
            percent(r["probability"]),
            points(r["probability_difference"]),
            points_range(r["probability_difference_ci_low"], r["probability_difference_ci_high"]),
            _signed(r["risk_difference"], risks),
        )
        for _, r in mine.iterrows()
    ]
    parts.append(
        table(
            ["adversary", "class", "base", "plan", "difference", "95% interval of the difference", "risk difference"],
            body,
            numeric=(2, 3, 4, 5, 6),
        )
    )
    parts.append(element("p", "What the plan leaves within reach, by store:"))
    parts += _store_views(part.result, content.adversaries)
    return join(parts)


def _signed(value: float, decimals: int) -> str:
    return "0" if value == 0 else f"{value:+,.{decimals}f}"


def _list(items: Iterable[str]) -> Markup:
    return element("ul", join(element("li", item) for item in items))


_RULES = {
    "total_risk": "Plans are ranked by how much they reduce total risk (summed over the adversaries analysed), "
    "largest reduction first; ties are broken by the reduction of the exposure of the most sensitive class "
    "({cls}), then by the order the plans were given.",
    "most_sensitive": "Plans are ranked by how much they reduce the exposure probability of the most sensitive "
    "class ({cls}, summed over the adversaries analysed), largest reduction first; ties are broken by the "
    "reduction of total risk, then by the order the plans were given.",
}


def _plans(content: ReportContent) -> Markup:
    if content.ranking is None:
        return Markup("")
    ranked = content.ranking
    risks = _decimals(ranked["total_risk"])
    cls = str(ranked["sensitive_class"].iloc[0])
    body = [
        (
            r["rank"],
            r["variant"],
            amount(r["base_total_risk"], risks),
            amount(r["total_risk"], risks),
            percent(r["risk_reduction"]) if r["risk_reduction"] >= 0 else f"−{percent(-r['risk_reduction'])}",
            points(r["sensitive_difference"]),
            points_range(r["sensitive_difference_ci_low"], r["sensitive_difference_ci_high"]),
        )
        for _, r in ranked.iterrows()
    ]
    how = (
        "Every plan is evaluated on the same random worlds as the base (common random numbers), so each "
        "difference has its own, narrow, paired interval."
    )
    return _section(
        "plans",
        "Plans compared",
        element("p", _RULES[content.rank_by].format(cls=cls), class_="rule"),
        element("p", how),
        table(
            [
                "rank",
                "plan",
                "base total risk",
                "plan total risk",
                "risk reduction",
                f"{cls}: difference",
                "95% interval",
            ],
            body,
            numeric=(0, 2, 3, 4, 5, 6),
        ),
        *_difference_charts(content),
        *(_variant_details(content, part) for part in content.variants),
    )


def _difference_charts(content: ReportContent) -> list[Any]:
    """Per adversary, the change every plan makes per class (the comparison's own chart)."""
    if content.comparison is None:
        return []
    if not charts.charts_available():
        return [element("p", f"Charts need matplotlib: {charts.PLOT_EXTRA}.", class_="note")]
    parts: list[Any] = []
    for adversary in content.adversaries:
        label = _attribute(f"what the plans change for {adversary}")
        parts += [
            element("h4", f"What the plans change for {adversary}"),
            _figure(charts.differences_chart(content.comparison, adversary, label)),
        ]
    return parts


def _risk_over_time(content: ReportContent, adversary: str) -> list[Any]:
    """Total risk over time of the base and of every plan: a chart and a table (a row per
    date at which some model changes; each model's value is the one in force then)."""
    assert content.timeline is not None
    series = [("base", content.timeline.total_risk)]
    series += [(part.name, part.timeline.total_risk) for part in content.variants if part.timeline is not None]
    parts: list[Any] = [element("h4", f"Total risk of {adversary} over time")]
    if charts.charts_available():
        label = _attribute(f"total risk of {adversary} over time")
        parts.append(_figure(charts.total_risk_chart(series, adversary, label)))
    frames = [frame[frame["adversary"] == adversary].set_index("date")["total_risk"] for _, frame in series]
    dates = sorted(set().union(*(frame.index for frame in frames)))
    decimals = _decimals(v for frame in frames for v in frame)
    body = []
    for date in dates:
        # A model evaluated only at its own change dates holds its last value until the next.
        values = [frame[frame.index <= date] for frame in frames]
        body.append((date.date().isoformat(), *(amount(v.iloc[-1], decimals) if len(v) else "" for v in values)))
    parts.append(
        table(["date", *(name for name, _ in series)], body, numeric=tuple(range(1, len(series) + 1)), nowrap=(0,))
    )
    return parts


def _timeline(content: ReportContent) -> Markup:
    stepped = content.timeline
    if stepped is None:
        return _section("timeline", "Timeline", element("p", f"No timeline: {content.timeline_note}."))
    table_ = stepped.table
    dates = sorted(set(table_["date"]))
    plans = " Each plan is evaluated likewise, at its own change dates." if content.variants else ""
    parts: list[Any] = [
        element(
            "p",
            f"The base model evaluated at the {len(dates)} dates where it changes, from {dates[0].date().isoformat()} "
            f"to {dates[-1].date().isoformat()} (between two of them every number stays the same), with one seed "
            f"throughout, so steps come from the model, not from sampling.{plans}",
        )
    ]
    for adversary in content.adversaries:
        parts.append(element("h3", f"Adversary {adversary}"))
        parts.append(element("h4", f"Exposure to {adversary} by class (base)"))
        if charts.charts_available():
            parts.append(_figure(charts.timeline_chart(stepped, adversary, _attribute(f"timeline of {adversary}"))))
        rows = table_[table_["adversary"] == adversary]
        classes = list(dict.fromkeys(rows["class"]))
        grid = rows.pivot_table(index="date", columns="class", values="probability", sort=False)
        body = [(date.date().isoformat(), *(percent(grid.at[date, c]) for c in classes)) for date in grid.index]
        parts.append(table(["date", *classes], body, numeric=tuple(range(1, len(classes) + 1)), nowrap=(0,)))
        parts += _risk_over_time(content, adversary)
    if not charts.charts_available():
        parts.append(element("p", f"Charts need matplotlib: {charts.PLOT_EXTRA}.", class_="note"))
    return _section("timeline", "Timeline", *parts)


def _source_anchor(content: ReportContent, source_id: str | None) -> Markup:
    """A source id linking to its row of the sources table (the bare id when unknown)."""
    if source_id is None:
        return Markup("")
    for position, source in enumerate(content.register.sources):
        if source.id == source_id:
            return element("a", source_id, href=f"#source-{position}")
    return text(source_id)


def _register(content: ReportContent) -> Markup:
    register = content.register
    entries = [
        (
            Markup('<span class="flag">assumption</span>') if entry.assumption else "",
            entry.location,
            entry.label,
            "; ".join(f"{name} {value}" for name, value in entry.values),
            _source_anchor(content, entry.source),
            entry.note or "",
        )
        for entry in register.entries
    ]
    sources = []
    for i, source in enumerate(register.sources):
        url = safe_url(source.fields.get("url"))
        cited = ", ".join(source.cited_by) or "not cited by any entry"
        if source.see_also_by:
            cited += "; see also in " + ", ".join(source.see_also_by)
        sources.append(
            (
                Markup(f'<span id="source-{i}">{text(source.id)}</span>'),
                source.field_text("title") or "",
                source.field_text("publisher") or "",
                source.when or "",
                element("a", url, href=url, class_="citation") if url else text(source.fields.get("url") or ""),
                cited,
            )
        )
    return _section(
        "register",
        "Assumptions register",
        element(
            "p",
            f"{len(register.assumptions)} of the {len(register.entries)} entries with a note or a range are "
            "assumptions: their note starts with ASSUMPTION or they carry a range of plausible values. Every "
            "conclusion above rests on them.",
        ),
        table(["", "entry", "what", "values", "source", "note"], entries),
        element("h3", "Sources"),
        table(["id", "title", "publisher", "date", "link", "cited by"], sources),
    )


def _provenance(content: ReportContent) -> Markup:
    provenance = content.provenance
    method = provenance.method.replace("_", " ")
    items = [
        ("model", content.model.name or "(unnamed)"),
        ("as of", content.at or "every entry present (no date)"),
        ("adversaries", ", ".join(content.adversaries)),
        ("method", method),
        ("worlds", f"{provenance.worlds:,}" if provenance.worlds is not None else "none drawn (exact)"),
        ("seed", "" if provenance.seed is None else str(provenance.seed)),
        ("tolerance", "" if provenance.tolerance is None else f"{provenance.tolerance:g}"),
        (
            "tolerance met",
            ""
            if provenance.converged is None or provenance.tolerance is None
            else "yes"
            if provenance.converged
            else "NO: raise max_samples",
        ),
        ("library version", f"datareach {content.version}"),
        ("generated", content.generated),
    ]
    if content.timeline is not None:
        items.append(("timeline", content.timeline.provenance.describe()))
    listed = "".join(f"<dt>{text(name)}</dt><dd>{text(value)}</dd>" for name, value in items if value)
    return _section(
        "provenance",
        "Provenance",
        Markup(f"<dl>{listed}</dl>"),
        element(
            "p",
            "The probabilities are modelling assumptions: they say how likely each access is taken to be, not how "
            "often it was used. Run the same command with the same seed to get the same numbers.",
            class_="caveat",
        ),
    )


def _style() -> str:
    css = resources.files(__package__).joinpath("style.css").read_text(encoding="utf-8")
    return css.replace("</", "<\\/")  # a style sheet cannot end its own element


_CONTENTS = (
    ("summary", "Summary"),
    ("exposure", "Exposure"),
    ("places", "Stores and regions"),
    ("paths", "Paths"),
    ("plans", "Plans"),
    ("timeline", "Timeline"),
    ("register", "Assumptions"),
    ("provenance", "Provenance"),
)


def render(content: ReportContent) -> str:
    """The report page."""
    contents = [(a, t) for a, t in _CONTENTS if a != "plans" or content.ranking is not None]
    nav = "".join(f'<li><a href="#{a}">{text(t)}</a></li>' for a, t in contents)
    subtitle = f"As of {content.at}" if content.at else "Every entry present (no date)"
    who = ", ".join(content.adversaries)
    plans = f"; {len(content.variants)} plan(s) compared" if content.variants else ""
    body = join(
        [
            _summary(content),
            _exposure(content),
            _places(content),
            _paths(content),
            _plans(content),
            _timeline(content),
            _register(content),
            _provenance(content),
        ]
    )
    risk = content.base.total_risk
    totals = "; ".join(f"{a}: {short_amount(v)}" for a, v in zip(risk["adversary"], risk["total_risk"]))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="generator" content="datareach">'
        f"<title>{text(content.title)}</title><style>{_style()}</style></head>"
        f'<body><header><h1 id="report-title">{text(content.title)}</h1>'
        f'<p class="subtitle">{text(subtitle)} · adversaries {text(who)}{text(plans)} · total risk {text(totals)}</p>'
        f'<nav aria-label="contents"><ul>{nav}</ul></nav></header>'
        f"<main>{body}</main>"
        f"<footer><p>datareach {text(content.version)} · generated {text(content.generated)}</p></footer>"
        "</body></html>\n"
    )
