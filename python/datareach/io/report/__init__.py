"""The policy report (docs/design.md §5b): ``report(model, *variants, at=...)`` writes one
self-contained HTML page — summary in sentences, exposure tables with intervals, stores and
regions, the access map and the most likely paths with their citations, the plans ranked,
the timeline and the assumptions register, with the provenance of every number.

The analyses are computed by :mod:`.content`, the sentences written by :mod:`.sentences`,
the page by :mod:`.html` (every name escaped, no script, nothing loaded from the network:
CSS and SVG inline, the style sheet ``style.css`` shipped with the package). Charts need
matplotlib (``pip install 'datareach[plot]'``); without it the report has its tables."""

from __future__ import annotations

import html as _html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ...options import AnalysisOptions, OptionOverrides, Unpack
from .content import DEFAULT_PATH_CLASSES, DEFAULT_PATHS, RankRule, ReportContent, content_of
from .html import render

if TYPE_CHECKING:
    from ...changes import Change
    from ...model import Model

__all__ = ["Report", "report"]


class Report:
    """A report: ``html`` (the page as text), ``content`` (the results it shows),
    ``save(path)``. In a notebook it shows inside a sandboxed frame, so its style sheet
    does not restyle the notebook."""

    def __init__(self, content: ReportContent) -> None:
        self.content = content
        self.html = render(content)

    def save(self, path: Any) -> None:
        """Write the page (UTF-8) to ``path``, replacing the file only once it is complete."""
        from ..files import write_text

        write_text(path, self.html)

    def summary(self) -> list[str]:
        """The summary sentences, as plain text."""
        from .sentences import summary

        return summary(self.content)

    def _repr_html_(self) -> str:
        # srcdoc holds the whole page, escaped as an attribute value; the sandbox allows no
        # script, and the page has none.
        source = _html.escape(self.html, quote=True)
        return (
            f'<iframe srcdoc="{source}" sandbox="" title="{_html.escape(self.content.title, quote=True)}" '
            'style="width: 100%; height: 42rem; border: 1px solid #ccc;"></iframe>'
        )

    def __repr__(self) -> str:
        return f"<Report {self.content.title!r}: {len(self.content.variants)} plan(s), {len(self.html):,} characters>"


def report(
    model: Model,
    *variants: Model | Sequence[Change],
    names: Sequence[str] | None = None,
    adversaries: str | Iterable[str] | None = None,
    rank_by: RankRule = "total_risk",
    timeline: bool | tuple[Any, Any] = True,
    path_classes: int = DEFAULT_PATH_CLASSES,
    k: int = DEFAULT_PATHS,
    title: str | None = None,
    path: Any = None,
    options: AnalysisOptions | None = None,
    **overrides: Unpack[OptionOverrides],
) -> Report:
    """The HTML report of ``model`` and of each variant (a Model or a list of changes)
    as of ``at``.

    Variants are compared with the base on common random numbers (``compare``) and ranked
    by ``rank_by``: "total_risk" (reduction of total risk summed over the adversaries) or
    "most_sensitive" (reduction of the exposure of the class of highest sensitivity).
    ``timeline``: True for the base at the dates where the model changes, ``(start, end)``
    for monthly dates between two dates, False for none. The ``k`` most likely paths are
    listed for the ``path_classes`` most exposed atomic classes of each adversary. With
    ``path`` the page is also written there. Analysis options as for every analysis
    (``options`` and keyword overrides: ``at``, ``method``, ``seed``, ...); one seed serves
    every analysis of the report and is recorded in it.
    """
    from ...analysis._requests import require_model

    settings = AnalysisOptions.resolve(options, **overrides)
    content = content_of(
        require_model(model, "model"),
        variants,
        names=names,
        adversaries=adversaries,
        options=settings,
        rank_by=rank_by,
        timeline=timeline,
        path_classes=path_classes,
        k=k,
        title=title,
    )
    made = Report(content)
    if path is not None:
        made.save(path)
    return made
