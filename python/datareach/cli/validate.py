"""``datareach validate``: check a scenario file (the reader's checks and the core's) and count
its entries; ``--strict`` also lints it for likely slips (``dr.lint``) and fails on any
finding; ``--json`` gives a ``Validation`` result like every other command."""

from __future__ import annotations

import argparse
import time
from typing import Any, ClassVar

import pandas as pd

from ..lint import lint
from ..results import AnalysisResult, Provenance
from .output import load, write_json

__all__ = ["Validation", "register"]


# A lint finding is not bad input (exit 2) but a check that did not pass, like a violated
# policy: the file is valid, the analyst should look at it.
EXIT_FINDINGS = 1


class Validation(AnalysisResult):
    """A valid scenario file: ``table`` counts its entries (``section``, ``count``); with
    ``--strict``, ``findings`` lists the lint findings (``code``, ``where``, ``message``)."""

    analysis: ClassVar[str] = "validate"

    def __init__(
        self,
        table: pd.DataFrame,
        provenance: Provenance,
        *,
        model: str | None = None,
        findings: pd.DataFrame | None = None,
    ) -> None:
        super().__init__(table, provenance, model=model)
        self.findings = findings

    def tables(self) -> dict[str, pd.DataFrame]:
        # Findings only when the file was linted: an empty table must mean "linted clean".
        named = super().tables()
        if self.findings is not None:
            named["findings"] = self.findings
        return named


def _run(args: argparse.Namespace) -> int:
    from ..model.lowering import core_model

    started = time.perf_counter()
    model = load(args.file, args)
    core_model(model)  # the core's own checks: numbers, composite cycles
    findings = lint(model) if args.strict else None
    counts = pd.DataFrame(
        {
            "section": ["nodes", "classes", "placements", "access", "events"],
            "count": [
                len(model.nodes),
                len(model.classes),
                len(model.placements),
                len(model.access),
                len(model.events),
            ],
        }
    )
    status = EXIT_FINDINGS if findings else 0
    if args.json:
        provenance = Provenance(analysis="validate", method="deterministic", elapsed=time.perf_counter() - started)
        linted = None if findings is None else findings.table
        write_json(Validation(counts, provenance, model=model.name, findings=linted))
        return status
    print(
        f"{args.file}: valid ({len(model.nodes)} nodes, {len(model.classes)} classes, {len(model.access)} access arcs)"
    )
    if findings is not None:
        for finding in findings:
            print(f"  {finding}")
        print(f"{len(findings)} lint finding(s)" if findings else "no lint findings")
    return status


def register(commands: Any) -> None:
    parser = commands.add_parser("validate", help="check a scenario file")
    parser.add_argument("file")
    parser.add_argument("--strict", action="store_true", help="also warn about likely slips (exit 1 on any finding)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(run=_run)
