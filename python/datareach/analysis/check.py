"""Policy checks (docs/design.md §5a): ``check`` tests a model against the rules of a policy
(``never_reaches``, ``max_exposure``, ``only_via``) and returns a ``CheckReport``: one row per
rule and adversary, whether the rule holds, the exposure measured, and for each violation a
``Violation`` with its witness paths, each arc traced to the model entry and its citation."""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..changes.state import covers
from ..errors import ModelError, describe, did_you_mean, quote
from ..io.policies import Policy, PolicyRule, load_policy
from ..model.lowering import compile_model
from ..options import AnalysisOptions, Progress
from ..results import AnalysisResult, Provenance, common_value, warn_if_not_converged
from ._engines import all_converged, progress_reporter
from ._requests import require_model
from .exposure import exposure_of
from .paths import MAX_EXPANSIONS, Path, _step
from .reach import reach

if sys.version_info >= (3, 11):
    from typing import TypedDict, Unpack
else:  # pragma: no cover - exercised on Python 3.10 only
    from typing_extensions import TypedDict, Unpack

if TYPE_CHECKING:
    from ..model import Model

__all__ = ["EXCESS", "CheckReport", "Status", "Violation", "check"]

Status = Literal["holds", "violated", "undecided"]

# An exact exposure counts as above a max_exposure limit only when it exceeds it by more
# than this: the exact engine's rounding (about 1e-15) must not turn "at the limit" into a
# violation, and no policy states a limit this fine.
EXCESS = 1e-12


class CheckOverrides(TypedDict, total=False):
    """The analysis options ``check`` takes as keywords besides ``at`` (its own argument)."""

    method: Literal["auto", "exact", "monte_carlo"]
    samples: int
    max_samples: int
    tolerance: float | None
    seed: int | None
    threads: int | None
    progress: Progress


@dataclasses.dataclass(frozen=True)
class Violation:
    """A rule that does not hold for one adversary (``status`` "violated"), or whose Monte
    Carlo interval straddles its limit ("undecided", which does not pass either).

    ``probability`` (with ``ci_low`` / ``ci_high``) is the exposure measured: P(X > 0) of the
    class, for ``only_via`` in the model without the ``through`` nodes (the bypass).
    ``witnesses``: the most likely path to a store holding the class (for only_via: one that
    avoids every ``through`` node), one per atomic component for a composite class;
    ``witness`` is the first."""

    rule: PolicyRule
    index: int  # the rule's position in the policy: rules[index]
    adversary: str
    at: str | None
    status: Literal["violated", "undecided"]
    probability: float
    ci_low: float
    ci_high: float
    witnesses: tuple[Path, ...]

    @property
    def data_class(self) -> str:
        return self.rule.data_class

    @property
    def limit(self) -> float:
        return self.rule.limit

    @property
    def witness(self) -> Path | None:
        return self.witnesses[0] if self.witnesses else None

    @property
    def message(self) -> str:
        """One sentence: the rule, who reaches what, the value measured against the limit."""
        rule = self.rule
        when = f" as of {self.at}" if self.at else ""
        measured = _interval(self.probability, self.ci_low, self.ci_high)
        head = f"rules[{self.index}] {rule.kind}: {self.adversary} "
        if rule.kind == "never_reaches":
            return f"{head}can reach {self.data_class}{when} (exposure probability {measured})"
        if rule.kind == "only_via":
            avoiding = ", ".join(rule.through)
            return (
                f"{head}can reach {self.data_class}{when} avoiding every node of through ({avoiding}); "
                f"exposure probability without them {measured}"
            )
        if self.status == "violated":
            return f"{head}reaches {self.data_class}{when} with probability {measured}, above the limit {rule.limit:g}"
        return (
            f"{head}reaches {self.data_class}{when} with probability {measured}: the interval straddles the "
            f"limit {rule.limit:g}, so the rule is undecided; raise samples or set a tolerance"
        )

    def __str__(self) -> str:
        return self.message


def _number(value: float) -> str:
    return f"{value:.4f}" if value == 0 or value >= 1e-4 else f"{value:.2e}"


def _interval(value: float, low: float, high: float) -> str:
    if low == high:
        return _number(value)
    return f"{_number(value)} [{_number(low)}, {_number(high)}]"


def _witness_text(witnesses: tuple[Path, ...], composite: bool) -> str | None:
    if not witnesses:
        return None
    if not composite:
        return str(witnesses[0])
    return "; ".join(f"{path.data_class}: {path}" for path in witnesses)


TABLE_COLUMNS = [
    "rule",
    "kind",
    "adversary",
    "class",
    "at",
    "status",
    "probability",
    "ci_low",
    "ci_high",
    "limit",
    "note",
    "witness",
]
WITNESS_COLUMNS = ["rule", "adversary", "class", "step", "from", "to", "p", "kind", "requires", "entry", "citation"]


class CheckReport(AnalysisResult):
    """The outcome of ``check``. ``table``: one row per rule and adversary (a ``from_region``
    rule has one per node of the region): rule (its index in the policy), kind, adversary,
    class, at, status ("holds", "violated" or "undecided"), probability with ci_low /
    ci_high (the exposure measured; for only_via, without the through nodes), limit, note
    and witness (the witness paths as text). ``witnesses``: one row per arc of each witness
    path, with its entry and citation. ``passed``: every rule holds for every adversary;
    ``violations`` and ``undecided`` list the others as ``Violation`` objects."""

    analysis: ClassVar[str] = "check"
    extra_tables: ClassVar[tuple[str, ...]] = ("witnesses",)

    def __init__(
        self,
        table: pd.DataFrame,
        provenance: Provenance,
        *,
        model: str | None,
        policy: Policy,
        failures: list[Violation],
    ) -> None:
        super().__init__(table, provenance, model=model)
        self.policy = policy
        self._failures = list(failures)
        self.violations = [v for v in failures if v.status == "violated"]
        self.undecided = [v for v in failures if v.status == "undecided"]

    @property
    def passed(self) -> bool:
        """True when every rule holds for every adversary (an undecided rule does not pass)."""
        return not self.violations and not self.undecided

    @property
    def failures(self) -> list[Violation]:
        """The violations and undecided rules together: everything that did not pass, in table order."""
        return list(self._failures)

    @property
    def witnesses(self) -> pd.DataFrame:
        rows = [
            {
                "rule": failure.index,
                "adversary": failure.adversary,
                "class": path.data_class,
                "step": k + 1,
                **step.record(),
            }
            for failure in self.failures
            for path in failure.witnesses
            for k, step in enumerate(path.arcs)
        ]
        frame: pd.DataFrame = pd.DataFrame(rows, columns=WITNESS_COLUMNS)
        return frame

    def summary(self) -> str:
        """``12 of 14 checks hold; 1 violated, 1 undecided``."""
        total = len(self.table)
        held = total - len(self.violations) - len(self.undecided)
        text = f"{held} of {total} checks hold"
        if not self.passed:
            text += f"; {len(self.violations)} violated, {len(self.undecided)} undecided"
        return text

    def _title(self) -> str:
        return f"{super()._title()}: {self.summary()}"

    def __repr__(self) -> str:
        return f"<CheckReport of {self.name!r}: {self.summary()} ({self.provenance.describe()})>"


# --------------------------------------------------------------------------------------
# The request: the policy, and each rule's adversaries, class and nodes in the model


def _policy_of(policy: Any) -> Policy:
    if isinstance(policy, Policy):
        return policy
    if isinstance(policy, Mapping):
        return Policy.from_dict(policy)
    if isinstance(policy, (str, bytes, os.PathLike)) or callable(getattr(policy, "read", None)):
        return load_policy(policy)
    raise ModelError(
        f"expected a Policy, a policy mapping or the path of a policy file, got {describe(policy)}", where="policy"
    )


@dataclasses.dataclass(frozen=True)
class _Request:
    """One rule as the model sees it: its adversaries, the date, the atomic classes of its
    class (itself when atomic) and, for only_via, the nodes to bypass."""

    index: int
    rule: PolicyRule
    adversaries: tuple[str, ...]
    at: str | None
    atoms: tuple[str, ...]
    composite: bool


def _requests(model: Model, policy: Policy, at: str | None) -> list[_Request]:
    """Every rule checked against the model's ids, before anything runs."""
    node_ids = model.node_ids
    nodes = model.node_index
    regions = model._column("nodes", "region")
    requests = []
    for index, rule in enumerate(policy.rules):
        if rule.adversary is not None:
            if rule.adversary not in nodes:
                raise policy.error(index, "adversary", _unknown("node", rule.adversary, node_ids))
            adversaries: tuple[str, ...] = (rule.adversary,)
        else:
            region = rule.from_region
            assert region is not None
            inside = {r for r in pd.unique(regions) if covers(r, region)}  # distinct regions, not rows
            adversaries = tuple(node_ids[v] for v in np.flatnonzero(pd.Series(regions).isin(inside).to_numpy()))
            if not adversaries:
                raise policy.error(
                    index,
                    "from_region",
                    f"no node lies in region {quote(region)}{did_you_mean(region, model.region_names)}",
                )
        if rule.data_class not in model.class_index:
            raise policy.error(index, "class", _unknown("class", rule.data_class, model.class_ids))
        for i, node in enumerate(rule.through):
            if node not in nodes:
                raise policy.error(index, f"through[{i}]", _unknown("node", node, node_ids))
        atoms = _atoms(model, rule.data_class)
        composite = atoms != (rule.data_class,)
        requests.append(_Request(index, rule, adversaries, rule.at or at, atoms, composite))
    return requests


def _unknown(what: str, name: str, known: list[str]) -> str:
    return f"unknown {what} {quote(name)}{did_you_mean(name, known)}"


def _atoms(model: Model, data_class: str) -> tuple[str, ...]:
    """The atomic classes of a class, nested composites flattened, in the order written."""
    components = model._column("classes", "components")
    index = model.class_index
    found: list[str] = []
    pending = [data_class]
    while pending:
        name = pending.pop()
        parts = components[index[name]]
        if parts is None:
            if name not in found:
                found.append(name)
        else:
            pending.extend(reversed(list(parts)))
    return tuple(found)


# --------------------------------------------------------------------------------------
# Measuring: possible reach and exposure per (model, date), witnesses per violation


@dataclasses.dataclass
class _Measured:
    """Possible reach and exposure of some adversaries in one model at one date."""

    model: Model
    kept: npt.NDArray[np.int64] | None  # this model's access rows → the checked model's (None: the same)
    at: str | None
    possible: dict[tuple[str, str], bool]
    scores: dict[tuple[str, str], tuple[float, float, float]]


def _bypass(model: Model, through: tuple[str, ...]) -> tuple[Model, npt.NDArray[np.int64]]:
    """The model with every ``through`` node disabled (every arc into or out of it removed,
    rule arcs included; docs/design.md §8 decision 8), and for each of its access rows the
    row of ``model`` it is. A node no arc or rule touches is on no path already: it is left
    out (disabling it would change nothing, which ``apply`` refuses)."""
    from ..changes import disable

    frm = model._column("access", "from")
    to = model._column("access", "to")
    exempt = model._column("nodes", "rule_exempt")
    compels = model._column("nodes", "compels")
    removed = np.isin(frm, through) | np.isin(to, through)
    changes = []
    for node in through:
        row = model.node_index[node]
        touched = bool(np.any(frm == node) | np.any(to == node))
        if touched or not exempt[row] or not np.isnan(compels[row]):
            changes.append(disable(node))
    kept = np.flatnonzero(~removed).astype(np.int64)
    if not changes:
        return model, kept
    bypass = model.apply(changes)
    assert len(bypass._column("access", "from")) == len(kept), "disable removes arcs and adds none"
    return bypass, kept


def _measure(
    model: Model, kept: npt.NDArray[np.int64] | None, adversaries: list[str], at: str | None, settings: AnalysisOptions
) -> tuple[_Measured, str, int | None, bool | None]:
    """Possible reach and exposure of ``adversaries`` in ``model`` at ``at``, and the run's
    method, worlds and convergence."""
    reached = reach(model, adversaries, at=at).table
    possible = {(a, c): bool(p) for a, c, p in zip(reached["adversary"], reached["class"], reached["possible"])}
    result = exposure_of(model, adversaries, settings.replace(at=at, progress=False), places=False)
    table = result.table
    scores = {
        (a, c): (float(p), float(lo), float(hi))
        for a, c, p, lo, hi in zip(
            table["adversary"], table["class"], table["probability"], table["ci_low"], table["ci_high"]
        )
    }
    measured = _Measured(model, kept, at, possible, scores)
    return measured, result.method, result.worlds, result.provenance.converged


def _witnesses(original: Model, measured: _Measured, adversary: str, atoms: tuple[str, ...]) -> tuple[Path, ...]:
    """The most likely path of ``adversary`` to each atomic class of ``atoms`` in the measured
    model (exact, shared events once: docs/design.md §2.6), each arc named by the entry of
    ``original`` it comes from. The search is bounded (``MAX_EXPANSIONS``, docs/design.md
    §5a): past it, a ``ModelError``."""
    from .. import _core

    model = measured.model
    graph = compile_model(model, measured.at)
    row = model.node_index[adversary]
    node_ids = model.node_ids
    paths = []
    for data_class in atoms:
        found = _core.most_likely_paths(graph, row, model.class_index[data_class], 1, MAX_EXPANSIONS)
        if not found:
            continue
        nodes, _arcs, origins, probability = found[0]
        names = [node_ids[v] for v in nodes]
        steps = []
        for i, origin in enumerate(int(o) for o in origins):
            if origin >= 0 and measured.kept is not None:
                origin = int(measured.kept[origin])
            steps.append(_step(original, names[i], names[i + 1], origin))
        paths.append(Path(adversary, data_class, tuple(names), tuple(steps), float(probability)))
    return tuple(paths)


def _status(rule: PolicyRule, possible: bool, scores: tuple[float, float, float]) -> Status:
    """never_reaches and only_via are decided by possible reach; max_exposure by the exact
    value (an interval of width 0), else by where the interval lies against the limit."""
    if rule.kind != "max_exposure":
        return "violated" if possible else "holds"
    probability, low, high = scores
    limit = rule.limit
    if low == high:
        return "violated" if probability - limit > EXCESS else "holds"
    if high - limit <= EXCESS:
        return "holds"
    if low - limit > EXCESS:
        return "violated"
    return "undecided"


# --------------------------------------------------------------------------------------
# The analysis


def check(
    model: Model,
    policy: Any,
    *,
    at: Any = None,
    options: AnalysisOptions | None = None,
    **overrides: Unpack[CheckOverrides],
) -> CheckReport:
    """Check ``model`` against ``policy``: a ``Policy``, a policy mapping
    ``{format: datareach-policy/1, rules: [...]}`` or the path of a policy file (YAML or JSON).

    Each rule is checked for each of its adversaries (``adversary``, or every node located
    in ``from_region`` or below it), as of its own ``at`` or else this call's:

    - ``never_reaches`` is violated when the class is possibly reachable (docs/design.md §2.6);
    - ``max_exposure`` when the exposure probability P(X > 0) exceeds ``probability``. With
      Monte Carlo the interval decides: it holds when ``ci_high <= limit``, is violated when
      ``ci_low > limit`` and is "undecided" otherwise (not passed: raise samples or set a
      tolerance);
    - ``only_via`` when some possible path to a store holding the class avoids every
      ``through`` node, i.e. the class is possibly reachable with those nodes disabled.

    A composite class is reached when all its parts are (§2.4), and has one witness path per
    atomic component. ``options`` / keyword overrides (method, samples, tolerance, seed, ...)
    say how the exposures are computed; one seed serves every run and is recorded. Every id
    of the policy is checked against the model first: a bad one is a ``ModelError`` naming
    the rule and field (and the file and line when read from a file)."""
    started = time.perf_counter()
    require_model(model, "model")
    settings = AnalysisOptions.resolve(options, **overrides)
    if at is not None:
        settings = settings.replace(at=at)
    settings = settings.seeded()
    chosen = _policy_of(policy)
    requests = _requests(model, chosen, settings.at_iso)

    # One run per date for the rules on the model itself, one per (through set, date) for
    # the bypass models of only_via; each run covers all the adversaries that need it.
    jobs: dict[tuple[tuple[str, ...] | None, str | None], list[str]] = {}
    for request in requests:
        through = tuple(sorted(request.rule.through)) if request.rule.kind == "only_via" else None
        listed = jobs.setdefault((through, request.at), [])
        for adversary in request.adversaries:
            if adversary not in listed and adversary not in request.rule.through:
                listed.append(adversary)
    bypasses: dict[tuple[str, ...], tuple[Model, npt.NDArray[np.int64]]] = {}
    measured: dict[tuple[tuple[str, ...] | None, str | None], _Measured] = {}
    methods: set[str] = set()
    worlds: set[int | None] = set()
    met: list[bool | None] = []
    with progress_reporter(settings.progress, "run") as report:
        runs = [(key, listed) for key, listed in jobs.items() if listed]
        for done, ((through, day), listed) in enumerate(runs, start=1):
            target, kept = model, None
            if through is not None:
                if through not in bypasses:
                    bypasses[through] = _bypass(model, through)
                target, kept = bypasses[through]
            measured[(through, day)], method, drawn, converged = _measure(target, kept, listed, day, settings)
            methods.add(method)
            worlds.add(drawn)
            met.append(converged)
            if report is not None:
                report(done, len(runs))

    rows = []
    failures = []
    for request in requests:
        rule = request.rule
        through = tuple(sorted(rule.through)) if rule.kind == "only_via" else None
        for adversary in request.adversaries:
            status: Status = "holds"
            scores: tuple[float, float, float] = (0.0, 0.0, 0.0)
            witnesses: tuple[Path, ...] = ()
            if adversary not in rule.through:  # else every path starts at a through node
                run = measured[(through, request.at)]
                key = (adversary, rule.data_class)
                scores = run.scores[key]
                status = _status(rule, run.possible[key], scores)
                if status != "holds":
                    try:
                        witnesses = _witnesses(model, run, adversary, request.atoms)
                    except ModelError as error:
                        raise chosen.error(
                            request.index, None, f"the witness path of {quote(adversary)}: {error.reason}"
                        ) from None
            if status != "holds":
                probability, low, high = scores
                failed: Literal["violated", "undecided"] = "violated" if status == "violated" else "undecided"
                failures.append(
                    Violation(rule, request.index, adversary, request.at, failed, probability, low, high, witnesses)
                )
            rows.append(
                [
                    request.index,
                    rule.kind,
                    adversary,
                    rule.data_class,
                    request.at,
                    status,
                    *scores,
                    rule.limit,
                    rule.note,
                    _witness_text(witnesses, request.composite),
                ]
            )
    # Column by column, the optional text ones as objects: pandas would turn their None into NaN.
    columns = {name: [row[k] for row in rows] for k, name in enumerate(TABLE_COLUMNS)}
    table = pd.DataFrame(
        {
            name: pd.Series(values, dtype=object) if name in ("at", "note", "witness") else values
            for name, values in columns.items()
        },
        columns=TABLE_COLUMNS,
    )
    provenance = Provenance.of_options(
        settings,
        analysis="check",
        method=common_value(methods, "mixed"),
        worlds=common_value(worlds, None),
        seed=settings.seed if "monte_carlo" in methods else None,
        elapsed=time.perf_counter() - started,
        converged=all_converged(met),
    )
    result = CheckReport(table, provenance, model=model.name, policy=chosen, failures=failures)
    warn_if_not_converged(result)
    return result
