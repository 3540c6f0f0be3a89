"""The model: nodes, data classes, events, placements, flows and access arcs as tables.

A :class:`Model` is valid at all times: every row is checked (by :mod:`datareach.schema`)
when it is added, against the rows already there, so entries must be added after the
entries they name (events and nodes before the arcs that use them, components before the
composite class). Rows are never changed or removed in place; what-if changes build new
models.
"""

from __future__ import annotations

import copy as _copy
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import dates
from .errors import ModelError, did_you_mean, where
from .schema import (
    FIELDS,
    FORMAT,
    SECTIONS,
    TOP_LEVEL_FIELDS,
    FieldType,
    IdIndex,
    RawColumn,
    check_name,
    check_text,
    empty_columns,
    frame_to_columns,
    normalise,
    object_array,
    plain_data,
    records_to_columns,
)

__all__ = ["Model"]

Window = tuple[Any, Any] | list[Any] | None
Frame = pd.DataFrame | Mapping[str, Any]


class _Table:
    """The rows of one section as canonical column arrays.

    Appends are collected as chunks and joined on first read, so adding rows one at a
    time costs O(1) each instead of copying the table every time.
    """

    def __init__(self, section: str, columns: Mapping[str, np.ndarray] | None = None) -> None:
        self.section = section
        chunk = dict(columns) if columns is not None else empty_columns(section)
        self._chunks: list[dict[str, np.ndarray]] = [chunk]
        self._length = len(next(iter(chunk.values())))
        self._frame: pd.DataFrame | None = None
        has_ids = FIELDS[section][0].type is FieldType.ID
        self.ids: IdIndex | None = IdIndex(chunk["id"]) if has_ids else None

    def __len__(self) -> int:
        return self._length

    def append(self, columns: dict[str, np.ndarray]) -> None:
        if self._length == 0:  # the first batch becomes the table as it is: no copy
            self._chunks = []
        self._chunks.append(columns)
        self._length += len(next(iter(columns.values())))
        self._frame = None
        if self.ids is not None:
            self.ids.extend(columns["id"])

    def columns(self) -> dict[str, np.ndarray]:
        """Every column, joined into one array each (shared, never to be modified)."""
        if len(self._chunks) > 1:
            names = self._chunks[0].keys()
            self._chunks = [
                {name: np.concatenate([chunk[name] for chunk in self._chunks]) for name in names}
            ]
        return self._chunks[0]

    def column(self, name: str) -> np.ndarray:
        return self.columns()[name]

    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            series = {}
            for name, values in self.columns().items():
                if values.dtype.kind == "M":  # pandas holds dates at second resolution
                    values = values.astype("datetime64[s]")
                # An explicit dtype keeps ids as Python objects under pandas' str inference.
                series[name] = pd.Series(values, dtype=values.dtype, copy=False)
            self._frame = pd.DataFrame(series)
        return self._frame


class _Context:
    """The model as :func:`datareach.schema.normalise` sees it."""

    def __init__(self, model: Model) -> None:
        self._model = model

    def ids(self, section: str) -> IdIndex:
        if section == "sources":
            return self._model._source_ids
        ids = self._model._tables[section].ids
        assert ids is not None, section
        return ids

    def column(self, section: str, name: str) -> np.ndarray:
        return self._model._tables[section].column(name)


# Pickles carry the columns as NumPy arrays (compact: no per-row objects but ids and
# lists) and this version, checked on load.
MODEL_PICKLE_VERSION = 1


class Model:
    """A data-flow risk model (DESIGN section 1), held as one table per section.

    Build it with the ``add_*`` and :meth:`place` methods, in bulk from DataFrames with
    :meth:`add_nodes`, :meth:`add_arcs` and siblings, or from a scenario mapping with
    :meth:`from_dict`. The tables are available as DataFrames (:attr:`nodes`,
    :attr:`classes`, :attr:`events`, :attr:`placements`, :attr:`flows`, :attr:`access`)
    whose columns are the fields of the file format, a window split into
    ``window_start`` / ``window_end`` (NaT for an open side). Left-out values are None
    (NaN for ``compels``); a class filter of None means every class.

    Two models are equal when they hold the same entries in the same order.
    """

    FORMAT = FORMAT

    def __init__(self, name: str | None = None) -> None:
        self._revision = 0
        self._core_cache: dict[str, Any] = {}
        self._name: str | None = None
        self.name = name
        self._sources: dict[str, dict[str, Any]] = {}
        self._source_ids = IdIndex()
        self._adversaries: tuple[str, ...] = ()
        self._tables: dict[str, _Table] = {section: _Table(section) for section in SECTIONS}
        self._variant_of: str | None = None
        self._changes: tuple[Any, ...] = ()

    @property
    def revision(self) -> int:
        """A counter that changes whenever the model does (for caches of derived forms).

        ``_core_cache`` is such a cache, owned by :mod:`datareach.compiled`; it is neither
        copied nor pickled."""
        return self._revision

    def _changed(self) -> None:
        self._revision += 1

    # -- scalar fields -------------------------------------------------------------------

    @property
    def format(self) -> str:
        """The scenario file format this model is written in: ``datareach/1``."""
        return FORMAT

    @property
    def name(self) -> str | None:
        """A title for the model, or None."""
        return self._name

    @name.setter
    def name(self, value: str | None) -> None:
        self._name = None if value is None else check_text(value, "name")
        self._changed()

    @property
    def sources(self) -> dict[str, dict[str, Any]]:
        """Citations by id, each a mapping of free fields (title, date, url, ...). A copy."""
        return _copy.deepcopy(self._sources)

    @property
    def adversaries(self) -> tuple[str, ...]:
        """The node ids analysed by default."""
        return self._adversaries

    @adversaries.setter
    def adversaries(self, ids: Iterable[str]) -> None:
        if isinstance(ids, (str, Mapping)) or not isinstance(ids, Iterable):
            raise ModelError(
                f"must be a list of node ids, got {type(ids).__name__} {ids!r}",
                where="adversaries",
            )
        chosen: list[str] = []
        node_ids = self._tables["nodes"].ids
        assert node_ids is not None
        for i, value in enumerate(ids):
            location = where("adversaries", i)
            value = check_name(value, location)
            if value not in node_ids:
                raise ModelError(
                    f"unknown node {value!r}{did_you_mean(value, node_ids.array)}",
                    where=location,
                )
            if value in chosen:
                raise ModelError(f"names {value!r} twice", where=location)
            chosen.append(value)
        self._adversaries = tuple(chosen)
        self._changed()

    # -- tables --------------------------------------------------------------------------

    def _frame(self, section: str) -> pd.DataFrame:
        # With copy-on-write (always on from pandas 3) a shallow copy is enough for edits to
        # the returned frame never to reach the model; without it, only a deep copy is.
        return self._tables[section].frame().copy(deep=not _copy_on_write())

    @property
    def nodes(self) -> pd.DataFrame:
        """id, kind, region, territory, compels, rule_exempt, attrs, source, note."""
        return self._frame("nodes")

    @property
    def classes(self) -> pd.DataFrame:
        """id, sensitivity, records, category, components, source, note."""
        return self._frame("classes")

    @property
    def events(self) -> pd.DataFrame:
        """id, p, source, note."""
        return self._frame("events")

    @property
    def placements(self) -> pd.DataFrame:
        """class, store, share, window_start, window_end, source, note."""
        return self._frame("placements")

    @property
    def flows(self) -> pd.DataFrame:
        """from, to, classes, share, kind, window_start, window_end, source, note."""
        return self._frame("flows")

    @property
    def access(self) -> pd.DataFrame:
        """from, to, p, classes, requires, cost, kind, window_start, window_end, source,
        note."""
        return self._frame("access")

    @property
    def node_ids(self) -> list[str]:
        """Node ids in row order (the core's node indices)."""
        return self._ids("nodes")

    @property
    def class_ids(self) -> list[str]:
        """Class ids in row order."""
        return self._ids("classes")

    @property
    def event_ids(self) -> list[str]:
        """Event ids in row order."""
        return self._ids("events")

    @property
    def source_ids(self) -> list[str]:
        """Source ids in the order they were added."""
        return list(self._sources)

    @property
    def node_index(self) -> Mapping[str, int]:
        """Node id → row (the core's node index); a read-only live view."""
        return self._index("nodes")

    @property
    def class_index(self) -> Mapping[str, int]:
        """Class id → row; a read-only live view."""
        return self._index("classes")

    @property
    def event_index(self) -> Mapping[str, int]:
        """Event id → row; a read-only live view."""
        return self._index("events")

    @property
    def region_names(self) -> list[str]:
        """Every region and territory the nodes name, with all their ancestors (``US/VA``
        brings ``US``), sorted so that a parent comes before its children: the core's
        region indices."""
        given = pd.unique(
            np.concatenate([self._column("nodes", "region"), self._column("nodes", "territory")])
        )
        names: set[str] = set()
        for region in given:  # distinct regions only, not rows
            if region is not None:
                parts = region.split("/")
                names.update("/".join(parts[:depth]) for depth in range(1, len(parts) + 1))
        return sorted(names)

    def _index(self, section: str) -> Mapping[str, int]:
        ids = self._tables[section].ids
        assert ids is not None
        return ids.mapping

    def _ids(self, section: str) -> list[str]:
        ids = self._tables[section].ids
        assert ids is not None
        return ids.array.tolist()

    def _column(self, section: str, name: str) -> np.ndarray:
        """A canonical column array (shared with the model: read, never write)."""
        return self._tables[section].column(name)

    def _positions(self, section: str, ids: np.ndarray) -> np.ndarray:
        """The row of each id of ``section``, -1 where unknown."""
        index = self._tables[section].ids
        assert index is not None
        return index.positions(ids)

    # -- adding entries ------------------------------------------------------------------

    def _add_records(self, section: str, records: Sequence[Any]) -> None:
        table = self._tables[section]
        raw = records_to_columns(section, records, len(table))
        self._add_raw(section, raw)

    def _add_raw(self, section: str, raw: Mapping[str, RawColumn]) -> None:
        table = self._tables[section]
        table.append(normalise(section, raw, len(table), _Context(self)))
        self._changed()

    def _add_frame(self, section: str, frame: Frame) -> Model:
        raw, _ = frame_to_columns(section, frame, len(self._tables[section]))
        self._add_raw(section, raw)
        return self

    def add_source(self, id: str, **fields: Any) -> Model:
        """Add a citation that entries name in their ``source`` field; fields are free
        (title, date, url, ...) and must be plain data."""
        location = f"sources.{id}" if isinstance(id, str) else "sources"
        id = check_name(id, location)
        if id in self._source_ids:
            raise ModelError("duplicate source id", where=location)
        self._sources[id] = plain_data(fields, location)
        self._source_ids.extend([id])
        self._changed()
        return self

    def add_event(
        self, id: str, p: float, *, source: str | None = None, note: str | None = None
    ) -> Model:
        """Add a shared random condition that is up with probability ``p``."""
        self._add_records("events", [{"id": id, "p": p, "source": source, "note": note}])
        return self

    def add_node(
        self,
        id: str,
        kind: str,
        region: str | None = None,
        territory: str | None = None,
        compels: float | None = None,
        *,
        source: str | None = None,
        note: str | None = None,
        rule_exempt: bool = False,
        **attrs: Any,
    ) -> Model:
        """Add a node. ``kind`` is jurisdiction, organization, role, store or gateway;
        only a jurisdiction has ``territory`` and ``compels`` (both or neither);
        ``rule_exempt=True`` keeps every jurisdiction rule from reaching the node (what
        the what-if ``disable`` sets); extra keywords become the node's free ``attrs``."""
        record = {
            "id": id,
            "kind": kind,
            "region": region,
            "territory": territory,
            "compels": compels,
            "rule_exempt": None if rule_exempt is False else rule_exempt,
            "attrs": attrs or None,
            "source": source,
            "note": note,
        }
        self._add_records("nodes", [record])
        return self

    def add_class(
        self,
        id: str,
        sensitivity: float = 1.0,
        records: float = 1.0,
        category: str | None = None,
        components: Sequence[str] | None = None,
        *,
        source: str | None = None,
        note: str | None = None,
    ) -> Model:
        """Add a data class; with ``components`` (classes added before) a composite."""
        record = {
            "id": id,
            "sensitivity": sensitivity,
            "records": records,
            "category": category,
            "components": components,
            "source": source,
            "note": note,
        }
        self._add_records("classes", [record])
        return self

    def place(
        self,
        class_: str,
        store: str,
        share: float = 1.0,
        window: Window = None,
        *,
        source: str | None = None,
        note: str | None = None,
    ) -> Model:
        """Place a share of an atomic class's records in a store during ``window``
        (``(start, end)``, end excluded, either side None for open)."""
        record = {
            "class": class_,
            "store": store,
            "share": share,
            "window": window,
            "source": source,
            "note": note,
        }
        self._add_records("placements", [record])
        return self

    def add_flow(
        self,
        from_: str,
        to: str,
        classes: Sequence[str] | None = None,
        share: float = 1.0,
        kind: str | None = None,
        window: Window = None,
        *,
        source: str | None = None,
        note: str | None = None,
    ) -> Model:
        """Add a copy from one store to another (every class when ``classes`` is None)."""
        record = {
            "from": from_,
            "to": to,
            "classes": classes,
            "share": share,
            "kind": kind,
            "window": window,
            "source": source,
            "note": note,
        }
        self._add_records("flows", [record])
        return self

    def add_access(
        self,
        from_: str,
        to: str,
        p: float = 1.0,
        classes: Sequence[str] | None = None,
        requires: Sequence[str] | None = None,
        cost: float = 1.0,
        kind: str | None = None,
        window: Window = None,
        source: str | None = None,
        *,
        note: str | None = None,
    ) -> Model:
        """Add an access arc: ``from_`` can reach ``to`` with probability ``p`` when every
        event in ``requires`` is up, for the ``classes`` given (None: every class)."""
        record = {
            "from": from_,
            "to": to,
            "p": p,
            "classes": classes,
            "requires": requires,
            "cost": cost,
            "kind": kind,
            "window": window,
            "source": source,
            "note": note,
        }
        self._add_records("access", [record])
        return self

    def add_events(self, frame: Frame) -> Model:
        """Add many events from a DataFrame (or mapping of arrays) with the columns of
        :attr:`events`; ``id`` and ``p`` are required."""
        return self._add_frame("events", frame)

    def add_nodes(self, frame: Frame) -> Model:
        """Add many nodes from a DataFrame with the columns of :attr:`nodes`."""
        return self._add_frame("nodes", frame)

    def add_classes(self, frame: Frame) -> Model:
        """Add many classes from a DataFrame with the columns of :attr:`classes`;
        components may name classes of the same frame."""
        return self._add_frame("classes", frame)

    def add_placements(self, frame: Frame) -> Model:
        """Add many placements from a DataFrame with the columns of :attr:`placements`."""
        return self._add_frame("placements", frame)

    def add_flows(self, frame: Frame) -> Model:
        """Add many flows from a DataFrame with the columns of :attr:`flows`."""
        return self._add_frame("flows", frame)

    def add_arcs(self, frame: Frame) -> Model:
        """Add many access arcs from a DataFrame (or mapping of NumPy arrays) with the
        columns of :attr:`access`; ``from``, ``to`` and ``p`` are required. Checked with
        array operations: millions of rows take seconds. NaN/None marks a left-out
        value (the default applies)."""
        return self._add_frame("access", frame)

    # -- conversion ----------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Model:
        """A model from a scenario mapping (what a YAML or JSON file holds)."""
        if not isinstance(data, Mapping):
            raise ModelError(
                f"a model must be a mapping with format, nodes, classes, ...; got "
                f"{type(data).__name__}"
            )
        for key in data:
            if key not in TOP_LEVEL_FIELDS:
                raise ModelError(
                    f"unknown top-level field{did_you_mean(str(key), TOP_LEVEL_FIELDS)}",
                    where=str(key),
                )
        if "format" not in data:
            raise ModelError(f"missing; write format: {FORMAT} first", where="format")
        if data["format"] != FORMAT:
            raise ModelError(
                f"unsupported format {data['format']!r}; expected {FORMAT!r}", where="format"
            )
        model = cls(data.get("name"))
        sources = data.get("sources")
        if sources is not None:
            if not isinstance(sources, Mapping):
                raise ModelError(
                    f"must be a mapping of source id to its fields, got {type(sources).__name__}",
                    where="sources",
                )
            for source_id, fields in sources.items():
                if fields is None:
                    fields = {}
                if not isinstance(fields, Mapping) or not all(isinstance(k, str) for k in fields):
                    raise ModelError(
                        f"must be a mapping of fields, got {type(fields).__name__}",
                        where=f"sources.{source_id}",
                    )
                model.add_source(source_id, **fields)
        for section in SECTIONS:
            entries = data.get(section)
            if entries is None:
                continue
            if not isinstance(entries, (list, tuple)):
                raise ModelError(
                    f"must be a list of entries, got {type(entries).__name__}", where=section
                )
            model._add_records(section, entries)
        if data.get("adversaries") is not None:
            model.adversaries = data["adversaries"]
        return model

    def to_dict(self) -> dict[str, Any]:
        """The model as a scenario mapping of plain Python data (dates as ISO strings);
        ``Model.from_dict(m.to_dict()) == m``. Fields left out or at their default are
        not written."""
        data: dict[str, Any] = {"format": FORMAT}
        if self._name is not None:
            data["name"] = self._name
        if self._sources:
            data["sources"] = self.sources
        if self._adversaries:
            data["adversaries"] = list(self._adversaries)
        for section in TOP_LEVEL_FIELDS:
            if section in self._tables and len(self._tables[section]):
                data[section] = self._records(section)
        return data

    def _records(self, section: str) -> list[dict[str, Any]]:
        """The rows of a section as entries of a scenario file."""
        table = self._tables[section]
        fields: list[tuple[str, list[Any]]] = []
        for field in FIELDS[section]:
            if field.type is FieldType.WINDOW:
                fields.append((field.name, _windows(*(table.column(c) for c in field.columns))))
            elif field.type is FieldType.NUMBER:
                omitted = None if field.write_default else field.default
                fields.append((field.name, _numbers(table.column(field.name), omitted)))
            elif field.type is FieldType.REFS:
                fields.append(
                    (field.name, [None if v is None else list(v) for v in table.column(field.name)])
                )
            elif field.type is FieldType.ATTRS:
                fields.append((field.name, _copy.deepcopy(table.column(field.name).tolist())))
            elif field.type is FieldType.FLAG:
                fields.append((field.name, [True if v else None for v in table.column(field.name)]))
            else:
                fields.append((field.name, table.column(field.name).tolist()))
        records = []
        for row in range(len(table)):
            record = {}
            for name, values in fields:
                if values[row] is not None:
                    record[name] = values[row]
            records.append(record)
        return records

    # -- what-if changes ------------------------------------------------------------------

    def apply(self, changes: Any) -> Model:
        """A new model with ``changes`` applied in order (DESIGN section 5); this model is
        never modified. ``changes``: one change or a list of them, each built with
        :mod:`datareach.changes` (``dr.changes.migrate(...)``, ...) or a mapping as a
        variant file writes it (``{"op": "migrate", ...}``). Each change is checked
        against the model as the earlier changes left it; a bad one raises
        :class:`ModelError` naming ``changes[i].field``. See :mod:`datareach.changes`
        for what each change does."""
        from .changes import apply

        return apply(self, changes)

    @property
    def variant_of(self) -> str | None:
        """The file this model was derived from, when it was loaded from a variant file
        (the absolute path of the first plain model down the chain of bases), else None.
        With :attr:`changes`: ``load(variant_of).apply(changes)`` rebuilds the model
        (its name aside)."""
        return self._variant_of

    @property
    def changes(self) -> tuple[Any, ...]:
        """The changes :meth:`apply` (or a variant file) made to get this model from its
        base, in order; empty for a model built or loaded directly. Saving a model writes
        the full result, not these."""
        return self._changes

    # -- the rest ------------------------------------------------------------------------

    def copy(self) -> Model:
        """An independent copy (column arrays are shared: the model never modifies them)."""
        clone = Model.__new__(Model)
        clone.__setstate__(self.__getstate__())
        return clone

    def __getstate__(self) -> dict[str, Any]:
        return {
            "version": MODEL_PICKLE_VERSION,
            "name": self._name,
            "sources": _copy.deepcopy(self._sources),
            "adversaries": self._adversaries,
            "tables": {s: dict(t.columns()) for s, t in self._tables.items()},
            "variant_of": self._variant_of,
            "changes": self._changes,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        version = state.get("version") if isinstance(state, dict) else None
        if version != MODEL_PICKLE_VERSION:
            raise ModelError(
                f"cannot read a Model pickled with format version {version!r}; this datareach reads "
                f"version {MODEL_PICKLE_VERSION}"
            )
        self._revision = 0
        self._core_cache = {}
        self._name = state["name"]
        self._sources = state["sources"]
        self._source_ids = IdIndex(self._sources)
        self._adversaries = tuple(state["adversaries"])
        self._tables = {}
        for section in SECTIONS:
            columns = dict(state["tables"][section])
            for name, empty in empty_columns(section).items():
                if name not in columns and empty.dtype == bool:  # a flag added since
                    columns[name] = np.zeros(len(next(iter(columns.values()))), dtype=bool)
            if "attrs" in columns:  # the only column of mutable values
                columns["attrs"] = object_array(_copy.deepcopy(columns["attrs"].tolist()))
            self._tables[section] = _Table(section, columns)
        self._variant_of = state.get("variant_of")
        self._changes = tuple(state.get("changes", ()))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Model):
            return NotImplemented
        if (self._name, self._sources, self._adversaries) != (
            other._name,
            other._sources,
            other._adversaries,
        ):
            return False
        return all(
            _tables_equal(self._tables[s].columns(), other._tables[s].columns()) for s in SECTIONS
        )

    __hash__ = None  # type: ignore[assignment]  # mutable: adding rows changes equality

    def __repr__(self) -> str:
        counts = ", ".join(
            f"{s}={len(self._tables[s])}" for s in TOP_LEVEL_FIELDS if s in self._tables
        )
        extra = f", sources={len(self._sources)}" if self._sources else ""
        adversaries = f", adversaries={list(self._adversaries)}" if self._adversaries else ""
        return f"Model({self._name!r}, {counts}{extra}{adversaries})"


def _copy_on_write() -> bool:
    if int(pd.__version__.split(".")[0]) >= 3:
        return True
    return pd.options.mode.copy_on_write is True


def _numbers(values: np.ndarray, omitted: float | None) -> list[Any]:
    """Numbers for a file: NaN (left out) and ``omitted`` (a default) dropped, whole
    numbers as ints so that 150000000 is not written 150000000.0."""
    out: list[Any] = []
    for value in values.tolist():
        if math.isnan(value) or value == omitted:
            out.append(None)
        elif value.is_integer() and abs(value) < 2**53:
            out.append(int(value))
        else:
            out.append(value)
    return out


def _windows(starts: np.ndarray, ends: np.ndarray) -> list[Any]:
    """``[start, end]`` as ISO strings (None for an open side), None for no window."""
    out: list[Any] = [None] * len(starts)
    open_start, open_end = np.isnat(starts), np.isnat(ends)
    start_days = dates.dates_to_days(starts, dates.OPEN_START).tolist()
    end_days = dates.dates_to_days(ends, dates.OPEN_END).tolist()
    for row in np.flatnonzero(~(open_start & open_end)).tolist():
        out[row] = [
            None if open_start[row] else dates.to_iso(start_days[row]),
            None if open_end[row] else dates.to_iso(end_days[row]),
        ]
    return out


def _tables_equal(left: Mapping[str, np.ndarray], right: Mapping[str, np.ndarray]) -> bool:
    for name, a in left.items():
        b = right[name]
        if a.shape != b.shape:
            return False
        if a.dtype.kind == "M":
            a, b = a.view(np.int64), b.view(np.int64)  # NaT compares equal to NaT
        if a.dtype.kind == "f":
            if not np.array_equal(a, b, equal_nan=True):
                return False
        elif not np.all(a == b):  # object columns: == per element (str, tuple, dict, None)
            return False
    return True
