"""``datareach validate``: check a scenario file (the reader's checks and the core's) and count
its entries; ``--json`` gives a ``Validation`` result like every other command."""

from __future__ import annotations

import argparse
import time
from typing import Any, ClassVar

import pandas as pd

from ..results import AnalysisResult, Provenance
from .output import load, write_json

__all__ = ["Validation", "register"]


class Validation(AnalysisResult):
    """A valid scenario file: ``table`` counts its entries (``section``, ``count``)."""

    analysis: ClassVar[str] = "validate"


def _run(args: argparse.Namespace) -> int:
    from ..model.lowering import core_model

    started = time.perf_counter()
    model = load(args.file)
    core_model(model)  # the core's own checks: numbers, composite cycles
    counts = pd.DataFrame({
        "section": ["nodes", "classes", "placements", "access", "events"],
        "count": [len(model.nodes), len(model.classes), len(model.placements), len(model.access), len(model.events)],
    })
    if args.json:
        provenance = Provenance(analysis="validate", method="deterministic", elapsed=time.perf_counter() - started)
        write_json(Validation(counts, provenance, model=model.name))
        return 0
    print(f"{args.file}: valid ({len(model.nodes)} nodes, {len(model.classes)} classes, {len(model.access)} access arcs)")
    return 0


def register(commands: Any) -> None:
    parser = commands.add_parser("validate", help="check a scenario file")
    parser.add_argument("file")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(run=_run)
