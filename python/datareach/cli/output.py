"""What the commands print: scenario loading, the text tables and the one JSON writer every
``--json`` uses.

Numbers are written by the kind of their column, one formatter per kind, so a column never
mixes notations (no ``3.267e+05`` under ``3,328``): probabilities and shares as fixed
decimals, records and risk as whole numbers with thousands separators, differences with a
sign. Intervals are written ``0.1234 [0.1200, 0.1268]``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from ..model import Model
    from ..results import AnalysisResult

__all__ = [
    "add_file_options",
    "amount",
    "amount_decimals",
    "difference",
    "format_table",
    "interval",
    "load",
    "print_frame",
    "probability",
    "strict_json",
    "write_json",
]

# Probabilities and shares lie in [0, 1]: four decimals tell 0.9990 from 0.9999.
_DECIMALS = 4
# Records and risk are counts (or counts weighted by sensitivity): below this they keep two
# decimals, so a small model's 0.25 records are not printed as 0.
_WHOLE_FROM = 100

PROBABILITY_COLUMNS = frozenset(
    {
        "probability",
        "ci_low",
        "ci_high",
        "expected_share",
        "base_probability",
        "path_probability",
        "expected_share_ci_low",
        "expected_share_ci_high",
    }
)
PROBABILITY_DIFFERENCE_COLUMNS = frozenset(
    {
        "probability_difference",
        "probability_difference_ci_low",
        "probability_difference_ci_high",
    }
)
AMOUNT_COLUMNS = frozenset(
    {
        "expected_records",
        "base_expected_records",
        "risk",
        "base_risk",
        "total_risk",
        "base_total_risk",
    }
)
AMOUNT_DIFFERENCE_COLUMNS = frozenset(
    {
        "records_difference",
        "risk_difference",
        "risk_difference_ci_low",
        "risk_difference_ci_high",
        "total_risk_difference",
    }
)


def add_file_options(parser: argparse.ArgumentParser) -> None:
    """The options of every command that reads scenario or variant files."""
    from ..io.files import DEFAULT_MAX_BYTES

    group = parser.add_argument_group("reading files")
    group.add_argument(
        "--allow-outside-base",
        action="store_true",
        help="let a variant file name a base outside its own folder (refused by default, so "
        "that a variant from elsewhere cannot make datareach read other files)",
    )
    group.add_argument(
        "--max-bytes",
        type=int,
        default=DEFAULT_MAX_BYTES,
        metavar="N",
        help=f"refuse files larger than N bytes (default {DEFAULT_MAX_BYTES:,})",
    )


def load(path: str, args: argparse.Namespace) -> Model:
    """The model in a scenario or variant file, read with the command's file options."""
    from ..io import load as load_file

    return load_file(path, max_bytes=args.max_bytes, allow_outside_base=args.allow_outside_base)


def strict_json(value: Any) -> Any:
    """``value`` with every NaN or infinity replaced by null: strict JSON, which every
    parser reads (Python's own writer would emit ``NaN`` and ``Infinity``)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: strict_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(item) for item in value]
    return value


def write_json(result: AnalysisResult) -> None:
    """The result's ``to_dict()`` as indented, strict JSON on stdout: one shape for every command."""
    json.dump(strict_json(result.to_dict()), sys.stdout, indent=2, allow_nan=False)
    print()


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def probability(value: Any, *, signed: bool = False) -> str:
    """``0.1234`` (``+0.1234`` when signed); empty when missing."""
    if _missing(value):
        return ""
    return f"{value:+.{_DECIMALS}f}" if signed else f"{value:.{_DECIMALS}f}"


def amount_decimals(values: Iterable[Any]) -> int:
    """0 when every value of a column is a whole count's worth (or 0), else 2."""
    present = [abs(float(v)) for v in values if not _missing(v)]
    return 0 if all(v == 0 or v >= _WHOLE_FROM for v in present) else 2


def amount(value: Any, *, decimals: int = 0, signed: bool = False) -> str:
    """Records or risk with thousands separators: ``149,850,000`` (``+1,234`` when signed)."""
    if _missing(value):
        return ""
    return f"{value:+,.{decimals}f}" if signed else f"{value:,.{decimals}f}"


def _column_formatter(name: str, values: pd.Series) -> Callable[[Any], str] | None:
    if name in PROBABILITY_COLUMNS:
        return probability
    if name in PROBABILITY_DIFFERENCE_COLUMNS:
        return lambda v: probability(v, signed=True)
    if name in AMOUNT_COLUMNS or name in AMOUNT_DIFFERENCE_COLUMNS:
        decimals = amount_decimals(values)
        signed = name in AMOUNT_DIFFERENCE_COLUMNS
        return lambda v: amount(v, decimals=decimals, signed=signed)
    return None


def format_table(table: pd.DataFrame) -> pd.DataFrame:
    """A copy with every number column of a known kind written as text by its formatter;
    columns already text (an interval written out) and other columns are left as they are."""
    shown = table.copy()
    for name in shown.columns:
        column = shown[name]
        if any(isinstance(v, str) for v in column):
            continue
        formatter = _column_formatter(str(name), column)
        if formatter is not None:
            shown[name] = column.map(formatter)
    result: pd.DataFrame = shown
    return result


def print_frame(table: pd.DataFrame) -> None:
    print(format_table(table).to_string(index=False))


def interval(value: float, low: float, high: float) -> str:
    """``0.1234`` when exact, ``0.1234 [0.1200, 0.1268]`` with an interval."""
    if low == high:
        return probability(value)
    return f"{probability(value)} [{probability(low)}, {probability(high)}]"


def difference(value: float, low: float, high: float) -> str:
    """Like ``interval`` with signs: ``-0.1234 [-0.1300, -0.1168]``."""
    if low == high:
        return probability(value, signed=True)
    return f"{probability(value, signed=True)} [{probability(low, signed=True)}, {probability(high, signed=True)}]"
