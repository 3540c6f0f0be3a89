"""The state of the apply engine: the tables of the model being built from a base as
changes apply, with the look-ups that word errors the way the changes name things and the
edits the changes are made of (set, remove, split at a date, append checked rows).

The base's columns are shared and never written into: an edit replaces a column or a
table. New rows go through the model's one validator,
:func:`~datareach.model.validate.normalise`, against the state as it is.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .. import dates
from ..errors import ModelError, did_you_mean, quote, with_article
from ..model.fields import SECTIONS
from ..model.ingest import records_to_columns
from ..model.tables import IdIndex, Table
from ..model.validate import normalise

__all__ = ["State", "covers", "dated_miss"]


class State:
    """The tables of the model being built: the base's canonical columns, replaced (never
    written into: they are shared with the base) as changes apply."""

    def __init__(self, tables: Mapping[str, Table], source_ids: IdIndex) -> None:
        self._base = tables
        self.source_ids = source_ids
        self.tables: dict[str, dict[str, np.ndarray]] = {
            section: dict(tables[section].columns()) for section in SECTIONS
        }
        self.node_ids: IdIndex = self.base_ids("nodes")
        self.event_ids: IdIndex = self.base_ids("events")

    # -- lookups -------------------------------------------------------------------------

    def base_ids(self, section: str) -> IdIndex:
        """The ids of a section of the base model."""
        ids = self._base[section].ids
        assert ids is not None, section
        return ids

    def node(self, node_id: str, location: str, *, store: bool = False) -> int:
        row = self.node_ids.mapping.get(node_id)
        if row is None:
            raise ModelError(
                f"unknown node {quote(node_id)}{did_you_mean(node_id, self.node_ids.array)}",
                where=location,
            )
        if store:
            kind = self.tables["nodes"]["kind"][row]
            if kind != "store":
                raise ModelError(f"{quote(node_id)} is {with_article(kind)}, not a store", where=location)
        return row

    def event(self, event_id: str, location: str) -> int:
        row = self.event_ids.mapping.get(event_id)
        if row is None:
            raise ModelError(
                f"unknown event {quote(event_id)}{did_you_mean(event_id, self.event_ids.array)}",
                where=location,
            )
        return row

    def class_row(self, class_id: str, location: str) -> int:
        classes = self.base_ids("classes")
        row = classes.mapping.get(class_id)
        if row is None:
            raise ModelError(
                f"unknown class {quote(class_id)}{did_you_mean(class_id, classes.array)}",
                where=location,
            )
        return row

    def atomic_class(self, class_id: str, location: str) -> int:
        row = self.class_row(class_id, location)
        if self.tables["classes"]["components"][row] is not None:
            raise ModelError(
                f"{quote(class_id)} is a composite class, which is not placed; name its components",
                where=location,
            )
        return row

    def rules(self) -> list[tuple[int, str, float]]:
        """(row, territory, compels) of every jurisdiction with a rule."""
        nodes = self.tables["nodes"]
        rows = np.flatnonzero(~np.isnan(nodes["compels"]))
        return [(int(j), nodes["territory"][j], float(nodes["compels"][j])) for j in rows]

    def value_range(self, section: str, field: str, row: int) -> list[float] | None:
        """``[low, high]`` of a row's range field (``p_range``, ``compels_range``), or None."""
        table = self.tables[section]
        low, high = table[f"{field}_low"][row], table[f"{field}_high"][row]
        return None if np.isnan(low) else [float(low), float(high)]

    def rule_targets(self, row: int) -> np.ndarray:
        """The rows of the nodes the rule of jurisdiction ``row`` reaches: every other node
        whose region lies in its territory and that no rule is kept from."""
        nodes = self.tables["nodes"]
        territory = nodes["territory"][row]
        if territory is None:
            return np.empty(0, dtype=np.int64)
        given = nodes["region"]
        regions = pd.Series(np.where(pd.isna(given), "", given), dtype=object)
        inside = (regions == territory) | regions.str.startswith(territory + "/")
        mask = inside.to_numpy(dtype=bool) & ~nodes["rule_exempt"]
        mask[row] = False
        return np.flatnonzero(mask)

    def requiring(self, event_id: str) -> np.ndarray:
        """Which arcs require the event (a mask over the access table)."""
        lists = self.tables["access"]["requires"]
        present = np.flatnonzero(~pd.isna(lists))
        given = lists[present]
        lengths = np.fromiter(map(len, given), dtype=np.int64, count=len(given))
        flat = np.fromiter(itertools.chain.from_iterable(given), dtype=object, count=int(lengths.sum()))
        mask = np.zeros(len(lists), dtype=bool)
        mask[np.repeat(present, lengths)[flat == event_id]] = True
        return mask

    def in_force(self, section: str, mask: np.ndarray, day: np.datetime64 | None) -> np.ndarray:
        """Rows of ``mask`` that hold at some date on or after ``day`` (all with no day)."""
        if day is not None:
            end = self.tables[section]["window_end"]
            mask = mask & (np.isnat(end) | (end > day))
        return np.flatnonzero(mask)

    def placements_of(self, class_id: str, store: str, day: np.datetime64 | None, location: str) -> np.ndarray:
        placements = self.tables["placements"]
        mask = (placements["class"] == class_id) & (placements["store"] == store)
        rows = self.in_force("placements", mask, day)
        if len(rows):
            return rows
        effective = None if day is None else dates.from_day(int(day.astype(np.int64)))
        reason = f"no placement of class {quote(class_id)} in store {quote(store)}{dated_miss(mask, effective)}"
        holders = sorted(set(placements["store"][placements["class"] == class_id].tolist()))
        if holders and not mask.any():
            more = ", ..." if len(holders) > 5 else ""
            reason += f"; it is placed in {', '.join(map(quote, holders[:5]))}{more}"
        flows = self.tables["flows"]
        if (flows["to"] == store).any() and not mask.any():
            reason += " (data that flows bring there is not a placement: remove_flow stops it)"
        raise ModelError(reason, where=location)

    def arcs_between(self, source: str, target: str, day: np.datetime64 | None, where: str) -> np.ndarray:
        self.node(source, f"{where}.from")
        target_row = self.node(target, f"{where}.to")
        access = self.tables["access"]
        mask = (access["from"] == source) & (access["to"] == target)
        rows = self.in_force("access", mask, day)
        if len(rows):
            return rows
        effective = None if day is None else dates.from_day(int(day.astype(np.int64)))
        reason = f"no arc from {quote(source)} to {quote(target)}{dated_miss(mask, effective)}"
        if not mask.any():
            nodes = self.tables["nodes"]
            source_row = self.node_ids.mapping[source]
            territory = nodes["territory"][source_row]
            if (
                territory is not None
                and not nodes["rule_exempt"][target_row]
                and covers(nodes["region"][target_row], territory)
            ):
                reason += (
                    f"; only the rule of jurisdiction {quote(source)} reaches it, which is no explicit "
                    f"arc: relocate or disable {quote(target)} instead"
                )
            elif ((access["from"] == target) & (access["to"] == source)).any():
                reason += f" (there are arcs from {quote(target)} to {quote(source)})"
        raise ModelError(reason, where=f"{where}.to")

    # -- edits ---------------------------------------------------------------------------

    def set(self, section: str, name: str, rows: np.ndarray, value: Any) -> None:
        if not len(rows):
            return
        column = self.tables[section][name].copy()
        column[rows] = value
        self.tables[section][name] = column

    def drop_range(self, section: str, field: str, rows: np.ndarray) -> None:
        """The rows lose their range ``field`` (a change set the value it bounded)."""
        self.set(section, f"{field}_low", rows, np.nan)
        self.set(section, f"{field}_high", rows, np.nan)

    def keep(self, section: str, mask: np.ndarray) -> None:
        self.tables[section] = {name: values[mask] for name, values in self.tables[section].items()}

    def append_columns(self, section: str, columns: Mapping[str, np.ndarray]) -> None:
        if not len(next(iter(columns.values()))):
            return
        table = self.tables[section]
        self.tables[section] = {name: np.concatenate([table[name], columns[name]]) for name in table}
        if section == "nodes":
            self.node_ids = IdIndex(self.tables["nodes"]["id"])
        if section == "events":
            self.event_ids = IdIndex(self.tables["events"]["id"])

    def append_records(self, section: str, records: list[dict[str, Any]], where: str) -> None:
        if not records:
            return
        first = len(next(iter(self.tables[section].values())))
        try:
            columns = normalise(section, records_to_columns(section, records, first), first, _Context(self))
        except ModelError as error:  # the change's own checks should have caught it
            raise ModelError(error.reason, where=where) from None
        self.append_columns(section, columns)

    def end_rows(self, section: str, rows: np.ndarray, day: np.datetime64 | None) -> None:
        """Rows (all in force on or after ``day``) end at ``day``; with no day, or for
        rows that start on or after it, they are removed."""
        if day is not None:
            rows, _ = self.split(section, rows, day, keep="before", later=False)
        keep = np.ones(len(self.tables[section]["window_end"]), dtype=bool)
        keep[rows] = False
        if len(rows):
            self.keep(section, keep)

    def split(
        self,
        section: str,
        rows: np.ndarray,
        day: np.datetime64,
        *,
        keep: str,
        later: bool = True,
        earlier_sink: bool = False,
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Split rows that are in force on or after ``day`` at ``day``.

        Returns the rows that lie wholly on or after ``day`` (untouched) and, for the
        others, ``keep="before"``: the rows are cut to end at ``day`` and copies covering
        [day, old end) are returned (not appended; only when ``later``);
        ``keep="after"``: the rows start at ``day`` and copies covering [old start, day)
        are appended at once (``earlier_sink``)."""
        table = self.tables[section]
        start = table["window_start"][rows]
        whole = ~np.isnat(start) & (start >= day)
        parts = rows[~whole]
        copies = {name: values[parts].copy() for name, values in table.items()} if (later or earlier_sink) else {}
        if keep == "before":
            self.set(section, "window_end", parts, day)
            if copies:
                copies["window_start"][:] = day
        else:
            self.set(section, "window_start", parts, day)
            if copies:
                copies["window_end"][:] = day
                if earlier_sink:
                    self.append_columns(section, copies)
                    copies = {}
        return rows[whole], copies


class _Context:
    """The state as :func:`~datareach.model.validate.normalise` sees a model."""

    def __init__(self, state: State) -> None:
        self._state = state

    def ids(self, section: str) -> IdIndex:
        if section == "sources":
            return self._state.source_ids
        if section == "nodes":
            return self._state.node_ids
        if section == "events":  # a dated set_p of an event adds one
            return self._state.event_ids
        return self._state.base_ids(section)  # classes never change

    def column(self, section: str, name: str) -> np.ndarray:
        return self._state.tables[section][name]


def dated_miss(mask: np.ndarray, effective: datetime.date | None) -> str:
    """The end of a "no entry to change" message: with a date, that none is in force then."""
    if effective is None:
        return ""
    if mask.any():
        return f" in force on or after {effective} (they end before)"
    return f" in force on or after {effective}"


def covers(region: str | None, territory: str) -> bool:
    """Whether ``region`` lies in ``territory`` (prefix match on '/' boundaries)."""
    return region is not None and (region == territory or region.startswith(territory + "/"))
