"""``datareach check``: test a scenario against a policy file. Exit code 0 when every rule
holds, 1 when a rule is violated or undecided (each printed with its witness path and the
source of every arc on it), 2 on bad input. ``--junit FILE`` also writes a JUnit XML report
(one test case per rule and adversary) for CI systems; ``--json`` prints the result."""

from __future__ import annotations

import argparse
import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING, Any

from .options import add_analysis_options, analysis_options
from .output import load, print_frame, write_json

if TYPE_CHECKING:
    from ..analysis.check import CheckReport, Violation
    from ..analysis.paths import Path
    from ..model import Model

__all__ = ["EXIT_VIOLATED", "junit_xml", "register"]

# A violated (or undecided) rule is not bad input (exit 2): the files are valid, the model
# does not satisfy the policy.
EXIT_VIOLATED = 1

# Characters XML 1.0 cannot hold even escaped (control characters but tab and newlines,
# lone surrogates, U+FFFE and U+FFFF): a note may contain them, the report must still parse.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _citation(model: Model, cited: str | None) -> str:
    if cited is None:
        return "no source"
    title = model.sources.get(cited, {}).get("title")
    return f"source {cited}: {title}" if isinstance(title, str) else f"source {cited}"


def witness_lines(model: Model, failure: Violation) -> list[str]:
    """The witness paths of a failed rule, one line per path and one per arc with its entry
    and citation."""
    lines = []
    many = len(failure.witnesses) > 1
    for path in failure.witnesses:
        lines.append(f"witness{f' ({path.data_class})' if many else ''}: {path}")
        lines.extend(_step_line(model, path, k) for k in range(len(path.arcs)))
    if not failure.witnesses:
        lines.append("witness: none (no store holding the class is possibly reachable)")
    return lines


def _step_line(model: Model, path: Path, k: int) -> str:
    step = path.arcs[k]
    how = ", ".join(filter(None, [step.kind, f"p {step.p:g}", *(f"requires {e}" for e in step.requires)]))
    return f"  {k + 1}. {step.source} → {step.target} ({how}) {step.entry}; {_citation(model, step.citation)}"


def junit_xml(report: CheckReport, model: Model, suite: str) -> str:
    """A JUnit XML report: one ``<testcase>`` per rule and adversary, a ``<failure>`` (with
    the message, the note and the witness paths with citations) for each that did not hold."""
    failures = {(f.index, f.adversary): f for f in report.failures}
    elapsed = f"{report.provenance.elapsed:.3f}"
    counts = {"tests": str(len(report.table)), "failures": str(len(failures)), "errors": "0"}
    root = ET.Element("testsuites", {"name": "datareach check", **counts, "time": elapsed})
    testsuite = ET.SubElement(
        root,
        "testsuite",
        {"name": _xml_text(suite), **counts, "skipped": "0", "time": elapsed, "timestamp": report.provenance.created},
    )
    properties = ET.SubElement(testsuite, "properties")
    for name, value in (
        ("model", report.name),
        ("method", report.provenance.method),
        ("seed", report.provenance.seed),
        ("at", report.provenance.at),
        ("version", report.provenance.version),
    ):
        if value is not None:
            ET.SubElement(properties, "property", {"name": name, "value": _xml_text(str(value))})
    for row in report.table.itertuples(index=False):
        index, kind, adversary, data_class, at = row[0], row[1], row[2], row[3], row[4]
        name = f"{adversary} / {data_class}" + (f" as of {at}" if isinstance(at, str) else "")
        case = ET.SubElement(
            testsuite, "testcase", {"classname": f"rules[{index}].{kind}", "name": _xml_text(name), "time": "0"}
        )
        failure = failures.get((index, adversary))
        if failure is not None:
            lines = [failure.message]
            if failure.rule.note is not None:
                lines.append(f"note: {failure.rule.note}")
            lines.extend(witness_lines(model, failure))
            element = ET.SubElement(case, "failure", {"message": _xml_text(failure.message), "type": failure.status})
            element.text = _xml_text("\n".join(lines))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _table(report: CheckReport) -> Any:
    table = report.table.drop(columns=["note", "witness"])
    if (table["ci_low"] == table["ci_high"]).all():
        table = table.drop(columns=["ci_low", "ci_high"])
    if table["at"].isna().all():
        table = table.drop(columns=["at"])
    table["limit"] = [f"{limit:g}" for limit in table["limit"]]
    return table


def _scenario(args: argparse.Namespace) -> Model:
    """The scenario file's model; an error names the file (two files are read here)."""
    from ..errors import ModelError

    try:
        return load(args.scenario, args)
    except ModelError as error:
        text = str(error)
        if error.where == "rules":
            text += " (is it a policy file? the scenario comes first: datareach check SCENARIO POLICY)"
        if args.scenario in text:  # a read error names the file already
            raise
        named = ModelError(error.reason, where=f"{args.scenario}: {error.where}" if error.where else args.scenario)
        named.args = (f"{args.scenario}: {text}",)
        raise named from None


def _run(args: argparse.Namespace) -> int:
    from ..analysis import check
    from ..io import load_policy
    from ..io.files import write_text

    options = analysis_options(args)  # a bad flag fails before any file is read
    model = _scenario(args)
    policy = load_policy(args.policy, max_bytes=args.max_bytes)
    report = check(model, policy, options=options)
    if args.junit is not None:
        write_text(args.junit, junit_xml(report, model, policy.name or args.policy))
    status = 0 if report.passed else EXIT_VIOLATED
    if args.json:
        write_json(report)
        return status
    print(f"{model.name or args.scenario}: check of {args.policy} ({report.provenance.describe()})")
    print_frame(_table(report))
    for failure in report.failures:
        print()
        print(f"{failure.status.upper()} {failure.message}")
        if failure.rule.note is not None:
            print(f"  note: {failure.rule.note}")
        for line in witness_lines(model, failure):
            print(f"  {line}")
    print()
    print(("PASSED: " if report.passed else "FAILED: ") + report.summary())
    return status


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "check", help="check a scenario against a policy file (exit 1 when a rule does not hold)"
    )
    parser.add_argument("scenario", help="the scenario (or variant) file")
    parser.add_argument("policy", help="the policy file (format: datareach-policy/1)")
    parser.add_argument("--at", metavar="DATE", help="check as of this date (YYYY-MM-DD); a rule's own at wins")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--junit", metavar="FILE", help="also write a JUnit XML report to FILE")
    add_analysis_options(
        parser,
        tolerance_help="sample until every interval half-width <= T",
        threads_help="threads (default: all cores)",
    )
    parser.set_defaults(run=_run)
