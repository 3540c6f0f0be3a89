"""What the commands print: scenario loading, the text tables (intervals and differences
written compactly) and the one JSON writer every ``--json`` uses."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from ..model import Model
    from ..results import AnalysisResult

__all__ = ["difference", "interval", "load", "print_frame", "write_json"]


def load(path: str) -> Model:
    from ..io import load as load_file

    return load_file(path)


def write_json(result: AnalysisResult) -> None:
    """The result's ``to_dict()`` as indented JSON on stdout: one shape for every command."""
    json.dump(result.to_dict(), sys.stdout, indent=2)
    print()


def print_frame(table: pd.DataFrame) -> None:
    print(table.to_string(index=False, float_format=lambda x: f"{x:,.4g}"))


def interval(value: float, low: float, high: float) -> str:
    """``0.1234`` when exact, ``0.1234 [0.1200, 0.1268]`` with an interval."""
    if low == high:
        return f"{value:.4f}"
    return f"{value:.4f} [{low:.4f}, {high:.4f}]"


def difference(value: float, low: float, high: float) -> str:
    """Like ``interval`` with signs: ``-0.1234 [-0.1300, -0.1168]``."""
    if low == high:
        return f"{value:+.4f}"
    return f"{value:+.4f} [{low:+.4f}, {high:+.4f}]"
