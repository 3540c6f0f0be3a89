"""A batch of new rows of one section, checked field by field into canonical columns.

:class:`Batch` turns the raw columns of :mod:`datareach.model.ingest` into the typed
columns a table stores: strings (ids, names, text, choices, regions) checked once per
distinct value, numbers within their :data:`~datareach.model.fields.RANGES`, windows as
dates, flags and free data; ids checked to be new, references resolved to the rows they
name. The checks across fields and sections run afterwards
(:mod:`datareach.model.validate`), on the batch's columns and resolved positions.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import numpy as np
import pandas as pd

from .. import dates
from ..errors import ModelError, describe, did_you_mean, number_text, quote, where
from .fields import FIELDS, Field, FieldType, left_out_column, range_of
from .ingest import RawColumn, object_array
from .numbers import count_column, number_column
from .tables import SMALL_LOOKUP, Column, IdIndex, ListColumn, RefColumn, id_hashes, ids_at, list_offsets
from .values import (
    must_be_string,
    name_problem,
    plain_data,
    region_problem,
    text_problem,
)

__all__ = ["Batch", "Context"]


class Context(Protocol):
    """What :func:`~datareach.model.validate.normalise` needs to know of the model the rows are added to."""

    def ids(self, section: str) -> IdIndex:
        """The ids of a section (``"sources"`` included)."""
        ...

    def column(self, section: str, name: str) -> np.ndarray:
        """A canonical column of a section's table."""
        ...


class Batch:
    """The rows being added to one section while they are checked."""

    def __init__(self, section: str, first_row: int, context: Context) -> None:
        self.section = section
        self.first_row = first_row
        self.context = context
        self.columns: dict[str, np.ndarray] = {}
        # Reference columns of the bulk path, kept as the rows they name until read
        # (tables.RefColumn); :meth:`table_columns` puts them among the others.
        self.refs: dict[str, RefColumn] = {}
        # List columns naming another section, kept as the rows their ids name likewise
        # (tables.ListColumn).
        self.lists: dict[str, ListColumn] = {}
        # Row (in the target section) of every REF value, -1 where left out.
        self.positions: dict[str, np.ndarray] = {}
        # For REFS: (rows that gave a list, offsets into flat, flat positions in target).
        self.ragged_positions: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        # For REFS: the same as the table keeps it, offsets over every row (int32) and the
        # positions (int32); a list column in `lists` holds these very arrays.
        self.ragged: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.ids: IdIndex | None = None  # the batch's own ids, for self-references
        # The index of the table's ids with this batch's appended, when the bulk path built
        # it (to check the ids are new): the table takes it over instead of hashing again.
        self.id_index: pd.Index | None = None
        self.id_hashes: np.ndarray | None = None  # the hashes of the batch's ids, when computed

    def resolved(self) -> tuple[dict[str, np.ndarray], dict[str, tuple[np.ndarray, np.ndarray]]]:
        """What the checks found for the references to the model's tables (not to
        sources), for :class:`~datareach.model.tables.Table` to keep: the row each value of
        a reference column names (int32, -1 where left out), and each list column as
        (offsets, one per row and one more; the rows named, int32)."""
        rows = len(next(iter(self.table_columns().values()))) if self.columns or self.refs or self.lists else 0
        fields = {f.name: f for f in FIELDS[self.section]}
        positions = {
            name: found.astype(np.int32, copy=False)
            for name, found in self.positions.items()
            if fields[name].target != "sources"
        }
        for name, ref in self.refs.items():  # one array of rows, shared with the table's
            self.refs[name] = RefColumn(ref.target, positions[name])
        ragged = dict(self.ragged)
        for field in FIELDS[self.section]:  # a list field no row gave: every row empty
            if field.type is FieldType.REFS and field.name not in ragged and field.name in self.columns:
                ragged[field.name] = (np.zeros(rows + 1, dtype=np.int32), np.zeros(0, dtype=np.int32))
        return positions, ragged

    def table_columns(self) -> dict[str, Column]:
        """The canonical columns, in the order of the section's fields, the reference
        columns of the bulk path among them unmade."""
        out: dict[str, Column] = {}
        for field in FIELDS[self.section]:
            for name in field.columns:
                ref = self.refs.get(name)
                if ref is not None:
                    out[name] = ref
                elif name in self.lists:
                    out[name] = self.lists[name]
                elif name in self.columns:
                    out[name] = self.columns[name]
        return out

    def value(self, name: str, row: int) -> Any:
        """One value of a canonical column (for a message)."""
        lazy: RefColumn | ListColumn | None = self.refs.get(name)
        if lazy is None:
            lazy = self.lists.get(name)
        return lazy[row] if lazy is not None else self.columns[name][row]

    def locate(self, field: str) -> Callable[[int], str]:
        return lambda i: where(self.section, self.first_row + int(i), field)

    def fail(self, row: int, field: str, reason: str) -> ModelError:
        return ModelError(reason, where=self.locate(field)(row))

    def add_field(self, field: Field, raw: Mapping[str, RawColumn]) -> None:
        if field.type is FieldType.WINDOW:
            self._add_window(field, raw[field.columns[0]], raw[field.columns[1]])
            return
        if field.type is FieldType.RANGE:
            self._add_range(field, raw[field.columns[0]], raw[field.columns[1]])
            return
        column = raw[field.name]
        if field.type in _STRING_TYPES and len(column) > SMALL_LOOKUP:
            self._add_string_field(field, column)
            return
        if self._nothing_given(field, column.missing):  # common for one row from a builder
            return
        self._handler(field.type)(field, column)

    def _handler(self, kind: FieldType) -> Callable[..., None]:
        """The method that checks and stores a column of this type."""
        return {
            FieldType.ID: self._add_id,
            FieldType.NAME: self._add_name,
            FieldType.TEXT: self._add_text,
            FieldType.CHOICE: self._add_choice,
            FieldType.REGION: self._add_region,
            FieldType.NUMBER: self._add_number,
            FieldType.REF: self._add_ref,
            FieldType.REFS: self._add_refs,
            FieldType.ATTRS: self._add_attrs,
            FieldType.FLAG: self._add_flag,
        }[kind]

    def _nothing_given(self, field: Field, missing: np.ndarray) -> bool:
        """Raises for a required field left out of a row; True (the column stored as left out)
        when no row gives the field."""
        if field.required and missing.any():
            raise self.fail(int(np.argmax(missing)), field.name, "is required")
        if missing.all():
            self.columns[field.name] = left_out_column(field, len(missing))
            return True
        return False

    # -- strings, in bulk ----------------------------------------------------------------
    #
    # A column of many rows is hashed once (pd.factorize, or the target's index for a
    # reference) and every check runs per distinct value, or on all ids at once as one
    # joined text; what the checks report, and in which order, is what the per-row path
    # below reports (it runs whenever the fast path finds a problem, to name it).

    def _add_string_field(self, field: Field, column: RawColumn) -> None:
        # A column the frame leaves out, or one of entries.
        if column.missing_known and self._nothing_given(field, column.missing):
            return
        if field.type is FieldType.REF:
            self._add_ref_bulk(field, column)
            return
        if field.type is FieldType.ID and self._add_id_bulk(field, column):
            return
        codes, uniques = self._codes(field, column)
        if self._nothing_given(field, codes < 0):
            return
        self._check_strings(field, column, codes, uniques)
        self._handler(field.type)(field, column, (codes, uniques))

    def _codes(self, field: Field, column: RawColumn) -> tuple[np.ndarray, list[Any]]:
        """(code of each row, -1 where left out; the distinct values given, in order of
        first appearance)."""
        if column.categorical is not None:  # hashed once already: each category checked once
            codes, categories = column.categorical
            used = np.bincount(codes + 1, minlength=len(categories) + 1)[1:] > 0  # code -1: left out
            if used.all():
                return codes, list(categories)
            renumber = np.where(used, np.cumsum(used) - 1, -1)
            return np.where(codes >= 0, renumber[np.maximum(codes, 0)], -1), list(categories[used])
        values = column.values
        try:
            codes, uniques = pd.factorize(values, use_na_sentinel=False)
        except TypeError:  # an unhashable value: not a string, reported in row order
            missing = column.missing
            if field.required and missing.any():
                raise self.fail(int(np.argmax(missing)), field.name, "is required") from None
            present = np.flatnonzero(~missing)
            bad = next(int(row) for row in present if not isinstance(values[row], str))
            raise self.fail(bad, field.name, must_be_string(values[bad])) from None
        codes = np.asarray(codes, dtype=np.int64)
        uniques = np.asarray(uniques, dtype=object)
        if column.missing_known:
            codes[column.missing] = -1
            used = np.zeros(len(uniques), dtype=bool)
            used[codes[codes >= 0]] = True
        else:  # a frame: NaN, None and NA are left out
            used = ~np.asarray(pd.isna(uniques), dtype=bool)
        if not used.all():
            renumber = np.where(used, np.cumsum(used) - 1, -1)
            codes = np.where(codes >= 0, renumber[np.maximum(codes, 0)], -1)
            uniques = uniques[used]
        return codes, list(uniques)

    def _check_strings(self, field: Field, column: RawColumn, codes: np.ndarray, uniques: list[Any]) -> None:
        """Every value given is a string (else the first row that is not, as the per-row
        path reports it)."""
        not_string = np.fromiter((not isinstance(u, str) for u in uniques), dtype=bool, count=len(uniques))
        if not_string.any():
            row = int(np.argmax(np.append(not_string, False)[codes]))
            raise self.fail(row, field.name, must_be_string(column.values[row]))

    def _add_id_bulk(self, field: Field, column: RawColumn) -> bool:
        """Ids checked all at once; False when something is wrong (the per-row path then
        finds it and names the row)."""
        values = column.values
        if column.missing.any() or not _plain_strings(values) or not _all_names(values):
            return False
        existing = self.context.ids(self.section)
        # Distinct hashes prove distinct ids (equal hashes are looked at exactly); the
        # hashes are the ids' keys for the core (lowering), computed once.
        hashes = id_hashes(values)
        every = np.sort(np.concatenate([existing.hashes(), hashes]))
        if (every[1:] == every[:-1]).any() and not pd.Index(
            np.concatenate([existing.array, values]), dtype=object
        ).is_unique:
            return False
        ids = values.copy()  # the caller's array may be a view of their frame
        self.columns[field.name] = ids
        self.ids = IdIndex(ids)
        self.id_hashes = hashes
        return True

    def _add_ref_bulk(self, field: Field, column: RawColumn) -> None:
        """A reference column resolved with one look-up of every row in the target's index;
        only the rows not found are looked at again (left out, not a string, unknown)."""
        try:
            if column.categorical is not None:  # each category looked up once
                codes, categories = column.categorical
                found = self._resolve_categories(field, categories).astype(np.int32)
                positions = np.append(found, np.int32(-1))[codes]  # code -1 (left out) picks the -1
            else:
                positions = self._resolve(field, column.values)
        except TypeError:  # an unhashable value
            positions = None
        unresolved = positions is None or bool((positions < 0).any())
        values = column.values if unresolved else np.empty(0, dtype=object)
        if unresolved:
            bad = np.arange(len(values)) if positions is None else np.flatnonzero(positions < 0)
            missing = column.missing_at(bad)
            if field.required and missing.any():
                raise self.fail(int(bad[np.argmax(missing)]), field.name, "is required")
            given = bad[~missing]
            for row in given.tolist():  # strings first, in row order, as the per-row path checks
                if not isinstance(values[row], str):
                    raise self.fail(row, field.name, must_be_string(values[row]))
            if len(given):
                row = int(given[0])
                raise self.fail(row, field.name, self._unknown(field, str(values[row])))
            if missing.all() and len(bad) == len(column):
                self.columns[field.name] = left_out_column(field, len(column))
                return
            assert positions is not None
        self.positions[field.name] = positions
        assert field.target is not None
        if field.target not in (self.section, "sources"):  # made when read: the table keeps the rows
            self.refs[field.name] = RefColumn(self.context.ids(field.target), positions)
            return
        self.columns[field.name] = ids_at(self._target_ids(field), positions)

    # -- strings -------------------------------------------------------------------------

    def _strings(
        self,
        field: Field,
        column: RawColumn,
        check: Callable[[str], str | None],
        rows: np.ndarray | None = None,
        coded: _Coded | None = None,
    ) -> tuple[np.ndarray, list[str]]:
        """Factorise a string column: (codes with -1 where missing, distinct values).

        ``check`` runs once per distinct value and returns why it is bad, or None.
        ``rows`` maps each element to its batch row when the column is the flattened
        elements of lists.
        """

        def fail(element: int, reason: str) -> ModelError:
            row = element if rows is None else int(rows[element])
            return self.fail(row, field.name, reason)

        if coded is not None:  # factorised and type-checked by the bulk path
            codes, uniques = coded
        else:
            present = np.flatnonzero(~column.missing)
            given = column.values[present]
            if len(given) and pd.api.types.infer_dtype(given, skipna=False) != "string":
                bad = next(i for i, value in enumerate(given) if not isinstance(value, str))
                raise fail(int(present[bad]), must_be_string(given[bad]))
            codes, uniques = _factorize(column.values, present)
        canonical: list[str] = []
        for code, value in enumerate(uniques):
            reason = check(value)
            if reason is not None:
                raise fail(int(np.argmax(codes == code)), reason)
            canonical.append(str(value))  # a plain str, not a numpy.str_ subclass
        return codes, canonical

    def _store_strings(self, field: Field, codes: np.ndarray, canonical: list[str]) -> None:
        table = np.array([*canonical, None], dtype=object)
        self.columns[field.name] = table[codes]  # code -1 picks the trailing None

    def _add_id(self, field: Field, column: RawColumn, coded: _Coded | None = None) -> None:
        codes, canonical = self._strings(field, column, name_problem, coded=coded)
        counts = np.bincount(codes, minlength=len(canonical))
        if (counts > 1).any():
            code = int(np.argmax(counts > 1))
            first, second = np.flatnonzero(codes == code)[:2]
            earlier = where(self.section, self.first_row + int(first))
            raise self.fail(int(second), field.name, f"duplicate id {quote(canonical[code])} (also {earlier})")
        existing = self.context.ids(self.section)
        known = existing.positions(object_array(canonical))
        if (known >= 0).any():
            code = int(np.argmax(known >= 0))
            earlier = where(self.section, int(known[code]))
            raise self.fail(
                int(np.argmax(codes == code)),
                field.name,
                f"duplicate id {quote(canonical[code])} (also {earlier})",
            )
        self._store_strings(field, codes, canonical)
        self.ids = IdIndex(self.columns[field.name])

    def _add_name(self, field: Field, column: RawColumn, coded: _Coded | None = None) -> None:
        self._store_strings(field, *self._strings(field, column, name_problem, coded=coded))

    def _add_text(self, field: Field, column: RawColumn, coded: _Coded | None = None) -> None:
        self._store_strings(field, *self._strings(field, column, text_problem, coded=coded))

    def _add_region(self, field: Field, column: RawColumn, coded: _Coded | None = None) -> None:
        self._store_strings(field, *self._strings(field, column, region_problem, coded=coded))

    def _add_choice(self, field: Field, column: RawColumn, coded: _Coded | None = None) -> None:
        def check(value: str) -> str | None:
            if value in field.choices:
                return None
            return (
                f"unknown {field.name} {quote(value)}{did_you_mean(value, field.choices)}; "
                f"one of {', '.join(field.choices)}"
            )

        self._store_strings(field, *self._strings(field, column, check, coded=coded))

    # -- references ----------------------------------------------------------------------

    def _resolve(self, field: Field, values: np.ndarray) -> np.ndarray:
        """Rows (in field.target) of distinct id strings; -1 where unknown."""
        assert field.target is not None
        found = self.context.ids(field.target).positions(values)
        if field.target == self.section and self.ids is not None:  # ids of this batch
            own = self.ids.positions(values)
            offset = len(self.context.ids(self.section))
            found = np.where((found < 0) & (own >= 0), own + offset, found)
        return found

    def _resolve_categories(self, field: Field, categories: np.ndarray) -> np.ndarray:
        """:meth:`_resolve` for the categories of a categorical column: when they are the
        target's ids in row order (a frame built from the target's own id column), no id
        is looked up at all."""
        assert field.target is not None
        targets = self.context.ids(field.target)
        if (
            field.target != self.section
            and len(categories) == len(targets)
            and bool(np.all(categories == targets.array))
        ):
            return np.arange(len(categories), dtype=np.int64)
        return self._resolve(field, categories)

    def _unknown(self, field: Field, value: str) -> str:
        assert field.target is not None
        candidates = list(self.context.ids(field.target).array)
        if field.target == self.section and self.ids is not None:
            candidates += list(self.ids.array)
        noun = _NOUN[field.target]
        composed = unicodedata.normalize("NFC", value)
        if composed != value and composed in candidates:  # ids are NFC (docs/design.md §8)
            return (
                f"unknown {noun} {quote(value)}: it is written in another Unicode form than the "
                f"{noun} {quote(composed)}; write references in NFC"
            )
        return f"unknown {noun} {quote(value)}{did_you_mean(value, candidates)}"

    def _target_ids(self, field: Field) -> np.ndarray:
        assert field.target is not None
        ids = self.context.ids(field.target).array
        if field.target == self.section and self.ids is not None:
            ids = np.concatenate([ids, self.ids.array])
        return ids

    def _add_ref(self, field: Field, column: RawColumn) -> None:
        codes, canonical = self._strings(field, column, _no_problem)
        unique_positions = self._resolve(field, object_array(canonical))
        if (unique_positions < 0).any():
            code = int(np.argmax(unique_positions < 0))
            raise self.fail(int(np.argmax(codes == code)), field.name, self._unknown(field, canonical[code]))
        positions = np.append(unique_positions, -1)[codes]  # code -1 (left out) stays -1
        self.positions[field.name] = positions
        self.columns[field.name] = ids_at(self._target_ids(field), positions)

    def _add_refs(self, field: Field, column: RawColumn) -> None:
        noun = _NOUN[field.target or ""]
        rows = np.flatnonzero(~column.missing)
        lists = column.values[rows]
        kinds = set(map(type, lists))
        if not all(issubclass(kind, _LIST_TYPES) for kind in kinds):
            bad = next(i for i, value in enumerate(lists) if not isinstance(value, _LIST_TYPES))
            raise self.fail(
                int(rows[bad]),
                field.name,
                f"must be a list of {noun} ids, got {describe(lists[bad])}",
            )
        lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        if not field.empty_allowed and (lengths == 0).any():
            reason = f"must name at least one {noun}"
            if field.name == "classes":
                reason += "; leave the field out to mean every class"
            raise self.fail(int(rows[np.argmax(lengths == 0)]), field.name, reason)
        keep = lengths > 0  # an allowed empty list means the same as no list
        rows, lists, lengths = rows[keep], lists[keep], lengths[keep]
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        flat = np.fromiter(itertools.chain.from_iterable(lists), dtype=object, count=int(offsets[-1]))
        flat_rows = np.repeat(rows, lengths)  # the batch row of every element
        positions = None
        if len(flat) > SMALL_LOOKUP:  # every element looked up at once; any miss: the path below names it
            try:
                positions = self._resolve(field, flat)
            except TypeError:  # an unhashable element
                positions = None
            if positions is not None and (positions < 0).any():
                positions = None
        if positions is None:
            codes, canonical = self._strings(field, RawColumn(flat, np.zeros(len(flat), bool)), _no_problem, flat_rows)
            unique_positions = self._resolve(field, object_array(canonical))
            if (unique_positions < 0).any():
                code = int(np.argmax(unique_positions < 0))
                element = int(np.argmax(codes == code))
                raise self.fail(int(flat_rows[element]), field.name, self._unknown(field, canonical[code]))
            positions = unique_positions[codes]
        targets = self._target_ids(field)
        # The same id twice in one list is a slip (a copy-paste, or a typo for another id).
        repeated = _repeated_in_row(flat_rows, positions, lengths, offsets, len(targets))
        if repeated is not None:
            raise self.fail(
                int(flat_rows[repeated]),
                field.name,
                f"names {quote(str(targets[positions[repeated]]))} twice",
            )
        self.ragged_positions[field.name] = (rows, offsets, positions)
        lengths_per_row = np.zeros(len(column.values), dtype=np.int64)
        lengths_per_row[rows] = lengths
        full = list_offsets(lengths_per_row, self.section, field.name, self.first_row)
        self.ragged[field.name] = (full, positions.astype(np.int32))
        assert field.target is not None
        if field.target != self.section:  # made when read: the table keeps the rows
            self.lists[field.name] = ListColumn(self.context.ids(field.target), *self.ragged[field.name])
            return
        out = np.full(len(column.values), None, dtype=object)
        if len(rows):
            if kinds == {tuple} and _plain_strings(flat):
                # Tuples of plain strings equal to the ids they name (each was found):
                # they are canonical as they are, and immutable, so they are kept.
                out[rows] = lists
            else:
                out[rows] = object_array(list(map(tuple, np.split(targets[positions], offsets[1:-1]))))
        self.columns[field.name] = out

    # -- numbers, dates, mappings --------------------------------------------------------

    def _add_number(self, field: Field, column: RawColumn) -> None:
        if field.count:
            self.columns[field.name] = count_column(column, field, self.fail)
        else:
            rule = range_of(self.section, field.name)
            self.columns[field.name] = number_column(column, field, rule, self.fail)

    def _add_window(self, field: Field, start: RawColumn, end: RawColumn) -> None:
        if start.missing.all() and end.missing.all():
            for name in field.columns:
                self.columns[name] = left_out_column(field, len(start.values))
            return
        bounds = []
        for side, column in enumerate((start, end)):
            values = column.values
            if values.dtype.kind != "M":  # make every left-out value None
                values = values.astype(object)  # a copy
                values[column.missing] = None
            # Only what the front end marks left out is an open side: a NaN in a mapping
            # is a mistake, not "open".
            bounds.append(dates.column_to_dates(values, self.locate(f"{field.name}[{side}]"), missing=column.missing))
        first, last = bounds
        inverted = ~np.isnat(first) & ~np.isnat(last) & (first >= last)
        if inverted.any():
            row = int(np.argmax(inverted))
            raise self.fail(
                row,
                field.name,
                f"start {first[row]} must come before end {last[row]} (the end is excluded)",
            )
        self.columns[field.columns[0]] = first
        self.columns[field.columns[1]] = last

    def _add_range(self, field: Field, low: RawColumn, high: RawColumn) -> None:
        """A ``[low, high]`` range around the point value of ``field.of``: both ends or
        neither, each a number within the field's range, low <= high, and the point value
        (when the row has one) inside."""
        if low.missing.all() and high.missing.all():
            for name in field.columns:
                self.columns[name] = left_out_column(field, len(low.values))
            return
        one_sided = low.missing != high.missing
        if one_sided.any():
            row = int(np.argmax(one_sided))
            side = "low" if low.missing[row] else "high"
            raise self.fail(row, field.name, f"must give both ends [low, high]; the {side} end is missing")
        rule = range_of(self.section, field.name)
        ends = []
        for side, column in (("low", low), ("high", high)):

            def fail(row: int, name: str, reason: str, side: str = side) -> ModelError:
                return self.fail(row, field.name, f"the {side} end {reason}")

            ends.append(number_column(column, field, rule, fail))
        lows, highs = ends
        inverted = lows > highs  # False where NaN (left out)
        if inverted.any():
            row = int(np.argmax(inverted))
            raise self.fail(
                row,
                field.name,
                f"the low end {number_text(lows[row])} is above the high end {number_text(highs[row])}",
            )
        assert field.of is not None
        point = self.columns[field.of]
        outside = (point < lows) | (point > highs)  # False where either is NaN
        if outside.any():
            row = int(np.argmax(outside))
            raise self.fail(
                row,
                field.name,
                f"{field.of} {number_text(point[row])} lies outside [{number_text(lows[row])}, "
                f"{number_text(highs[row])}]: the point value must lie within its range",
            )
        self.columns[field.columns[0]] = lows
        self.columns[field.columns[1]] = highs

    def _add_flag(self, field: Field, column: RawColumn) -> None:
        values = column.values
        if values.dtype.kind == "b":
            self.columns[field.name] = values.copy()
            return
        out = np.zeros(len(values), dtype=bool)
        for row in np.flatnonzero(~column.missing).tolist():
            value = values[row]
            if not isinstance(value, (bool, np.bool_)):
                raise self.fail(row, field.name, f"must be true or false, got {describe(value)}")
            out[row] = bool(value)
        self.columns[field.name] = out

    def _add_attrs(self, field: Field, column: RawColumn) -> None:
        out = np.full(len(column.values), None, dtype=object)
        for row in np.flatnonzero(~column.missing).tolist():
            value = column.values[row]
            location = self.locate(field.name)(row)
            if not isinstance(value, Mapping):
                raise ModelError(f"must be a mapping, got {describe(value)}", where=location)
            out[row] = plain_data(value, location)
        self.columns[field.name] = out


# The noun of an entry of each section, for messages ("unknown node ...").
_NOUN = {
    "nodes": "node",
    "classes": "class",
    "events": "event",
    "sources": "source",
    "placements": "placement",
    "flows": "flow",
    "access": "arc",
    "": "entry",
}


_LIST_TYPES = (list, tuple, np.ndarray)

# Field types held as strings, checked per distinct value.
_STRING_TYPES = frozenset(
    {FieldType.ID, FieldType.NAME, FieldType.TEXT, FieldType.CHOICE, FieldType.REGION, FieldType.REF}
)

# Codes and distinct values of a string column, as the bulk path found them.
_Coded = tuple[np.ndarray, list[Any]]

# Between ids when they are checked as one text: a control character, so never in an id.
_SEPARATOR = "\x00"


def _repeated_in_row(
    flat_rows: np.ndarray, positions: np.ndarray, lengths: np.ndarray, offsets: np.ndarray, targets: int
) -> int | None:
    """The first element (in list order) that repeats an earlier element of its list, or
    None. Lists of one id cannot repeat; lists of at most two are compared directly."""
    if not len(lengths) or lengths.max() <= 1:
        return None
    if lengths.max() == 2:
        pairs = offsets[:-1][lengths == 2]
        same = positions[pairs] == positions[pairs + 1]
        return int(pairs[np.argmax(same)] + 1) if same.any() else None
    key = flat_rows.astype(np.int64) * (targets + 1) + positions
    _, first = np.unique(key, return_index=True)
    if len(first) == len(key):
        return None
    return int(np.setdiff1d(np.arange(len(key)), first)[0])


def _plain_strings(values: np.ndarray) -> bool:
    """Whether every value is a plain ``str`` (not a subclass such as ``numpy.str_``)."""
    return set(map(type, values)) == {str} if len(values) else True


def _all_names(values: np.ndarray) -> bool:
    """Whether every string is a valid id (:func:`~datareach.model.values.name_problem`
    finds nothing), checked on all of them joined into one text: the separator is a
    control character, so it is in no valid id and composes with nothing (NFC of the
    joined text is the joined NFC of its parts). Only printable text is accepted, in which
    the one space character is ``" "``; an id starting or ending with it sits next to a
    separator or an end of the text."""
    joined = _SEPARATOR.join(values)
    n = len(values)
    if joined.count(_SEPARATOR) != n - 1:  # a separator inside an id
        return False
    if n == 0:
        return True
    if not joined or _SEPARATOR * 2 in joined or joined.startswith(_SEPARATOR) or joined.endswith(_SEPARATOR):
        return False  # an empty id
    if not joined.replace(_SEPARATOR, "").isprintable():
        return False
    if joined.startswith(" ") or joined.endswith(" ") or f" {_SEPARATOR}" in joined or f"{_SEPARATOR} " in joined:
        return False
    return joined.isascii() or unicodedata.is_normalized("NFC", joined)


def _factorize(values: np.ndarray, present: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """(code of each value, -1 where left out; the distinct values in order of first
    appearance) for hashable ``values`` at rows ``present``."""
    if len(values) > SMALL_LOOKUP:
        column = values
        if len(present) < len(values):  # left-out rows may hold NaN or NA: make them None
            column = np.empty(len(values), dtype=object)
            column[present] = values[present]
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        return np.asarray(codes, dtype=np.int64), list(uniques)
    seen: dict[Any, int] = {}  # a few values: a dict beats pandas' set-up cost
    codes = np.full(len(values), -1, dtype=np.int64)
    for row in present.tolist():
        codes[row] = seen.setdefault(values[row], len(seen))
    return codes, list(seen)


def _no_problem(value: str) -> str | None:
    return None
