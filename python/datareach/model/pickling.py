"""The pickle state of a :class:`~datareach.model.Model` (format version 2), and a model
rebuilt from one through the one validator.

Version 1 held NumPy object arrays. NumPy's own unpickling trusts the length written in
such an array, so a pickle with one byte changed could crash the process before datareach
saw anything. Version 2 holds no NumPy object at all: strings, id lists and free data as
plain Python lists, numeric and date columns as little-endian bytes with their dtype
named. Nothing in it can be forged into an out-of-bounds read, and unpickling checks the
whole state as a loaded file is checked: the columns go through
:func:`~datareach.model.validate.normalise` (types, ranges, unknown ids, lengths), the
sources, adversaries and changes through their own checks. Bad state raises
:class:`~datareach.errors.ModelError`.

Pickles are for trusted data all the same (moving models to Dask workers): unpickling any
pickle can run code named in it, before datareach is asked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol, TypeVar

import numpy as np

from ..errors import ModelError, cut, describe
from .fields import FIELDS, SECTIONS, Field, FieldType
from .ingest import RawColumn, object_array
from .tables import Table

__all__ = ["PICKLE_VERSION", "model_from_state", "model_state"]

PICKLE_VERSION = 2

# Numeric columns are written as bytes of these (little-endian, whatever the machine).
_WIRE_DTYPES = {"f": "<f8", "i": "<i8", "b": "|u1", "M": "<i8"}
_WIRE_DTYPE_NAMES = frozenset(_WIRE_DTYPES.values())


class Pickled(Protocol):
    """What pickling reads of a :class:`~datareach.model.Model` and sets on a new one (the
    model module imports this one, so it is named by what it offers, not by its class)."""

    _tables: dict[str, Table]
    _variant_of: str | None
    _changes: Any  # tuple[Change, ...]
    _revision: int

    @property
    def name(self) -> str | None: ...

    @property
    def sources(self) -> dict[str, dict[str, Any]]: ...

    @property
    def adversaries(self) -> tuple[str, ...]: ...

    @adversaries.setter
    def adversaries(self, ids: Any) -> None: ...

    @property
    def variant_of(self) -> str | None: ...

    @property
    def changes(self) -> Any: ...

    def add_source(self, id: str, /, **fields: Any) -> Any: ...

    def _add_raw(self, section: str, raw: Mapping[str, RawColumn]) -> None: ...


M = TypeVar("M", bound=Pickled)


def model_state(model: Pickled) -> dict[str, Any]:
    """The pickle state of ``model``: plain Python data and bytes only."""
    return {
        "version": PICKLE_VERSION,
        "name": model.name,
        "sources": model.sources,  # a deep copy
        "adversaries": list(model.adversaries),
        "tables": {
            section: {column: _encode(values) for column, values in model._tables[section].columns().items()}
            for section in SECTIONS
        },
        "variant_of": model.variant_of,
        "changes": [change.to_dict() for change in model.changes],
    }


def _encode(values: np.ndarray) -> Any:
    if values.dtype.kind == "O":
        # Lists of the column's own objects: an id repeated over many rows is one object,
        # which pickle writes once and refers to after.
        return [list(v) if isinstance(v, tuple) else v for v in values.tolist()]
    wire = _WIRE_DTYPES[values.dtype.kind]
    raw = values.view(np.int64) if values.dtype.kind == "M" else values
    return (wire, raw.astype(wire).tobytes())


def model_from_state(state: Any, new_model: Callable[[str | None], M]) -> M:
    """A model (made empty by ``new_model(name)``) from a pickle state, checked in full;
    :class:`ModelError` if it is not the state of a valid model of this format version."""
    # Imported here: the changes build on the model package, which must import without them.
    from ..changes.convert import change_from_dict

    if not isinstance(state, dict):
        raise ModelError(f"a Model pickle holds a mapping of its state, got {describe(state)}")
    version = state.get("version")
    if version != PICKLE_VERSION:
        raise ModelError(
            f"cannot read a Model pickled with format version {describe(version)}; this "
            f"datareach reads version {PICKLE_VERSION} (re-create the pickle from a saved "
            f"scenario file)"
        )
    _expect_keys(state, {"version", "name", "sources", "adversaries", "tables", "variant_of", "changes"}, "pickle")
    model = new_model(state["name"])
    sources = state["sources"]
    if not isinstance(sources, dict):
        raise ModelError(f"must be a mapping, got {describe(sources)}", where="sources")
    for source_id, fields in sources.items():
        if not isinstance(fields, dict) or not all(isinstance(key, str) for key in fields):
            raise ModelError(f"must be a mapping of fields, got {describe(fields)}", where="sources")
        model.add_source(source_id, **fields)
    tables = state["tables"]
    if not isinstance(tables, dict):
        raise ModelError(f"must be a mapping of sections, got {describe(tables)}", where="tables")
    _expect_keys(tables, set(SECTIONS), "tables")
    for section in SECTIONS:
        model._add_raw(section, _raw_columns(section, tables[section]))
    adversaries = state["adversaries"]
    if not isinstance(adversaries, list):
        raise ModelError(f"must be a list, got {describe(adversaries)}", where="adversaries")
    model.adversaries = adversaries
    variant_of = state["variant_of"]
    if variant_of is not None and not isinstance(variant_of, str):
        raise ModelError(f"must be a path or null, got {describe(variant_of)}", where="variant_of")
    changes = state["changes"]
    if not isinstance(changes, list):
        raise ModelError(f"must be a list, got {describe(changes)}", where="changes")
    model._variant_of = variant_of
    model._changes = tuple(change_from_dict(c, f"changes[{i}]") for i, c in enumerate(changes))
    model._revision = 0
    return model


def _expect_keys(mapping: dict[Any, Any], keys: set[str], where: str) -> None:
    if set(mapping) != keys:
        differ = sorted(cut(k) if isinstance(k, str) else describe(k) for k in set(mapping) ^ keys)
        raise ModelError(f"holds other fields than expected: {', '.join(differ[:3])}", where=where)


def _raw_columns(section: str, columns: Any) -> dict[str, RawColumn]:
    """The columns of a section's state as the raw columns the validator checks."""
    if not isinstance(columns, dict):
        raise ModelError(f"must be a mapping of columns, got {describe(columns)}", where=section)
    fields = {column: field for field in FIELDS[section] for column in field.columns}
    _expect_keys(columns, set(fields), section)
    raw = {name: _decode(fields[name], columns[name], f"{section}.{name}") for name in fields}
    lengths = {len(column.values) for column in raw.values()}
    if len(lengths) > 1:
        raise ModelError(f"columns have different lengths {sorted(lengths)}", where=section)
    return raw


def _decode(field: Field, encoded: Any, where: str) -> RawColumn:
    """One column of the state as given, with which of its values are left out."""
    if field.type in (FieldType.NUMBER, FieldType.WINDOW, FieldType.FLAG, FieldType.RANGE):
        values = _decode_bytes(field, encoded, where)
        if field.type is FieldType.WINDOW:
            return RawColumn(values, np.isnat(values))
        if field.type is FieldType.RANGE or (field.type is FieldType.NUMBER and field.default is None):  # NaN: left out
            return RawColumn(values, np.isnan(values))
        return RawColumn(values, np.zeros(len(values), dtype=bool))
    if not isinstance(encoded, list):
        raise ModelError(f"must be a list, got {describe(encoded)}", where=where)
    values = object_array(encoded)
    return RawColumn(values, values == None)  # elementwise


def _decode_bytes(field: Field, encoded: Any, where: str) -> np.ndarray:
    if not (
        isinstance(encoded, tuple)
        and len(encoded) == 2
        and isinstance(encoded[0], str)  # a forged state may put anything here, even a list
        and encoded[0] in _WIRE_DTYPE_NAMES
        and isinstance(encoded[1], bytes)
    ):
        raise ModelError(f"must be (dtype, bytes), got {describe(encoded)}", where=where)
    wire, data = encoded
    expected = _WIRE_DTYPES[_kind_of(field)]
    if wire != expected or len(data) % np.dtype(wire).itemsize:
        raise ModelError(f"must be bytes of {expected}, got {len(data):,} bytes of {wire}", where=where)
    values = np.frombuffer(data, dtype=wire)
    if field.type is FieldType.FLAG:
        if (values > 1).any():
            raise ModelError("must hold only true (1) and false (0)", where=where)
        return values.astype(bool)
    if field.type is FieldType.WINDOW:
        return values.astype(np.int64).view("datetime64[D]")
    return values.astype(np.int64 if field.count else np.float64)


def _kind_of(field: Field) -> str:
    if field.type is FieldType.WINDOW:
        return "M"
    if field.type is FieldType.FLAG:
        return "b"
    return "i" if field.count else "f"
