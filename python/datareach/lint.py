"""Warnings about likely slips in a valid model: ``dr.lint(model)``.

A model can be valid and still not say what its author meant: a region spelt ``cn/beijing``
lies outside the territory ``CN`` (regions are compared with case), so the Chinese rule
silently stops reaching it; a node nothing touches takes no part in any analysis; an
assumed probability with no source or note cannot be reviewed. Validation cannot refuse
these (each can be meant), so the lint lists them, each with a code, the location as a
scenario file names it and a message:

========================  ==============================================================
``region-case``           a region (or territory) spelt elsewhere with other case: two
                          spellings are two regions, so rules and region scores split
``unused-node``           no arc, jurisdiction rule, placement or flow touches the node
                          and it is no adversary: it takes no part in any analysis
``unused-source``         no entry cites the source (in ``source``, or by its id in its
                          ``attrs`` or the text of its ``note``)
``empty-store``           a store that no placement fills and no flow copies into (a
                          store nothing touches is reported as ``unused-node`` instead)
``unsourced-number``      an estimated probability (an arc's or event's ``p``, a
                          jurisdiction's ``compels``, strictly between 0 and 1) or a
                          placement ``share`` written out, on an entry with neither
                          ``source`` nor ``note``; 0 and 1 state structure, not estimates
``no-op-change``          a change of a variant whose removal leaves the model as it is
                          (a later change undoes or overrides it)
========================  ==============================================================

Windows are ignored: a finding holds whatever the analysis date.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pandas as pd

from .errors import ModelError
from .model import Model

__all__ = ["CODES", "Finding", "Findings", "lint"]

CODES = ("region-case", "unused-node", "unused-source", "empty-store", "unsourced-number", "no-op-change")

_CITING_SECTIONS = ("events", "nodes", "classes", "placements", "flows", "access")


@dataclasses.dataclass(frozen=True)
class Finding:
    code: str  # one of CODES
    where: str  # as a scenario file names it: nodes[4].region, changes[2]
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message} [{self.code}]"


class Findings(tuple[Finding, ...]):
    """The findings of :func:`lint`, in the order of the checks; empty when clean."""

    @property
    def table(self) -> pd.DataFrame:
        result: pd.DataFrame = pd.DataFrame([dataclasses.asdict(f) for f in self], columns=["code", "where", "message"])
        return result

    def codes(self) -> list[str]:
        return [finding.code for finding in self]

    def __str__(self) -> str:
        return "\n".join(str(finding) for finding in self) if self else "no findings"


def lint(model: Model, *, base: Model | None = None) -> Findings:
    """Likely slips in ``model`` (see the module docstring for the codes). The check for
    changes that do nothing needs the model the changes were applied to: ``base``, or,
    for a model loaded from a variant file, the file of :attr:`Model.variant_of`; without
    either it is skipped."""
    data = model.to_dict()
    found: list[Finding] = []
    found += _region_case(data.get("nodes", []))
    unused = _unused_nodes(data)
    found += (Finding("unused-node", f"nodes[{i}]", message) for i, message in sorted(unused.items()))
    found += _unused_sources(data)
    found += _empty_stores(data, set(unused))
    found += _unsourced_numbers(data)
    found += _no_op_changes(model, base)
    return Findings(found)


def _region_case(nodes: list[dict[str, Any]]) -> Iterator[Finding]:
    """Every region path and its ancestors against the first spelling of the same path
    ignoring case; territories first, since a rule reaches by its territory's spelling."""
    first: dict[str, tuple[str, str]] = {}  # casefolded path → (spelling, whose it is)
    fields = [(i, "territory", n) for i, n in enumerate(nodes) if n.get("territory")]
    fields += [(i, "region", n) for i, n in enumerate(nodes) if n.get("region")]
    for i, field, node in fields:
        path: str = node[field]
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            spelling, owner = first.setdefault(prefix.casefold(), (prefix, f"the {field} of node {node['id']!r}"))
            if spelling != prefix:
                consequence = (
                    "regions are compared with case, so it lies outside that territory"
                    if owner.startswith("the territory")
                    else "the two spellings are two regions"
                )
                yield Finding(
                    "region-case",
                    f"nodes[{i}].{field}",
                    f"{path!r} writes {prefix!r} where {owner} writes {spelling!r}: {consequence}",
                )
                break


def _lies_in(region: str, territory: str) -> bool:
    return region == territory or region.startswith(territory + "/")


def _rule_targets(nodes: list[dict[str, Any]]) -> tuple[set[str], set[str]]:
    """The jurisdictions whose rule reaches some node, and the nodes some rule reaches."""
    ruling: dict[str, list[str]] = defaultdict(list)  # territory → jurisdictions ruling it
    for node in nodes:
        if node.get("territory"):
            ruling[node["territory"]].append(node["id"])
    sources: set[str] = set()
    targets: set[str] = set()
    for node in nodes:
        region = node.get("region")
        if not region or node.get("rule_exempt"):
            continue
        parts = region.split("/")
        for depth in range(1, len(parts) + 1):
            for jurisdiction in ruling.get("/".join(parts[:depth]), ()):
                if jurisdiction != node["id"]:
                    sources.add(jurisdiction)
                    targets.add(node["id"])
    return sources, targets


def _unused_nodes(data: dict[str, Any]) -> dict[int, str]:
    nodes = data.get("nodes", [])
    touched = set(data.get("adversaries", []))
    for arc in data.get("access", []) + data.get("flows", []):
        touched.update((arc["from"], arc["to"]))
    touched.update(placement["store"] for placement in data.get("placements", []))
    rule_sources, rule_targets = _rule_targets(nodes)
    touched |= rule_sources | rule_targets
    return {
        i: f"no arc, jurisdiction rule, placement or flow touches node {node['id']!r} and it is no "
        f"adversary: it takes no part in any analysis"
        for i, node in enumerate(nodes)
        if node["id"] not in touched
    }


def _unused_sources(data: dict[str, Any]) -> Iterator[Finding]:
    cited: set[Any] = set()
    for section in _CITING_SECTIONS:
        for entry in data.get(section, []):
            cited.add(entry.get("source"))
            # Further reports are named in attrs (the shipped example's see_also lists) or
            # in the note's text.
            cited.update(_strings(entry.get("attrs")))
            cited.update(_WORD.findall(entry.get("note") or ""))
    for source in data.get("sources", {}):
        if source not in cited:
            yield Finding("unused-source", f"sources.{source}", f"no entry cites the source {source!r}")


_WORD = re.compile(r"[\w.:/-]*[\w]")  # an id as text writes it, without trailing punctuation


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _atoms(classes: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Each class's atomic classes (itself when atomic); components form no cycle."""
    components = {c["id"]: c.get("components") for c in classes}
    atoms: dict[str, set[str]] = {}

    def of(class_id: str) -> set[str]:
        if class_id not in atoms:
            parts = components.get(class_id)
            atoms[class_id] = {class_id} if not parts else set().union(*(of(p) for p in parts))
        return atoms[class_id]

    for class_id in components:
        of(class_id)
    return atoms


def _empty_stores(data: dict[str, Any], unused: set[int]) -> Iterator[Finding]:
    atoms = _atoms(data.get("classes", []))
    every = set().union(*atoms.values()) if atoms else set()
    held: dict[str, set[str]] = defaultdict(set)
    for placement in data.get("placements", []):
        held[placement["store"]].add(placement["class"])
    outgoing: dict[str, list[tuple[str, set[str]]]] = defaultdict(list)
    for flow in data.get("flows", []):
        carried = every if flow.get("classes") is None else set().union(*(atoms[c] for c in flow["classes"]))
        outgoing[flow["from"]].append((flow["to"], carried))
    pending = list(held)
    while pending:  # copies along flows, until nothing new arrives anywhere
        store = pending.pop()
        for target, carried in outgoing[store]:
            new = (held[store] & carried) - held[target]
            if new:
                held[target] |= new
                pending.append(target)
    for i, node in enumerate(data.get("nodes", [])):
        if node["kind"] == "store" and i not in unused and not held.get(node["id"]):
            yield Finding(
                "empty-store",
                f"nodes[{i}]",
                f"store {node['id']!r} holds nothing: no placement fills it and no flow copies into it",
            )


def _unsourced_numbers(data: dict[str, Any]) -> Iterator[Finding]:
    checked = [("events", "p"), ("access", "p"), ("nodes", "compels"), ("placements", "share")]
    for section, field in checked:
        for i, entry in enumerate(data.get(section, [])):
            value = entry.get(field)
            if value is None or "source" in entry or "note" in entry:
                continue
            if field != "share" and value in (0, 1):
                continue  # a certainty states the structure of the model, not an estimate
            yield Finding(
                "unsourced-number",
                f"{section}[{i}].{field}",
                f"{field} = {value!r} has neither source nor note: cite a source, or say in a note why it is assumed",
            )


def _no_op_changes(model: Model, base: Model | None) -> Iterator[Finding]:
    changes = model.changes
    if not changes:
        return
    if base is None and model.variant_of is not None:
        from .io import load  # the lint reads a file only for this check

        base = load(model.variant_of)
    if base is None:
        return
    for i, change in enumerate(changes):
        others = changes[:i] + changes[i + 1 :]
        try:
            without = base.apply(others)
        except ModelError:  # a later change needs this one: it does something
            continue
        without.name = model.name
        if without == model:
            yield Finding(
                "no-op-change",
                f"changes[{i}]",
                f"removing this {change.op} change leaves the model as it is: a later change undoes or overrides it",
            )
