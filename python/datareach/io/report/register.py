"""The assumptions register of a report (docs/design.md §5b, §8): every entry of the model
that carries a note or a range, with its values and location, flagged when it is an
assumption; and every source with the entries that cite it.

An entry counts as an **assumption** when its note starts with the word ``ASSUMPTION`` (in
any case, as the shipped example marks every assumed number) or when it carries a range
(``p_range``, ``compels_range``): an author who gives a range says the value is uncertain."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ...model import Model

__all__ = ["Register", "RegisterEntry", "SourceUse", "is_assumption", "register_of"]

_ASSUMPTION = re.compile(r"\s*assumption\b", re.IGNORECASE)
_SECTIONS = ("nodes", "classes", "events", "placements", "flows", "access")


def is_assumption(note: str | None, has_range: bool) -> bool:
    """Whether an entry is a modelling assumption: its note starts with ``ASSUMPTION`` (any
    case) or it carries a range."""
    return has_range or (isinstance(note, str) and _ASSUMPTION.match(note) is not None)


@dataclasses.dataclass(frozen=True)
class RegisterEntry:
    """One entry with a note or a range: where it is (``access[3]``), what it is
    (``china_engineers → tiktok_virginia``), its values as ``(field, text)`` pairs, the source
    it cites, its note, and whether it is an assumption."""

    location: str
    label: str
    values: tuple[tuple[str, str], ...]
    source: str | None
    note: str | None
    assumption: bool


@dataclasses.dataclass(frozen=True)
class SourceUse:
    """A source of the model: its id, its fields, the entries that cite it (``source:``) and
    those that name it in ``attrs.see_also``."""

    id: str
    fields: Mapping[str, Any]
    cited_by: tuple[str, ...]
    see_also_by: tuple[str, ...]

    def field_text(self, name: str) -> str | None:
        value = self.fields.get(name)
        return None if value is None or isinstance(value, (dict, list)) else str(value)

    @property
    def when(self) -> str | None:
        """The source's date, month or year, whichever it gives first."""
        for name in ("date", "month", "year"):
            text = self.field_text(name)
            if text is not None:
                return text
        return None


@dataclasses.dataclass(frozen=True)
class Register:
    """The entries with notes or ranges, in file order, and every source."""

    entries: tuple[RegisterEntry, ...]
    sources: tuple[SourceUse, ...]

    @property
    def assumptions(self) -> tuple[RegisterEntry, ...]:
        return tuple(entry for entry in self.entries if entry.assumption)


def _number(value: Any) -> str:
    number = float(value)
    if number.is_integer() and abs(number) < 1e16:
        return f"{int(number):,}"
    return f"{number:g}"


def _present(value: Any) -> bool:
    """Whether a cell holds a value: not None, NaN or NaT (lists and mappings always do)."""
    if value is None:
        return False
    if isinstance(value, (list, tuple, dict, np.ndarray)):
        return True
    return not bool(pd.isna(value))


def _window(row: Mapping[str, Any]) -> str | None:
    start, end = row.get("window_start"), row.get("window_end")
    if not _present(start) and not _present(end):
        return None
    shown = [pd.Timestamp(str(v)).date().isoformat() if _present(v) else "open" for v in (start, end)]
    return f"[{shown[0]}, {shown[1]})"


def _range(row: Mapping[str, Any], field: str) -> str | None:
    low, high = row.get(f"{field}_range_low"), row.get(f"{field}_range_high")
    if not _present(low) or not _present(high):
        return None
    return f"[{_number(low)}, {_number(high)}]"


def _ids(values: Any) -> str | None:
    if values is None:
        return None
    return ", ".join(str(v) for v in values)


def _values(section: str, row: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The fields of an entry a reader of the register needs, as text."""
    found: list[tuple[str, str | None]] = []
    if section == "nodes":
        found += [("kind", row.get("kind")), ("region", row.get("region")), ("territory", row.get("territory"))]
        if _present(row.get("compels")):
            found += [("compels", _number(row["compels"])), ("compels_range", _range(row, "compels"))]
    elif section == "classes":
        found += [("sensitivity", _number(row["sensitivity"])), ("records", _number(row["records"]))]
        found += [("components", _ids(row.get("components")))]
    elif section == "events":
        found += [("p", _number(row["p"])), ("p_range", _range(row, "p"))]
    elif section == "placements":
        found += [("share", _number(row["share"])), ("window", _window(row))]
    elif section == "flows":
        found += [("classes", _ids(row.get("classes"))), ("share", _number(row["share"])), ("window", _window(row))]
    else:
        found += [("p", _number(row["p"])), ("p_range", _range(row, "p"))]
        found += [("classes", _ids(row.get("classes"))), ("requires", _ids(row.get("requires") or None))]
        found += [("kind", row.get("kind")), ("window", _window(row))]
    return [(name, str(text)) for name, text in found if _present(text)]


def _label(section: str, row: Mapping[str, Any]) -> str:
    if section in ("nodes", "classes", "events"):
        return str(row["id"])
    if section == "placements":
        return f"{row['class']} in {row['store']}"
    return f"{row['from']} → {row['to']}"


def _entries(model: Model) -> list[RegisterEntry]:
    entries = []
    for section in _SECTIONS:
        frame = getattr(model, section)
        if frame.empty:
            continue
        ranged = np.zeros(len(frame), dtype=bool)
        for field in ("p", "compels"):
            if f"{field}_range_low" in frame:
                ranged |= frame[f"{field}_range_low"].notna().to_numpy()
        noted = frame["note"].notna().to_numpy()
        for row_number in np.flatnonzero(noted | ranged):
            row = frame.iloc[int(row_number)].to_dict()
            note = row.get("note") if isinstance(row.get("note"), str) else None
            source = row.get("source") if isinstance(row.get("source"), str) else None
            entries.append(
                RegisterEntry(
                    location=f"{section}[{int(row_number)}]",
                    label=_label(section, row),
                    values=tuple(_values(section, row)),
                    source=source,
                    note=note,
                    assumption=is_assumption(note, bool(ranged[row_number])),
                )
            )
    return entries


def _citations(model: Model) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Per source id: the entries citing it in ``source``, and the nodes naming it in
    ``attrs.see_also``."""
    cited: dict[str, list[str]] = {}
    see_also: dict[str, list[str]] = {}
    for section in _SECTIONS:
        column = model._column(section, "source")
        for cited_row in np.flatnonzero(column != None):  # noqa: E711 - elementwise on an object column
            cited.setdefault(str(column[cited_row]), []).append(f"{section}[{int(cited_row)}]")
        if section == "nodes":
            for row_number, attrs in enumerate(model._column(section, "attrs")):
                names = attrs.get("see_also") if isinstance(attrs, dict) else None
                if isinstance(names, list):
                    for name in names:
                        if isinstance(name, str):
                            see_also.setdefault(name, []).append(f"nodes[{row_number}]")
    return cited, see_also


def _sources(model: Model) -> list[SourceUse]:
    cited, see_also = _citations(model)
    sources = model.sources
    return [
        SourceUse(source_id, sources[source_id], tuple(cited.get(source_id, ())), tuple(see_also.get(source_id, ())))
        for source_id in model.source_ids
    ]


def register_of(model: Model) -> Register:
    """The register of ``model``: entries with notes or ranges, and every source."""
    return Register(tuple(_entries(model)), tuple(_sources(model)))
