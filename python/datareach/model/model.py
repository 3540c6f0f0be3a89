"""The :class:`Model` class: nodes, data classes, events, placements, flows and access arcs
as tables, with its DataFrame views, scenario mappings, what-if changes and pickling (the
builder methods it inherits are in :mod:`datareach.model.builders`).

A :class:`Model` is valid at all times: every row is checked (by
:func:`datareach.model.validate.normalise`) when it is added, against the rows already
there, so entries must be added after the entries they name (events and nodes before the
arcs that use them, components before the composite class). Rows are never changed or
removed in place; what-if changes build new models.
"""

from __future__ import annotations

import copy as _copy
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import ModelError, describe, did_you_mean, key_text, quote, where
from .builders import ModelBuilder, source_location
from .entries import table_entries
from .fields import FORMAT, SECTIONS, TOP_LEVEL_FIELDS
from .ingest import object_array
from .pickling import model_from_state, model_state
from .tables import IdIndex, Table, columns_equal
from .values import check_name, check_text

if TYPE_CHECKING:
    from ..changes.types import Change

__all__ = ["Model"]


class Model(ModelBuilder):
    """A data-flow risk model (docs/design.md §1), held as one table per section.

    Build it with the ``add_*`` and :meth:`place` methods, in bulk from DataFrames with
    :meth:`add_nodes`, :meth:`add_arcs` and siblings, or from a scenario mapping with
    :meth:`from_dict`. The tables are available as DataFrames (:attr:`nodes`,
    :attr:`classes`, :attr:`events`, :attr:`placements`, :attr:`flows`, :attr:`access`)
    whose columns are the fields of the file format, a window split into
    ``window_start`` / ``window_end`` (NaT for an open side) and a range (``p_range``,
    ``compels_range``) into ``<field>_low`` / ``<field>_high``. Left-out values are None
    (NaN for ``compels`` and ranges); a class filter of None means every class.

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
        self._tables: dict[str, Table] = {section: Table(section) for section in SECTIONS}
        self._variant_of: str | None = None
        self._changes: tuple[Change, ...] = ()

    @property
    def revision(self) -> int:
        """A counter that changes whenever the model does (for caches of derived forms).

        ``_core_cache`` is such a cache (the core's tables and compiled graphs, owned by
        :mod:`datareach.model.lowering`, and the region names); each entry holds the revision
        it was made from, and the cache is neither copied nor pickled."""
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
                f"must be a list of node ids, got {describe(ids)}",
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
                    f"unknown node {quote(value)}{did_you_mean(value, node_ids.array)}",
                    where=location,
                )
            if value in chosen:
                earlier = where("adversaries", chosen.index(value))
                raise ModelError(f"names {quote(value)} twice (also {earlier})", where=location)
            chosen.append(value)
        self._adversaries = tuple(chosen)
        self._changed()

    # -- tables --------------------------------------------------------------------------

    def _frame(self, section: str) -> pd.DataFrame:
        # With copy-on-write (always on from pandas 3) a shallow copy is enough for edits to
        # the returned frame never to reach the model; without it, only a deep copy is.
        result: pd.DataFrame = self._tables[section].frame().copy(deep=not _copy_on_write())
        return result

    @property
    def nodes(self) -> pd.DataFrame:
        """id, kind, region, territory, compels, compels_range_low, compels_range_high,
        rule_exempt, attrs, source, note."""
        return self._frame("nodes")

    @property
    def classes(self) -> pd.DataFrame:
        """id, sensitivity, records, category, components, source, note."""
        return self._frame("classes")

    @property
    def events(self) -> pd.DataFrame:
        """id, p, p_range_low, p_range_high, source, note."""
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
        """from, to, p, p_range_low, p_range_high, classes, requires, cost, kind,
        window_start, window_end, source, note."""
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
        # Cached per revision: every analysis asks for them, and on a large model finding
        # the distinct regions of every node costs more than a short Monte Carlo run.
        cached = self._core_cache.get("region_names")
        if cached is None or cached[0] != self._revision:
            given = pd.unique(np.concatenate([self._column("nodes", "region"), self._column("nodes", "territory")]))
            names: set[str] = set()
            for region in given:  # distinct regions only, not rows
                if region is not None:
                    parts = region.split("/")
                    names.update("/".join(parts[:depth]) for depth in range(1, len(parts) + 1))
            cached = self._core_cache["region_names"] = (self._revision, sorted(names))
        return list(cached[1])

    def change_dates(self) -> tuple[str, ...]:
        """The dates on which the model changes (YYYY-MM-DD, sorted, each once): every start
        and end of a placement's, flow's or access arc's window. Between two consecutive
        change dates every analysis gives the same numbers, so these are the dates a timeline
        must evaluate to see each step (``dr.timeline(..., freq="changes")``). A window's end
        is its first day without the entry."""
        bounds = [
            self._column(section, bound)
            for section in ("placements", "flows", "access")
            for bound in ("window_start", "window_end")
        ]
        days = np.unique(np.concatenate(bounds).astype("datetime64[D]"))
        return tuple(str(day) for day in days if not np.isnat(day))

    def _index(self, section: str) -> Mapping[str, int]:
        ids = self._tables[section].ids
        assert ids is not None
        return ids.mapping

    def _ids(self, section: str) -> list[str]:
        ids: list[str] = self._id_array(section).tolist()
        return ids

    def _id_array(self, section: str) -> np.ndarray:
        """The ids of ``section`` in row order, an object array shared with the model (read,
        never write): what a result labels its rows with, without a list of every id."""
        ids = self._tables[section].ids
        assert ids is not None
        return ids.array

    def _column(self, section: str, name: str) -> np.ndarray:
        """A canonical column array (shared with the model: read, never write)."""
        return self._tables[section].column(name)

    def _cell(self, section: str, name: str, row: int) -> Any:
        """One row's value of a column (``_column(section, name)[row]``), reading a list or
        reference column not made yet without making it."""
        return self._tables[section].cell(name, row)

    def _positions(self, section: str, ids: np.ndarray) -> np.ndarray:
        """The row of each id of ``section``, -1 where unknown."""
        index = self._tables[section].ids
        assert index is not None
        return index.positions(ids)

    # -- conversion ----------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Model:
        """A model from a scenario mapping (what a YAML or JSON file holds)."""
        if not isinstance(data, Mapping):
            raise ModelError(f"a model must be a mapping with format, nodes, classes, ...; got {describe(data)}")
        for key in data:
            if key not in TOP_LEVEL_FIELDS:
                raise ModelError(
                    f"unknown top-level field{did_you_mean(key, TOP_LEVEL_FIELDS)}",
                    where=key_text(key),
                )
        if "format" not in data:
            raise ModelError(f"missing; write format: {FORMAT} first", where="format")
        if data["format"] != FORMAT:
            raise ModelError(
                f"unsupported format {describe(data['format'])}; expected {FORMAT!r}",
                where="format",
            )
        model = cls(data.get("name"))
        sources = data.get("sources")
        if sources is not None:
            if not isinstance(sources, Mapping):
                raise ModelError(
                    f"must be a mapping of source id to its fields, got {describe(sources)}",
                    where="sources",
                )
            for source_id, fields in sources.items():
                if fields is None:
                    fields = {}
                if not isinstance(fields, Mapping) or not all(isinstance(k, str) for k in fields):
                    raise ModelError(
                        f"must be a mapping of fields, got {describe(fields)}",
                        where=source_location(source_id),
                    )
                model.add_source(source_id, **fields)
        for section in SECTIONS:
            entries = data.get(section)
            if entries is None:
                continue
            if not isinstance(entries, (list, tuple)):
                raise ModelError(f"must be a list of entries, got {describe(entries)}", where=section)
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
                data[section] = table_entries(section, self._tables[section])
        return data

    # -- what-if changes ------------------------------------------------------------------

    def apply(self, changes: Any) -> Model:
        """A new model with ``changes`` applied in order (docs/design.md §5); this model is
        never modified. ``changes``: one change or a list of them, each built with
        :mod:`datareach.changes` (``dr.changes.migrate(...)``, ...) or a mapping as a
        variant file writes it (``{"op": "migrate", ...}``). Each change is checked
        against the model as the earlier changes left it; a bad one raises
        :class:`ModelError` naming ``changes[i].field``. The result remembers the changes
        (:attr:`changes`: this model's own, then these) and this model's
        :attr:`variant_of`. See :mod:`datareach.changes` for what each change does."""
        # Imported here: the changes build on the model's fields and validation, so the
        # model is importable, and usable, without them.
        from ..changes.apply import apply_changes
        from ..changes.convert import as_changes

        items = as_changes(changes)
        result = Model._from_columns(
            name=self._name,
            sources=self.sources,
            adversaries=self._adversaries,
            tables=apply_changes(self._tables, self._source_ids, items),
            variant_of=self._variant_of,
            changes=(*self._changes, *items),
        )
        result._revision = self._revision + 1  # a derived model: never the base's revision
        return result

    @property
    def variant_of(self) -> str | None:
        """The file this model was derived from, when it was loaded from a variant file
        (the absolute path of the first plain model down the chain of bases), else None.
        With :attr:`changes`: ``load(variant_of).apply(changes)`` rebuilds the model
        (its name aside)."""
        return self._variant_of

    @property
    def changes(self) -> tuple[Change, ...]:
        """The changes :meth:`apply` (or a variant file) made to get this model from its
        base, in order; empty for a model built or loaded directly. Saving a model writes
        the full result, not these."""
        return self._changes

    # -- the rest ------------------------------------------------------------------------

    def copy(self) -> Model:
        """An independent copy (column arrays are shared: the model never modifies them)."""
        return Model._from_columns(
            name=self._name,
            sources=self.sources,
            adversaries=self._adversaries,
            tables={section: table.columns() for section, table in self._tables.items()},
            variant_of=self._variant_of,
            changes=self._changes,
        )

    @classmethod
    def _from_columns(
        cls,
        *,
        name: str | None,
        sources: dict[str, dict[str, Any]],
        adversaries: Iterable[str],
        tables: Mapping[str, Mapping[str, np.ndarray]],
        variant_of: str | None = None,
        changes: Iterable[Change] = (),
    ) -> Model:
        """A model from canonical columns that are valid already (a copy, the result of
        changes, an unpickled model): nothing is checked again. ``sources`` is taken as
        it is (pass a copy); the column arrays are shared, never modified."""
        model = cls.__new__(cls)
        model._init_from_columns(name, sources, adversaries, tables, variant_of, changes)
        return model

    def _init_from_columns(
        self,
        name: str | None,
        sources: dict[str, dict[str, Any]],
        adversaries: Iterable[str],
        tables: Mapping[str, Mapping[str, np.ndarray]],
        variant_of: str | None,
        changes: Iterable[Change],
    ) -> None:
        self._revision = 0
        self._core_cache = {}
        self._name = name
        self._sources = sources
        self._source_ids = IdIndex(sources)
        self._adversaries = tuple(adversaries)
        self._tables = {}
        for section in SECTIONS:
            columns = dict(tables[section])
            if "attrs" in columns:  # the only column of mutable values
                columns["attrs"] = object_array(_copy.deepcopy(columns["attrs"].tolist()))
            self._tables[section] = Table(section, columns)
        self._variant_of = variant_of
        self._changes = tuple(changes)

    def __getstate__(self) -> dict[str, Any]:
        """Pickle state (format version 2): plain lists and bytes, no NumPy objects; see
        :mod:`datareach.model.pickling`. Like every pickle, for trusted data only (moving
        models to Dask workers), never for uploads."""
        return model_state(self)

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Rebuild the model from pickle state, checked as a loaded file is (a ModelError
        for bad state). Version-1 pickles (NumPy object arrays) are refused with a
        ModelError; a damaged one may crash NumPy's own unpickling before this runs, which
        is why version 2 holds no NumPy objects."""
        self.__dict__.update(model_from_state(state, type(self)).__dict__)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Model):
            return NotImplemented
        if (self._name, self._sources, self._adversaries) != (
            other._name,
            other._sources,
            other._adversaries,
        ):
            return False
        return all(columns_equal(self._tables[s].columns(), other._tables[s].columns()) for s in SECTIONS)

    __hash__ = None  # type: ignore[assignment]  # mutable: adding rows changes equality

    def summary(self) -> str:
        """A few lines of text: the name, entries per section and nodes per kind, the
        adversaries, the dates the windows span, the number of sources."""
        from .display import summary_text

        return summary_text(self)

    def _repr_html_(self) -> str:
        """A notebook's display: :meth:`summary` as tables, with the access map when the
        model is small enough to draw (``dr.diagram``), every value escaped."""
        from .display import summary_html

        return summary_html(self)

    def __repr__(self) -> str:
        counts = ", ".join(f"{s}={len(self._tables[s])}" for s in TOP_LEVEL_FIELDS if s in self._tables)
        extra = f", sources={len(self._sources)}" if self._sources else ""
        adversaries = f", adversaries={list(self._adversaries)}" if self._adversaries else ""
        return f"Model({self._name!r}, {counts}{extra}{adversaries})"


def _copy_on_write() -> bool:
    if int(pd.__version__.split(".")[0]) >= 3:
        return True
    return pd.options.mode.copy_on_write is True
