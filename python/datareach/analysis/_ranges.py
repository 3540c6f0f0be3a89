"""What the sensitivity analyses share (docs/design.md §5a): the request (one adversary, one
class), the *ranged variables* of a model — every arc and event with a ``p_range`` and every
jurisdiction with a ``compels_range`` — and the model compiled with some of their values
replaced.

Ranges are model metadata: the core never sees them. A variable's value is replaced in the
model's lowered tables (``arc_p``, ``event_p``, ``node_compels``: one array copied per
evaluation, no Python loop over rows, no copy of the model) and the core compiles that. An
arc or event keeps its identity, hence its random coin (§2.7), whatever its p: evaluations
on one seed are on common random numbers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..dates import to_day
from ..errors import ModelError
from ..model.lowering import adversary_indices, class_index, compile_model, lower
from ..options import shown
from ._requests import require_model

if TYPE_CHECKING:
    from .. import _core
    from ..model import Model

__all__ = ["KINDS", "VARIABLE_COLUMNS", "Request", "Substitution", "ranged_variables", "request"]

# The kinds of ranged variables, each with its section, the field holding its point value,
# the range field and the lowered array the core reads the value from.
KINDS: dict[str, tuple[str, str, str, str]] = {
    "event": ("events", "p", "p_range", "event_p"),
    "jurisdiction": ("nodes", "compels", "compels_range", "node_compels"),
    "arc": ("access", "p", "p_range", "arc_p"),
}
# The columns that describe a variable, in every table that lists them.
VARIABLE_COLUMNS = ["kind", "entry", "from", "to", "event", "node", "p", "low", "high"]


@dataclasses.dataclass(frozen=True)
class Request:
    """One adversary and one class (atomic or composite) of a model."""

    adversary: str
    row: int  # the adversary's node row
    data_class: str
    cls: int  # the class row


def request(model: Model, adversary: Any, data_class: Any) -> Request:
    """The checked request; ModelErrors name ``adversary`` or ``data_class``."""
    require_model(model, "model")
    if not isinstance(adversary, str):
        raise ModelError(f"expected a node id, got {shown(adversary)}", where="adversary")
    ids, rows = adversary_indices(model, [adversary], where="adversary")
    cls = class_index(model, data_class, where="data_class")
    return Request(ids[0], rows[0], str(data_class), cls)


def ranged_variables(model: Model, at: Any) -> pd.DataFrame:
    """One row per ranged variable present as of ``at`` (all when None): ``kind`` (event,
    jurisdiction, arc), ``entry`` (``events[0]``, ``nodes[2]``, ``access[3]``), ``from`` /
    ``to`` (arcs), ``event``, ``node`` (jurisdictions), the point value ``p`` and the range
    ``low`` / ``high``; plus ``row``, the entry's row in its section. Events first, then
    jurisdictions, then arcs, each in file order. An arc whose window excludes ``at`` is no
    variable at that date and is left out."""
    column = model._column
    frames = []
    for kind, (section, field, range_field, _) in KINDS.items():
        low, high = column(section, f"{range_field}_low"), column(section, f"{range_field}_high")
        mask = ~np.isnan(low)
        if kind == "arc" and at is not None:
            day = np.datetime64(to_day(at, where="at"), "D")
            start, end = column("access", "window_start"), column("access", "window_end")
            mask &= (np.isnat(start) | (start <= day)) & (np.isnat(end) | (day < end))
        rows = np.flatnonzero(mask)
        count = len(rows)
        none = np.full(count, None, dtype=object)
        frames.append(
            pd.DataFrame(
                {
                    "kind": np.full(count, kind, dtype=object),
                    "entry": np.array([f"{section}[{r}]" for r in rows.tolist()], dtype=object),
                    "from": column("access", "from")[rows] if kind == "arc" else none,
                    "to": column("access", "to")[rows] if kind == "arc" else none,
                    "event": column("events", "id")[rows] if kind == "event" else none,
                    "node": column("nodes", "id")[rows] if kind == "jurisdiction" else none,
                    "p": column(section, field)[rows].astype(np.float64),
                    "low": low[rows],
                    "high": high[rows],
                    "row": rows.astype(np.int64),
                }
            )
        )
    table: pd.DataFrame = pd.concat(frames, ignore_index=True)
    return table


class Substitution:
    """The model compiled as of one date with the values of some ranged variables replaced.

    Built once per analysis from the model's lowered tables; each :meth:`graph` copies only
    the arrays of the kinds it replaces."""

    def __init__(self, model: Model, at: Any, variables: pd.DataFrame) -> None:
        self._tables = lower(model)
        self._day = None if at is None else to_day(at, where="at")
        self._base = compile_model(model, at)
        kinds = variables["kind"].to_numpy(dtype=object)
        self._rows = variables["row"].to_numpy(dtype=np.int64)
        # For each lowered array: which variables (positions) it holds.
        self._groups = {
            key: np.flatnonzero(kinds == kind) for kind, (*_, key) in KINDS.items() if (kinds == kind).any()
        }

    @property
    def base(self) -> _core.CompiledGraph:
        """The model as it is (every variable at its point value)."""
        return self._base

    def graph(
        self, values: Sequence[float] | np.ndarray, which: Sequence[int] | np.ndarray | None = None
    ) -> _core.CompiledGraph:
        """The model with variable ``which[i]`` (a position in the variables table; all of
        them, in order, when None) at ``values[i]``."""
        from .. import _core

        positions = np.arange(len(self._rows)) if which is None else np.asarray(which, dtype=np.int64)
        numbers = np.asarray(values, dtype=np.float64)
        tables = dict(self._tables)
        for key, members in self._groups.items():
            chosen = np.isin(positions, members)
            if chosen.any():
                array = np.array(tables[key], dtype=np.float64)  # a copy
                array[self._rows[positions[chosen]]] = numbers[chosen]
                tables[key] = array
        return _core.CompiledGraph(_core.ModelData(tables), self._day)
