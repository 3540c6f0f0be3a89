"""The builder methods of :class:`~datareach.model.Model`: entries added one at a time
(``add_node``, ``place``, ...) or in bulk from DataFrames (``add_nodes``, ``add_arcs``,
...), each batch checked by :func:`~datareach.model.validate.normalise` against the rows
already in the model before it is appended.

:class:`ModelBuilder`, the base class of ``Model``, holds them; the rest of the class (its
views, conversions, changes and pickling) is in :mod:`datareach.model.model`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import ModelError, cut
from .ingest import RawColumn, frame_to_columns, records_to_columns
from .tables import IdIndex, Table
from .validate import normalise_batch
from .values import check_name, plain_data

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11 on

__all__ = ["Frame", "ModelBuilder", "Range", "Window", "source_location"]

Window = tuple[Any, Any] | list[Any] | None
Range = tuple[float, float] | list[float]
Frame = pd.DataFrame | Mapping[str, Any]


class ModelBuilder:
    """The ``add_*`` methods and :meth:`place` of :class:`~datareach.model.Model`, which
    supplies the tables they append to."""

    _tables: dict[str, Table]
    _sources: dict[str, dict[str, Any]]
    _source_ids: IdIndex

    def _changed(self) -> None:
        """Record that the model changed (the model counts its revisions)."""
        raise NotImplementedError

    def _add_records(self, section: str, records: Sequence[Any]) -> None:
        table = self._tables[section]
        raw = records_to_columns(section, records, len(table))
        self._add_raw(section, raw)

    def _add_raw(self, section: str, raw: Mapping[str, RawColumn]) -> None:
        table = self._tables[section]
        batch = normalise_batch(section, raw, len(table), _Context(self))
        positions, ragged = batch.resolved()
        table.append(
            batch.table_columns(),
            positions=positions,
            ragged=ragged,
            id_index=batch.id_index,
            id_hashes_=batch.id_hashes,
        )
        self._changed()

    def _add_frame(self, section: str, frame: Frame) -> Self:
        self._add_raw(section, frame_to_columns(section, frame, len(self._tables[section])))
        return self

    def add_source(self, id: str, /, **fields: Any) -> Self:
        """Add a citation that entries name in their ``source`` field; fields are free
        (title, date, url, ...; ``id`` and ``self`` too) and must be plain data."""
        location = source_location(id)
        id = check_name(id, location)
        if id in self._source_ids:
            raise ModelError("duplicate source id", where=location)
        self._sources[id] = plain_data(fields, location)
        self._source_ids.extend([id])
        self._changed()
        return self

    def add_event(
        self,
        id: str,
        p: float,
        *,
        p_range: Range | None = None,
        source: str | None = None,
        note: str | None = None,
    ) -> Self:
        """Add a shared random condition that is up with probability ``p``; ``p_range``
        (``(low, high)``, holding ``p``) is the range the sensitivity analyses vary it in."""
        self._add_records("events", [{"id": id, "p": p, "p_range": p_range, "source": source, "note": note}])
        return self

    def add_node(
        self,
        id: str,
        kind: str,
        region: str | None = None,
        territory: str | None = None,
        compels: float | None = None,
        *,
        compels_range: Range | None = None,
        source: str | None = None,
        note: str | None = None,
        rule_exempt: bool = False,
        **attrs: Any,
    ) -> Self:
        """Add a node. ``kind`` is jurisdiction, organization, role, store or gateway;
        only a jurisdiction has ``territory`` and ``compels`` (both or neither), and
        ``compels_range`` (``(low, high)``, holding ``compels``) for the sensitivity analyses;
        ``rule_exempt=True`` keeps every jurisdiction rule from reaching the node (what
        the what-if ``disable`` sets); extra keywords become the node's free ``attrs``."""
        record = {
            "id": id,
            "kind": kind,
            "region": region,
            "territory": territory,
            "compels": compels,
            "compels_range": compels_range,
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
    ) -> Self:
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
        data_class: str,
        store: str,
        share: float = 1.0,
        window: Window = None,
        *,
        source: str | None = None,
        note: str | None = None,
    ) -> Self:
        """Place a share of an atomic class's records in a store during ``window``
        (``(start, end)``, end excluded, either side None for open)."""
        record = {
            "class": data_class,
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
    ) -> Self:
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
        p_range: Range | None = None,
    ) -> Self:
        """Add an access arc: ``from_`` can reach ``to`` with probability ``p`` when every
        event in ``requires`` is up, for the ``classes`` given (None: every class);
        ``p_range`` (``(low, high)``, holding ``p``) is the range the sensitivity analyses
        vary ``p`` in."""
        record = {
            "from": from_,
            "to": to,
            "p": p,
            "p_range": p_range,
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

    def add_events(self, frame: Frame) -> Self:
        """Add many events from a DataFrame (or mapping of arrays) with the columns of
        :attr:`events`; ``id`` and ``p`` are required, a range is given as the columns
        ``p_range_low`` and ``p_range_high``."""
        return self._add_frame("events", frame)

    def add_nodes(self, frame: Frame) -> Self:
        """Add many nodes from a DataFrame with the columns of :attr:`nodes`."""
        return self._add_frame("nodes", frame)

    def add_classes(self, frame: Frame) -> Self:
        """Add many classes from a DataFrame with the columns of :attr:`classes`;
        components may name classes of the same frame."""
        return self._add_frame("classes", frame)

    def add_placements(self, frame: Frame) -> Self:
        """Add many placements from a DataFrame with the columns of :attr:`placements`."""
        return self._add_frame("placements", frame)

    def add_flows(self, frame: Frame) -> Self:
        """Add many flows from a DataFrame with the columns of :attr:`flows`."""
        return self._add_frame("flows", frame)

    def add_arcs(self, frame: Frame) -> Self:
        """Add many access arcs from a DataFrame (or mapping of NumPy arrays) with the
        columns of :attr:`access`; ``from``, ``to`` and ``p`` are required, a range is
        given as the columns ``p_range_low`` and ``p_range_high``. Checked with array
        operations: millions of rows take seconds. NaN/None marks a left-out value (the
        default applies)."""
        return self._add_frame("access", frame)


def source_location(source_id: Any) -> str:
    """``sources.<id>`` for messages, the id cut like every quoted value."""
    if not isinstance(source_id, str):
        return "sources"
    return f"sources.{cut(source_id)}"


class _Context:
    """The model as :func:`~datareach.model.validate.normalise` sees it."""

    def __init__(self, model: ModelBuilder) -> None:
        self._model = model

    def ids(self, section: str) -> IdIndex:
        if section == "sources":
            return self._model._source_ids
        ids = self._model._tables[section].ids
        assert ids is not None, section
        return ids

    def column(self, section: str, name: str) -> np.ndarray:
        return self._model._tables[section].column(name)
