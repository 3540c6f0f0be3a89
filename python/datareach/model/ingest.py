"""The two front ends of the model: entries (mappings, as in a scenario file or a builder
call) and frames (DataFrames or mappings of arrays) become *raw columns*, the values as
given plus which of them were left out.

Every way into a model goes through one of them and then through the one validator,
:func:`datareach.model.validate.normalise`, so that a rule is written once and holds for
every entry point.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ModelError, describe, did_you_mean, key_text, where
from .fields import FIELDS, FieldType, columns_of
from .lists import split_list_cell

__all__ = ["RawColumn", "frame_to_columns", "object_array", "records_to_columns"]


class RawColumn:
    """Values of one column as given, and which of them were left out.

    The front end decides what "left out" means: an absent key or ``None`` in a mapping;
    also NaN/NA in a DataFrame, where pandas marks missing values that way. A frame's
    column may leave ``missing`` to be worked out on first use (``pd.isna``), so that a
    check that finds every value given (an id found in the table it names) never pays
    for a pass over the whole column; :meth:`missing_at` asks for a few rows only.

    A categorical column (pandas ``category`` dtype) is held as its codes and categories
    (:attr:`categorical`): checks then look at each category once, and the values are
    only spelled out row by row if something asks for them.
    """

    __slots__ = ("_missing", "_values", "categorical")

    def __init__(
        self,
        values: np.ndarray | None,
        missing: np.ndarray | None = None,
        *,
        categorical: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        self._values = values
        self._missing = missing
        # (code of each row, -1 where left out; the categories as an object array)
        self.categorical = categorical
        if categorical is not None and missing is None:
            self._missing = categorical[0] < 0

    def __len__(self) -> int:
        if self._values is None:
            assert self.categorical is not None
            return len(self.categorical[0])
        return len(self._values)

    @property
    def values(self) -> np.ndarray:
        if self._values is None:
            assert self.categorical is not None
            codes, categories = self.categorical
            self._values = np.concatenate([categories, np.array([None], dtype=object)])[codes]  # -1: None
        return self._values

    @property
    def missing(self) -> np.ndarray:
        if self._missing is None:
            self._missing = _missing_mask(self.values)
        return self._missing

    def missing_at(self, rows: np.ndarray) -> np.ndarray:
        """Whether each of ``rows`` was left out (without a pass over the whole column)."""
        if self._missing is not None:
            result: np.ndarray = self._missing[rows]
            return result
        return _missing_mask(self.values[rows])

    @property
    def missing_known(self) -> bool:
        """Whether the front end said which values were left out (else: pandas' NA)."""
        return self._missing is not None


def _missing_mask(values: np.ndarray) -> np.ndarray:
    return np.asarray(pd.isna(values), dtype=bool)


def object_array(values: Sequence[Any]) -> np.ndarray:
    """A 1-D object array of ``values``, keeping lists as single elements (np.array
    would make them a second axis)."""
    return np.fromiter(values, dtype=object, count=len(values))


def records_to_columns(section: str, records: Sequence[Any], first_row: int) -> dict[str, RawColumn]:
    """Raw columns from a list of entries (mappings), as in a scenario file.

    Checks the shape of each entry: a mapping, no unknown field, a window or a range as a
    pair.
    """
    fields = FIELDS[section]
    known = [field.name for field in fields]
    values: dict[str, list[Any]] = {column: [] for column in columns_of(section)}
    for offset, record in enumerate(records):
        row = first_row + offset
        if not isinstance(record, Mapping):
            raise ModelError(f"must be a mapping of fields, got {describe(record)}", where=where(section, row))
        for key in record:
            if key not in known:
                raise ModelError(
                    f"unknown field{did_you_mean(key, known)}",
                    where=where(section, row, key_text(key)),
                )
        for field in fields:
            value = record.get(field.name)
            if field.type is FieldType.WINDOW:
                start, end = _split_window(value, where(section, row, field.name))
                values[field.columns[0]].append(start)
                values[field.columns[1]].append(end)
            elif field.type is FieldType.RANGE:
                low, high = _split_range(value, where(section, row, field.name))
                values[field.columns[0]].append(low)
                values[field.columns[1]].append(high)
            else:
                values[field.name].append(value)
    columns = {}
    for column, items in values.items():
        array = object_array(items)
        columns[column] = RawColumn(array, array == None)  # elementwise
    return columns


def _split_window(value: Any, location: str) -> tuple[Any, Any]:
    if value is None:
        return None, None
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return value[0], value[1]
    raise ModelError(
        f"must be [start, end] with dates YYYY-MM-DD (either may be null), got {describe(value)}",
        where=location,
    )


def _split_range(value: Any, location: str) -> tuple[Any, Any]:
    if value is None:
        return None, None
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return value[0], value[1]
    raise ModelError(f"must be [low, high], a list of two numbers, got {describe(value)}", where=location)


def frame_to_columns(section: str, frame: pd.DataFrame | Mapping[str, Any], first_row: int = 0) -> dict[str, RawColumn]:
    """Raw columns from a DataFrame (or a mapping of column name to array).

    Column names are those of the section's table; NaN, None and NA mark missing values.
    A list of ids (``classes``, ``requires``, ``components``) may be a list or tuple, or
    text in the cell form ``a; b`` (:mod:`datareach.model.lists`), as a CSV file read with
    ``pd.read_csv`` holds it. ``first_row``: the row of the table the frame's first row
    becomes (for messages).
    """
    if not isinstance(frame, (pd.DataFrame, Mapping)):
        raise ModelError(
            f"must be a DataFrame or a mapping of column name to array, got {describe(frame)}",
            where=section,
        )
    known = columns_of(section)
    required = [f.name for f in FIELDS[section] if f.required]
    names = list(frame.keys())
    for name in names:
        if name not in known:
            raise ModelError(
                f"unknown column{did_you_mean(name, known)}",
                where=f"{section}.{key_text(name)}",
            )
    for name in required:
        if name not in names:
            raise ModelError("missing required column", where=f"{section}.{name}")
    arrays: dict[str, Any] = {}
    for name in names:
        categorical = _categorical(frame[name])
        if categorical is not None and name not in _LIST_FIELDS[section]:
            arrays[name] = RawColumn(None, categorical=categorical)
        else:
            arrays[name] = _column_array(frame[name], f"{section}.{name}")
    lengths = {len(array) for array in arrays.values()}
    if len(lengths) > 1:
        raise ModelError(f"columns have different lengths {sorted(lengths)}", where=section)
    rows = lengths.pop() if lengths else 0
    # One shared column stands for every column the frame leaves out: one value seen `rows`
    # times (read-only views of stride 0: no memory per row).
    absent = RawColumn(np.broadcast_to(np.empty(1, dtype=object), (rows,)), np.broadcast_to(True, (rows,)))
    columns = {}
    for name in known:
        if name in arrays:
            array = arrays[name]
            if isinstance(array, RawColumn):
                columns[name] = array
            elif name in _LIST_FIELDS[section]:
                missing = _missing_mask(array)
                array = _split_list_cells(array, missing, functools.partial(_location, section, first_row, name))
                columns[name] = RawColumn(array, missing)
            else:  # left out: NaN, None or NA, found when first asked
                columns[name] = RawColumn(array)
        else:
            columns[name] = absent
    return columns


def _location(section: str, first_row: int, field: str, row: int) -> str:
    return where(section, first_row + row, field)


# The fields of each section that hold lists of ids.
_LIST_FIELDS = {section: {f.name for f in fields if f.type is FieldType.REFS} for section, fields in FIELDS.items()}


def _split_list_cells(values: np.ndarray, missing: np.ndarray, locate: Callable[[int], str]) -> np.ndarray:
    """A list column with every text cell (``a; b``) split into its ids; other values as
    they are (lists pass, anything else is refused by the validator)."""
    if values.dtype.kind != "O":
        return values
    present = np.flatnonzero(~missing)
    kinds = set(map(type, values[present]))  # one pass in C: most columns hold no text cells
    if not any(issubclass(kind, str) for kind in kinds):
        return values
    texts = [row for row in present.tolist() if isinstance(values[row], str)]
    if not texts:
        return values
    out: np.ndarray = values.copy()
    for row in texts:
        try:
            out[row] = tuple(split_list_cell(values[row]))
        except ValueError as error:
            raise ModelError(str(error), where=locate(row)) from None
    return out


def _categorical(values: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """(codes, categories) of a pandas categorical column of strings, else None."""
    if isinstance(values, pd.Series):
        values = values.array
    if not isinstance(values, pd.Categorical):
        return None
    categories = np.asarray(values.categories, dtype=object)
    # pandas' own codes (int8, int16 or int32 by the number of categories, -1 for NA) rather
    # than an int64 copy: at 10^6 rows, 4 to 7 MB less per column while a batch is checked.
    return np.asarray(values.codes), categories


def _column_array(values: Any, location: str) -> np.ndarray:
    """One column as a 1-D NumPy array; pandas' nullable numbers become float with NaN."""
    if isinstance(values, (pd.Series, pd.Index)):
        dtype = values.dtype
        if (
            isinstance(dtype, pd.api.extensions.ExtensionDtype)
            and pd.api.types.is_numeric_dtype(dtype)
            and not pd.api.types.is_bool_dtype(dtype)
        ):
            return values.to_numpy(dtype=np.float64, na_value=np.nan)
        array = values.to_numpy()
    elif isinstance(values, (list, tuple)):
        array = object_array(values)
    else:
        try:
            array = np.asarray(values)
        except (TypeError, ValueError) as error:
            raise ModelError(f"not a column of values: {error}", where=location) from None
    if array.ndim != 1:
        raise ModelError(f"must be one-dimensional, got shape {array.shape}", where=location)
    if array.dtype.kind in "US":
        array = array.astype(object)
    return array
